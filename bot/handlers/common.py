"""Small helpers the handlers share: replies, admin checks, finding a feed by what a person typed."""

from __future__ import annotations

import functools
import logging
from collections.abc import Awaitable, Callable, Sequence
from datetime import timedelta
from zoneinfo import ZoneInfo

from telegram import Update
from telegram.error import RetryAfter, TelegramError

from bot.app import NewsContext
from bot.channels import remember_chat
from bot.delivery.outcome import retry_after
from bot.delivery.reply_retry import UnsentReply
from bot.news.pages import fit_message
from bot.news.render import escape
from bot.news.textsafe import valid_text
from bot.texts import pick_language, t
from storage.feeds import MAX_TITLE, Feed

log = logging.getLogger(__name__)

Handler = Callable[[Update, NewsContext], Awaitable[None]]
MAX_ARGUMENT = 500  # longer arguments are cut: no command needs more
MAX_ID = 2**63 - 1  # SQLite's INTEGER; a larger number names nothing we store


def parse_id(text: str) -> int | None:
    """A stored row's id (a feed, a story) from what a person or a button sent, else None."""
    text = text.strip()
    if not text.isascii() or not text.isdigit() or len(text) > 19:
        return None
    number = int(text)
    return number if 0 < number <= MAX_ID else None


def missing_feed(ref: str, feeds: Sequence[Feed], *, listed_by: str = "/feeds") -> str:
    """Plain words for a feed reference that names no feed."""
    count = len(feeds)
    if ref.strip().isdigit():
        if not count:
            return "There are no feeds yet. Add one with /addfeed URL."
        span = "number 1" if count == 1 else f"numbers 1 to {count}"
        return f"There is no feed {escape(ref.strip()[:20])}: {listed_by} has {span}."
    return f"No feed matches “{escape(ref.strip()[:100])}”. See {listed_by} for the numbers."


async def reply(update: Update, text: str, **kwargs: object) -> None:
    """Answer in the chat the update came from (HTML; callers escape what they did not write).

    Every reply goes through here, so none is longer than Telegram takes (``fit_message``).
    One Telegram still refuses with 429 after its retries raises ``UnsentReply`` when it fits
    the outbox (no keyboard), and the error handler queues it (``bot.handlers.errors``).
    """
    text = fit_message(valid_text(text))  # an echoed argument may hold control characters
    message = update.effective_message
    try:
        if message is not None:
            await message.reply_text(text, **kwargs)  # type: ignore[arg-type]
        elif update.effective_chat is not None:
            await update.get_bot().send_message(update.effective_chat.id, text, **kwargs)  # type: ignore[arg-type]
    except RetryAfter as exc:
        if kwargs or isinstance(exc, UnsentReply):  # a keyboard does not fit in an outbox row
            raise
        # What PTB's reply_text sent it with: a quote of the command outside private chats
        # (Defaults.do_quote is unset) and the command's forum topic; the outbox keeps both.
        quoted = message is not None and message.chat.type != "private"
        raise UnsentReply(text, exc, reply_to=message.message_id if quoted and message else None,
                          thread_id=message.message_thread_id if message and message.is_topic_message else None
                          ) from exc


MAX_LIST_MESSAGES = 10  # a list command answers in at most this many messages


async def reply_paced(update: Update, context: NewsContext, messages: Sequence[str]) -> None:
    """Answer with several messages: the first now, the others through the outbox, about one a
    second (Telegram's limit for a private chat), so a long list never floods the chat."""
    if not messages:
        return
    start, quote = 1, None
    message = update.effective_message
    topic = message.message_thread_id if message is not None and message.is_topic_message else None
    try:
        await reply(update, messages[0])
    except UnsentReply as exc:  # refused with 429: the first goes to the outbox too, before the rest
        if update.effective_chat is None:
            raise
        start, wait, quote = 0, retry_after(exc), exc.reply_to
    else:
        wait = timedelta(0)
    chat = update.effective_chat
    if chat is None or len(messages) == start:
        return
    now = context.services.clock.now() + wait
    await remember_chat(context.db, chat, clock=context.services.clock)
    for index, text in enumerate(messages[start:], start=start):
        await context.db.deliveries.enqueue_reply(
            chat.id, f"{update.update_id}:{index}", fit_message(valid_text(text)), now=now + timedelta(seconds=index),
            link_preview=context.settings.link_previews, thread_id=topic, reply_to=quote if index == 0 else None,
        )
    if start == 0:
        context.services.publisher.wake()


def argument_text(context: NewsContext) -> str:
    """The command's arguments as one string, trimmed to a sane length."""
    return " ".join(context.args or [])[:MAX_ARGUMENT].strip()


def is_admin(update: Update, context: NewsContext) -> bool:
    user = update.effective_user
    return user is not None and user.id in context.settings.admin_ids


def admin_only(handler: Handler) -> Handler:
    """Refuse a command politely for anyone not in ADMIN_IDS."""

    @functools.wraps(handler)
    async def wrapper(update: Update, context: NewsContext) -> None:
        if not is_admin(update, context):
            await reply(update, "Sorry, this command is for the bot's admins only.")
            return
        await handler(update, context)

    return wrapper


async def chat_admin_or_private(update: Update, context: NewsContext) -> bool:
    """In groups, only the group's own admins (or the bot's) may change what the group gets."""
    chat, user = update.effective_chat, update.effective_user
    if chat is None or user is None or chat.type == "private" or is_admin(update, context):
        return True
    try:
        member = await context.bot.get_chat_member(chat.id, user.id)
    except TelegramError as exc:
        log.warning("could not check admin rights of %s in %s: %s", user.id, chat.id, exc)
        return False
    if member.status in ("creator", "administrator"):
        return True
    stored = await context.db.chats.get(chat.id)
    lang = pick_language(stored.language if stored else None, user.language_code)
    await reply(update, t(lang, "group_admins_only"))
    return False


async def chat_language(update: Update, context: NewsContext) -> str:
    """Record the chat (so the bot can write to it later) and return the language to answer in."""
    chat = update.effective_chat
    user = update.effective_user
    stored = None
    if chat is not None:
        stored = await remember_chat(context.db, chat, clock=context.services.clock)
    return pick_language(stored.language if stored else None, user.language_code if user else None)


async def chat_zone(update: Update, context: NewsContext) -> ZoneInfo:
    """The chat's time zone for showing times, else the bot's default."""
    chat = update.effective_chat
    stored = await context.db.chats.get(chat.id) if chat else None
    return stored.zone(context.settings.zone) if stored else context.settings.zone


def find_feed(feeds: Sequence[Feed], ref: str) -> Feed | None:
    """A feed by its number in the list (1-based), its URL, or a unique part of its title."""
    ref = ref.strip()
    if not ref:
        return None
    if ref.isdigit():
        number = int(ref)
        return feeds[number - 1] if 1 <= number <= len(feeds) else None
    lowered = ref.lower().rstrip("/")
    for feed in feeds:
        if feed.url.lower().rstrip("/") == lowered:
            return feed
    exact = [f for f in feeds if f.title.lower() == lowered]
    if len(exact) == 1:
        return exact[0]
    partial = [f for f in feeds if lowered in f.title.lower()]
    return partial[0] if len(partial) == 1 else None


def feed_line(number: int, feed: Feed) -> str:
    """"3. Feed title" for lists; a title stored before titles were clipped is cut here."""
    name = " ".join(feed.name.split())
    return f"{number}. {escape(name if len(name) <= MAX_TITLE else name[: MAX_TITLE - 1] + '…')}"
