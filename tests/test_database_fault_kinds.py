"""Which database errors are an outage, and when a write fault is over.

An outage (a lock held by another program, a full disk) is waited out quietly: logged once,
the admins told once when it starts and once when it is over. A statement of ours that the
database rejects ("no such column", a syntax error) is a bug: it used to pass for "the disk is
full" (every ``sqlite3.OperationalError`` counted as an outage) and be retried silently
forever; now it is logged with its traceback once and the admins are told it is a bug.

A fault used to end only with a poll that stored new stories: a lock that went away while no
feed published anything left the fault (and the admins' last word, "I cannot store new
stories") standing. Now each kind of write ends its own fault when it works again.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import AsyncIterator, Callable
from datetime import timedelta
from pathlib import Path

import pytest

from telegram import Bot

from bot.app import build_application
from bot.database_bugs import MAX_REMEMBERED, DatabaseBugs
from bot.clock import FakeClock
from bot.config import Settings
from bot.jobs import digest_tick
from bot.jobs.poll import poll_due_feeds
from bot.jobs.retention import retention_tick
from storage.errors import is_outage
from tests.conftest import ADMIN_ID, TOKEN, RunningBot, start_bot
from tests.fakes.news_site import FakeNewsSite
from tests.fakes.telegram_api import FakeTelegramServer
from tests.stories import DAM, ELECTION
from tests.test_disk_full import _fill_the_disk, _free_the_disk, _WriteLock

pytestmark = pytest.mark.sqlite_only("SQLite's own lock, full disk and 'no such column' on the bot's file")

OVER = "The database takes writes again"


@pytest.fixture
async def bot(make_settings: Callable[..., Settings], tg: FakeTelegramServer, clock: FakeClock) -> AsyncIterator[RunningBot]:
    application = build_application(make_settings(max_feed_errors=2), clock=clock, schedule_jobs=False)
    async with start_bot(application):
        yield RunningBot(application, tg)


def _notices(tg: FakeTelegramServer) -> list[str]:
    return [c.params["text"] for c in tg.sent_messages(ADMIN_ID)]


def _real_errors(path: Path) -> dict[str, sqlite3.Error]:
    """What SQLite raises, for real, on a file: locked, full, and two bugs of a statement."""
    setup = sqlite3.connect(path, isolation_level=None)
    setup.execute("CREATE TABLE t (a INTEGER)")
    setup.execute("INSERT INTO t VALUES (1)")
    setup.close()
    errors: dict[str, sqlite3.Error] = {}
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    other = sqlite3.connect(path, isolation_level=None, timeout=0)
    for name, sql in [("locked", "INSERT INTO t VALUES (2)"), ("no such column", "SELECT b FROM t"),
                      ("syntax", "SELEC a FROM t"), ("constraint", None)]:
        try:
            if sql is None:
                other.execute("CREATE TEMP TABLE u (a INTEGER UNIQUE)")
                other.execute("INSERT INTO u VALUES (1), (1)")
            else:
                other.execute(sql)
        except sqlite3.Error as exc:
            errors[name] = exc
    holder.execute("ROLLBACK")
    pages = other.execute("PRAGMA page_count").fetchone()[0]
    other.execute(f"PRAGMA max_page_count = {int(pages):d}")
    try:
        other.execute("INSERT INTO t SELECT zeroblob(100000)")
    except sqlite3.Error as exc:
        errors["full"] = exc
    other.close()
    holder.close()
    return errors


def test_only_a_database_that_cannot_take_work_is_an_outage(tmp_path: Path) -> None:
    errors = _real_errors(tmp_path / "t.db")
    assert set(errors) == {"locked", "no such column", "syntax", "constraint", "full"}, errors
    assert isinstance(errors["no such column"], sqlite3.OperationalError)  # the same type as "locked"
    assert is_outage(errors["locked"]) and is_outage(errors["full"])
    assert not is_outage(errors["no such column"])
    assert not is_outage(errors["syntax"])
    assert not is_outage(errors["constraint"])
    assert not is_outage(ValueError("database is locked"))  # not a database error at all


async def test_a_statement_the_database_rejects_is_reported_as_a_bug_once_not_as_a_full_disk(
    bot: RunningBot, site: FakeNewsSite, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    """A column the poll tick's claim reads is gone (as after a migration gone wrong): every
    tick fails with "no such column". Logged once with its traceback, the admins told once
    that it is a bug, not asked whether the disk is full."""
    services, db, tg = bot.services, bot.services.db, bot.tg
    site.feed("/rss.xml", title="Daily Press").publish("Dam gates open", body=DAM)
    await db.feeds.add(site.url("/rss.xml"), now=clock.now())
    await db.conn.execute("ALTER TABLE feeds RENAME COLUMN next_poll_at TO next_poll_at_gone")
    caplog.clear()
    for _ in range(5):
        assert await services.poller.tick() == 0
        clock.advance(timedelta(seconds=2))
    logged = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(logged) == 1, [r.getMessage() for r in logged]
    assert "no such column" in logged[0].getMessage() and "bug" in logged[0].getMessage()
    assert logged[0].exc_info is not None  # the traceback, to report
    notices = _notices(tg)
    assert len(notices) == 1 and "bug" in notices[0] and "no such column" in notices[0], notices
    assert "disk" not in notices[0].replace("not a full disk", ""), notices
    assert services.write_faults.fault is None  # not an outage to wait out


async def test_a_feed_poll_that_hits_a_bug_is_not_counted_against_the_feed(
    bot: RunningBot, site: FakeNewsSite, clock: FakeClock
) -> None:
    services, db, tg = bot.services, bot.services.db, bot.tg
    site.feed("/rss.xml", title="Daily Press").publish("Dam gates open", body=DAM)
    stored, _ = await db.feeds.add(site.url("/rss.xml"), now=clock.now())
    await db.conn.execute("ALTER TABLE articles RENAME TO articles_gone")
    for _ in range(4):  # twice MAX_FEED_ERRORS
        clock.advance(timedelta(minutes=20))
        for report in await poll_due_feeds(services):
            assert "bug" in (report.error or ""), report.error
    row = await db.feeds.get(stored.id)
    assert row is not None and row.enabled and row.error_count == 0
    assert len([n for n in _notices(tg) if "bug" in n]) == 1, _notices(tg)


async def test_a_lock_gone_while_no_feed_publishes_ends_the_fault_and_the_admins_hear_it_once(
    bot: RunningBot, site: FakeNewsSite, clock: FakeClock
) -> None:
    services, db, tg = bot.services, bot.services.db, bot.tg
    site.feed("/rss.xml", title="Daily Press")
    await db.feeds.add(site.url("/rss.xml"), now=clock.now())
    await db.conn.execute("PRAGMA busy_timeout = 50")
    lock = _WriteLock(str(services.settings.database_path))
    try:
        for _ in range(3):
            assert await services.poller.tick() == 0
            await digest_tick(services)
            clock.advance(timedelta(seconds=30))
    finally:
        lock.release()
    assert len(_notices(tg)) == 1 and "database is locked" in _notices(tg)[0]
    await services.poller.tick()  # the claim works again; the digest tick has not run yet
    assert not any(OVER in n for n in _notices(tg))
    await digest_tick(services)  # nothing new anywhere: no story to store
    assert services.write_faults.fault is None
    notices = _notices(tg)
    assert len(notices) == 2 and OVER in notices[1], notices
    for _ in range(3):  # said once
        clock.advance(timedelta(seconds=30))
        await services.poller.tick()
        await digest_tick(services)
    assert len(_notices(tg)) == 2


async def test_a_full_disk_that_frees_while_the_feed_has_nothing_new_ends_the_fault(
    bot: RunningBot, site: FakeNewsSite, clock: FakeClock
) -> None:
    """The stories that could not be stored are gone from the feed before space returns (or
    the feed published nothing since): the feed's next poll works, so the fault is over; a
    claim that works meanwhile does not end the feed's fault."""
    services, db, tg = bot.services, bot.services.db, bot.tg
    feed = site.feed("/rss.xml", title="Daily Press")
    await db.feeds.add(site.url("/rss.xml"), now=clock.now())
    assert [r.error for r in await poll_due_feeds(services)] == [None]
    feed.publish("Dam gates open", body=DAM)
    feed.publish("Portugal votes", body=ELECTION)
    await _fill_the_disk(bot)
    for _ in range(2):
        clock.advance(timedelta(minutes=20))
        [report] = await poll_due_feeds(services)
        assert "disk is full" in (report.error or "")
        await services.poller.tick()  # claims work (nothing due): the feed's writes still do not
    assert not any(OVER in n for n in _notices(tg)), _notices(tg)
    feed.items.clear()  # the feed moved on: nothing new in it now
    await _free_the_disk(bot)
    clock.advance(timedelta(minutes=20))
    [report] = await poll_due_feeds(services)
    assert report.error is None and not report.new_articles
    assert services.write_faults.fault is None
    notices = _notices(tg)
    assert len(notices) == 2 and "disk is full" in notices[0] and OVER in notices[1], notices


async def test_a_feed_removed_while_its_writes_were_refused_closes_its_fault(
    bot: RunningBot, site: FakeNewsSite, clock: FakeClock
) -> None:
    """A feed's stories could not be stored (a full disk); space returns and the admin removes
    the feed. Only that feed's next poll ended its fault, and a removed feed is never polled:
    the fault stood for good ("the database refuses writes" in the bot's state, the admins
    never told it was over). Now the removal closes it."""
    services, db, tg = bot.services, bot.services.db, bot.tg
    feed = site.feed("/rss.xml", title="Daily Press")
    await bot.command(ADMIN_ID, f"/addfeed {site.url('/rss.xml')}")
    assert [r.error for r in await poll_due_feeds(services)] == [None]
    feed.publish("Dam gates open", body=DAM)
    await _fill_the_disk(bot)
    clock.advance(timedelta(minutes=20))
    [report] = await poll_due_feeds(services)
    assert "disk is full" in (report.error or "")
    await _free_the_disk(bot)
    await services.poller.tick()  # the claim works: nothing due, the feed's fault stays
    assert services.write_faults.fault is not None and not any(OVER in n for n in _notices(tg))

    answers = [c.params["text"] for c in await bot.command(ADMIN_ID, "/removefeed 1", replies=2)]
    assert any(text.startswith("Removed Daily Press") for text in answers), answers
    assert services.write_faults.fault is None
    notices = [n for n in _notices(tg) if "database" in n]
    assert len(notices) == 2 and "disk is full" in notices[0] and OVER in notices[1], notices


async def test_the_publisher_tells_a_rejected_statement_as_a_bug_not_a_full_disk(
    bot: RunningBot, caplog: pytest.LogCaptureFixture
) -> None:
    """The publisher pauses sending on any database error (an outcome it cannot write must
    not be sent twice); a bug among them is logged with its traceback and named as one."""
    with pytest.raises(sqlite3.OperationalError) as caught:
        await bot.services.db.conn.execute("SELECT no_such_column FROM deliveries")
    error = caught.value
    outcomes = bot.services.publisher.outcomes
    caplog.clear()
    await outcomes.database_fault(error)
    await outcomes.tell_database_fault()
    [logged] = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert "a bug" in logged.getMessage() and logged.exc_info is not None
    [notice] = _notices(bot.tg)
    assert notice.startswith("A bug in newsbot") and "no such column" in notice and "Is the disk full" not in notice


async def test_the_retention_pass_held_off_by_a_lock_is_a_write_fault_that_ends_with_it(
    bot: RunningBot, clock: FakeClock
) -> None:
    services, tg = bot.services, bot.tg
    await services.db.conn.execute("PRAGMA busy_timeout = 50")
    lock = _WriteLock(str(services.settings.database_path))
    try:
        assert await retention_tick(services) is None
    finally:
        lock.release()
    assert "database is locked" in (services.write_faults.fault or "")
    assert len(_notices(tg)) == 1 and "database is locked" in _notices(tg)[0]
    clock.advance(timedelta(hours=1))
    assert await retention_tick(services) is not None  # the day's pass, now that writing works
    assert services.write_faults.fault is None
    assert len(_notices(tg)) == 2 and OVER in _notices(tg)[1]


async def test_a_retention_pass_whose_statement_is_rejected_is_told_as_a_bug(bot: RunningBot) -> None:
    services, tg = bot.services, bot.tg
    await services.db.conn.execute("ALTER TABLE deliveries RENAME TO deliveries_gone")
    assert await retention_tick(services) is None
    assert services.write_faults.fault is None
    [notice] = _notices(tg)
    assert notice.startswith("A bug in newsbot") and "deleting old stories" in notice


async def test_past_the_bugs_remembered_a_new_one_is_not_told_again_at_every_tick(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Past MAX_REMEMBERED distinct bugs a new one was not remembered, so each report of it
    (every tick) logged its traceback and told the admins again: the flood this module exists
    to prevent. No admins here: a notice shows as "admin notice not delivered" in the log."""
    bugs = DatabaseBugs(Bot(TOKEN), [])
    for number in range(MAX_REMEMBERED):
        await bugs.report(sqlite3.OperationalError(f"no such column: c{number}"), doing="polling a feed")
    caplog.clear()
    for _ in range(5):
        await bugs.report(sqlite3.OperationalError("no such column: late"), doing="polling a feed")
    told = [r for r in caplog.records if "admin notice not delivered" in r.getMessage()]
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert told == []
    assert len(errors) == 1 and "further new ones" in errors[0].getMessage(), [r.getMessage() for r in errors]
