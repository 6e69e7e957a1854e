"""The real ``newsbot run`` process, killed in the middle of a fan-out, loses no post.

A story is queued to 500 chats (readers and channels) through the storage API; the CLI runs
as a subprocess against the fake Bot API server of the test's event loop. SIGKILL after ~200
posts, then a restart: every chat gets the post, and the only repeats are the rows that were
'sending' at the kill — at-least-once, as the README promises. SIGTERM instead: the process
stops within a few seconds, and after a restart nothing is posted twice.

These tests start the bot four times (a few seconds of imports each), hence ``slow``.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import sqlite3
import sys
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import asyncpg
import pytest

from storage import Database
from storage.db import is_postgres_url
from tests.conftest import TOKEN
from tests.fakes.telegram_api import FakeTelegramServer
from tests.pgserver import run_soon
from tests.stories import dam_article

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[1]
# 500 chats: enough that a kill or a stop lands mid fan-out with hundreds of rows still to go.
# On PostgreSQL a subprocess sends only about 45 messages/s (several round trips a message),
# so every row more costs the restart tests and tests/test_processes.py about 20 ms.
READERS = 350
CHANNELS = 150
CHATS = READERS + CHANNELS
STARTUP_TIMEOUT = 60.0  # imports, pre-flight, the first publish tick (3 s after start)


@dataclass(frozen=True)
class Fanout:
    target: str  # the SQLite file, or the PostgreSQL URL (the test's ``database_target``)
    chats: frozenset[int]

    @property
    def db_path(self) -> Path:
        """The SQLite file (for the tests about the file itself)."""
        return Path(self.target)


def database_env(target: str | Path) -> dict[str, str]:
    """The bot's environment for its database: DATABASE_URL for PostgreSQL, else DATABASE_PATH."""
    text = str(target)
    return {"DATABASE_URL": text} if is_postgres_url(text) else {"DATABASE_PATH": text}


async def _prepare_fanout(target: str | Path, tg: FakeTelegramServer) -> Fanout:
    """One story queued to 350 readers and 150 channels, all known to the fake Telegram."""
    now = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
    db = await Database.connect(target)
    try:
        feed, _ = await db.feeds.add("https://news.example/rss.xml", now=now, title="Fake Times")
        # Not polled: the bot would look news.example up in the DNS (tests stay on loopback).
        await db.feeds.set_enabled(feed.id, False, now=now)
        readers = [70_000 + i for i in range(READERS)]
        channels = [-1_007_000_000 - i for i in range(CHANNELS)]
        for chat_id in readers:
            tg.add_chat(chat_id, "private", f"Reader {chat_id}")
            await db.chats.upsert(chat_id, "private", title=f"Reader {chat_id}", now=now)
        for chat_id in channels:
            tg.add_chat(chat_id, "channel", f"Channel {chat_id}")
            await db.chats.upsert(chat_id, "channel", title=f"Channel {chat_id}", now=now)
        for chat_id in (*readers, *channels):
            await db.subscriptions.add(chat_id, feed.id, now=now)
        article_id = await db.articles.insert(dam_article(feed.id, now), now=now)
        assert await db.deliveries.enqueue_article(article_id, (*readers, *channels), now=now) == CHATS
    finally:
        await db.close()
    return Fanout(str(target), frozenset((*readers, *channels)))


class BotProcess:
    """``newsbot run`` in a subprocess, configured only by its environment, as in production."""

    def __init__(self, tg: FakeTelegramServer, database: str | Path, log_path: Path, *, messages_per_second: int) -> None:
        self.log_path = log_path
        self.env = {
            "PATH": os.environ.get("PATH", ""),
            "PYTHONPATH": str(REPO),  # run this checkout's code
            "BOT_TOKEN": TOKEN,
            "TELEGRAM_API_BASE_URL": tg.base_url,
            **database_env(database),
            "TELEGRAM_MESSAGES_PER_SECOND": str(messages_per_second),
            "LOG_LEVEL": "WARNING",
        }
        if is_postgres_url(str(database)):
            # On PostgreSQL a restarted process is a new replica: it takes over the rows the
            # killed one held once their lease ends (60 s by default), as any replica would.
            self.env["REPLICA_LEASE_SECONDS"] = "2"
        self.proc: asyncio.subprocess.Process | None = None

    async def start(self) -> None:
        script = shutil.which("newsbot", path=str(Path(sys.executable).parent))
        argv = [script, "run"] if script else [sys.executable, "-c", "from bot.cli import main; raise SystemExit(main())", "run"]
        with self.log_path.open("ab") as log:
            # cwd: a directory without a .env, so only this environment configures the bot.
            self.proc = await asyncio.create_subprocess_exec(
                *argv, env=self.env, cwd=self.log_path.parent, stdin=asyncio.subprocess.DEVNULL,
                stdout=log, stderr=log,
            )

    def signal(self, signum: int) -> None:
        assert self.proc is not None
        os.kill(self.proc.pid, signum)

    async def wait(self, timeout: float) -> int:
        assert self.proc is not None
        return await asyncio.wait_for(self.proc.wait(), timeout)

    async def stop(self) -> None:
        """SIGTERM and wait; SIGKILL if it does not go (so a test never leaves it behind)."""
        if self.proc is None or self.proc.returncode is not None:
            return
        self.signal(signal.SIGTERM)
        try:
            await self.wait(30)
        except TimeoutError:
            self.signal(signal.SIGKILL)
            await self.wait(10)

    def log_tail(self) -> str:
        return self.log_path.read_text(errors="replace")[-3000:]


def _states(target: str | Path) -> Counter[str]:
    """Outbox rows by state, read as any other process would (the bot may be dead)."""
    if is_postgres_url(str(target)):
        return run_soon(_pg_states(str(target)))
    conn = sqlite3.connect(target)
    try:
        return Counter(dict(conn.execute("SELECT state, count(*) FROM deliveries GROUP BY state").fetchall()))
    finally:
        conn.close()


async def _pg_states(url: str) -> Counter[str]:
    conn = await asyncpg.connect(url)
    try:
        return Counter({r["state"]: r["n"] for r in await conn.fetch("SELECT state, count(*) AS n FROM deliveries GROUP BY state")})
    finally:
        await conn.close()


def _posts(tg: FakeTelegramServer, chats: frozenset[int]) -> Counter[int]:
    return Counter(c.result["chat"]["id"] for c in tg.sent_messages() if c.result["chat"]["id"] in chats)


async def _until(condition: Callable[[], bool], *, timeout: float, what: str, bot: BotProcess) -> None:
    """Wait for a state of the fake server or the database (polled: it changes in another process)."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}; bot log:\n{bot.log_tail()}")
        await asyncio.sleep(0.02)


async def _run_to_completion(tg: FakeTelegramServer, fanout: Fanout, log_path: Path) -> None:
    """Start the bot, wait until every chat has the post and every row is settled, stop it."""
    bot = BotProcess(tg, fanout.target, log_path, messages_per_second=1000)
    await bot.start()
    try:
        await _until(lambda: len(_posts(tg, fanout.chats)) == CHATS, timeout=STARTUP_TIMEOUT,
                     what="every chat to have the post", bot=bot)
        await _until(lambda: _states(fanout.target)["sent"] == CHATS, timeout=10,
                     what="every row to be marked sent", bot=bot)
    finally:
        await bot.stop()
    assert bot.proc is not None and bot.proc.returncode == 0, bot.log_tail()


async def test_sigkill_mid_fanout_then_restart_delivers_every_post_at_least_once(
    tg: FakeTelegramServer, tmp_path: Path, database_target: str
) -> None:
    fanout = await _prepare_fanout(database_target, tg)
    bot = BotProcess(tg, fanout.target, tmp_path / "first-run.log", messages_per_second=1000)
    await bot.start()
    try:
        await tg.wait_for("sendMessage", count=200, predicate=lambda c: c.ok, timeout=STARTUP_TIMEOUT)
    except TimeoutError as exc:
        await bot.stop()
        raise AssertionError(f"{exc}; bot log:\n{bot.log_tail()}") from None
    bot.signal(signal.SIGKILL)
    assert await bot.wait(10) == -signal.SIGKILL

    at_kill = _states(fanout.target)
    delivered_before = len(_posts(tg, fanout.chats))
    assert 200 <= delivered_before < CHATS, "killed too late: the fan-out was over"
    assert at_kill["sent"] + at_kill["sending"] + at_kill["pending"] == CHATS

    await _run_to_completion(tg, fanout, tmp_path / "second-run.log")

    posts = _posts(tg, fanout.chats)
    assert set(posts) == fanout.chats  # nobody lost the post
    repeats = sum(posts.values()) - CHATS
    assert repeats <= at_kill["sending"], f"{repeats} repeats, only {at_kill['sending']} rows were in flight"
    assert _states(fanout.target) == Counter({"sent": CHATS})


async def test_sigterm_mid_fanout_stops_promptly_and_nothing_is_sent_twice(
    tg: FakeTelegramServer, tmp_path: Path, database_target: str
) -> None:
    fanout = await _prepare_fanout(database_target, tg)
    # 25 messages/s: finishing the fan-out would take 16 s more (400 rows after the first 100),
    # so a stop that waits for it shows, however slow the machine is at stopping a process.
    bot = BotProcess(tg, fanout.target, tmp_path / "first-run.log", messages_per_second=25)
    await bot.start()
    try:
        await tg.wait_for("sendMessage", count=100, predicate=lambda c: c.ok, timeout=STARTUP_TIMEOUT)
    except TimeoutError as exc:
        await bot.stop()
        raise AssertionError(f"{exc}; bot log:\n{bot.log_tail()}") from None
    asked = time.monotonic()
    bot.signal(signal.SIGTERM)
    try:
        status = await bot.wait(30)
    except TimeoutError:
        bot.signal(signal.SIGKILL)
        await bot.wait(10)
        raise AssertionError(f"SIGTERM did not stop the bot in 30 s; log:\n{bot.log_tail()}") from None
    took = time.monotonic() - asked

    assert status == 0, bot.log_tail()
    after_stop = _states(fanout.target)
    assert after_stop["sending"] == 0  # every send under way was recorded before exit
    assert after_stop["sent"] == len(_posts(tg, fanout.chats))
    assert took < 8.0, (
        f"the bot took {took:.1f} s to stop after SIGTERM, posting {after_stop['sent'] - 100} more "
        "messages meanwhile; a stop must not wait for the whole fan-out (Docker kills after 10 s)"
    )

    await _run_to_completion(tg, fanout, tmp_path / "second-run.log")

    posts = _posts(tg, fanout.chats)
    assert set(posts) == fanout.chats
    assert max(posts.values()) == 1, "a graceful stop must not cause repeats"
    assert _states(fanout.target) == Counter({"sent": CHATS})
