"""Writing down what Telegram said about each outbox row, and what it says about Telegram.

``OutcomeBook.settle`` records one row's outcome (sent, retried with a doubling wait, failed,
the chat gone or moved) and reacts to what the outcome says about Telegram itself: a 429
pauses all sending for ``retry_after``; failures in a row mark an outage (sending pauses,
probes double, the admins hear once that the Bot API is unreachable and once that it is
back). An outcome the database cannot take (disk full, a lock held too long) is kept in
memory, in order, and sending pauses with one admin notice until ``settle_backlog`` has
written every kept outcome. The publisher (bot.jobs.publish) sends; this module records.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from telegram import Bot

from bot.clock import Clock
from bot.config import Settings
from bot.database_bugs import DatabaseBugs
from bot.delivery.outcome import Outcome
from bot.delivery.retry import OutageTracker, RetryPolicy
from bot.notify import notify_admins
from storage import Database
from storage.chats import Chat
from storage.deliveries import Delivery
from storage.errors import DATABASE_ERRORS, is_damaged, is_outage

__all__ = ["PROBE_EVERY_AT_MOST", "OutcomeBook", "PublishReport"]

log = logging.getLogger(__name__)

PROBE_EVERY_AT_MOST = timedelta(seconds=30)  # while the Bot API seems down


@dataclass(slots=True)
class PublishReport:
    sent: int = 0
    retried: int = 0
    failed: int = 0
    deferred: int = 0
    rate_limited: int = 0
    errors: list[str] = field(default_factory=list)


class OutcomeBook:
    """The outcomes of sends: written, or kept while the database refuses writes; and the
    pause they impose on sending (``paused_until``, ``write_fault``)."""

    def __init__(
        self, db: Database, bot: Bot, *, settings: Settings, clock: Clock, database_bugs: DatabaseBugs | None = None,
    ) -> None:
        self._db = db
        self._bot = bot
        self._settings = settings
        self._clock = clock
        self.paused_until = clock.now()  # a 429 or an outage: no send starts before
        cap = timedelta(seconds=settings.delivery_backoff_max_seconds)
        self.retry_policy = RetryPolicy(window=timedelta(hours=settings.delivery_retry_hours), cap=cap)
        # Probes cost one request each: they stay frequent, so a post goes out soon after an outage.
        self.outage = OutageTracker(notice_after=timedelta(minutes=settings.outage_notice_minutes),
                                    cap=min(cap, PROBE_EVERY_AT_MOST))
        # Outcomes Telegram gave that the database could not store yet (disk full, locked).
        self.unsettled: list[tuple[Delivery, Outcome, datetime]] = []
        self.write_fault: str | None = None
        self._fault_untold: str | None = None  # a fault the admins are yet to hear of
        self._fault_is_bug = False  # the fault is a statement of ours rejected, not an outage
        self._fault_damaged = False  # the fault is the SQLite file itself damaged
        self._fault_error: BaseException | None = None
        # A damaged file is told by the one teller the jobs and commands use too: once in all.
        self._database_bugs = database_bugs or DatabaseBugs(bot, settings.admin_ids,
                                                            database=self._database_file())

    async def settle(self, row: Delivery, outcome: Outcome, report: PublishReport, *, chat: Chat | None = None) -> None:
        """Write an outcome, count it, and react to what it says about Telegram."""
        now = self._clock.now()
        await self._track(outcome, now, chat)
        if self.write_fault is not None:  # keep the order: older outcomes are written first
            self.unsettled.append((row, outcome, now))
            return
        try:
            await self._record(row, outcome, now, report)
        except DATABASE_ERRORS as exc:
            self.unsettled.append((row, outcome, now))
            await self.database_fault(exc)

    async def _record(self, row: Delivery, outcome: Outcome, now: datetime, report: PublishReport) -> None:
        deliveries = self._db.deliveries
        kind = outcome.kind
        if kind == "sent":
            await deliveries.mark_sent(row.id, message_id=outcome.message_id, now=now, sent_as=outcome.sent_as,
                                       thread_id=outcome.thread_id)
            report.sent += 1
        elif kind == "released":
            await deliveries.release([row.id], now=now)
        elif kind == "rate_limited":
            wait = outcome.wait or timedelta(seconds=1)
            await deliveries.retry_later(row.id, at=now + wait, error=f"429: retry after {wait}", count_attempt=False)
            report.rate_limited += 1
        elif kind == "migrated":
            assert outcome.new_chat_id is not None
            log.info("chat %s became supergroup %s; moving its rows", row.chat_id, outcome.new_chat_id)
            await self._db.chats.migrate(row.chat_id, outcome.new_chat_id, now=now)
            await deliveries.retry_later(row.id, at=now, count_attempt=False)
            report.retried += 1
        elif kind == "chat_gone":
            await self._chat_gone(row, outcome.error, now, report)
        elif kind == "skipped":
            await deliveries.mark_failed(row.id, outcome.error, state="skipped")
        elif kind == "refused":
            await deliveries.mark_failed(row.id, f"Telegram refused the message: {outcome.error}")
            report.failed += 1
            report.errors.append(f"chat {row.chat_id}: {outcome.error}")
        else:
            await self._transient_failure(row, outcome.error, now, report)

    async def _transient_failure(self, row: Delivery, error: str, now: datetime, report: PublishReport) -> None:
        first = row.first_failed_at or now
        at = self.retry_policy.next_attempt(attempts=row.attempts, first_failed_at=first, now=now)
        if at is None:
            hours = (now - first).total_seconds() / 3600
            await self._db.deliveries.mark_failed(
                row.id, f"gave up after {row.attempts} attempts over {hours:.1f} h: {error}")
            report.failed += 1
            report.errors.append(error)
        else:
            await self._db.deliveries.retry_later(row.id, at=at, error=error, failed_at=first)
            report.retried += 1

    async def _chat_gone(self, row: Delivery, reason: str, now: datetime, report: PublishReport) -> None:
        """The bot was blocked or removed: stop sending there, keep the data, tell the admins."""
        await self._db.deliveries.mark_failed(row.id, reason)
        report.failed += 1
        chat = await self._db.chats.get(row.chat_id)
        if await self._db.chats.deactivate(row.chat_id, reason, now=now) and chat is not None and chat.is_channel_like:
            await notify_admins(
                self._bot, self._settings.admin_ids,
                f"I can no longer post to {chat.kind} {chat.display_name} ({reason}). I stopped posting there; "
                "add me back as an admin and send /resume to continue.",
            )

    async def _track(self, outcome: Outcome, now: datetime, chat: Chat | None) -> None:
        """Pauses and admin notices for what an outcome says about Telegram itself."""
        if outcome.kind == "rate_limited":
            wait = outcome.wait or timedelta(seconds=1)
            self.paused_until = max(self.paused_until, now + wait)
            log.warning("Telegram asked to wait %s before sending more (chat %s)", wait,
                        chat.id if chat else "?")
        elif outcome.kind == "transient":
            pause = self.outage.failure(now, outcome.error)
            if pause is not None:
                self.paused_until = max(self.paused_until, now + pause)
                log.warning("Bot API unreachable since %s (%s); next try in %s",
                            self.outage.since, outcome.error, pause)
            else:  # one line per handled failure: the row is retried, nothing to act on yet
                log.warning("sending to chat %s failed (%s); it will be retried", chat.id if chat else "?",
                            outcome.error)
            if self.outage.should_tell_down(now):
                since = f"{self.outage.since:%Y-%m-%d %H:%M} UTC"
                await notify_admins(
                    self._bot, self._settings.admin_ids,
                    f"Telegram's Bot API has not accepted a message since {since} ({outcome.error}). Posts "
                    "wait in the outbox and go out when it answers again; nothing is lost.",
                    queue_on_5xx=False,  # once it is back, the notice saying so tells the outage
                )
        elif outcome.kind == "sent" and self.outage.since is not None:
            began, tell = self.outage.success(now)
            if began is None:
                return
            hurried = 0
            if now - began >= self.retry_policy.base:  # an outage, not a blip
                # Rows that failed during the outage would each wait out their own backoff:
                # they go now, with the rows never tried.
                hurried = await self._db.deliveries.retry_now_failed_since(began, now=now)
            minutes = max(1, round((now - began).total_seconds() / 60))
            log.warning("Bot API answers again after %d min; %d rows that failed meanwhile go now", minutes, hurried)
            if tell:
                await notify_admins(
                    self._bot, self._settings.admin_ids,
                    f"Telegram's Bot API answers again; it was unreachable for about {minutes} min, "
                    f"since {began:%Y-%m-%d %H:%M} UTC. The posts that waited are going out now.",
                )

    async def database_fault(self, exc: BaseException) -> None:
        """The database refused a write: pause sending (no send starts from now on, see
        ``Publisher._attempt``); the admins are told once per fault, by ``tell_database_fault``."""
        if self.write_fault is not None:
            return
        self.write_fault = self._fault_untold = str(exc) or type(exc).__name__
        self._fault_damaged = is_damaged(exc)
        self._fault_is_bug = not is_outage(exc) and not self._fault_damaged
        self._fault_error = exc
        if self._fault_damaged:  # the damage itself is told by ``tell_database_fault``, once in all
            log.warning("sending paused so that nothing is sent twice (%s); %d outcomes kept to write later",
                        self.write_fault, len(self.unsettled))
            return
        if self._fault_is_bug:  # "no such column": not waited out quietly; its traceback, once
            log.error("a statement of newsbot's own was rejected by the database (%s: %s), a bug: sending "
                      "paused; %d outcomes kept to write later", type(exc).__name__, self.write_fault,
                      len(self.unsettled), exc_info=exc)
            return
        log.error("cannot write to the database (%s): sending paused; %d outcomes kept to write later",
                  self.write_fault, len(self.unsettled))

    def _database_file(self) -> str:
        return str(self._settings.database_file or "the database file")

    async def tell_database_fault(self) -> None:
        """Tell the admins of a new fault once the drain's sends under way have finished: when
        the notice arrives, sending has stopped (a test can wait for it instead of a time)."""
        if self._fault_untold is None:
            return
        fault, self._fault_untold = self._fault_untold, None
        if self._fault_damaged and self._fault_error is not None:  # unless a job or a command told it already
            await self._database_bugs.report(self._fault_error, doing="sending posts",
                                             meanwhile="I paused sending so that nothing is sent twice")
            return
        if self._fault_is_bug:
            await notify_admins(
                self._bot, self._settings.admin_ids,
                f"A bug in newsbot: the database rejected one of its statements ({fault}). This is not a full "
                "disk: I paused sending so that nothing is sent twice; the details are in the bot's log, "
                "please report them.",
            )
            return
        await notify_admins(
            self._bot, self._settings.admin_ids,
            f"I cannot write to the database ({fault}): is the disk full, or is another "
            "program holding it? I paused sending; what was sent is recorded as soon as writing works again.",
        )

    async def settle_backlog(self) -> bool:
        """Write the outcomes kept during a database fault; True once all are written."""
        report = PublishReport()
        while self.unsettled:
            row, outcome, at = self.unsettled[0]
            try:
                await self._record(row, outcome, at, report)
            except DATABASE_ERRORS as exc:
                self.write_fault = str(exc) or type(exc).__name__
                return False
            self.unsettled.pop(0)
        if self.write_fault is not None:
            log.warning("the database takes writes again: every kept outcome is recorded; sending resumes")
            self.write_fault = None
        return True

