"""Telling the admins, in plain words, about things they have to act on.

A notice Telegram refuses with 429 is not lost: it waits in the outbox of the bot that sent
it (``bot.delivery.notices``, attached when the bot's services open).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from telegram import Bot
from telegram.error import RetryAfter, TelegramError

from bot.delivery.notices import NoticeOutbox
from bot.delivery.outcome import retry_after
from bot.delivery.ratelimit import not_bulk
from bot.news.pages import fit_message
from bot.news.render import escape

log = logging.getLogger(__name__)

# The outbox of each running bot, by id(bot): every caller passes the bot, not the services.
_OUTBOXES: dict[int, NoticeOutbox] = {}


def attach_outbox(bot: Bot, outbox: NoticeOutbox | None) -> None:
    """Let notices of ``bot`` that Telegram refuses with 429 wait in ``outbox`` (None: detach)."""
    if outbox is None:
        _OUTBOXES.pop(id(bot), None)
    else:
        _OUTBOXES[id(bot)] = outbox


async def notify_admins(bot: Bot, admin_ids: Iterable[int], text: str) -> int:
    """Send plain text to every admin; returns how many got it (or will: queued after a 429).
    Never raises."""
    delivered = 0
    html = fit_message(escape(text))
    for admin_id in admin_ids:
        try:
            with not_bulk():  # made mid-post (a topic gone): it must not be paused with the posts
                await bot.send_message(admin_id, html)
            delivered += 1
        except RetryAfter as exc:  # Telegram took nothing: queue it for when its wait is over
            outbox = _OUTBOXES.get(id(bot))
            if outbox is not None and await outbox.queue(admin_id, html, retry_after(exc)):
                delivered += 1
            else:
                log.warning("could not notify admin %s: %s", admin_id, exc)
        except TelegramError as exc:
            log.warning("could not notify admin %s: %s", admin_id, exc)
    if not delivered:
        log.warning("admin notice not delivered to anyone: %s", text)
    return delivered
