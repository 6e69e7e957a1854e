"""The slot claim: one schedule_runs row per slot, written with the digest it queues."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path

from storage import Database
from storage.schedules import DigestMessage

NOW = datetime(2026, 1, 1, 8, 0, tzinfo=UTC)


async def test_a_slot_is_claimed_once_even_by_two_ticks_at_once(database_target: str) -> None:
    db = await Database.connect(database_target)
    try:
        await db.chats.upsert(-100, "channel", title="News", now=NOW)
        schedule = await db.schedules.add(-100, "digest", days="", times="08:00", now=NOW)

        async def claim() -> bool:
            return await db.schedules.claim(
                schedule, slot_key="2026-01-01T08:00", slot_at=NOW, outcome="queued", covered_until=NOW, now=NOW,
                messages=[DigestMessage(f"s{schedule.id}:2026-01-01T08:00", "<b>Digest</b>")], stories=1,
            )

        assert sorted(await asyncio.gather(claim(), claim())) == [False, True]
        assert not await claim()
        assert [d.kind for d in await db.deliveries.for_chat(-100)] == ["digest"]
        assert [r.outcome for r in await db.schedules.runs(schedule.id)] == ["queued"]
        # Removing the schedule removes its runs; the queued digest still goes out.
        assert await db.schedules.remove(-100) == 1
        assert await db.schedules.runs(schedule.id) == []
        assert len(await db.deliveries.for_chat(-100)) == 1
    finally:
        await db.close()


async def test_digest_only_chats_get_no_story_one_by_one(database_target: str) -> None:
    db = await Database.connect(database_target)
    try:
        feed, _ = await db.feeds.add("https://news.example/rss", now=NOW)
        for chat_id in (-100, -200):
            await db.chats.upsert(chat_id, "channel", title=str(chat_id), now=NOW)
            await db.subscriptions.add(chat_id, feed.id, now=NOW)
        await db.schedules.add(-200, "digest", days="", times="08:00", now=NOW, only_digests=True)
        assert [s.chat_id for s in await db.subscriptions.for_feed(feed.id)] == [-100]
        assert {s.chat_id for s in await db.subscriptions.for_feed(feed.id, one_by_one=False)} == {-100, -200}
    finally:
        await db.close()


async def test_a_group_that_becomes_a_supergroup_keeps_its_timetables(database_target: str) -> None:
    db = await Database.connect(database_target)
    try:
        for old, new in ((-1, -1001), (-2, -1002)):
            await db.chats.upsert(old, "group", title="Group", now=NOW)
            await db.schedules.add(old, "digest", days="mon", times="09:00", now=NOW)
            if new == -1002:  # the supergroup spoke first: both ids are known
                await db.chats.upsert(new, "supergroup", title="Group", now=NOW)
            await db.chats.migrate(old, new, now=NOW)
            assert [s.times for s in await db.schedules.for_chat(new)] == ["09:00"], new
            assert await db.schedules.for_chat(old) == []
    finally:
        await db.close()
