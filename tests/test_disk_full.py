"""The database refusing the jobs' writes. A full disk while polling: SQLite answers "database or disk is full" (its SQLITE_FULL),
made real on the bot's own file with ``PRAGMA max_page_count`` (a small filesystem needs
root). The feeds are not at fault: none is counted as failing or disabled, the fault is logged
once and the admins told once, and when space returns the stories the feeds published
meanwhile are stored and posted."""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from collections.abc import AsyncIterator, Callable
from datetime import timedelta

import pytest

from bot.app import build_application
from bot.clock import FakeClock
from bot.config import Settings
from bot.jobs import digest_tick
from bot.jobs.poll import poll_due_feeds
from bot.replica import Heartbeat, Lease
from tests.conftest import ADMIN_ID, READER_ID, RunningBot, start_bot
from tests.fakes.news_site import FakeNewsSite
from tests.fakes.telegram_api import FakeTelegramServer
from tests.stories import DAM, ELECTION

MAX_ERRORS = 2
SQLITE_DEFAULT_MAX_PAGES = 1073741823


@pytest.fixture
async def bot(make_settings: Callable[..., Settings], tg: FakeTelegramServer, clock: FakeClock) -> AsyncIterator[RunningBot]:
    application = build_application(make_settings(max_feed_errors=MAX_ERRORS), clock=clock, schedule_jobs=False)
    async with start_bot(application):
        yield RunningBot(application, tg)


async def _fill_the_disk(bot: RunningBot) -> None:
    """No page more: every write that needs one fails, as on a full disk."""
    pages = await bot.services.db.scalar("PRAGMA page_count")
    await bot.services.db.conn.execute(f"PRAGMA max_page_count = {int(pages):d}")  # type: ignore[call-overload]


async def _free_the_disk(bot: RunningBot) -> None:
    await bot.services.db.conn.execute(f"PRAGMA max_page_count = {SQLITE_DEFAULT_MAX_PAGES:d}")


@pytest.mark.sqlite_only("PRAGMA max_page_count makes SQLite's own 'database or disk is full'; PostgreSQL "
                        "out of space is an InsufficientResources error of the same DATABASE_OUTAGES")
async def test_a_full_disk_disables_no_feed_and_loses_no_story(
    bot: RunningBot, site: FakeNewsSite, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    services, db, tg = bot.services, bot.services.db, bot.tg
    feed = site.feed("/rss.xml", title="Daily Press")
    stored, _ = await db.feeds.add(site.url("/rss.xml"), now=clock.now())
    [first] = await poll_due_feeds(services)  # a healthy first poll: the feed is known
    assert first.error is None
    await db.chats.upsert(READER_ID, "private", now=clock.now())
    await db.subscriptions.add(READER_ID, stored.id, now=clock.now())
    feed.publish("Dam gates open", body=DAM)
    feed.publish("Portugal votes", body=ELECTION)

    await _fill_the_disk(bot)
    caplog.clear()
    for _ in range(MAX_ERRORS + 3):  # more polls than it takes to disable a failing feed
        clock.advance(timedelta(minutes=20))
        for report in await poll_due_feeds(services):
            assert "disk is full" in (report.error or "")
    row = await db.feeds.get(stored.id)
    assert row is not None and row.enabled and row.error_count == 0  # not the feed's fault
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR and "disk is full" in r.getMessage()]
    assert len(errors) == 1, [r.getMessage() for r in errors]  # logged once, not once a poll
    notices = [c.params["text"] for c in tg.sent_messages(ADMIN_ID)]
    assert len([n for n in notices if "disk is full" in n]) == 1, notices

    await _free_the_disk(bot)
    clock.advance(timedelta(minutes=20))
    [report] = await poll_due_feeds(services)
    assert report.error is None and len(report.new_articles) == 2
    assert (await services.publisher.drain()).sent >= 1
    texts = " ".join(c.params["text"] for c in tg.sent_messages(READER_ID))
    assert "Dam gates open" in texts
    notices = [c.params["text"] for c in tg.sent_messages(ADMIN_ID)]
    assert any("writing works again" in n for n in notices)


class _WriteLock:
    """Another program holding SQLite's write lock (BEGIN IMMEDIATE) on the bot's file."""

    def __init__(self, path: str) -> None:
        self._conn = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._conn.execute("BEGIN IMMEDIATE")

    def release(self) -> None:
        self._conn.execute("ROLLBACK")
        self._conn.close()


@pytest.mark.sqlite_only("another connection holds SQLite's file write lock past PRAGMA busy_timeout")
async def test_ticks_that_cannot_claim_their_work_skip_quietly_and_say_so_once(
    bot: RunningBot, site: FakeNewsSite, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    """Every write refused (a lock held from outside; a full disk refuses even the claims): the
    poll and digest ticks, every 2 and 30 s, used to raise into PTB's error handler, a traceback
    each time and an "Unexpected error" notice every ten minutes. Now each skips its tick; one
    log line, one notice; when the lock is gone the feed is polled."""
    services, db, tg = bot.services, bot.services.db, bot.tg
    site.feed("/rss.xml", title="Daily Press").publish("Dam gates open", body=DAM)
    await db.feeds.add(site.url("/rss.xml"), now=clock.now())
    await db.conn.execute("PRAGMA busy_timeout = 50")
    lock = _WriteLock(str(services.settings.database_path))
    try:
        caplog.clear()
        for _ in range(5):
            assert await services.poller.tick() == 0
            await digest_tick(services)
            clock.advance(timedelta(seconds=30))
    finally:
        lock.release()
    logged = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(logged) == 1 and "database is locked" in logged[0].getMessage(), [r.getMessage() for r in logged]
    notices = [c.params["text"] for c in tg.sent_messages(ADMIN_ID)]
    assert len(notices) == 1 and "database is locked" in notices[0], notices
    [report] = await poll_due_feeds(services)  # the lock gone: the feed is polled, its story stored
    assert report.error is None and len(report.new_articles) == 1


@pytest.mark.sqlite_only("another connection holds SQLite's file write lock past PRAGMA busy_timeout")
async def test_the_heartbeat_says_once_that_the_database_refuses_writes(
    bot: RunningBot, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    """The heartbeat beats every quarter lease (15 s): refused writes were a traceback each."""
    db = bot.services.db
    at_sleep: asyncio.Queue[None] = asyncio.Queue()
    go: asyncio.Queue[None] = asyncio.Queue()

    async def step(_seconds: float) -> None:  # the beat before it has ended
        await at_sleep.put(None)
        await go.get()

    heart = Heartbeat(db, Lease("replica-t", 60), clock, role="all", webhook=False, sleep=step)
    await heart.start()
    await at_sleep.get()
    await db.conn.execute("PRAGMA busy_timeout = 50")
    lock = _WriteLock(str(bot.services.settings.database_path))
    caplog.clear()
    caplog.set_level(logging.INFO, logger="bot.replica")
    try:
        for _ in range(5):
            await go.put(None)
            await at_sleep.get()
    finally:
        lock.release()
    await go.put(None)
    await at_sleep.get()
    await heart.aclose()
    said = [(r.levelname, r.getMessage()) for r in caplog.records if r.name == "bot.replica"]
    assert [level for level, _ in said] == ["WARNING", "INFO"], said
    assert "database is locked" in said[0][1] and "takes writes again" in said[1][1]
