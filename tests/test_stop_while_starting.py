"""Ctrl+C (SIGINT) or SIGTERM while ``newsbot run`` is still starting stops it, cleanly.

It used to be lost: once the bot's own handler was in place (end of ``post_init``), a signal
while ``deleteWebhook`` was in flight only set PTB's "stop after post_init" flag, checked
already, and the process ran on (here, until the request timed out with a traceback). Before
that, PTB's handler left the step under way suspended half-way (an aiosqlite thread then kept
the process alive at exit), and SIGTERM during the pre-flight killed the process outright.

A real process against the fake Bot API, which holds one start-up call unanswered; the signal
then; the process must exit 0 within seconds with one line saying it stopped while starting,
the database closed (SQLite removes the ``-wal`` file when its last connection closes) and
intact, and the outbox as it was: nothing half-claimed, nothing sent but recorded as such.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import sqlite3
import sys
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import pytest

from storage import Database
from tests.conftest import ADMIN_ID, TOKEN
from tests.fakes.telegram_api import FakeTelegramServer
from tests.stories import dam_article
from tests.test_restart import REPO

pytestmark = pytest.mark.sqlite_only("the SQLite file closed cleanly by the stopped process (its -wal file gone)")

READERS = (70_001, 70_002, 70_003)
START_S = 60  # bounds on a loaded CI, not expected durations (a start takes 1-3 s here)
STOP_S = 10  # a stop takes well under a second


async def _outbox_of_three(path: Path, tg: FakeTelegramServer) -> None:
    """A database made by the bot with one story queued to three readers the fake knows."""
    now = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
    db = await Database.connect(path)
    try:
        feed, _ = await db.feeds.add("https://news.example/rss.xml", now=now, title="Fake Times")
        await db.feeds.set_enabled(feed.id, False, now=now)  # not polled: tests stay on loopback
        for chat_id in READERS:
            tg.add_chat(chat_id, "private", f"Reader {chat_id}")
            await db.chats.upsert(chat_id, "private", title=f"Reader {chat_id}", now=now)
        article_id = await db.articles.insert(dam_article(feed.id, now), now=now)
        assert await db.deliveries.enqueue_article(article_id, READERS, now=now) == len(READERS)
    finally:
        await db.close()


async def newsbot_run(tg: FakeTelegramServer, database: Path, *, cwd: Path) -> asyncio.subprocess.Process:
    """A real ``newsbot run`` on the SQLite file ``database`` against the fake Bot API, its
    standard error piped (its log), as a user starts it."""
    script = shutil.which("newsbot", path=str(Path(sys.executable).parent))
    argv = [script, "run"] if script else [sys.executable, "-m", "bot.cli", "run"]
    env = {"PATH": os.environ.get("PATH", ""), "PYTHONPATH": str(REPO), "BOT_TOKEN": TOKEN, "ADMIN_IDS": str(ADMIN_ID),
           "TELEGRAM_API_BASE_URL": tg.base_url, "DATABASE_PATH": str(database)}
    return await asyncio.create_subprocess_exec(*argv, env=env, cwd=cwd, stdin=asyncio.subprocess.DEVNULL,
                                                stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE)


def _states(path: Path) -> Counter[str]:
    conn = sqlite3.connect(path)
    try:
        return Counter(dict(conn.execute("SELECT state, count(*) FROM deliveries GROUP BY state").fetchall()))
    finally:
        conn.close()


def _integrity(path: Path) -> str:
    conn = sqlite3.connect(path)
    try:
        return str(conn.execute("PRAGMA integrity_check").fetchone()[0])
    finally:
        conn.close()


@pytest.mark.parametrize(("held", "nth", "signum", "doing"), [
    ("getMe", 1, signal.SIGTERM, "checking the database and the Bot API"),  # the pre-flight check
    ("getMe", 2, signal.SIGINT, "asking getMe"),  # PTB's initialize
    ("deleteWebhook", 1, signal.SIGINT, "asking deleteWebhook"),  # after post_init: the lost one
])  # each a real process, 2-5 s: SIGINT and SIGTERM take the same path, so one of each per step is not needed
async def test_a_stop_signal_while_starting_stops_it_at_once_and_cleanly(
    tg: FakeTelegramServer, tmp_path: Path, held: str, nth: int, signum: int, doing: str
) -> None:
    database = tmp_path / "newsbot.db"
    await _outbox_of_three(database, tg)
    if nth > 1:
        tg.fail(held, "slow", times=nth - 1, delay=0)  # answered: the calls before the one held
    hold = tg.fail(held, "hold", times=None)
    proc = await newsbot_run(tg, database, cwd=tmp_path)
    output = asyncio.ensure_future(proc.communicate())
    try:
        await tg.held(hold, timeout=START_S)
        proc.send_signal(signum)
        try:
            _, err = await asyncio.wait_for(asyncio.shield(output), STOP_S)
        except TimeoutError:
            raise AssertionError(f"{signal.Signals(signum).name} while {held} was held did not stop it "
                                 f"in {STOP_S} s") from None
    finally:
        hold.release()
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
        await asyncio.wait([output])
    log = err.decode(errors="replace")
    assert proc.returncode == 0, log[-3000:]
    stops = [line for line in log.splitlines() if "received while starting" in line]
    assert len(stops) == 1, log[-3000:]
    assert signal.Signals(signum).name in stops[0] and f"({doing})" in stops[0], stops
    assert "Traceback" not in log, log[-3000:]
    assert not database.with_name(database.name + "-wal").exists()  # the last connection closed it
    assert _integrity(database) == "ok"
    states = _states(database)
    assert set(states) <= {"pending", "sent"} and sum(states.values()) == len(READERS), states  # none half-claimed
    assert states["sent"] == len({c.params["chat_id"] for c in tg.sent_messages() if c.ok}), states
    if held == "getMe":  # before the services open: the outbox untouched
        assert states == Counter(pending=len(READERS))
