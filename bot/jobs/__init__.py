"""Scheduled jobs (PTB JobQueue over APScheduler): each turns a tick into a call on the core or storage.

The job bodies are plain async functions of the shared services, so tests call them directly
with a fake clock instead of waiting for the scheduler.
"""

from __future__ import annotations

import logging

from telegram.ext import Application

from bot.jobs.digest import queue_due_digests
from bot.jobs.poll import poll_due_feeds

log = logging.getLogger(__name__)

POLL_TICK_S = 30
PUBLISH_TICK_S = 1  # a drain stopped by a 429 resumes within a second of retry_after
DIGEST_TICK_S = 30  # a digest slot runs within half a minute of its time


async def _poll_job(context) -> None:  # type: ignore[no-untyped-def]
    reports = await poll_due_feeds(context.services)
    if any(r.queued for r in reports):
        await context.services.publisher.drain()


async def _publish_job(context) -> None:  # type: ignore[no-untyped-def]
    await context.services.publisher.drain()


async def _digest_job(context) -> None:  # type: ignore[no-untyped-def]
    if await queue_due_digests(context.services):
        await context.services.publisher.drain()


def register_jobs(application: Application) -> None:
    """Schedule polling and posting; one instance of each at a time, missed ticks coalesced."""
    queue = application.job_queue
    if queue is None:  # installed without the job-queue extra
        raise RuntimeError("python-telegram-bot's job-queue extra is missing: pip install newsbot again")
    options = {"max_instances": 1, "coalesce": True, "misfire_grace_time": 60}
    queue.run_repeating(_poll_job, interval=POLL_TICK_S, first=5, name="poll", job_kwargs=options)
    queue.run_repeating(_publish_job, interval=PUBLISH_TICK_S, first=3, name="publish", job_kwargs=options)
    queue.run_repeating(_digest_job, interval=DIGEST_TICK_S, first=10, name="digest", job_kwargs=options)
