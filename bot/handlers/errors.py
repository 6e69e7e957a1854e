"""The last line of defence: log an unexpected error with context, tell the user and the admins,
and keep the bot running."""

from __future__ import annotations

import logging
import traceback
from datetime import timedelta

from telegram import Update
from telegram.error import NetworkError, TelegramError

from bot.app import NewsContext
from bot.channels import remember_chat
from bot.delivery.outcome import retry_after
from bot.delivery.reply_retry import UnsentReply
from bot.notify import notify_admins
from bot.texts import pick_language, t
from storage.errors import DATABASE_ERRORS, is_damaged

log = logging.getLogger(__name__)

ADMIN_NOTICE_EVERY = timedelta(minutes=10)  # an error storm must not flood the admins


async def on_error(update: object, context: NewsContext) -> None:
    chat_id = update.effective_chat.id if isinstance(update, Update) and update.effective_chat else None
    if isinstance(context.error, UnsentReply) and isinstance(update, Update) and await _queue_reply(
        update, context, context.error
    ):
        return
    error = context.error
    damaged = error is not None and is_damaged(error)
    if error is not None and damaged:  # the file itself, not a bug: said once, plainly (bot.database_bugs)
        await context.services.database_bugs.report(error, doing=f"answering chat {chat_id}")
    else:
        log.error("unhandled error (chat %s)", chat_id, exc_info=context.error)
    if isinstance(update, Update) and update.effective_message is not None:
        user = update.effective_user
        try:
            await update.effective_message.reply_text(
                t(pick_language(None, user.language_code if user else None), "error")
            )
        except TelegramError as exc:
            log.warning("could not tell chat %s about the error: %s", chat_id, exc)
    if damaged:
        return
    now = context.services.clock.now()
    last = context.bot_data.get("last_error_notice")
    if last is None or now - last >= ADMIN_NOTICE_EVERY:
        context.bot_data["last_error_notice"] = now
        await notify_admins(context.bot, context.settings.admin_ids,
                            f"Unexpected error (chat {chat_id}): {describe_error(context.error)}. "
                            "Details are in the bot's log.")


async def _queue_reply(update: Update, context: NewsContext, unsent: UnsentReply) -> bool:
    """Put a reply Telegram kept refusing with 429 in the outbox, due when its wait is over; the
    publisher sends it as it sends every row (and keeps it through further 429s and restarts)."""
    chat = update.effective_chat
    if chat is None:
        return False
    services = context.services
    wait = retry_after(unsent)
    try:
        await remember_chat(services.db, chat, clock=services.clock)
        await services.db.deliveries.enqueue_reply(
            chat.id, f"{update.update_id}:unsent", unsent.text, now=services.clock.now() + wait,
            link_preview=context.settings.link_previews,  # the Defaults every reply is sent with
            thread_id=unsent.thread_id, reply_to=unsent.reply_to)
    except DATABASE_ERRORS as exc:
        log.warning("could not queue the reply to chat %s that Telegram refused with 429: %s", chat.id, exc)
        return False
    log.warning("Telegram kept refusing the reply to chat %s with 429; it is queued in the outbox, "
                "due in %g s", chat.id, wait.total_seconds())
    services.publisher.wake()
    return True


def describe_error(error: BaseException | None) -> str:
    """An error in words an admin can act on; a Bot API refusal names the method and what
    Telegram said (PTB calls a 404 "InvalidToken" whatever the cause)."""
    if isinstance(error, NetworkError):  # no answer at all (TimedOut is one): nothing was refused
        return f"the Bot API did not answer {bot_api_method(error) or 'a call'}: {error.message[:300]}"
    if isinstance(error, TelegramError):
        method = bot_api_method(error)
        return f"Telegram refused {method or 'a Bot API call'}: {error.message[:300]}"
    return f"{type(error).__name__}: {str(error)[:300]}"


def bot_api_method(error: BaseException) -> str | None:
    """The Bot API method (``sendDocument``) a TelegramError came from, read off the traceback:
    PTB's request code has it as ``endpoint`` but does not put it on the exception."""
    method = None
    for frame, _ in traceback.walk_tb(error.__traceback__):
        if frame.f_code.co_filename.replace("\\", "/").find("/telegram/") >= 0:
            endpoint = frame.f_locals.get("endpoint")
            if isinstance(endpoint, str) and endpoint:
                method = endpoint
    return method
