"""The database refusing the jobs' writes (disk full, a lock held too long): an outage of the
bot's own storage, not a failure of the feed being polled nor a bug of a job.

A feed whose stories cannot be stored is not counted as failing (a full disk must not
disable every feed after MAX_FEED_ERRORS polls, leaving them off when space returns); its
claim makes it due again a lease later, and the poll that stores new stories again ends the
fault. A poll or digest tick that cannot even claim its work skips the tick. Logged once per
fault (not a traceback every two seconds), the admins told once (and at most once an hour,
should the fault come and go), and told again when writing works.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime, timedelta

from telegram import Bot

from bot.clock import Clock
from bot.notify import notify_admins

__all__ = ["NOTICE_EVERY", "WriteFaults"]

log = logging.getLogger(__name__)

NOTICE_EVERY = timedelta(hours=1)


class WriteFaults:
    """Whether the database takes the poll job's writes; one per bot process."""

    def __init__(self, bot: Bot, admin_ids: Iterable[int], clock: Clock) -> None:
        self._bot = bot
        self._admin_ids = list(admin_ids)
        self._clock = clock
        self.fault: str | None = None  # what the database said, while it refuses writes
        self._told_at: datetime | None = None
        self._told = False  # the admins heard of the current fault

    async def failed(self, exc: BaseException, *, doing: str) -> str:
        """A job could not write (``doing``: "polling https://…/rss"); returns the error text."""
        reason = str(exc) or type(exc).__name__
        refused = f"the database refused a write: {reason}"
        if self.fault is not None:
            log.debug("%s: the database still refuses writes (%s)", doing, reason)
            return refused
        self.fault = reason
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

    async def stored(self) -> None:
        """A poll stored new stories: writing works (again)."""
        if self.fault is None:
            return
        fault, self.fault = self.fault, None
        log.warning("the database takes writes again (it refused them: %s); polling stores stories again", fault)
        if self._told:
            self._told = False
            await notify_admins(self._bot, self._admin_ids,
                                "The database takes writes again (writing works again): new stories are "
                                "stored and posted as usual.")
