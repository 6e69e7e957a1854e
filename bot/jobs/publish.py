"""The publisher: claims due outbox rows, sends them, and settles each row by what Telegram said.

It runs as its own asyncio task (``start``), woken by ``wake()`` when rows are queued and
every second otherwise; polls and commands queue rows and return at once, never waiting for
a fan-out. ``drain()`` is the same work as one call, for tests and tools.

Delivery is at-least-once: a row is marked sent right after Telegram accepts the message; a
crash between the two (a window of one database write per message in flight) sends that
message again after the restart, because losing a post is worse than a rare repeat. The
README states this rule.

Telegram's limits: the Application's rate limiter keeps the whole bot under 30 messages/s
and each group or channel under 20/minute; the posting policy here keeps private chats under
one message a second and applies each channel's own pace, hourly cap and quiet hours. A 429
puts the row back for ``retry_after`` and pauses all sending as long; nothing is dropped.

Outages: a passing failure (network, 5xx, timeout) puts the row back with a doubling wait,
for DELIVERY_RETRY_HOURS; several in a row pause all sending and probe with doubling pauses,
and the admins hear once that the Bot API is unreachable and once that it is back.
Database faults: an outcome that cannot be written (disk full, a lock held too long) is kept
in memory, sending pauses with one admin notice, and the outcomes are written once the
database takes writes again (also on a graceful stop).

Here: claiming, pacing per chat and sending. Writing outcomes down and the pauses they impose
live in ``bot.delivery.settle``; turning a row into its message in ``bot.delivery.rowpost``.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Iterable
from dataclasses import replace
from datetime import datetime, timedelta

from telegram import Bot
from telegram.error import InvalidToken, TelegramError

from bot.clock import Clock
from bot.config import Settings
from bot.database_bugs import DatabaseBugs
from bot.delivery.digests import overflow_hold_until
from bot.delivery.edits import EditSender
from bot.delivery.outcome import Outcome, outcome_of
from bot.delivery.policy import PRIVATE_GAP, PostingPolicy, digest_policy, group_gap, next_send_time, parse_hhmm
from bot.delivery.ratelimit import SendingPaused, bulk_sends
from bot.delivery.rowpost import RowRenderer
from bot.delivery.send import Post, Sender
from bot.delivery.settle import OutcomeBook, PublishReport
from bot.news.textsafe import plain_fallback
from bot.replica import Lease, new_replica_id
from bot.story_summaries import StorySummaries
from storage import Database
from storage.chats import Chat
from storage.deliveries import Delivery
from storage.errors import DATABASE_ERRORS

__all__ = ["CONCURRENCY", "PublishReport", "Publisher"]

log = logging.getLogger(__name__)

CONCURRENCY = 8
IDLE_TICK_S = 1.0  # the task looks for due rows this often when nobody wakes it
MIN_WAIT_S = 0.005  # a row due a moment from now: look again this soon, not in a busy loop
SETTLE_ON_STOP_S = 5.0  # a graceful stop keeps trying to write outcomes this long
_REFUSED_BUT_FIXABLE = ("message is too long", "can't parse entities")


def idle_wait(now: datetime, next_due: datetime | None) -> float:
    """How long the publisher's task waits for a wake-up after a drain: the idle tick, or less
    when a row comes due sooner. Without this a chat's next post, due its gap after the last
    (1.1 s, 3.1 s), waited for the next whole tick: 2 s and 4 s apart."""
    if next_due is None:
        return IDLE_TICK_S
    return min(IDLE_TICK_S, max((next_due - now).total_seconds(), MIN_WAIT_S))


class Publisher:
    def __init__(
        self, db: Database, bot: Bot, *, settings: Settings, clock: Clock, summaries: StorySummaries | None = None,
        lease: Lease | None = None, database_bugs: DatabaseBugs | None = None,
    ) -> None:
        self._db = db
        # Whose claims these are and how long they hold (replicas on one database: bot.replica).
        self.lease = lease or Lease(new_replica_id(), settings.replica_lease_seconds)
        self._bot = bot
        self._settings = settings
        self._clock = clock
        self._stopping = False
        self.token_refused: str | None = None  # Telegram's 401 for BOT_TOKEN while running (revoked)
        self._lock = asyncio.Lock()  # one drain at a time
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._rows = RowRenderer(db, bot, settings=settings, clock=clock, summaries=summaries)
        self.edits = EditSender(db, bot, settings=settings, clock=clock, read_also=self._rows.read_also,
                                lease=self.lease, summaries=summaries)
        self.sender = Sender(bot, db, admin_ids=settings.admin_ids, clock=clock)
        # Outcomes written (or kept while the database refuses writes) and the pauses they impose.
        # A damaged file is told by ``database_bugs``, the jobs' and commands' teller: once in all.
        self.outcomes = OutcomeBook(db, bot, settings=settings, clock=clock, database_bugs=database_bugs)

    # -- the task ----------------------------------------------------------------------------

    def start(self) -> None:
        """Run the publisher as its own task until ``aclose``."""
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="publisher")

    def wake(self) -> None:
        """Rows were queued: look now rather than at the next tick."""
        self._wake.set()

    def stop(self) -> None:
        """Claim nothing more; sends already under way finish and are recorded."""
        self._stopping = True
        self._wake.set()

    async def aclose(self) -> None:
        """Stop, wait for the sends under way, and write every outcome still unwritten."""
        self.stop()
        if self._task is not None:
            task, self._task = self._task, None
            await task
        deadline = time.monotonic() + SETTLE_ON_STOP_S
        while self.outcomes.unsettled and not await self.outcomes.settle_backlog() and time.monotonic() < deadline:
            await asyncio.sleep(0.25)
        if self.outcomes.unsettled:
            log.error("%d messages were sent but the database took no record of it (%s); they will be sent "
                      "again after the restart", len(self.outcomes.unsettled), self.outcomes.write_fault)

    async def _run(self) -> None:
        while not self._stopping:
            self._wake.clear()
            try:
                await self.drain()
            except Exception:  # the task's boundary: log, and look again at the next tick
                log.exception("the publisher failed; trying again in %g s", IDLE_TICK_S)
            if self._stopping:
                break
            try:
                async with asyncio.timeout(await self._idle_wait()):
                    await self._wake.wait()
            except TimeoutError:
                pass

    async def _idle_wait(self) -> float:
        now = self._clock.now()
        try:
            due = await self._db.deliveries.next_due_after(now)
        except Exception:  # noqa: BLE001 - the drain reports database faults; wait the tick
            log.debug("could not read when the next row is due", exc_info=True)
            due = None
        return idle_wait(now, due)

    # -- one drain ---------------------------------------------------------------------------

    async def drain(self, *, batch: int = 100, max_batches: int = 1000) -> PublishReport:
        """Send every due row, batch by batch, until none is due or Telegram asks us to wait."""
        report = PublishReport()
        async with self._lock:
            if self.outcomes.unsettled and not await self.outcomes.settle_backlog():
                return report  # still cannot write: sending more would only add unrecorded sends
            try:
                # Rows whose claim's lease ended: their replica died (or this one could not
                # record an outcome for longer than a lease). Ours are renewed first.
                now = self._clock.now()
                await self._db.deliveries.renew_leases(self.lease.owner, until=self.lease.until(now))
                await self._db.deliveries.recover_expired(now=now)
                await self._send_batches(report, batch=batch, max_batches=max_batches)
                await self.edits.drain(may_send=lambda: not self._holding())
            except InvalidToken as exc:  # an edit refused for the token (the edit is kept)
                self._token_was_refused(exc)
            except DATABASE_ERRORS as exc:
                await self.outcomes.database_fault(exc)
            await self.outcomes.tell_database_fault()
        return report

    async def _send_batches(self, report: PublishReport, *, batch: int, max_batches: int) -> None:
        """Claim and send batch after batch, the next claimed while the last sends of the one
        before are still under way (waiting for a batch's tail cost the fan-out ~5% of its
        rate). A chat has one send under way at a time; its rows claimed meanwhile wait 1 s.

        What one chat's send meets from Telegram (blocked, 403, refused, 429) is an outcome of
        that row and the others go on. A chat's work that raises (the database failing, a bug)
        is not about that chat: no other chat's work starts after it, the rows claimed for them
        are given back, and the first such error is raised once the sends under way are over."""
        gate = asyncio.Semaphore(CONCURRENCY)
        busy: set[int] = set()
        tasks: set[asyncio.Task[None]] = set()
        failed: list[Exception] = []  # a done task leaves ``tasks`` at once: its error is kept here

        async def one_chat(chat_rows: list[Delivery]) -> None:
            try:
                await self._send_for_chat(chat_rows, report)
            except Exception as exc:  # raised below, once the batch's other sends are over
                failed.append(exc)
            finally:
                busy.discard(chat_rows[0].chat_id)
                gate.release()

        try:
            for _ in range(max_batches):
                if failed or self._holding():
                    break
                # While the Bot API seems down, each try is a probe of one message, and the next
                # waits for its answer: claimed meanwhile, others would go out before it failed.
                probing = self.outcomes.outage.down
                if probing and tasks:
                    await asyncio.wait(set(tasks))
                    continue
                now = self._clock.now()
                rows = await self._db.deliveries.claim_due(now, 1 if probing else batch,
                                                           owner=self.lease.owner, lease_until=self.lease.until(now))
                if not rows:
                    if not tasks:
                        break
                    await asyncio.wait(set(tasks))  # their outcomes may make rows due (a chat moved)
                    continue
                by_chat: dict[int, list[Delivery]] = {}
                for row in rows:
                    by_chat.setdefault(row.chat_id, []).append(row)
                waiting = list(by_chat.items())
                while waiting:
                    chat_id, chat_rows = waiting.pop(0)
                    if chat_id in busy:
                        await self._defer(chat_rows, self._clock.now() + timedelta(seconds=1), report)
                        continue
                    await gate.acquire()
                    if failed:  # a send before this one raised while we waited for the gate
                        gate.release()
                        await self._release([chat_rows, *(rows for _, rows in waiting)], report)
                        break
                    busy.add(chat_id)
                    task = asyncio.create_task(one_chat(chat_rows))
                    tasks.add(task)
                    task.add_done_callback(tasks.discard)
        finally:
            failures = [r for r in await asyncio.gather(*tasks, return_exceptions=True) if isinstance(r, BaseException)]
            failures = failed + failures
            if failures:
                raise failures[0]

    async def _release(self, chats_rows: Iterable[list[Delivery]], report: PublishReport) -> None:
        """Give back claimed rows whose chats' work did not start (pending again, no attempt counted)."""
        for rows in chats_rows:
            for row in rows:
                await self.outcomes.settle(row, Outcome("released"), report)

    def _holding(self) -> bool:
        return self._stopping or self._clock.now() < self.outcomes.paused_until or self.outcomes.write_fault is not None

    async def _send_for_chat(self, rows: list[Delivery], report: PublishReport) -> None:
        """Send the first row a chat may get now; the rest wait for the chat's next slot."""
        chat = await self._db.chats.get(rows[0].chat_id)
        now = self._clock.now()
        if chat is None or self._holding():
            await self._release([rows], report)
            return
        rows = sorted(rows, key=lambda r: r.kind != "digest")  # a digest keeps its time
        chat_policy = _policy(chat, self._settings)
        policy = digest_policy(chat_policy) if rows[0].kind == "digest" else chat_policy
        hour_ago = now - timedelta(hours=1)
        sent_last_hour, oldest = (
            await self._db.deliveries.capped_sent_since(chat.id, hour_ago) if policy.max_per_hour else (0, None)
        )
        slot = next_send_time(
            policy, now=now, last_post_at=chat.last_post_at, sent_in_last_hour=sent_last_hour,
            oldest_in_last_hour=oldest,
        )
        first, rest = rows[0], rows[1:]
        if policy.max_per_hour and sent_last_hour >= policy.max_per_hour and await self._db.schedules.for_chat(
            chat.id, "overflow"
        ):  # over the cap with the overflow digest on: held for the digest at the end of the hour
            slot = max(slot, overflow_hold_until(policy.zone, now))
        if slot > now:
            await self._defer([first, *rest], slot, report)
            return
        outcome = await self.deliver(chat, first)
        await self.outcomes.settle(first, outcome, report, chat=chat)
        if rest:
            rules = digest_policy(chat_policy) if rest[0].kind == "digest" else chat_policy
            later = next_send_time(rules, now=self._clock.now(), last_post_at=self._clock.now())
            await self._defer(rest, later, report)

    async def _defer(self, rows: Iterable[Delivery], at: datetime, report: PublishReport) -> None:
        for row in rows:
            try:
                await self._db.deliveries.retry_later(row.id, at=at, count_attempt=False)
            except DATABASE_ERRORS as exc:
                self.outcomes.unsettled.append((row, Outcome("released"), self._clock.now()))
                await self.outcomes.database_fault(exc)
                continue
            report.deferred += 1

    # -- sending one delivery ----------------------------------------------------------------

    async def deliver(self, chat: Chat, row: Delivery) -> Outcome:
        """Send one outbox row to its chat and say what happened; writes nothing.

        A post Telegram refuses as too long or unparsable is sent once more as plain, clipped
        text before it counts as refused.
        """
        post = await self._rows.render(chat, row)
        if post is None:
            return Outcome("skipped", "the story is no longer stored")
        outcome = await self._attempt(chat, post)
        if outcome.kind == "refused" and any(m in outcome.error.lower() for m in _REFUSED_BUT_FIXABLE):
            log.warning("chat %s refused a post (%s); sending it as plain text", chat.id, outcome.error)
            plain = replace(post, text=plain_fallback(post.text), html=False, rich=None, caption="")
            second = await self._attempt(chat, plain)
            if second.kind == "refused":
                return Outcome("refused", f"{outcome.error}; as plain text: {second.error}")
            return second
        return outcome

    async def _attempt(self, chat: Chat, post: Post) -> Outcome:
        try:
            # Replies to commands go first (bot/delivery/ratelimit.py); a pause that began while
            # this send waited for its turn (a 429, a database fault, a stop) is seen right
            # before the request, so nothing goes out that could not be recorded.
            with bulk_sends(may_send=lambda: not self._holding()):
                sent = await self.sender.send(chat.id, post, chat_name=chat.display_name)
        except SendingPaused:
            return Outcome("released")
        except InvalidToken as exc:  # 401: the token was revoked; no send can work, none is lost
            self._token_was_refused(exc)
            return Outcome("released")
        except TelegramError as exc:
            return outcome_of(exc)
        return Outcome("sent", message_id=sent.message_id, sent_as=sent.kind, thread_id=sent.thread_id)

    def _token_was_refused(self, exc: InvalidToken) -> None:
        """Telegram's 401 for BOT_TOKEN (revoked while running): stop sending; the watch job
        stops the bot with one line saying why (bot.jobs). What was refused stays queued."""
        if self.token_refused is None:
            log.error("Telegram refused BOT_TOKEN while sending (%s): sending stopped", exc.message)
        self.token_refused = exc.message
        self.stop()

    @property
    def unsettled(self) -> int:
        """Outcomes waiting for the database to take writes again."""
        return len(self.outcomes.unsettled)


def _policy(chat: Chat, settings: Settings) -> PostingPolicy:
    return PostingPolicy(
        zone=chat.zone(settings.zone),
        interval=timedelta(minutes=chat.post_interval_min),
        max_per_hour=chat.max_per_hour,
        quiet_start=parse_hhmm(chat.quiet_start) if chat.quiet_start else None,
        quiet_end=parse_hhmm(chat.quiet_end) if chat.quiet_end else None,
        min_gap=PRIVATE_GAP if chat.kind == "private" else group_gap(settings.telegram_group_messages_per_minute),
    )

