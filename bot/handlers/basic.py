"""/start and /help: register the chat and tell the person what the bot can do."""

from __future__ import annotations

import html
import logging

from telegram import Update

from bot.app import NewsContext
from bot.handlers.commands import COMMANDS

log = logging.getLogger(__name__)


async def remember_chat(update: Update, context: NewsContext) -> None:
    """Record the chat an update came from (readers, groups) so the bot can write to it later."""
    chat = update.effective_chat
    if chat is None:
        return
    title = chat.title or chat.full_name or ""
    await context.db.chats.upsert(
        chat.id, chat.type, title=title, username=chat.username, now=context.services.clock.now()
    )


async def start(update: Update, context: NewsContext) -> None:
    await remember_chat(update, context)
    user = update.effective_user
    name = html.escape(user.first_name) if user and user.first_name else "there"
    await update.effective_message.reply_text(  # type: ignore[union-attr]
        f"Hello, {name}! I collect news from news sites, summarize each story in a few "
        "sentences and post the summaries here.\n\n" + help_text(context)
    )


async def help_command(update: Update, context: NewsContext) -> None:
    await remember_chat(update, context)
    await update.effective_message.reply_text(help_text(context))  # type: ignore[union-attr]


def help_text(context: NewsContext) -> str:
    lines = ["<b>Commands</b>"]
    for command in COMMANDS:
        if command.admin:
            continue
        usage = f" {html.escape(command.usage)}" if command.usage else ""
        lines.append(f"/{command.name}{usage} — {html.escape(command.description)}")
    return "\n".join(lines)
