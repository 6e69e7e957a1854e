"""Scheduled jobs (PTB JobQueue over APScheduler): each turns a tick into a call on the core or storage."""

from __future__ import annotations

from telegram.ext import Application


def register_jobs(application: Application) -> None:
    """Schedule the bot's recurring jobs (none yet: feed polling and posting come next)."""
