"""Channels and groups the bot posts to: registering them and checking its right to post."""

from __future__ import annotations

import logging

from telegram import Bot, ChatFullInfo, ChatMember, ChatMemberAdministrator
from telegram import Chat as TelegramChat
from telegram.error import TelegramError

from bot.clock import Clock
from storage import Database
from storage.errors import DATABASE_ERRORS, is_outage
from storage.chats import Chat

log = logging.getLogger(__name__)


def can_post(member: ChatMember, chat_type: str) -> bool:
    """Whether a membership lets the bot post: in a channel it must be an admin with
    "Post messages"; in a group being a member is enough."""
    if member.status in (ChatMember.LEFT, ChatMember.BANNED):
        return False
    if chat_type != "channel":
        return member.status != ChatMember.RESTRICTED or bool(getattr(member, "can_send_messages", False))
    if member.status == ChatMember.OWNER:
        return True
    return isinstance(member, ChatMemberAdministrator) and bool(member.can_post_messages)


def posting_problem(chat: Chat) -> str | None:
    """Plain words for an admin if the bot cannot post to a chat, else None."""
    name = chat.display_name
    if not chat.active:
        return f"I am not in {chat.kind} {name} any more ({chat.inactive_reason or 'removed'})."
    if chat.can_post is False:
        if chat.kind == "channel":
            return (f"I am in channel {name} but cannot post there: make me an admin of the channel "
                    "with the “Post messages” right.")
        return f"I cannot send messages in {chat.kind} {name}: allow me to send messages there."
    return None


async def remember_chat(db: Database, chat: TelegramChat | ChatFullInfo, *, clock: Clock) -> Chat | None:
    """Store (or refresh) a chat Telegram told us about, e.g. in an update, and return it.

    A database that cannot take the write (locked by another program, disk full) must not
    cost the user the answer: the chat as last stored (None if never) is returned instead.
    """
    try:
        return await db.chats.upsert(chat.id, chat.type, title=chat.title or chat.full_name or "",
                                     username=chat.username, now=clock.now())
    except DATABASE_ERRORS as exc:
        if not is_outage(exc):  # a bug of ours: the error handler logs it and tells the admins
            raise
        log.warning("could not record chat %s (%s); answering from what is stored", chat.id, exc)
        return await db.chats.get(chat.id)


async def register_chat(db: Database, bot: Bot, ref: str | int, *, clock: Clock) -> Chat:
    """Look a chat up in Telegram (by @username or id), store it and whether the bot may post.

    Raises TelegramError if Telegram does not know the chat or the bot is not in it.
    """
    info = await bot.get_chat(ref)
    chat = await db.chats.upsert(info.id, info.type, title=info.title or info.full_name or "",
                                 username=info.username, now=clock.now())
    try:
        member = await bot.get_chat_member(info.id, bot.id)
        allowed = can_post(member, info.type)
    except TelegramError as exc:
        log.warning("could not check posting rights in %s: %s", info.id, exc)
        allowed = False
    await db.chats.update_settings(chat.id, {"can_post": allowed}, now=clock.now())
    return (await db.chats.get(chat.id)) or chat
