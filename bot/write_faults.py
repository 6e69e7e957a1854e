"""The database refusing the jobs' writes (disk full, a lock held too long): an outage of the
bot's own storage, not a failure of the feed being polled nor a bug of a job (a statement the
database rejects as wrong is one: ``bot.database_bugs``).

A feed whose stories cannot be stored is not counted as failing (a full disk must not
disable every feed after MAX_FEED_ERRORS polls, leaving them off when space returns); its
claim makes it due again a lease later. A poll or digest tick that cannot even claim its work
skips the tick. Each kind of write is followed on its own (``CLAIM``: choosing the feeds to
poll; ``DIGEST``: planning digests; ``RETENTION``: deleting old stories; a feed's poll, by
feed) and its fault ends when that kind of write works again: the tick's claim, the digest
tick, the retention pass, that feed's next poll (new stories or not), or the feed's removal;
any poll storing new stories (the writes needing the most room) ends every kind's. The fault is over when no kind
is refused any more. Logged once per fault (not a traceback every two seconds), the admins
told once when it starts (and at most once an hour, should it come and go), and once when it
is over.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime, timedelta

from telegram import Bot

from bot.clock import Clock
from bot.notify import notify_admins

__all__ = ["CLAIM", "DIGEST", "NOTICE_EVERY", "RETENTION", "WriteFaults", "feed_write"]

log = logging.getLogger(__name__)

NOTICE_EVERY = timedelta(hours=1)
CLAIM = "claim"  # the poll tick choosing (claiming) the due feeds
DIGEST = "digest"  # the digest tick planning the due digests
RETENTION = "retention"  # the daily pass deleting old stories (bot.jobs.retention)
_FEED = "feed:"


def feed_write(feed_id: int) -> str:
    """The kind of write of one feed's poll (its stories and its state)."""
    return f"{_FEED}{feed_id}"


class WriteFaults:
    """Whether the database takes the jobs' writes; one per bot process."""

    def __init__(self, bot: Bot, admin_ids: Iterable[int], clock: Clock) -> None:
        self._bot = bot
        self._admin_ids = list(admin_ids)
        self._clock = clock
        self._refused: dict[str, str] = {}  # each kind of write refused now, and what the database said
        self._told_at: datetime | None = None
        self._told = False  # the admins heard of the current fault

    @property
    def fault(self) -> str | None:
        """What the database said, while it refuses some kind of write; None when all work."""
        return next(iter(self._refused.values()), None)

    async def failed(self, exc: BaseException, *, doing: str, kind: str) -> str:
        """A job could not write (``doing``: "polling https://…/rss"; ``kind``: ``CLAIM``,
        ``DIGEST`` or ``feed_write(id)``); returns the error text."""
        reason = str(exc) or type(exc).__name__
        refused = f"the database refused a write: {reason}"
        started = not self._refused
        self._refused[kind] = reason
        if not started:
            log.debug("%s: the database still refuses writes (%s)", doing, reason)
            return refused
        log.error("cannot write to the database (%s) while %s: new stories wait on their feeds and digests "
                  "on their slots until writing works again; no feed is counted as failing", reason, doing)
        now = self._clock.now()
        if self._told_at is None or now - self._told_at >= NOTICE_EVERY:
            self._told_at, self._told = now, True
            await notify_admins(
                self._bot, self._admin_ids,
                f"I cannot store new stories: the database refuses writes ({reason}). Is the disk full, or "
                "is another program holding the database? Polling goes on; the stories the feeds publish "
                "meanwhile are stored and posted as soon as writing works again.",
            )
        return refused

    async def works(self, kind: str) -> None:
        """A write of ``kind`` worked: its fault (if any) is over; the whole fault when it was the last."""
        if self._refused.pop(kind, None) is not None:
            await self._over_if_none_left()

    async def feed_removed(self, feed_id: int) -> None:
        """The admin removed a feed: its poll's writes will never be made again, so its fault
        (if any) is closed, and the whole fault when it was the last kind refused. Left open, it
        would stand for good: only that feed's next poll ended it."""
        await self.works(feed_write(feed_id))

    async def stored(self) -> None:
        """A poll stored new stories: the writes that need the most room worked, so every kind
        does (the daily retention pass, say, need not wait a day to prove it)."""
        if self._refused:
            self._refused.clear()
            await self._over_if_none_left()

    async def _over_if_none_left(self) -> None:
        if self._refused:
            return
        log.warning("the database takes writes again; polling stores stories again")
        if self._told:
            self._told = False
            await notify_admins(self._bot, self._admin_ids,
                                "The database takes writes again (writing works again): new stories are "
                                "stored and posted as usual.")
