"""The last line of defence: log an unexpected error with context and keep the bot running."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.error import TelegramError

from bot.app import NewsContext

log = logging.getLogger(__name__)


async def on_error(update: object, context: NewsContext) -> None:
    chat_id = update.effective_chat.id if isinstance(update, Update) and update.effective_chat else None
    log.error("unhandled error (chat %s)", chat_id, exc_info=context.error)
    if isinstance(update, Update) and update.effective_message is not None:
        try:
            await update.effective_message.reply_text(
                "Sorry, something went wrong on my side. The admins have been told; please try again later."
            )
        except TelegramError as exc:
            log.warning("could not tell chat %s about the error: %s", chat_id, exc)
