"""Telling the admins, in plain words, about things they have to act on."""

from __future__ import annotations

import logging
from collections.abc import Iterable

from telegram import Bot
from telegram.error import TelegramError

from bot.news.pages import fit_message
from bot.news.render import escape

log = logging.getLogger(__name__)


async def notify_admins(bot: Bot, admin_ids: Iterable[int], text: str) -> int:
    """Send plain text to every admin; returns how many got it. Never raises."""
    delivered = 0
    for admin_id in admin_ids:
        try:
            await bot.send_message(admin_id, fit_message(escape(text)))
            delivered += 1
        except TelegramError as exc:
            log.warning("could not notify admin %s: %s", admin_id, exc)
    if not delivered:
        log.warning("admin notice not delivered to anyone: %s", text)
    return delivered
