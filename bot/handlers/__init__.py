"""Telegram update handlers: each turns an Update into a call on the core or storage and a reply."""

from __future__ import annotations

from telegram.ext import Application, CommandHandler

from bot.handlers import basic, errors


def register_handlers(application: Application) -> None:
    application.add_handler(CommandHandler("start", basic.start))
    application.add_handler(CommandHandler("help", basic.help_command))
    application.add_error_handler(errors.on_error)
