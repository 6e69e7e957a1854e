"""Digest timetables: slot planning against APScheduler's CronTrigger, one digest tick over
many channels, and rendering a digest with 200 stories waiting.

usage: python bench/bench_digests.py [--channels N] [--stories S] [--repeat R]

1. Slots: ``plan_due`` (what the digest job calls for each timetable on every tick) against
   APScheduler 3's ``CronTrigger.get_next_fire_time`` (what one job per slot would use), in
   µs per call, and what each does on the DST nights of America/New_York in 2026: a 02:30
   slot on the spring-forward night, a 01:30 slot on the fall-back night (which happens twice).
2. A digest tick over a real SQLite file: N channels, each with a daily 08:00,20:00 timetable
   and a weekly one, S stories in the last 12 hours: an idle tick (no slot due), and the tick at
   20:00 that queues N digests (select, rank, render, claim).
3. Rendering 200 stories into one message: ``render_digest_message`` (counts each line once)
   against ``render.render_digest`` (re-measures the whole text for every line added).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from apscheduler.triggers.cron import CronTrigger  # noqa: E402

from bot.delivery.digests import DigestRunner  # noqa: E402
from bot.delivery.schedule import Timetable, parse_schedule, plan_due  # noqa: E402
from bot.news.digest import DigestItem, render_digest_message  # noqa: E402
from bot.news.render import Link, render_digest, telegram_length  # noqa: E402
from storage import Database  # noqa: E402
from storage.articles import NewArticle  # noqa: E402

NEW_YORK = ZoneInfo("America/New_York")
KYIV = ZoneInfo("Europe/Kyiv")


def _per_call_us(fn: Callable[[], object], repeat: int) -> float:
    start = time.perf_counter()
    for _ in range(repeat):
        fn()
    return (time.perf_counter() - start) / repeat * 1e6


def _cron_fires(hour: int, minute: int, start: datetime, end: datetime) -> list[str]:
    """Fire times as APScheduler's scheduler asks for them (previous fire, now = just after it)."""
    trigger = CronTrigger(hour=hour, minute=minute, timezone=NEW_YORK)
    fires, previous, now = [], None, start
    for _ in range(10):
        fire = trigger.get_next_fire_time(previous, now)
        if fire is None or fire > end:
            break
        stamp = fire.astimezone(NEW_YORK).strftime("%m-%d %H:%M %Z")
        if previous is not None and fire.astimezone(UTC) <= previous.astimezone(UTC):  # wall times compare equal
            fires.append(f"{stamp} again (stuck: the same time returned after it fired)")
            break
        fires.append(stamp)
        previous, now = fire, fire + timedelta(seconds=1)
    return fires


def _planner_fires(hour: int, minute: int, start: datetime, end: datetime) -> list[str]:
    """What the digest job does: a tick every 30 s, running what ``plan_due`` returns."""
    table = parse_schedule(f"{hour:02d}:{minute:02d}")[0]
    fires, after, now = [], start, start
    while now <= end:
        plan = plan_due(table, NEW_YORK, after=after, now=now, catchup=timedelta(minutes=30))
        if plan.run is not None:
            fires.append(plan.run.at.astimezone(NEW_YORK).strftime("%m-%d %H:%M %Z"))
            after = plan.run.at
        now += timedelta(seconds=30)
    return fires


def bench_slots(repeat: int) -> None:
    table = Timetable(parse_schedule("08:00,20:00")[0].times)
    trigger = CronTrigger(hour="8,20", minute=0, timezone=KYIV)
    now = datetime(2026, 3, 28, 12, tzinfo=UTC)
    ours = _per_call_us(lambda: plan_due(table, KYIV, after=now - timedelta(minutes=1), now=now,
                                         catchup=timedelta(minutes=30)), repeat)
    cron = _per_call_us(lambda: trigger.get_next_fire_time(None, now), repeat)
    print("1. slot planning, daily 08:00,20:00 in Europe/Kyiv")
    print(f"   plan_due: {ours:.1f} µs/call; CronTrigger.get_next_fire_time: {cron:.1f} µs/call "
          f"(plan_due ×{ours / cron:.2f} the time)")
    print("   DST in America/New_York, 2026 (fires between the given days):")
    for label, hour, minute, start, end in (
        ("02:30, spring forward 8 March", 2, 30, datetime(2026, 3, 7, 12, tzinfo=UTC), datetime(2026, 3, 9, 12, tzinfo=UTC)),
        ("01:30, fall back 1 November", 1, 30, datetime(2026, 10, 31, 12, tzinfo=UTC), datetime(2026, 11, 2, 12, tzinfo=UTC)),
    ):
        print(f"   {label}: planner {_planner_fires(hour, minute, start, end)}; "
              f"CronTrigger {_cron_fires(hour, minute, start, end)}")


async def bench_tick(channels: int, stories: int) -> None:
    start = datetime(2026, 1, 1, 8, 0, 30, tzinfo=UTC)
    with tempfile.TemporaryDirectory() as tmp:
        db = await Database.open(Path(tmp) / "bench.db")
        try:
            feeds = [(await db.feeds.add(f"https://news{i}.example/rss", now=start, title=f"News {i}"))[0]
                     for i in range(10)]
            async with db.transaction():
                for n in range(stories):
                    fetched = start + timedelta(seconds=n * 12 * 3600 // stories)
                    await db.articles.insert(NewArticle(
                        feed_id=feeds[n % 10].id, url=f"https://news.example/{n}", canonical_url=f"https://news.example/{n}",
                        guid=None, title=f"Story {n} about the harbour council and its budget", text="", summary="",
                        language="en", author="", published_at=fetched, from_feed=False, related=(), fingerprint=None,
                        bands=None, title_terms="", body_terms="",
                    ), now=fetched)
                for c in range(channels):
                    chat_id = -1_000_000_000 - c
                    await db.chats.upsert(chat_id, "channel", title=f"Channel {c}", now=start)
                    await db.subscriptions.add(chat_id, feeds[c % 10].id, now=start)
                    await db.subscriptions.add(chat_id, feeds[(c + 3) % 10].id, now=start)
                    await db.schedules.add(chat_id, "digest", days="", times="08:00,20:00", now=start)
                    await db.schedules.add(chat_id, "digest", days="mon", times="09:00", now=start)
            runner = DigestRunner(db, default_zone=UTC, catchup=timedelta(minutes=30))
            t0 = time.perf_counter()
            idle = await runner.run_due(datetime(2026, 1, 1, 19, 59, tzinfo=UTC))
            idle_s = time.perf_counter() - t0
            t0 = time.perf_counter()
            due = await runner.run_due(datetime(2026, 1, 1, 20, 0, 10, tzinfo=UTC))
            due_s = time.perf_counter() - t0
            again = await runner.run_due(datetime(2026, 1, 1, 20, 0, 40, tzinfo=UTC))
            sizes = [telegram_length(d.payload or "") for c in range(min(channels, 20))
                     for d in await db.deliveries.for_chat(-1_000_000_000 - c)]
        finally:
            await db.close()
    print(f"2. digest tick, {channels} channels × 2 timetables, {stories} stories in 12 h")
    print(f"   idle tick: {idle_s * 1000:.0f} ms ({idle_s / (2 * channels) * 1e6:.0f} µs per timetable); "
          f"queued {idle.queued}")
    print(f"   tick at 20:00: {due_s * 1000:.0f} ms for {due.queued} digests "
          f"({due_s / max(due.queued, 1) * 1000:.2f} ms each); next tick queued {again.queued}; "
          f"largest message {max(sizes)} UTF-16 units")


def bench_render(repeat: int) -> None:
    items = [DigestItem(f"Story {n} about the harbour council and its budget", f"https://news.example/{n}",
                        "Fake Times") for n in range(200)]
    links = [Link(i.title, i.url, i.source) for i in items]
    ours = _per_call_us(lambda: render_digest_message("Digest", items, more=lambda n: f"{n} more"), repeat)
    old = _per_call_us(lambda: render_digest("Digest", links), repeat)
    shown = render_digest_message("Digest", items, more=lambda n: f"{n} more")[1]
    print("3. rendering 200 waiting stories into one message")
    print(f"   render_digest_message: {ours:.0f} µs ({shown} shown); render.render_digest: {old:.0f} µs "
          f"(×{old / ours:.1f} slower)")


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--channels", type=int, default=1000)
    parser.add_argument("--stories", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=2000)
    args = parser.parse_args(argv)
    bench_slots(args.repeat)
    asyncio.run(bench_tick(args.channels, args.stories))
    bench_render(max(20, args.repeat // 20))


if __name__ == "__main__":
    main()
