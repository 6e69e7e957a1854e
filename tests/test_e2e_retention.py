"""End to end: a channel follows a feed for months. Stories older than RETENTION_DAYS are
deleted by the daily job while the feed still lists them, and the channel never gets them a
second time; /stats shows what retention keeps and did. The scheduler is not running: the test
calls the poll, publish and retention job bodies and moves a FakeClock."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.clock import FakeClock
from bot.jobs.poll import poll_due_feeds
from bot.jobs.retention import retention_tick
from tests.conftest import ADMIN_ID, RunningBot
from tests.fakes.news_site import FakeNewsSite
from tests.test_disk_full import _WriteLock
from tests.stories import DAM, ELECTION, HARBOUR, KYIV_UK, MUSEUM

CHANNEL = -1007301


async def _cycle(bot: RunningBot, clock: FakeClock) -> int:
    """A poll, then the publisher until nothing waits (a channel's posts go 3 s apart)."""
    await poll_due_feeds(bot.services)
    sent = 0
    for _ in range(5):
        sent += (await bot.services.publisher.drain()).sent
        clock.advance(timedelta(seconds=5))
    return sent


def _titles(bot: RunningBot) -> list[str]:
    return [c.params["text"].split("</a>")[0].rsplit(">", 1)[1] for c in bot.tg.sent_messages(CHANNEL)]


async def test_a_deleted_story_its_feed_still_lists_is_never_posted_again(
    running_bot: RunningBot, site: FakeNewsSite, clock: FakeClock
) -> None:
    bot = running_bot
    feed = site.feed("/rss.xml", title="Fake Times")
    feed.publish("Dam gates open after repairs", body=DAM)
    feed.publish("Portugal votes for stability", body=ELECTION)
    bot.tg.push_my_chat_member(CHANNEL, "channel", title="Months of News", from_user_id=ADMIN_ID)
    await bot.tg.wait_for("sendMessage", predicate=lambda c: c.params.get("chat_id") == ADMIN_ID)
    await bot.command(ADMIN_ID, f"/addfeed {site.url('/rss.xml')}")
    await bot.command(ADMIN_ID, f"/channel {CHANNEL} subscribe 1")
    assert await _cycle(bot, clock) == 2

    clock.advance(timedelta(days=91))  # past RETENTION_DAYS (90, the default)
    feed.publish("Kyiv opens a new bridge", body=KYIV_UK)
    assert await _cycle(bot, clock) == 1
    report = await retention_tick(bot.services)
    assert report is not None and report.stories == 2
    assert await retention_tick(bot.services) is None  # once a day, whatever the ticks

    feed.publish("Museum reopens its east wing", body=MUSEUM)  # the feed changed and lists all four
    clock.advance(timedelta(minutes=17))
    assert await _cycle(bot, clock) == 1
    clock.advance(timedelta(days=1, minutes=17))
    feed.publish("Storm keeps boats in harbour", body=HARBOUR)
    assert await _cycle(bot, clock) == 1
    assert _titles(bot) == ["Dam gates open after repairs", "Portugal votes for stability", "Kyiv opens a new bridge",
                            "Museum reopens its east wing", "Storm keeps boats in harbour"]

    [stats] = await bot.command(ADMIN_ID, "/stats")
    text = stats.params["text"]
    assert "Stories: 3 " in text and "Retention: 90 days" in text and "2 stories and 0 other rows deleted" in text, text


def test_the_retention_job_is_scheduled_by_the_wiring(make_settings) -> None:  # type: ignore[no-untyped-def]
    from bot.app import build_application

    application = build_application(make_settings())
    assert "retention" in {job.name for job in application.job_queue.jobs()}


@pytest.mark.sqlite_only("another connection holds SQLite's file write lock past PRAGMA busy_timeout")
async def test_a_pass_the_database_refuses_says_so_once_and_the_next_day_runs(
    running_bot: RunningBot, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    services = running_bot.services
    await services.db.conn.execute("PRAGMA busy_timeout = 50")
    lock = _WriteLock(str(services.settings.database_path))
    try:
        assert await retention_tick(services) is None  # the day's claim itself is refused
    finally:
        lock.release()
    notices = [c.params["text"] for c in running_bot.tg.sent_messages(ADMIN_ID)]
    assert len(notices) == 1 and "database is locked" in notices[0], notices  # told once, no traceback
    assert "while deleting old stories" in caplog.text
    clock.advance(timedelta(days=1))
    report = await retention_tick(services)
    assert report is not None and report.finished
