"""The bot joining or leaving chats (my_chat_member): record it, check rights, tell the admins."""

from __future__ import annotations

import logging

from telegram import ChatMember, Update

from bot.app import NewsContext
from bot.channels import can_post, posting_problem, remember_chat
from bot.notify import notify_admins

log = logging.getLogger(__name__)


async def on_my_chat_member(update: Update, context: NewsContext) -> None:
    change = update.my_chat_member
    if change is None:
        return
    chat, member = change.chat, change.new_chat_member
    now = context.services.clock.now()
    name = chat.title or chat.username or str(chat.id)
    if member.status in (ChatMember.LEFT, ChatMember.BANNED):
        reason = "the user blocked the bot" if chat.type == "private" else "the bot was removed"
        was_active = await context.db.chats.deactivate(chat.id, reason, now=now)
        log.info("left %s %s (%s)", chat.type, chat.id, reason)
        if was_active and chat.type != "private":
            await notify_admins(context.bot, context.settings.admin_ids,
                                f"I was removed from {chat.type} {name}; I stopped posting there. "
                                "Its subscriptions are kept in case you add me back.")
        return
    await remember_chat(context.db, chat, clock=context.services.clock)
    await context.db.chats.update_settings(chat.id, {"can_post": can_post(member, chat.type)}, now=now)
    stored = await context.db.chats.get(chat.id)
    if chat.type == "private" or stored is None:
        return
    problem = posting_problem(stored)
    if problem:
        await notify_admins(context.bot, context.settings.admin_ids, problem)
    elif change.old_chat_member.status in (ChatMember.LEFT, ChatMember.BANNED):
        await notify_admins(context.bot, context.settings.admin_ids,
                            f"I was added to {chat.type} {name} and can post there. "
                            f"Choose its feeds with /channel {chat.id} subscribe FEED.")


async def on_migrate(update: Update, context: NewsContext) -> None:
    """A group became a supergroup: move its subscriptions and outbox to the new chat id."""
    message = update.effective_message
    if message is None or not message.migrate_to_chat_id:
        return
    old_id, new_id = message.chat.id, message.migrate_to_chat_id
    if await context.db.chats.get(old_id) is not None:
        await context.db.chats.migrate(old_id, new_id, now=context.services.clock.now())
        log.info("group %s became supergroup %s; its rows moved", old_id, new_id)
