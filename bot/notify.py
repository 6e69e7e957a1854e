"""Telling the admins, in plain words, about things they have to act on.

A notice Telegram refuses with 429, or with a 5xx (or the Bot API cannot be reached at all),
is not lost: it waits in the outbox of the bot that sent it (``bot.delivery.notices``, attached
when the bot's services open), and goes out when Telegram's wait is over or the Bot API is back.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import timedelta

from telegram import Bot
from telegram.error import BadRequest, NetworkError, RetryAfter, TelegramError, TimedOut

from bot.delivery.notices import NOTICE_RETRY_AFTER, NoticeOutbox
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


async def notify_admins(bot: Bot, admin_ids: Iterable[int], text: str, *, queue_on_5xx: bool = True) -> int:
    """Send plain text to every admin; returns how many got it (or will: queued after a 429 or
    a 5xx). ``queue_on_5xx=False``: a notice that the Bot API is down, stale once it is back
    (the notice then sent says how long it was down). Never raises."""
    delivered = 0
    html = fit_message(escape(text))
    for admin_id in admin_ids:
        try:
            with not_bulk():  # made mid-post (a topic gone): it must not be paused with the posts
                await bot.send_message(admin_id, html)
            delivered += 1
        except RetryAfter as exc:  # Telegram took nothing: queue it for when its wait is over
            if await _queue(bot, admin_id, html, retry_after(exc), why="429"):
                delivered += 1
            else:
                log.warning("could not notify admin %s: %s", admin_id, exc)
        except (TimedOut, BadRequest) as exc:  # Telegram may have taken it / the notice itself is wrong
            log.warning("could not notify admin %s: %s", admin_id, exc)
        except NetworkError as exc:  # a 5xx or no connection: Telegram took nothing; try it later
            if queue_on_5xx and await _queue(bot, admin_id, html, NOTICE_RETRY_AFTER, why=exc.message[:200]):
                delivered += 1
            else:
                log.warning("could not notify admin %s: %s", admin_id, exc)
        except TelegramError as exc:
            log.warning("could not notify admin %s: %s", admin_id, exc)
    if not delivered:
        log.warning("admin notice not delivered to anyone: %s", text)
    return delivered


async def _queue(bot: Bot, admin_id: int, html: str, wait: timedelta, *, why: str) -> bool:
    outbox = _OUTBOXES.get(id(bot))
    return outbox is not None and await outbox.queue(admin_id, html, wait, why=why)
