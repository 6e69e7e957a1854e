"""/start, /help and unknown commands: register the chat and tell the person what the bot can do."""

from __future__ import annotations

import html
import logging

from telegram import Update

from bot.app import NewsContext
from bot.handlers.commands import COMMANDS
from bot.handlers.common import chat_language, is_admin, parse_id, reply
from bot.handlers.reader import related_for_article, subscribe_to
from bot.texts import t
from bot.handlers.posts import send_article
from bot.ui import ARTICLE_PAYLOAD, RELATED_PAYLOAD, SUBSCRIBE_PAYLOAD

log = logging.getLogger(__name__)


async def start(update: Update, context: NewsContext) -> None:
    """/start, also with deep-link payloads: related_<article id> and sub_<feed id>."""
    lang = await chat_language(update, context)
    payload = (context.args or [""])[0]
    if payload.startswith(RELATED_PAYLOAD) and payload[len(RELATED_PAYLOAD):].isdigit():
        await related_for_article(update, context, parse_id(payload[len(RELATED_PAYLOAD):]))
        return
    if payload.startswith(ARTICLE_PAYLOAD) and payload[len(ARTICLE_PAYLOAD):].isdigit():
        await send_article(update, context, parse_id(payload[len(ARTICLE_PAYLOAD):]))
        return
    if payload.startswith(SUBSCRIBE_PAYLOAD) and payload[len(SUBSCRIBE_PAYLOAD):].isdigit():
        # subscribe_to checks, as every subscribing path does, that a group's admin asked.
        await subscribe_to(update, context, parse_id(payload[len(SUBSCRIBE_PAYLOAD):]))
        return
    user = update.effective_user
    name = html.escape(user.first_name) if user and user.first_name else t(lang, "there")
    await reply(update, t(lang, "welcome", name=name) + "\n\n" + help_text(lang, admin=is_admin(update, context)))


async def help_command(update: Update, context: NewsContext) -> None:
    lang = await chat_language(update, context)
    await reply(update, help_text(lang, admin=is_admin(update, context)))


async def unknown_command(update: Update, context: NewsContext) -> None:
    lang = await chat_language(update, context)
    await reply(update, t(lang, "unknown_command"))


async def plain_text(update: Update, context: NewsContext) -> None:
    """Text that is no command, in a private chat: say what the bot does with words."""
    lang = await chat_language(update, context)
    await reply(update, t(lang, "plain_text_hint"))


def help_text(lang: str, *, admin: bool = False) -> str:
    """Every command with one line each; admin commands only for admins."""
    lines = [f"<b>{t(lang, 'commands')}</b>"]
    for command in COMMANDS:
        if command.admin and not admin:
            continue
        usage = f" {html.escape(command.usage)}" if command.usage else ""
        lines.append(f"/{command.name}{usage} — {html.escape(command.describe(lang))}")
    return "\n".join(lines)
