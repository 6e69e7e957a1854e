"""Digest posts of channels: at each slot of a chat's timetable, the stories of the period,
ranked by sources and recency, as one message through the outbox; and the overflow digest
that rolls the stories over a channel's hourly cap into one post at the end of the hour.

Exactly once per slot: a slot is claimed by a ``schedule_runs`` row written in the same
transaction that queues the digest (``storage.schedules``), so restarts, two ticks at once or
a clock set back never post a slot twice. Which slots are due is computed from the rows and
the injectable clock on every tick (``bot.delivery.schedule.plan_due``); nothing lives only
in the scheduler's memory.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot.delivery.filters import matches
from bot.delivery.schedule import (
    LOOKBACK, Slot, SlotPlan, Timetable, hourly, next_slot, plan_due, previous_slot, timetable_from_text,
)
from bot.news.digest import DigestItem, period_text, render_digest_message, render_digest_parts
from bot.texts import pick_language, t
from storage import Database
from storage.articles import StoredArticle
from storage.chats import Chat
from storage.schedules import DigestMessage, Schedule, ScheduleRun
from storage.subscriptions import Subscription

log = logging.getLogger(__name__)

# Stories considered for one digest: several times what one message holds (36 to 80 lines).
# Reading more costs time at every slot (bench_digests); past it, "…and N+ more".
MAX_CANDIDATES = 200
# A story held back by the hourly cap of a channel with the overflow digest waits this long
# past the end of the hour, so the digest (due on the hour) takes it rather than the publisher.
OVERFLOW_GRACE = timedelta(minutes=10)


@dataclass(frozen=True, slots=True)
class DigestReport:
    queued: int = 0  # digest messages queued
    empty: int = 0  # slots that had nothing to post
    skipped: int = 0  # slots missed for longer than the catch-up window


def timetable_of(schedule: Schedule) -> Timetable:
    return hourly() if schedule.kind == "overflow" else timetable_from_text(schedule.days, schedule.times)


def wanted(article: StoredArticle, subscriptions: Sequence[Subscription]) -> bool:
    """A story passes if the filter of any subscription that carried it lets it through."""
    rules = [s for s in subscriptions if s.feed_id == article.feed_id] or subscriptions
    return any(matches(s.include, s.exclude, article.title, article.text) for s in rules)


@dataclass(frozen=True, slots=True)
class Candidates:
    stories: list[StoredArticle]  # best first
    truncated: bool  # more stories matched than were read (MAX_CANDIDATES)


async def digest_stories(
    db: Database, chat_id: int, *, since: datetime, include_posted: bool, limit: int = MAX_CANDIDATES
) -> Candidates:
    """The chat's stories fetched since a moment, best first (more sources, then newer), through
    its subscriptions' filters; without ``include_posted``, none it got (or gets) on its own."""
    subscriptions = await db.subscriptions.for_chat(chat_id)
    if not subscriptions:
        return Candidates([], False)
    found = await db.articles.top(feed_ids=[s.feed_id for s in subscriptions], since=since, limit=limit)
    # After ``since``, not at it: a story fetched in the very tick of the last digest was in it.
    stories = [a for a in found if a.fetched_at > since and wanted(a, subscriptions)]
    if not include_posted and stories:
        posted = await db.schedules.posted_articles(chat_id, [a.id for a in stories])
        stories = [a for a in stories if a.id not in posted]
    return Candidates(stories, len(found) >= limit)


def digest_items(stories: Sequence[StoredArticle]) -> list[DigestItem]:
    return [DigestItem(a.title, a.url, a.feed_title, a.summary, a.language) for a in stories]


def overflow_hold_until(zone: ZoneInfo, now: datetime) -> datetime:
    """How long a story over the cap of an overflow channel waits: past the next local hour."""
    return next_slot(hourly(), zone, now).at + OVERFLOW_GRACE


class DigestRunner:
    """Runs the due slots of every channel timetable; one tick of the digest job."""

    def __init__(self, db: Database, *, default_zone: ZoneInfo, catchup: timedelta) -> None:
        self._db = db
        self._default_zone = default_zone
        self._catchup = catchup

    async def run_due(self, now: datetime) -> DigestReport:
        report = DigestReport()
        chats: dict[int, Chat | None] = {}
        for schedule, last in await self._db.schedules.runnable():
            try:
                if schedule.chat_id not in chats:
                    chats[schedule.chat_id] = await self._db.chats.get(schedule.chat_id)
                chat = chats[schedule.chat_id]
                if chat is not None:
                    report = _add(report, await self.run_schedule(schedule, chat, last, now))
            except Exception:  # one timetable's bug must not stop the others
                log.exception("digest schedule #%d of chat %s failed", schedule.id, schedule.chat_id)
        return report

    async def run_schedule(
        self, schedule: Schedule, chat: Chat, last: ScheduleRun | None, now: datetime
    ) -> DigestReport:
        """Run (or skip) the due slot of one timetable, given its latest run."""
        zone = chat.zone(self._default_zone)
        table = timetable_of(schedule)
        after = max(schedule.active_from, last.slot_at) if last else schedule.active_from
        plan = plan_due(table, zone, after=after, now=now, catchup=self._catchup,
                        after_key=last.slot_key if last else None)
        skipped = await self._skip(schedule, chat, zone, plan, last, now)
        if plan.run is None:
            return DigestReport(skipped=skipped)
        # The first digest covers the period before its slot, or before the oldest slot it stands for.
        since = last.covered_until if last else previous_slot(table, zone, (plan.skipped or (plan.run,))[0].at).at
        since = max(since, plan.run.at - LOOKBACK)  # after a long pause: a week's news, not a month's
        if schedule.kind == "overflow":
            queued = await self._overflow(schedule, chat, zone, plan.run, now)
        else:
            queued = await self._digest(schedule, chat, zone, plan.run, since, now)
        return DigestReport(queued=queued, empty=int(queued == 0), skipped=skipped)

    async def _skip(
        self, schedule: Schedule, chat: Chat, zone: ZoneInfo, plan: SlotPlan, last: ScheduleRun | None, now: datetime,
    ) -> int:
        """Log the slots missed for longer than the catch-up window and record the newest of
        them, so the next tick starts after it; the next digest still covers every story since
        the last one that went out. Slots passed over for a newer one that runs now are only
        noted."""
        if not plan.skipped:
            return 0
        missed = [s for s in plan.skipped if now - s.at > self._catchup]
        if len(missed) < len(plan.skipped):  # due along with the newer slot that runs now
            log.info("chat %s: %d earlier %s slot(s) folded into the one of %s, whose digest covers them",
                     chat.id, len(plan.skipped) - len(missed), schedule.kind,
                     plan.run.key.replace("T", " ") if plan.run else "")
        if missed:
            log.warning(
                "chat %s (%s): skipped %d %s slot(s) missed while the bot was down (or the chat paused), the latest "
                "%s local time, %d minutes ago; SCHEDULE_CATCHUP_MINUTES is %g",
                chat.id, chat.display_name, len(missed), schedule.kind, missed[-1].key.replace("T", " "),
                (now - missed[-1].at) // timedelta(minutes=1), self._catchup / timedelta(minutes=1),
            )
        if plan.run is None:  # record the newest, so the next tick starts after it
            newest = plan.skipped[-1]
            covered = last.covered_until if last else previous_slot(timetable_of(schedule), zone, newest.at).at
            await self._db.schedules.claim(
                schedule, slot_key=newest.key, slot_at=newest.at, outcome="skipped", covered_until=covered, now=now,
            )
        return len(missed)

    async def _digest(
        self, schedule: Schedule, chat: Chat, zone: ZoneInfo, slot: Slot, since: datetime, now: datetime
    ) -> int:
        lang = pick_language(chat.language, None)
        heading = t(lang, "channel_digest", period=period_text(since, slot.at, zone))
        # Choosing the stories and claiming the slot in one transaction: a story queued on its
        # own meanwhile cannot also land in the digest.
        async with self._db.transaction():
            candidates = await digest_stories(self._db, chat.id, since=since, include_posted=schedule.include_posted)
            stories = candidates.stories
            if not stories and not schedule.post_empty:
                await self._db.schedules.claim(schedule, slot_key=slot.key, slot_at=slot.at, outcome="empty",
                                               covered_until=now, now=now)
                return 0
            if stories:
                capped = "+" if candidates.truncated else ""
                text, shown = render_digest_message(
                    heading, digest_items(stories), summaries=schedule.summaries,
                    more=lambda n: t(lang, "digest_more", count=f"{n}{capped}"),
                )
            else:
                text, shown = f"<b>{heading}</b>\n\n{t(lang, 'digest_empty')}", 0
            claimed = await self._db.schedules.claim(
                schedule, slot_key=slot.key, slot_at=slot.at, outcome="queued", covered_until=now, now=now,
                messages=[DigestMessage(f"s{schedule.id}:{slot.key}", text)], stories=shown,
            )
        if claimed:
            log.info("digest of %s for %s queued: %d stories", chat.id, slot.key, shown)
        return int(claimed)

    async def _overflow(self, schedule: Schedule, chat: Chat, zone: ZoneInfo, slot: Slot, now: datetime) -> int:
        """Every story still waiting at the end of an hour in which the cap was reached, in one
        digest (several messages if they do not fit one): held back, never dropped."""
        lang = pick_language(chat.language, None)
        async with self._db.transaction():
            waiting: list[int] = []
            if chat.max_per_hour:
                sent, _ = await self._db.deliveries.capped_sent_since(chat.id, slot.at - timedelta(hours=1))
                if sent >= chat.max_per_hour:
                    waiting = await self._db.schedules.waiting_articles(chat.id, queued_before=slot.at)
            stories = await self._db.articles.get_many(waiting)
            if not stories:
                await self._db.schedules.claim(schedule, slot_key=slot.key, slot_at=slot.at, outcome="empty",
                                               covered_until=now, now=now)
                return 0
            heading = t(lang, "overflow_digest", period=period_text(slot.at - timedelta(hours=1), slot.at, zone))
            parts = render_digest_parts(heading, digest_items(stories), summaries=schedule.summaries)
            messages = [DigestMessage(f"o{schedule.id}:{slot.key}#{i}", text) for i, text in enumerate(parts, 1)]
            claimed = await self._db.schedules.claim(
                schedule, slot_key=slot.key, slot_at=slot.at, outcome="queued", covered_until=now, now=now,
                messages=messages, rolled_articles=[a.id for a in stories], stories=len(stories),
            )
        if claimed:
            log.info("overflow digest of %s for %s: %d stories in %d messages", chat.id, slot.key,
                     len(stories), len(messages))
        return len(messages) if claimed else 0


def _add(a: DigestReport, b: DigestReport) -> DigestReport:
    return DigestReport(a.queued + b.queued, a.empty + b.empty, a.skipped + b.skipped)
