"""The outbox through faults, over a FakeClock: a Bot API outage longer than the old retry
budget, posts Telegram refuses as too long or unparsable, failed rows queued again, the
database locked while sends are answered, edited commands, and a migration that rebuilds a
referenced table."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
import time
from collections import Counter
from collections.abc import AsyncIterator, Callable
from datetime import timedelta
from pathlib import Path

import aiosqlite
import pytest

from bot.app import ALLOWED_UPDATES, build_application
from bot.clock import FakeClock
from bot.config import Settings
from bot.jobs.publish import PublishReport
from storage import Database
from tests.conftest import ADMIN_ID, READER_ID, RunningBot, start_bot
from tests.fakes._tg_updates import message_dict, user_dict
from tests.fakes.telegram_api import FakeTelegramServer
from tests.test_reliability import _drain_until_sent, _posts_per_chat, _rows, _seed_outbox


@pytest.fixture
async def fast_bot(
    make_settings: Callable[..., Settings], tg: FakeTelegramServer, clock: FakeClock
) -> AsyncIterator[RunningBot]:
    application = build_application(make_settings(telegram_messages_per_second=1000), clock=clock, schedule_jobs=False)
    async with start_bot(application):
        yield RunningBot(application, tg)


def _admin_texts(tg: FakeTelegramServer) -> list[str]:
    return [c.params["text"] for c in tg.sent_messages(ADMIN_ID)]


# -- a long outage ---------------------------------------------------------------------------


async def test_a_540_second_bot_api_outage_mid_fanout_loses_nothing_and_repeats_nothing(
    fast_bot: RunningBot, clock: FakeClock
) -> None:
    """60 chats; after the first 20 posts the Bot API answers every call with 502 for 540 s
    (the old budget gave up after 7.5 minutes and failed every row). Publishing ticks every
    second meanwhile: it probes with doubling pauses instead of burning every row's
    attempts, no row fails, and after the outage every chat has the post exactly once. The
    admins hear once that it is back (the "down" notice could not get through the outage)."""
    tg, services = fast_bot.tg, fast_bot.services
    outbox = await _seed_outbox(fast_bot, private=40, channels=20)
    await services.publisher.drain(batch=20, max_batches=1)
    assert len(_posts_per_chat(tg, outbox.chats)) == 20
    outage = tg.fail("sendMessage", "502", times=None)
    started = clock.now()
    requests_before = len(tg.calls_to("sendMessage"))

    while clock.now() - started < timedelta(seconds=540):
        await services.publisher.drain()
        clock.advance(timedelta(seconds=1))
    # Read once, not every second (a row given up stays 'failed' until the Bot API is back).
    rows = await _rows(services.db, outbox.chats)
    assert not [r for r in rows if r.state == "failed"], "a row was given up during the outage"
    tried_during_outage = len(tg.calls_to("sendMessage")) - requests_before
    outage.times = outage.hits  # the Bot API is back
    for _ in range(200):
        await services.publisher.drain()
        if {r.state for r in await _rows(services.db, outbox.chats)} == {"sent"}:
            break
        clock.advance(timedelta(seconds=1))

    assert _posts_per_chat(tg, outbox.chats) == Counter({chat_id: 1 for chat_id in outbox.chats})
    assert {r.state for r in await _rows(services.db, outbox.chats)} == {"sent"}
    assert clock.now() - started <= timedelta(seconds=540 + 130)  # back within the probe cap
    assert tried_during_outage < 60, f"{tried_during_outage} sends tried in 540 s of outage"
    notices = _admin_texts(tg)
    assert len(notices) == 1 and "answers again" in notices[0], notices


def test_the_retry_policy_doubles_up_to_the_cap_and_gives_up_after_the_window() -> None:
    from datetime import UTC, datetime

    from bot.delivery.retry import RetryPolicy

    policy = RetryPolicy(window=timedelta(hours=24), cap=timedelta(seconds=120))
    t0 = datetime(2026, 1, 1, tzinfo=UTC)
    waits = [policy.next_attempt(attempts=n, first_failed_at=t0, now=t0) - t0 for n in range(1, 6)]  # type: ignore[operator]
    assert waits == [timedelta(seconds=s) for s in (30, 60, 120, 120, 120)]
    assert policy.next_attempt(attempts=99, first_failed_at=t0, now=t0 + timedelta(hours=23)) is not None
    assert policy.next_attempt(attempts=99, first_failed_at=t0, now=t0 + timedelta(hours=24)) is None


# -- refused as too long or unparsable -------------------------------------------------------


async def test_a_post_refused_as_unparsable_is_sent_once_as_plain_text(fast_bot: RunningBot) -> None:
    tg, services = fast_bot.tg, fast_bot.services
    outbox = await _seed_outbox(fast_bot, private=1)
    [reader] = outbox.private
    tg.fail("sendMessage", "400", chat_id=reader,
            description='Bad Request: can\'t parse entities: Unsupported start tag "x" at byte offset 3')

    report = await services.publisher.drain()

    assert report.sent == 1 and report.failed == 0
    [got] = tg.sent_messages(reader)
    assert "parse_mode" not in got.params  # plain text this time
    assert got.params["text"].startswith("Dam gates open (https://news.example/dam-gates-open)")
    assert "<b>" not in got.params["text"]
    [row] = await services.db.deliveries.for_chat(reader)
    assert row.state == "sent"


async def test_a_post_refused_twice_fails_with_both_reasons(fast_bot: RunningBot) -> None:
    tg, services = fast_bot.tg, fast_bot.services
    outbox = await _seed_outbox(fast_bot, private=1)
    [reader] = outbox.private
    tg.fail("sendMessage", "400", chat_id=reader, times=2, description="Bad Request: message is too long")

    assert (await services.publisher.drain()).failed == 1

    [row] = await services.db.deliveries.for_chat(reader)
    assert row.state == "failed"
    assert row.last_error == ("Telegram refused the message: Message is too long; "
                              "as plain text: Message is too long")
    assert len(tg.calls_to("sendMessage")) == 2  # once as it was, once plain; never more


def test_the_plain_fallback_fits_telegrams_limit_in_utf16_units() -> None:
    from bot.news.textsafe import plain_fallback

    text = plain_fallback("<b>Title</b>\n\n" + "😀 слово " * 2000)
    assert len(text.encode("utf-16-le")) // 2 <= 4096
    assert text.startswith("Title\n\n😀 слово") and text.endswith("…")


# -- failed rows queued again ----------------------------------------------------------------


async def test_resume_and_the_requeue_command_queue_failed_posts_again(
    fast_bot: RunningBot, tg: FakeTelegramServer, monkeypatch: pytest.MonkeyPatch, engine: str, database_target: str
) -> None:
    services = fast_bot.services
    outbox = await _seed_outbox(fast_bot, private=3)
    tg.fail("sendMessage", "400", times=6, description="Bad Request: message is too long")
    await services.publisher.drain()
    assert await services.db.deliveries.count("failed") == 3

    [answer, *_] = await fast_bot.command(ADMIN_ID, "/resume", replies=2)
    assert "Resumed posting" in answer.params["text"] or "Queued 3 failed posts again" in answer.params["text"]
    assert "Queued 3 failed posts again." in [c.params["text"] for c in tg.sent_messages(ADMIN_ID)]
    rows = await _rows(services.db, outbox.chats)
    assert {(r.state, r.attempts, r.first_failed_at) for r in rows} == {("pending", 0, None)}
    await services.publisher.drain()
    assert _posts_per_chat(tg, outbox.chats) == Counter({chat_id: 1 for chat_id in outbox.chats})

    # The CLI does the same for a bot that is running (or not): another process, same database.
    for chat_id in outbox.chats:
        await services.db.execute("UPDATE deliveries SET state = 'failed' WHERE chat_id = ?", (chat_id,))
    from bot.cli import main

    monkeypatch.setenv("DATABASE_URL" if engine == "postgresql" else "DATABASE_PATH", database_target)
    assert await asyncio.to_thread(main, ["requeue", "--chat", str(outbox.chats[0])]) == 0
    assert await services.db.deliveries.count("pending") == 1
    assert await asyncio.to_thread(main, ["requeue"]) == 0
    assert await services.db.deliveries.count("pending") == 3


# -- the database locked by another program ---------------------------------------------------


class _Locker(threading.Thread):
    """Another program holding the database's write lock until ``release`` is set."""

    def __init__(self, path: str) -> None:
        super().__init__(daemon=True)
        self.path = path
        self.locked, self.release = threading.Event(), threading.Event()

    def run(self) -> None:
        conn = sqlite3.connect(self.path, isolation_level=None)
        try:
            conn.execute("BEGIN IMMEDIATE")
            self.locked.set()
            self.release.wait(20)
            conn.execute("COMMIT")
        finally:
            conn.close()


async def _answered_while_locked(bot: RunningBot) -> tuple[asyncio.Task[PublishReport], _Locker]:
    """Start a drain whose first sends Telegram answers only once another program holds the
    database's write lock: the answers come back when nothing can be recorded. Returns the
    drain and the locker, which holds the lock until its ``release`` is set."""
    hold = bot.tg.fail("sendMessage", "hold", times=None)
    drain = asyncio.create_task(bot.services.publisher.drain())
    await bot.tg.held(hold)  # a send has arrived and waits for its answer
    locker = _Locker(bot.services.db.path)
    locker.start()
    assert await asyncio.to_thread(locker.locked.wait, 5)
    hold.release()
    return drain, locker


@pytest.mark.sqlite_only("another connection holds SQLite's file write lock past PRAGMA busy_timeout; "
                        "the PostgreSQL twin (a locked table) is tests/test_pg_faults.py")
async def test_a_locked_database_pauses_sending_with_one_notice_and_settles_every_row_later(
    fast_bot: RunningBot, tg: FakeTelegramServer
) -> None:
    """Another program holds the write lock longer than the busy timeout while sends are
    answered: the outcomes are kept, sending pauses (no more sends while nothing can be
    recorded), the admins get one notice, /help still answers (it cannot record the chat),
    and once the lock is gone every row is settled and nothing is sent twice."""
    services = fast_bot.services
    await services.db.conn.execute("PRAGMA busy_timeout = 50")  # the 5 s default, shortened
    outbox = await _seed_outbox(fast_bot, private=30)
    drain, locker = await _answered_while_locked(fast_bot)
    await drain
    sent_while_locked = len(_posts_per_chat(tg, outbox.chats))
    assert services.publisher.unsettled > 0
    await services.publisher.drain()
    await services.publisher.drain()
    assert len(_posts_per_chat(tg, outbox.chats)) == sent_while_locked  # paused: nothing more sent
    [help_reply] = await fast_bot.command(READER_ID, "/help")
    assert "/subscribe" in help_reply.params["text"]
    notices = [t for t in _admin_texts(tg) if "cannot write to the database" in t]
    assert len(notices) == 1

    locker.release.set()
    await asyncio.to_thread(locker.join, 5)
    await _drain_until_sent(services, outbox.chats)
    assert _posts_per_chat(tg, outbox.chats) == Counter({chat_id: 1 for chat_id in outbox.chats})
    assert services.publisher.unsettled == 0
    assert len([t for t in _admin_texts(tg) if "cannot write to the database" in t]) == 1


@pytest.mark.sqlite_only("holds SQLite's file write lock and counts the retries with aiosqlite's trace callback")
async def test_a_graceful_stop_waits_for_the_database_to_record_what_was_sent(
    fast_bot: RunningBot, tg: FakeTelegramServer
) -> None:
    services = fast_bot.services
    await services.db.conn.execute("PRAGMA busy_timeout = 50")
    outbox = await _seed_outbox(fast_bot, private=10)
    drain, locker = await _answered_while_locked(fast_bot)
    await drain
    assert services.publisher.unsettled > 0
    tries = threading.Semaphore(0)  # a write transaction begun on the bot's connection
    await services.db.conn.set_trace_callback(lambda sql: tries.release() if sql.startswith("BEGIN") else None)
    stopping = asyncio.create_task(services.publisher.aclose())
    for _ in range(2):  # it tried to record, was refused, and tried again: it waits, it has not given up
        assert await asyncio.to_thread(tries.acquire, timeout=5)
    assert not stopping.done()  # still waiting to record, not gone with rows 'sending'
    await services.db.conn.set_trace_callback(None)
    locker.release.set()
    await stopping
    states = Counter(r.state for r in await _rows(services.db, outbox.chats))
    assert states["sending"] == 0
    assert states["sent"] == len(_posts_per_chat(tg, outbox.chats))


# -- commands run once -----------------------------------------------------------------------


async def test_an_edited_command_does_not_run_again(fast_bot: RunningBot, tg: FakeTelegramServer) -> None:
    await fast_bot.command(READER_ID, "/start")
    [answer] = await fast_bot.command(ADMIN_ID, "/broadcast Maintenance tonight")
    assert "Queued for" in answer.params["text"]
    chat = tg.add_chat(ADMIN_ID, "private", "Admin")
    edited = message_dict(answer.result["message_id"] - 1, chat, int(time.time()), sender=user_dict(ADMIN_ID, "admin"),
                          text="/broadcast Maintenance tomorrow", edit_date=int(time.time()),
                          entities=[{"type": "bot_command", "offset": 0, "length": 10}])
    tg.push_update({"edited_message": edited})
    tg.push_command(ADMIN_ID, "/help")  # handled after the edit: when it is answered, the edit was seen
    await tg.wait_for("sendMessage", count=1, predicate=lambda c: c.chat_id == ADMIN_ID and "/subscribe" in c.text)

    assert await fast_bot.services.db.scalar("SELECT count(*) FROM broadcasts") == 1
    assert "edited_message" not in ALLOWED_UPDATES


# -- migrations ------------------------------------------------------------------------------


@pytest.mark.sqlite_only("SQLite rebuilds a table to change it (foreign keys off, foreign_key_check after); PostgreSQL alters in place")
async def test_a_migration_that_rebuilds_a_referenced_table_keeps_every_row(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """SQLite changes a table by rebuilding it (create, copy, drop, rename). With foreign keys
    on, dropping ``feeds`` deletes every subscription (ON DELETE CASCADE) and unlinks every
    article: migrations must run with them off, and check them after."""
    from storage import schema

    path = tmp_path / "bot.db"
    db = await Database.open(path)
    from datetime import UTC, datetime

    now = datetime(2026, 1, 1, tzinfo=UTC)
    feed, _ = await db.feeds.add("https://news.example/rss", now=now)
    for chat_id in (1, 2, 3):
        await db.chats.upsert(chat_id, "private", now=now)
        await db.subscriptions.add(chat_id, feed.id, now=now)
    await db.close()

    async def rebuild_feeds(conn: aiosqlite.Connection) -> None:
        async with conn.execute("SELECT sql FROM sqlite_master WHERE name = 'feeds'") as cursor:
            [create] = await cursor.fetchone()  # type: ignore[misc]
        await conn.execute(create.replace("CREATE TABLE feeds", "CREATE TABLE feeds_new", 1))
        await conn.execute("INSERT INTO feeds_new SELECT * FROM feeds")
        await conn.execute("DROP TABLE feeds")
        await conn.execute("ALTER TABLE feeds_new RENAME TO feeds")
        await conn.execute("CREATE INDEX feeds_due ON feeds (enabled, next_poll_at)")

    monkeypatch.setattr(schema, "MIGRATIONS", (*schema.MIGRATIONS, rebuild_feeds))
    monkeypatch.setattr(schema, "LATEST", len(schema.MIGRATIONS))
    db = await Database.open(path)
    try:
        assert await db.scalar("PRAGMA user_version") == schema.LATEST
        assert await db.scalar("SELECT count(*) FROM subscriptions") == 3
        assert await db.scalar("PRAGMA foreign_keys") == 1  # on again for the running bot
        assert await db.fetchall("PRAGMA foreign_key_check") == []
    finally:
        await db.close()


async def _orphan_subscription(path: Path) -> None:
    """A subscription whose feed is gone, as a database written before foreign keys were
    enforced (or edited by hand) can hold."""
    conn = await aiosqlite.connect(path)
    try:
        await conn.execute("PRAGMA foreign_keys = OFF")
        await conn.execute("DELETE FROM feeds")
        await conn.commit()
    finally:
        await conn.close()


async def _db_with_one_subscription(path: Path) -> None:
    from datetime import UTC, datetime

    now = datetime(2026, 1, 1, tzinfo=UTC)
    db = await Database.open(path)
    feed, _ = await db.feeds.add("https://news.example/rss", now=now)
    await db.chats.upsert(1, "private", now=now)
    await db.subscriptions.add(1, feed.id, now=now)
    await db.close()


@pytest.mark.sqlite_only("the foreign-key check around each step is SQLite's")
async def test_a_stray_row_from_before_does_not_stop_every_upgrade(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """A migration is judged by the broken references it adds: one old orphan row in the file
    must not make the database unable to move to a new version, ever."""
    from storage import schema

    path = tmp_path / "bot.db"
    await _db_with_one_subscription(path)
    await _orphan_subscription(path)

    async def add_a_column(conn: aiosqlite.Connection) -> None:
        await conn.execute("ALTER TABLE chats ADD COLUMN note TEXT")

    monkeypatch.setattr(schema, "MIGRATIONS", (*schema.MIGRATIONS, add_a_column))
    monkeypatch.setattr(schema, "LATEST", len(schema.MIGRATIONS))
    caplog.set_level("WARNING", logger="storage.schema")
    db = await Database.open(path)
    try:
        assert await db.scalar("PRAGMA user_version") == schema.LATEST
        assert await db.scalar("SELECT count(*) FROM subscriptions") == 1  # kept, not tidied away
    finally:
        await db.close()
    warnings = [r.getMessage() for r in caplog.records if "point nowhere" in r.getMessage()]
    assert len(warnings) == 1 and "1 in subscriptions -> feeds" in warnings[0]


@pytest.mark.sqlite_only("the foreign-key check around each step is SQLite's")
async def test_a_migration_that_breaks_references_is_rolled_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from storage import schema
    from storage.errors import StorageError

    path = tmp_path / "bot.db"
    await _db_with_one_subscription(path)
    version = len(schema.MIGRATIONS)

    async def drop_the_feeds(conn: aiosqlite.Connection) -> None:
        await conn.execute("DELETE FROM feeds")

    monkeypatch.setattr(schema, "MIGRATIONS", (*schema.MIGRATIONS, drop_the_feeds))
    monkeypatch.setattr(schema, "LATEST", len(schema.MIGRATIONS))
    with pytest.raises(StorageError, match="broke foreign keys: 1 in subscriptions -> feeds"):
        await Database.open(path)
    conn = await aiosqlite.connect(path)
    try:
        async with conn.execute("PRAGMA user_version") as cursor:
            assert (await cursor.fetchone()) == (version,)
        async with conn.execute("SELECT count(*) FROM feeds") as cursor:
            assert (await cursor.fetchone()) == (1,)
    finally:
        await conn.close()


# -- the database file itself ------------------------------------------------------------------


@pytest.mark.sqlite_only("the SQLite database file deleted or replaced under the bot; PostgreSQL has no file")
async def test_the_database_notices_its_file_deleted_or_replaced(tmp_path: Path) -> None:
    import os
    import shutil

    path = tmp_path / "bot.db"
    db = await Database.open(path)
    try:
        assert db.file_problem() is None
        shutil.copyfile(path, tmp_path / "copy.db")
        os.replace(tmp_path / "copy.db", path)  # a restore over the running bot's file
        assert db.file_problem() == f"the database file {path} was replaced by another file while the bot was running"
        path.unlink()
        assert db.file_problem() == f"the database file {path} was deleted while the bot was running"
    finally:
        await db.close()


@pytest.mark.sqlite_only("the SQLite database file cut short under the bot; PostgreSQL has no file")
async def test_the_database_notices_its_file_cut_short_in_place(tmp_path: Path) -> None:
    import os

    path = tmp_path / "bot.db"
    db = await Database.open(path)
    try:
        await db.conn.execute("PRAGMA mmap_size = 0")  # this test's own reads must not touch a cut page
        await db.execute("INSERT INTO app_state (key, value) VALUES ('big', ?)", ("x" * 200_000,))
        await db.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # the rows into the file itself
        assert db.file_problem() is None  # the file grew: that is no problem
        size = path.stat().st_size
        os.truncate(path, 4096)  # as ``cp backup.db`` over it does first: same inode, shorter
        assert db.file_problem() == (f"the database file {path} was cut short (4,096 bytes, it had {size:,}) "
                                     "while the bot was running, e.g. by copying another file over it")
    finally:
        await db.close()


@pytest.mark.sqlite_only("the lock file beside the SQLite database; on PostgreSQL replicas share one database by design")
def test_a_second_lock_on_one_database_names_the_holder(tmp_path: Path) -> None:
    import subprocess
    import sys

    from storage.lock import AlreadyRunningError, DatabaseLock

    path = tmp_path / "bot.db"
    holder = subprocess.Popen(
        [sys.executable, "-c", "import sys, time; from storage.lock import DatabaseLock; "
         f"DatabaseLock.acquire({str(path)!r}); print('locked', flush=True); time.sleep(30)"],
        stdout=subprocess.PIPE, text=True, cwd=Path(__file__).resolve().parents[1])
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
        with pytest.raises(AlreadyRunningError, match=rf"another newsbot \(pid {holder.pid}\) is already running"):
            DatabaseLock.acquire(path)
    finally:
        holder.kill()
        holder.wait()
    DatabaseLock.acquire(path).release()  # the kernel dropped the dead holder's lock
