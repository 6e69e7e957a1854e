"""A statement of ours the database rejects ("no such column", a syntax error, a constraint):
a bug of newsbot, not an outage (``storage.errors.is_outage`` tells them apart).

An outage is waited out quietly (``bot.write_faults``); a bug must not be: trying again would
fail the same way forever. Each distinct bug is logged once with its traceback (not every
two seconds, once a tick) and the admins told once in plain words, so that it is reported
and fixed; the job that hit it skips its work and goes on (the feed is not counted as failing:
the fault is the bot's, and upgrading newsbot fixes it).

A damaged SQLite file ("database disk image is malformed", "file is not a database") is neither:
not the bot's bug, and not waited out. It is said once, plainly, with the file and what to do
(``storage.errors.recover_advice``); the jobs skip what touches the damaged pages and go on with
the rest (what can be read is still read and posted).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from telegram import Bot

from bot.notify import notify_admins
from storage.errors import is_damaged, recover_advice

__all__ = ["DatabaseBugs"]

log = logging.getLogger(__name__)

GOING_ON = "I go on with what can still be read"
MAX_REMEMBERED = 100  # distinct bugs said once each; past that a new one is logged at debug level, not told


class DatabaseBugs:
    """The database bugs seen by one bot process, each reported once."""

    def __init__(self, bot: Bot, admin_ids: Iterable[int], *, database: str = "the database file") -> None:
        self._bot = bot
        self._admin_ids = list(admin_ids)
        self._database = database  # the SQLite file, named in the notice of a damaged one
        self._damage_told = False
        self._seen: set[tuple[str, str]] = set()
        self._full = False  # MAX_REMEMBERED bugs seen: said once, in the log

    async def report(self, exc: BaseException, *, doing: str, meanwhile: str = GOING_ON) -> str:
        """A job's statement failed with ``exc`` while ``doing`` ("polling https://…/rss");
        returns the error text for the job's report. ``meanwhile``: what the bot does about a
        damaged file, said in the one notice of it (the publisher pauses sending)."""
        if is_damaged(exc):
            return await self._damaged(exc, doing=doing, meanwhile=meanwhile)
        reason = f"{type(exc).__name__}: {exc}"
        text = f"a database error in newsbot itself (a bug, not the feed's fault): {reason}"
        key = (doing.split(" ", 1)[0], reason)  # "polling" of any feed is one bug
        if key in self._seen:
            log.debug("%s: the same database error again (%s)", doing, reason)
            return text
        if len(self._seen) >= MAX_REMEMBERED:
            # Not remembered, so it cannot be said once: said at every tick (a traceback and a
            # notice every two seconds) it would bury the log and the admins' chat.
            if not self._full:
                self._full = True
                log.error("%d distinct database errors already reported; further new ones are only logged "
                          "at debug level (the first ones: above in this log)", MAX_REMEMBERED)
            log.debug("database error while %s: %s (not reported: too many distinct ones)", doing, reason)
            return text
        self._seen.add(key)
        log.error("database error while %s: %s; this is a bug of newsbot (the database itself works), "
                  "please report it with this traceback", doing, reason, exc_info=exc)
        await notify_admins(
            self._bot, self._admin_ids,
            f"A bug in newsbot: the database rejected one of its statements while {doing} ({reason}). "
            "This is not a full disk nor a feed's fault, and trying again will not fix it: the details "
            "are in the bot's log; please report them (an upgrade of newsbot may fix it). Everything "
            "else goes on.",
        )
        return text

    async def _damaged(self, exc: BaseException, *, doing: str, meanwhile: str) -> str:
        """Said once per process, by whichever part meets the damage first (a job, a command,
        the publisher): each telling it on its own made two notices of one damaged file."""
        text = f"the database file {self._database} is damaged ({exc})"
        if self._damage_told:
            log.debug("%s: %s again", doing, text)
            return text
        self._damage_told = True
        log.error("%s while %s; this is not a bug of newsbot: the file itself is damaged (a disk fault, a copy "
                  "made while it was written, a crash of the machine). %s; to repair it, %s", text, doing,
                  meanwhile, recover_advice(self._database))
        await notify_admins(
            self._bot, self._admin_ids,
            f"The database file {self._database} is damaged ({exc}), found while {doing}. This is not a bug "
            f"of newsbot and trying again will not fix it; {meanwhile}. To repair it, "
            f"{recover_advice(self._database)}.",
        )
        return text
