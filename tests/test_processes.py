"""Real ``newsbot run`` processes against the faults that only processes have: the Bot API
cut off mid fan-out, a second start on the same database, the disk refusing writes, and the
database file deleted while running. The pattern of tests/test_restart.py: the bot is a
subprocess configured by its environment, talking to the fake Bot API of the test's loop.
"""

from __future__ import annotations

import asyncio
import os
import resource
import shutil
import signal
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pytest

from bot.jobs import TOKEN_REFUSED
from tests.conftest import ADMIN_ID, TOKEN
from tests.fakes.cable import Cable
from tests.fakes.telegram_api import FakeTelegramServer
from tests.test_restart import REPO, STARTUP_TIMEOUT, _posts, _prepare_fanout, _states, database_env

pytestmark = pytest.mark.slow
READER = 55_500_001  # sends commands; follows nothing


class Bot:
    """``newsbot run`` with its stderr read into memory (a pipe: it must keep working when the
    process may not write files)."""

    def __init__(self, base_url: str, database: str | Path, *, cwd: Path | None = None, **env: str) -> None:
        self.env = {
            "PATH": os.environ.get("PATH", ""), "PYTHONPATH": str(REPO), "BOT_TOKEN": TOKEN,
            "TELEGRAM_API_BASE_URL": base_url, **database_env(database), "LOG_LEVEL": "WARNING",
            "ADMIN_IDS": str(ADMIN_ID), "TELEGRAM_MESSAGES_PER_SECOND": "1000", **env,
        }
        self.cwd = cwd or Path(database).parent
        self.proc: asyncio.subprocess.Process | None = None
        self.stderr = bytearray()
        self._reader: asyncio.Task[None] | None = None

    async def start(self) -> Bot:
        script = shutil.which("newsbot", path=str(Path(sys.executable).parent))
        argv = [script, "run"] if script else [sys.executable, "-m", "bot.cli", "run"]
        self.proc = await asyncio.create_subprocess_exec(
            *argv, env=self.env, cwd=self.cwd, stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE,
        )
        self._reader = asyncio.create_task(self._read())
        return self

    async def _read(self) -> None:
        assert self.proc is not None and self.proc.stderr is not None
        while chunk := await self.proc.stderr.read(65536):
            self.stderr += chunk

    @property
    def log(self) -> str:
        return self.stderr.decode(errors="replace")

    async def wait(self, timeout: float) -> int:
        assert self.proc is not None
        code = await asyncio.wait_for(self.proc.wait(), timeout)
        if self._reader is not None:
            await asyncio.wait_for(self._reader, 5)
        return code

    async def stop(self) -> int | None:
        if self.proc is None or self.proc.returncode is not None:
            return None if self.proc is None else self.proc.returncode
        self.proc.send_signal(signal.SIGTERM)
        try:
            return await self.wait(30)
        except TimeoutError:
            self.proc.kill()
            return await self.wait(10)


async def _until(condition: Callable[[], bool], *, timeout: float, what: str, bot: Bot) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}; bot log:\n{bot.log[-3000:]}")
        await asyncio.sleep(0.02)


def _port(tg: FakeTelegramServer) -> int:
    return int(tg.base_url.rsplit(":", 1)[1].split("/", 1)[0])


# -- the Bot API cut off mid fan-out -----------------------------------------------------------


async def test_the_bot_api_cut_off_mid_fanout_every_chat_gets_the_post_after_it_is_back(
    tg: FakeTelegramServer, tmp_path: Path, database_target: str
) -> None:
    """500 chats at 250 messages/s; after 200 posts the connection to the Bot API is cut
    until the bot has found it down long enough to tell the admins (1.2 s: it cannot, so it
    logs the notice) and probed it twice more (the backoff cap set to 1 s so the test is
    short; bench/bench_outage.py runs the 540 s outage with the defaults). No row fails;
    after it is back every chat has the post, repeats at most the requests in flight at the
    cut; the admins hear once that it is back."""
    fanout = await _prepare_fanout(database_target, tg)
    cable = Cable(_port(tg))
    await cable.plug()
    bot = await Bot(cable.base_url, fanout.target, cwd=tmp_path, TELEGRAM_MESSAGES_PER_SECOND="250",
                    DELIVERY_BACKOFF_MAX_SECONDS="1", OUTAGE_NOTICE_MINUTES="0.02").start()
    try:
        await _until(lambda: len(_posts(tg, fanout.chats)) >= 200, timeout=STARTUP_TIMEOUT, what="200 posts", bot=bot)
        await cable.cut()
        await tg.settle()  # requests relayed just before the cut are still answered, a moment later
        cut_at = len(_posts(tg, fanout.chats))
        # Events of the bot, not a fixed time: the outage notice tried, then two more probes.
        await _until(lambda: "Bot API has not accepted a message since" in bot.log, timeout=30,
                     what="the bot to try telling the admins that the Bot API is down", bot=bot)
        probes = bot.log.count("Bot API unreachable since")
        await _until(lambda: bot.log.count("Bot API unreachable since") >= probes + 2, timeout=30,
                     what="two more probes of the Bot API", bot=bot)
        assert len(_posts(tg, fanout.chats)) == cut_at
        assert _states(fanout.target)["failed"] == 0
        await cable.plug()
        await _until(lambda: _states(fanout.target)["sent"] == len(fanout.chats), timeout=60,
                     what="every row sent", bot=bot)
    finally:
        code = await bot.stop()
        await cable.cut()
    assert code == 0, bot.log[-3000:]
    posts = _posts(tg, fanout.chats)
    assert set(posts) == fanout.chats
    assert sum(posts.values()) - len(fanout.chats) <= 8  # in flight when the cable was cut
    back = [c.text for c in tg.sent_messages(ADMIN_ID) if "answers again" in (c.text or "")]
    assert len(back) == 1, [c.text for c in tg.sent_messages(ADMIN_ID)]


# -- a second start --------------------------------------------------------------------------


@pytest.mark.sqlite_only("the lock file beside the SQLite database; replicas on one PostgreSQL database are meant to run together (tests/test_replicas_e2e.py)")
async def test_a_second_newsbot_run_on_the_same_database_refuses_naming_the_first(
    tg: FakeTelegramServer, tmp_path: Path
) -> None:
    fanout = await _prepare_fanout(tmp_path / "newsbot.db", tg)
    first = await Bot(tg.base_url, fanout.db_path, TELEGRAM_MESSAGES_PER_SECOND="100").start()
    try:
        await _until(lambda: len(_posts(tg, fanout.chats)) >= 100, timeout=STARTUP_TIMEOUT, what="posts", bot=first)
        second = await Bot(tg.base_url, fanout.db_path).start()
        code = await second.wait(STARTUP_TIMEOUT)
        lines = second.log.strip().splitlines()
        assert code == 2, second.log
        assert first.proc is not None
        assert lines == [f"newsbot: another newsbot (pid {first.proc.pid}) is already running on the database "
                         f"{fanout.db_path}; stop it first, or set DATABASE_PATH to another file"]
        await _until(lambda: _states(fanout.db_path)["sent"] == len(fanout.chats), timeout=60,
                     what="every row sent", bot=first)
    finally:
        assert await first.stop() == 0, first.log[-3000:]
    assert Counter(_posts(tg, fanout.chats).values()) == Counter({1: len(fanout.chats)})


# -- the disk refuses writes -------------------------------------------------------------------


@pytest.mark.sqlite_only("RLIMIT_FSIZE stops the SQLite file (and its WAL) growing; a PostgreSQL server writes its own files")
async def test_writes_refused_mid_fanout_then_allowed_again_every_row_is_settled_and_none_sent_twice(
    tg: FakeTelegramServer, tmp_path: Path
) -> None:
    """Mid fan-out the bot may no longer grow any file (RLIMIT_FSIZE set from outside, as a
    full disk does to SQLite's writes). The sends Telegram already answered are kept and
    written once writing works again; sending pauses meanwhile, with one admin notice, sent
    once the sends under way have been answered, so no post comes after it; commands still
    answer; after a graceful stop and a restart nothing is sent twice."""
    fanout = await _prepare_fanout(tmp_path / "newsbot.db", tg)
    bot = await Bot(tg.base_url, fanout.db_path, TELEGRAM_MESSAGES_PER_SECOND="100").start()
    assert bot.proc is not None
    try:
        await _until(lambda: len(_posts(tg, fanout.chats)) >= 150, timeout=STARTUP_TIMEOUT, what="posts", bot=bot)
        resource.prlimit(bot.proc.pid, resource.RLIMIT_FSIZE, (1, resource.RLIM_INFINITY))
        [notice] = await tg.wait_for("sendMessage", timeout=20,
                                     predicate=lambda c: "cannot write to the database" in (c.text or ""))
        paused_at = len(_posts(tg, fanout.chats))
        assert paused_at < len(fanout.chats)
        after = [c for c in tg.sent_messages() if c.at > notice.at and c.result["chat"]["id"] in fanout.chats]
        assert not after, "a post went out after the notice"
        for n in range(1, 4):  # while writes are refused (a post at 100/s would slip in meanwhile)
            tg.push_command(READER, "/help")
            await tg.wait_for("sendMessage", count=n, predicate=lambda c: c.chat_id == READER, timeout=20)
        assert len(_posts(tg, fanout.chats)) == paused_at, "sending went on with nothing recorded"
        resource.prlimit(bot.proc.pid, resource.RLIMIT_FSIZE, (resource.RLIM_INFINITY, resource.RLIM_INFINITY))
        await _until(lambda: _states(fanout.db_path)["sent"] == len(fanout.chats), timeout=60,
                     what="every row sent", bot=bot)
    finally:
        if bot.proc.returncode is None:
            resource.prlimit(bot.proc.pid, resource.RLIMIT_FSIZE, (resource.RLIM_INFINITY, resource.RLIM_INFINITY))
        assert await bot.stop() == 0, bot.log[-3000:]
    again = await Bot(tg.base_url, fanout.db_path).start()
    # Up and handling updates, its start-up recovery and first drain behind it: anything it
    # were to send again would be on its way (and a graceful stop finishes what is under way).
    tg.push_command(READER, "/help")
    await tg.wait_for("sendMessage", count=4, predicate=lambda c: c.chat_id == READER, timeout=STARTUP_TIMEOUT)
    assert await again.stop() == 0
    assert Counter(_posts(tg, fanout.chats).values()) == Counter({1: len(fanout.chats)})
    notices = [c.text for c in tg.sent_messages(ADMIN_ID) if "cannot write to the database" in (c.text or "")]
    assert len(notices) == 1


# -- the database file deleted -----------------------------------------------------------------


@pytest.mark.sqlite_only("the SQLite database file deleted under the running bot; PostgreSQL has no file")
async def test_a_database_deleted_while_running_stops_the_bot_with_one_clear_line(
    tg: FakeTelegramServer, tmp_path: Path
) -> None:
    fanout = await _prepare_fanout(tmp_path / "newsbot.db", tg)
    bot = await Bot(tg.base_url, fanout.db_path).start()
    await _until(lambda: _states(fanout.db_path)["sent"] == len(fanout.chats), timeout=STARTUP_TIMEOUT,
                 what="the fan-out", bot=bot)
    for suffix in ("", "-wal", "-shm"):
        Path(f"{fanout.db_path}{suffix}").unlink(missing_ok=True)
    try:
        code = await bot.wait(15)
    except TimeoutError:
        await bot.stop()
        raise AssertionError(f"the bot ran on without its database; log:\n{bot.log[-3000:]}") from None
    assert code == 2, bot.log[-3000:]
    last = bot.log.strip().splitlines()[-1]
    assert last.startswith(f"newsbot: the database file {fanout.db_path} was deleted while the bot was running; "
                           "stopped"), bot.log[-3000:]
    assert not fanout.db_path.exists()  # the bot did not quietly start a new, empty one


@pytest.mark.sqlite_only("the SQLite database file cut short under the running bot; PostgreSQL has no file")
async def test_a_database_cut_short_in_place_stops_the_bot_with_a_clear_line_or_a_traceback(
    tg: FakeTelegramServer, tmp_path: Path
) -> None:
    """A file cut short in place (``cp backup.db`` over it keeps the inode) is the one change
    the deleted/replaced check cannot see, and SQLite reads the file through mmap: a read past
    the new end is a SIGBUS. Whichever comes first, the process must say what happened: the
    watch's one line (exit status 2), or faulthandler's "Bus error" traceback, never silence.
    (Here the SIGBUS came first in every run tried: the poll tick reads within 2 s too.)"""
    path = tmp_path / "newsbot.db"
    bot = await Bot(tg.base_url, path).start()
    try:
        await tg.wait_until_polling(timeout=STARTUP_TIMEOUT)
        os.truncate(path, 4096)  # the first page only: every table's pages are gone
        code = await bot.wait(15)
    except TimeoutError:
        await bot.stop()
        raise AssertionError(f"the bot ran on with its database cut short; log:\n{bot.log[-3000:]}") from None
    if code == -signal.SIGBUS:
        assert "Fatal Python error: Bus error" in bot.log and "sqlite" in bot.log.lower(), bot.log[-3000:]
        return
    assert code == 2, bot.log[-3000:]
    last = bot.log.strip().splitlines()[-1]
    assert last.startswith(f"newsbot: the database file {path} was cut short (4,096 bytes, it had "), bot.log[-3000:]


# -- the token revoked while running -------------------------------------------------------------


async def test_a_token_revoked_mid_fanout_stops_the_bot_with_one_line_and_loses_nothing(
    tg: FakeTelegramServer, tmp_path: Path, database_target: str
) -> None:
    """The owner revokes the token in @BotFather while the bot runs: every call now gets 401
    "Unauthorized". The bot does not retry forever as if Telegram were down: it stops with one
    line saying what to do (exit status 2); a 401 took nothing, so with the new token every
    chat gets its post once."""
    fanout = await _prepare_fanout(database_target, tg)
    bot = await Bot(tg.base_url, fanout.target, cwd=tmp_path, TELEGRAM_MESSAGES_PER_SECOND="100").start()
    try:
        await _until(lambda: len(_posts(tg, fanout.chats)) >= 50, timeout=STARTUP_TIMEOUT, what="posts", bot=bot)
        tg.revoked_tokens.add(TOKEN)
        code = await bot.wait(30)
    finally:
        await bot.stop()
    assert code == 2, bot.log[-3000:]
    assert bot.log.strip().splitlines()[-1] == f"newsbot: {TOKEN_REFUSED}"
    states = _states(fanout.target)
    assert states["failed"] == 0 and states["sending"] == 0 and states["sent"] < len(fanout.chats), states
    refused = [c for c in tg.calls if c.method == "sendMessage" and c.status == 401]
    assert 0 < len(refused) <= 20  # it stopped, not retried every row for a day

    tg.revoked_tokens.clear()  # the new token in BOT_TOKEN (the fake knows one token)
    # The rest of the fan-out at the Bot class's 1000/s: 100/s made it 4.5 s of waiting for
    # nothing this part checks (every chat gets its post, once).
    again = await Bot(tg.base_url, fanout.target, cwd=tmp_path).start()
    try:
        await _until(lambda: _states(fanout.target)["sent"] == len(fanout.chats), timeout=60,
                     what="every row sent", bot=again)
    finally:
        assert await again.stop() == 0, again.log[-3000:]
    assert Counter(_posts(tg, fanout.chats).values()) == Counter({1: len(fanout.chats)})
