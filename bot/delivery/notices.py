"""Admin notices Telegram refused with 429 or a 5xx wait in the outbox instead of being lost.

A notice to an admin (a channel that removed the bot, the Bot API down, the disk full) is
sent at once (``bot.notify.notify_admins``). If Telegram answers 429 ("Too Many Requests:
retry after N") even after a reply's retries, the notice is queued as a queued reply is
(``DeliveryRepo.enqueue_reply``), due when Telegram's wait is over, and the publisher sends
it as it sends every row: through further 429s, restarts and outages. A notice refused with a
5xx ("Internal Server Error", "Bad Gateway") or that found no Bot API to talk to (Telegram
took nothing either way) is queued the same way, due ``NOTICE_RETRY_AFTER`` later; the
publisher's retry policy then bounds it as any row's (doubling waits, given up after
``DELIVERY_RETRY_HOURS``). A notice that timed out is not queued: Telegram may have taken it.

Not repeated forever: an identical notice to the same admin is queued once a UTC day (the
outbox's unique key holds a digest of the text and the day), and at most
``MAX_WAITING_NOTICES`` wait per admin; more are logged and dropped (an error storm during a
flood wait must not become hundreds of messages later).
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from bot.clock import Clock
from storage import Database
from storage.errors import DATABASE_ERRORS

__all__ = ["MAX_WAITING_NOTICES", "NOTICE_KEY_PREFIX", "NOTICE_RETRY_AFTER", "NoticeOutbox"]

log = logging.getLogger(__name__)

MAX_WAITING_NOTICES = 20  # per admin
NOTICE_KEY_PREFIX = "notice:"
NOTICE_RETRY_AFTER = timedelta(seconds=30)  # a notice refused with a 5xx: the first try again


class NoticeOutbox:
    """Queues the admin notices Telegram refused (429, 5xx); one per bot process."""

    def __init__(self, db: Database, clock: Clock, *, link_preview: bool,
                 wake: Callable[[], None] = lambda: None) -> None:
        self._db = db
        self._clock = clock
        self._link_preview = link_preview  # what the notice was sent with (the Defaults)
        self._wake = wake  # the publisher: a row was queued
        self._capped: set[int] = set()  # admins whose cap was logged, until they have room again
        self._lock = asyncio.Lock()  # handlers run concurrently: the cap's count and insert are one step

    async def queue(self, admin_id: int, html: str, wait: timedelta, *, why: str = "429") -> bool:
        """Queue ``html`` for ``admin_id``, due after ``wait`` (``why``: what Telegram said, for
        the log). True if it is queued, or an identical one waits or went today; False if it is
        dropped (the cap is reached, the admin's chat is inactive, or the database refused).
        Never raises."""
        now = self._clock.now()
        digest = hashlib.sha256(html.encode()).hexdigest()[:24]
        key = f"{NOTICE_KEY_PREFIX}{now:%Y-%m-%d}:{digest}"
        async with self._lock:
            return await self._queue(admin_id, html, wait, key, now, why)

    async def _queue(self, admin_id: int, html: str, wait: timedelta, key: str, now: datetime, why: str) -> bool:
        try:
            chat = await self._db.chats.get(admin_id)
            if chat is None:  # an admin who never wrote to the bot: a private chat is the user's id
                chat = await self._db.chats.upsert(admin_id, "private", now=now, reactivate=False)
            if not chat.active:
                log.warning("admin notice to %s not queued: the chat is inactive (%s)", admin_id,
                            chat.inactive_reason)
                return False
            if await self._db.deliveries.waiting_replies(admin_id, NOTICE_KEY_PREFIX) >= MAX_WAITING_NOTICES:
                if admin_id not in self._capped:
                    self._capped.add(admin_id)
                    log.warning("%d admin notices already wait for admin %s (Telegram refused them); "
                                "dropping further ones until they are sent", MAX_WAITING_NOTICES, admin_id)
                return False
            self._capped.discard(admin_id)
            queued = await self._db.deliveries.enqueue_reply(
                admin_id, key, html, now=now + wait, link_preview=self._link_preview)
        except DATABASE_ERRORS as exc:
            log.warning("could not queue the admin notice to %s that Telegram refused (%s): %s", admin_id, why, exc)
            return False
        if queued:
            log.warning("Telegram refused an admin notice to %s (%s); it is queued, due in %g s",
                        admin_id, why, wait.total_seconds())
            self._wake()
        else:
            log.info("the same admin notice to %s is queued or was sent today; not queued again", admin_id)
        return True
