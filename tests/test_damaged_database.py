"""A damaged SQLite file is told as what it is, not as a bug of newsbot.

"database disk image is malformed" and "file is not a database" are neither an outage to wait
out nor a statement of ours the database rejects: the file itself is damaged. It used to be
reported as "A bug in newsbot ... please report it" with a traceback; now the admins hear once,
plainly, which file is damaged and what to do (stop the bot; restore a backup, or save what
SQLite can read with ``.recover``, as the README says), and the bot goes on with the rest. At
start, a file that is no database at all stops ``newsbot run`` with one line and status 2.

The damage is real: garbage written over pages of a database the bot made.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest

from bot.app import build_application
from bot.clock import FakeClock
from bot.config import Settings
from bot.delivery.settle import PublishReport
from storage.errors import is_damaged, is_outage, recover_advice
from tests.conftest import ADMIN_ID, RunningBot, start_bot
from tests.fakes.telegram_api import FakeTelegramServer
from tests.test_stop_while_starting import READERS, _outbox_of_three, newsbot_run

pytestmark = pytest.mark.sqlite_only("damage to the SQLite file itself")
READER = READERS[0]


def _damage(path: Path, *tables: str) -> None:
    """Garbage over the root pages of ``tables`` and their indexes (page 1, with the schema, if none)."""
    conn = sqlite3.connect(path)
    try:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # every page in the file itself
        page_size = conn.execute("PRAGMA page_size").fetchone()[0]
        roots = [root for t in tables for (root,) in
                 conn.execute("SELECT rootpage FROM sqlite_master WHERE tbl_name = ? AND rootpage > 0", (t,))]
    finally:
        conn.close()
    with path.open("r+b") as file:
        for root in roots or [1]:
            file.seek((root - 1) * page_size)
            file.write(bytes(range(256)) * (page_size // 256))


def _malformed(path: Path) -> sqlite3.DatabaseError:
    """The error SQLite raises reading a table whose pages are damaged ("database disk image
    is malformed"), from a small file made at ``path`` and damaged."""
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE t (a INTEGER)")
    conn.executemany("INSERT INTO t VALUES (?)", [(i,) for i in range(2000)])
    conn.commit()
    conn.close()
    _damage(path, "t")
    conn = sqlite3.connect(path)
    try:
        with pytest.raises(sqlite3.DatabaseError) as malformed:
            conn.execute("SELECT sum(a) FROM t").fetchone()
    finally:
        conn.close()
    return malformed.value


def test_a_damaged_file_is_neither_an_outage_nor_a_bug(tmp_path: Path) -> None:
    path = tmp_path / "t.db"
    malformed = _malformed(path)
    _damage(path)
    conn = sqlite3.connect(path)
    with pytest.raises(sqlite3.DatabaseError) as not_a_database:
        conn.execute("SELECT * FROM sqlite_master").fetchall()
    conn.close()
    for error in (malformed, not_a_database.value):
        assert is_damaged(error) and not is_outage(error), error
    assert not is_damaged(sqlite3.OperationalError("no such column: x"))


async def test_a_damaged_file_found_by_the_jobs_is_told_once_plainly_with_what_to_do(
    make_settings: Callable[..., Settings], tg: FakeTelegramServer, clock: FakeClock, database_target: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The feeds table's root page damaged: every poll tick's claim fails "malformed". The
    admins hear once that the file is damaged, where it is and what to do; the log says it
    once, without a traceback to report; no tick is spent repeating it."""
    path = Path(database_target)
    await _outbox_of_three(path, tg)
    _damage(path, "feeds")
    application = build_application(make_settings(), clock=clock, schedule_jobs=False)
    async with start_bot(application):
        services = application.bot_data["services"]
        caplog.clear()
        for _ in range(5):
            assert await services.poller.tick() == 0
            clock.advance(timedelta(seconds=2))
    notices = [c.params["text"] for c in tg.sent_messages(ADMIN_ID)]
    damaged = [n for n in notices if "damaged" in n]
    assert len(damaged) == 1, notices
    assert str(path) in damaged[0] and "malformed" in damaged[0] and ".recover" in damaged[0], damaged
    assert "restore a backup" in damaged[0] and "stop the bot" in damaged[0] and "-wal" in damaged[0], damaged
    assert not any("A bug in newsbot" in n for n in notices), notices
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(errors) == 1 and "damaged" in errors[0].getMessage(), [r.getMessage() for r in errors]
    assert errors[0].exc_info is None  # nothing for the developers: the file, not the code
    assert services.write_faults.fault is None  # not an outage waited out


@pytest.mark.parametrize(("tables", "says"), [
    ((), "file is not a database"),  # the header damaged: found by the pre-flight check
    (("deliveries",), "database disk image is malformed"),  # found by the start-up's outbox recovery
])
async def test_a_damaged_file_stops_newsbot_run_at_start_with_one_line(
    tg: FakeTelegramServer, tmp_path: Path, tables: tuple[str, ...], says: str
) -> None:
    path = tmp_path / "newsbot.db"
    await _outbox_of_three(path, tg)
    _damage(path, *tables)
    proc = await newsbot_run(tg, path, cwd=tmp_path)
    _, err = await asyncio.wait_for(proc.communicate(), 60)
    lines = err.decode(errors="replace").strip().splitlines()
    assert proc.returncode == 2, lines[-20:]
    assert not any("Traceback" in line for line in lines), lines[-20:]
    last = lines[-1]
    assert last.startswith("newsbot: ") and str(path) in last and "damaged" in last, last
    assert says in last and ".recover" in last and "restore a backup" in last, last
    assert not path.with_name(path.name + "-wal").exists()  # closed on the way out


async def test_the_publisher_tells_a_damaged_file_as_such_not_as_a_bug(
    make_settings: Callable[..., Settings], tg: FakeTelegramServer, clock: FakeClock, database_target: str,
    tmp_path: Path,
) -> None:
    """The publisher pauses sending on any database error (an outcome it cannot write must not
    be sent twice); a damaged file among them is named as one, with what to do."""
    malformed = _malformed(tmp_path / "other.db")
    application = build_application(make_settings(), clock=clock, schedule_jobs=False)
    async with start_bot(application):
        outcomes = application.bot_data["services"].publisher.outcomes
        await outcomes.database_fault(malformed)
        await outcomes.tell_database_fault()
    [notice] = [c.params["text"] for c in tg.sent_messages(ADMIN_ID)]
    assert notice.startswith(f"The database file {database_target} is damaged"), notice
    assert "malformed" in notice and ".recover" in notice and "A bug" not in notice, notice


async def test_a_command_that_meets_a_damaged_file_is_answered_and_told_once_not_as_unexpected(
    make_settings: Callable[..., Settings], tg: FakeTelegramServer, clock: FakeClock, database_target: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The chats table damaged: every update's record of its chat fails. The user gets the
    usual "something went wrong" reply; the admins hear once that the file is damaged, not an
    "Unexpected error" with a traceback per update."""
    path = Path(database_target)
    await _outbox_of_three(path, tg)
    _damage(path, "chats")
    application = build_application(make_settings(), clock=clock, schedule_jobs=False)
    async with start_bot(application):
        bot = RunningBot(application, tg)
        caplog.clear()
        for _ in range(3):
            assert await bot.command(READER, "/start")
        await tg.wait_for("sendMessage", predicate=lambda c: c.params.get("chat_id") == ADMIN_ID)
    notices = [c.params["text"] for c in tg.sent_messages(ADMIN_ID)]
    assert len(notices) == 1 and "is damaged" in notices[0] and "answering chat" in notices[0], notices
    assert not any("unhandled error" in r.getMessage() for r in caplog.records)
    assert len([r for r in caplog.records if r.levelno >= logging.ERROR]) == 1


def test_the_advice_to_recover_removes_the_damaged_files_log_before_the_copy_takes_its_place(
    tmp_path: Path,
) -> None:
    """A ``-wal`` left beside the path (a crash leaves one; so may a ``.recover`` that could
    not checkpoint) is applied by SQLite to whatever file is put at the path: the recovered
    copy's content is silently replaced by the damaged file's last pages. So the advice, after
    ``.recover`` has read the log, has it deleted before the ``mv``."""
    path = tmp_path / "newsbot.db"
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA wal_autocheckpoint = 0")
    conn.execute("CREATE TABLE damaged (a INTEGER)")
    conn.commit()
    log = path.with_name(path.name + "-wal").read_bytes()  # what a crash leaves beside the file
    conn.close()
    recovered = tmp_path / "newsbot.db.recovered"
    conn = sqlite3.connect(recovered)
    conn.execute("CREATE TABLE recovered (a INTEGER)")
    conn.commit()
    conn.close()
    recovered.replace(path)
    path.with_name(path.name + "-wal").write_bytes(log)  # the advice followed without deleting it
    conn = sqlite3.connect(path)
    try:
        assert [r[0] for r in conn.execute("SELECT name FROM sqlite_master")] == ["damaged"]  # replaced
    finally:
        conn.close()

    advice = recover_advice(str(path))
    step = advice.index(".recover")
    deleted = advice.index(f"delete {path}-wal and {path}-shm", step)
    assert step < deleted < advice.index(f"mv {path}.recovered {path}", deleted), advice


@pytest.mark.parametrize("publisher_first", [True, False], ids=["publisher-first", "jobs-first"])
async def test_a_damaged_file_met_by_the_publisher_and_the_jobs_is_told_once(
    make_settings: Callable[..., Settings], tg: FakeTelegramServer, clock: FakeClock, database_target: str,
    caplog: pytest.LogCaptureFixture, publisher_first: bool,
) -> None:
    """The chats and feeds tables damaged: the publisher's claim of due posts and the poll
    tick's claim of due feeds both fail "malformed". Each used to tell the admins and log an
    error of its own: two notices of one damage. Now whichever meets it first tells it, once."""
    path = Path(database_target)
    await _outbox_of_three(path, tg)
    _damage(path, "chats", "feeds")
    application = build_application(make_settings(), clock=clock, schedule_jobs=False)
    async with start_bot(application):
        services = application.bot_data["services"]
        caplog.clear()
        for _ in range(2):
            if publisher_first:
                await services.publisher.drain()
            assert await services.poller.tick() == 0
            if not publisher_first:
                await services.publisher.drain()
            clock.advance(timedelta(seconds=2))
        assert await services.publisher.drain() == PublishReport()  # still paused: nothing sent
    notices = [c.params["text"] for c in tg.sent_messages(ADMIN_ID)]
    assert len(notices) == 1 and "is damaged" in notices[0] and ".recover" in notices[0], notices
    assert "A bug" not in notices[0], notices
    found_by = "sending posts" if publisher_first else "choosing the feeds to poll"
    assert f"found while {found_by}" in notices[0], notices
    assert ("I paused sending" in notices[0]) is publisher_first, notices
    errors = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(errors) == 1 and "damaged" in errors[0], errors
    assert not [c for c in tg.sent_messages() if c.params.get("chat_id") in READERS]
