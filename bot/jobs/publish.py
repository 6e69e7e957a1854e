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
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from telegram import Bot
from telegram.error import TelegramError

from bot.clock import Clock
from bot.config import Settings
from bot.delivery.compose import compose_post, post_defaults
from bot.delivery.digests import overflow_hold_until
from bot.delivery.edits import EditSender
from bot.delivery.outcome import Outcome, outcome_of
from bot.delivery.postview import also_links
from bot.delivery.policy import GROUP_GAP, PRIVATE_GAP, PostingPolicy, digest_policy, next_send_time, parse_hhmm
from bot.delivery.ratelimit import SendingPaused, bulk_sends
from bot.delivery.retry import OutageTracker, RetryPolicy
from bot.delivery.send import Post, Sender
from bot.news.render import Link, escape
from bot.news.textsafe import plain_fallback
from bot.notify import notify_admins
from bot.replica import Lease, new_replica_id
from bot.related import read_also_links
from bot.story_summaries import StorySummaries
from bot.texts import pick_language
from storage import Database
from storage.errors import DATABASE_ERRORS
from storage.articles import StoredArticle
from storage.chats import Chat
from storage.deliveries import Delivery

log = logging.getLogger(__name__)

CONCURRENCY = 8
READ_ALSO_TTL = timedelta(minutes=10)
IDLE_TICK_S = 1.0  # the task looks for due rows this often when nobody wakes it
PROBE_EVERY_AT_MOST = timedelta(seconds=30)  # while the Bot API seems down
SETTLE_ON_STOP_S = 5.0  # a graceful stop keeps trying to write outcomes this long
_REFUSED_BUT_FIXABLE = ("message is too long", "can't parse entities")


@dataclass(slots=True)
class PublishReport:
    sent: int = 0
    retried: int = 0
    failed: int = 0
    deferred: int = 0
    rate_limited: int = 0
    errors: list[str] = field(default_factory=list)


class Publisher:
    def __init__(
        self, db: Database, bot: Bot, *, settings: Settings, clock: Clock, summaries: StorySummaries | None = None,
        lease: Lease | None = None,
    ) -> None:
        self._db = db
        # Whose claims these are and how long they hold (replicas on one database: bot.replica).
        self.lease = lease or Lease(new_replica_id(), settings.replica_lease_seconds)
        self._summaries = summaries  # LLM summaries, when configured
        self._bot = bot
        self._settings = settings
        self._clock = clock
        self._paused_until = clock.now()
        self._stopping = False
        self._lock = asyncio.Lock()  # one drain at a time
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._read_also_cache: dict[int, tuple[datetime, list[Link]]] = {}
        self.edits = EditSender(db, bot, settings=settings, clock=clock, read_also=self._read_also, lease=self.lease,
                                summaries=summaries)
        self.sender = Sender(bot, db, admin_ids=settings.admin_ids, clock=clock)
        cap = timedelta(seconds=settings.delivery_backoff_max_seconds)
        self.retry_policy = RetryPolicy(window=timedelta(hours=settings.delivery_retry_hours), cap=cap)
        # Probes cost one request each: they stay frequent, so a post goes out soon after an outage.
        self._outage = OutageTracker(notice_after=timedelta(minutes=settings.outage_notice_minutes),
                                     cap=min(cap, PROBE_EVERY_AT_MOST))
        # Outcomes Telegram gave that the database could not store yet (disk full, locked).
        self._unsettled: list[tuple[Delivery, Outcome, datetime]] = []
        self._write_fault: str | None = None
        self._fault_untold: str | None = None  # a fault the admins are yet to hear of

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
        while self._unsettled and not await self._settle_backlog() and time.monotonic() < deadline:
            await asyncio.sleep(0.25)
        if self._unsettled:
            log.error("%d messages were sent but the database took no record of it (%s); they will be sent "
                      "again after the restart", len(self._unsettled), self._write_fault)

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
                async with asyncio.timeout(IDLE_TICK_S):
                    await self._wake.wait()
            except TimeoutError:
                pass

    # -- one drain ---------------------------------------------------------------------------

    async def drain(self, *, batch: int = 100, max_batches: int = 1000) -> PublishReport:
        """Send every due row, batch by batch, until none is due or Telegram asks us to wait."""
        report = PublishReport()
        async with self._lock:
            if self._unsettled and not await self._settle_backlog():
                return report  # still cannot write: sending more would only add unrecorded sends
            try:
                # Rows whose claim's lease ended: their replica died (or this one could not
                # record an outcome for longer than a lease). Ours are renewed first.
                now = self._clock.now()
                await self._db.deliveries.renew_leases(self.lease.owner, until=self.lease.until(now))
                await self._db.deliveries.recover_expired(now=now)
                await self._send_batches(report, batch=batch, max_batches=max_batches)
                await self.edits.drain(may_send=lambda: not self._holding())
            except DATABASE_ERRORS as exc:
                await self._database_fault(exc)
            await self._tell_database_fault()
        return report

    async def _send_batches(self, report: PublishReport, *, batch: int, max_batches: int) -> None:
        """Claim and send batch after batch, the next claimed while the last sends of the one
        before are still under way (waiting for a batch's tail cost the fan-out ~5% of its
        rate). A chat has one send under way at a time; its rows claimed meanwhile wait 1 s."""
        gate = asyncio.Semaphore(CONCURRENCY)
        busy: set[int] = set()
        tasks: set[asyncio.Task[None]] = set()

        async def one_chat(chat_rows: list[Delivery]) -> None:
            try:
                await self._send_for_chat(chat_rows, report)
            finally:
                busy.discard(chat_rows[0].chat_id)
                gate.release()

        try:
            for _ in range(max_batches):
                if self._holding():
                    break
                # While the Bot API seems down, each try is a probe of one message.
                now = self._clock.now()
                rows = await self._db.deliveries.claim_due(now, 1 if self._outage.down else batch,
                                                           owner=self.lease.owner, lease_until=self.lease.until(now))
                if not rows:
                    if not tasks:
                        break
                    await asyncio.wait(set(tasks))  # their outcomes may make rows due (a chat moved)
                    continue
                by_chat: dict[int, list[Delivery]] = {}
                for row in rows:
                    by_chat.setdefault(row.chat_id, []).append(row)
                for chat_id, chat_rows in by_chat.items():
                    if chat_id in busy:
                        await self._defer(chat_rows, self._clock.now() + timedelta(seconds=1), report)
                        continue
                    await gate.acquire()
                    busy.add(chat_id)
                    task = asyncio.create_task(one_chat(chat_rows))
                    tasks.add(task)
                    task.add_done_callback(tasks.discard)
        finally:
            failures = [r for r in await asyncio.gather(*tasks, return_exceptions=True) if isinstance(r, BaseException)]
            if failures:
                raise failures[0]

    def _holding(self) -> bool:
        return self._stopping or self._clock.now() < self._paused_until or self._write_fault is not None

    async def _send_for_chat(self, rows: list[Delivery], report: PublishReport) -> None:
        """Send the first row a chat may get now; the rest wait for the chat's next slot."""
        chat = await self._db.chats.get(rows[0].chat_id)
        now = self._clock.now()
        if chat is None or self._holding():
            for row in rows:
                await self._settle(row, Outcome("released"), report)
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
        await self._settle(first, outcome, report, chat=chat)
        if rest:
            rules = digest_policy(chat_policy) if rest[0].kind == "digest" else chat_policy
            later = next_send_time(rules, now=self._clock.now(), last_post_at=self._clock.now())
            await self._defer(rest, later, report)

    async def _defer(self, rows: Iterable[Delivery], at: datetime, report: PublishReport) -> None:
        for row in rows:
            try:
                await self._db.deliveries.retry_later(row.id, at=at, count_attempt=False)
            except DATABASE_ERRORS as exc:
                self._unsettled.append((row, Outcome("released"), self._clock.now()))
                await self._database_fault(exc)
                continue
            report.deferred += 1

    # -- sending one delivery ----------------------------------------------------------------

    async def deliver(self, chat: Chat, row: Delivery) -> Outcome:
        """Send one outbox row to its chat and say what happened; writes nothing.

        A post Telegram refuses as too long or unparsable is sent once more as plain, clipped
        text before it counts as refused.
        """
        post = await self._render(chat, row)
        if post is None:
            return Outcome("skipped", "the story is no longer stored")
        outcome = await self._attempt(chat, post)
        if outcome.kind == "refused" and any(m in outcome.error.lower() for m in _REFUSED_BUT_FIXABLE):
            log.warning("chat %s refused a post (%s); sending it as plain text", chat.id, outcome.error)
            second = await self._attempt(chat, replace(post, text=plain_fallback(post.text), html=False, rich=None))
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
        except TelegramError as exc:
            return outcome_of(exc)
        return Outcome("sent", message_id=sent.message_id, sent_as=sent.kind, thread_id=sent.thread_id)

    # -- writing outcomes down ---------------------------------------------------------------

    async def _settle(self, row: Delivery, outcome: Outcome, report: PublishReport, *, chat: Chat | None = None) -> None:
        """Write an outcome, count it, and react to what it says about Telegram."""
        now = self._clock.now()
        await self._track(outcome, now, chat)
        if self._write_fault is not None:  # keep the order: older outcomes are written first
            self._unsettled.append((row, outcome, now))
            return
        try:
            await self._record(row, outcome, now, report)
        except DATABASE_ERRORS as exc:
            self._unsettled.append((row, outcome, now))
            await self._database_fault(exc)

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
            self._paused_until = max(self._paused_until, now + wait)
            log.warning("Telegram asked to wait %s before sending more (chat %s)", wait,
                        chat.id if chat else "?")
        elif outcome.kind == "transient":
            pause = self._outage.failure(now, outcome.error)
            if pause is not None:
                self._paused_until = max(self._paused_until, now + pause)
                log.warning("Bot API unreachable since %s (%s); next try in %s",
                            self._outage.since, outcome.error, pause)
            else:  # one line per handled failure: the row is retried, nothing to act on yet
                log.warning("sending to chat %s failed (%s); it will be retried", chat.id if chat else "?",
                            outcome.error)
            if self._outage.should_tell_down(now):
                since = f"{self._outage.since:%Y-%m-%d %H:%M} UTC"
                await notify_admins(
                    self._bot, self._settings.admin_ids,
                    f"Telegram's Bot API has not accepted a message since {since} ({outcome.error}). Posts "
                    "wait in the outbox and go out when it answers again; nothing is lost.",
                )
        elif outcome.kind == "sent" and self._outage.since is not None:
            began, tell = self._outage.success(now)
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

    async def _database_fault(self, exc: BaseException) -> None:
        """The database refused a write: pause sending (no send starts from now on, see
        ``_attempt``); the admins are told once per fault, by ``_tell_database_fault``."""
        if self._write_fault is not None:
            return
        self._write_fault = self._fault_untold = str(exc) or type(exc).__name__
        log.error("cannot write to the database (%s): sending paused; %d outcomes kept to write later",
                  self._write_fault, len(self._unsettled))

    async def _tell_database_fault(self) -> None:
        """Tell the admins of a new fault once the drain's sends under way have finished: when
        the notice arrives, sending has stopped (a test can wait for it instead of a time)."""
        if self._fault_untold is None:
            return
        fault, self._fault_untold = self._fault_untold, None
        await notify_admins(
            self._bot, self._settings.admin_ids,
            f"I cannot write to the database ({fault}): is the disk full, or is another "
            "program holding it? I paused sending; what was sent is recorded as soon as writing works again.",
        )

    async def _settle_backlog(self) -> bool:
        """Write the outcomes kept during a database fault; True once all are written."""
        report = PublishReport()
        while self._unsettled:
            row, outcome, at = self._unsettled[0]
            try:
                await self._record(row, outcome, at, report)
            except DATABASE_ERRORS as exc:
                self._write_fault = str(exc) or type(exc).__name__
                return False
            self._unsettled.pop(0)
        if self._write_fault is not None:
            log.warning("the database takes writes again: every kept outcome is recorded; sending resumes")
            self._write_fault = None
        return True

    @property
    def unsettled(self) -> int:
        """Outcomes waiting for the database to take writes again."""
        return len(self._unsettled)

    async def _read_also(self, article: StoredArticle) -> list[Link]:
        """"Read also" links of a story, searched once per story and kept a few minutes: a
        fan-out to thousands of chats must not run the same search for each of them."""
        now = self._clock.now()
        cached = self._read_also_cache.get(article.id)
        if cached is not None and now - cached[0] < READ_ALSO_TTL:
            return cached[1]
        links = await read_also_links(self._db, article, now=now)
        if len(self._read_also_cache) >= 256:
            self._read_also_cache.clear()
        self._read_also_cache[article.id] = (now, links)
        return links

    async def _render(self, chat: Chat, row: Delivery) -> Post | None:
        """The row's message in every form it may take; the sender picks one (bot.delivery.send)."""
        previews = chat.link_previews if chat.link_previews is not None else self._settings.link_previews
        if row.link_preview is not None:
            previews = row.link_preview
        if row.kind == "broadcast":
            return Post(escape(row.payload or ""), previews=previews)
        if row.kind == "digest":
            return Post(row.payload or "")
        article = await self._db.articles.get(row.article_id or 0)
        if article is None:
            return None
        related = await self._read_also(article)
        # A channel speaks its readers' language: its own setting, else the story's.
        lang = pick_language(chat.language or article.language, None)
        if self._summaries is not None and chat.summaries:  # the LLM's, in the chat's language, if ready
            article = replace(article, summary=await self._summaries.text_for(article, chat))
        return compose_post(
            chat, article, related=related, zone=chat.zone(self._settings.zone), lang=lang,
            defaults=post_defaults(self._settings), previews=previews, thread_id=row.thread_id,
            bot_username=self._bot.username if _has_me(self._bot) else None,
            also=await also_links(self._db, article),
        )


def _policy(chat: Chat, settings: Settings) -> PostingPolicy:
    return PostingPolicy(
        zone=chat.zone(settings.zone),
        interval=timedelta(minutes=chat.post_interval_min),
        max_per_hour=chat.max_per_hour,
        quiet_start=parse_hhmm(chat.quiet_start) if chat.quiet_start else None,
        quiet_end=parse_hhmm(chat.quiet_end) if chat.quiet_end else None,
        min_gap=PRIVATE_GAP if chat.kind == "private" else GROUP_GAP,
    )


def _has_me(bot: Bot) -> bool:
    try:
        return bool(bot.username)
    except RuntimeError:  # bot not initialized (no getMe yet)
        return False
