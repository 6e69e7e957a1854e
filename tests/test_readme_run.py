"""The README's "Set up and run", as a new user follows it: a ``.env`` made from
``.env.example`` with BOT_TOKEN, ADMIN_IDS, FEEDS and CHANNELS filled in (and the Bot API's
address pointed at the fake one), then ``newsbot run`` in that directory, configured by the
file alone (no variable of the test's environment but PATH). The channel gets the feed's
stories; Ctrl+C (SIGINT) stops it with status 0. And the mistakes a user makes at start
(no token, a channel or a feed mistyped) stop it at once with one line saying what to fix.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import ADMIN_ID, TOKEN
from tests.fakes.news_site import FakeNewsSite
from tests.fakes.telegram_api import FakeTelegramServer
from tests.stories import DAM, ELECTION
from tests.test_restart import REPO

CHANNEL = -100_777_000_111
# Bounds on a real process's start and stop, not expected durations (both take 1-3 s on a quiet
# machine): generous, since CI's 2 cores may be shared by a loaded suite (load 8 was seen).
STARTUP_S = 180
STOP_S = 60
pytestmark = pytest.mark.sqlite_only("the README's set-up as a user makes it: the SQLite file DATABASE_PATH of .env.example")


def _dotenv(directory: Path, **values: str) -> Path:
    """``.env.example`` with ``values`` filled in, as a user edits it (lines kept, in order)."""
    lines = []
    for line in (REPO / ".env.example").read_text(encoding="utf-8").splitlines():
        name = line.split("=", 1)[0].strip()
        lines.append(f"{name}={values.pop(name)}" if "=" in line and not line.startswith("#") and name in values
                     else line)
    assert not values, f"not in .env.example: {sorted(values)}"
    path = directory / ".env"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


async def _newsbot(directory: Path, *args: str) -> asyncio.subprocess.Process:
    script = shutil.which("newsbot", path=str(Path(sys.executable).parent))
    argv = [script, *args] if script else [sys.executable, "-m", "bot.cli", *args]
    env = {"PATH": os.environ.get("PATH", ""), "PYTHONPATH": str(REPO)}  # the settings: .env alone
    return await asyncio.create_subprocess_exec(*argv, cwd=directory, env=env, stdin=asyncio.subprocess.DEVNULL,
                                                stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)


def _user_env(tg: FakeTelegramServer, site: FakeNewsSite, **more: str) -> dict[str, str]:
    return {"BOT_TOKEN": TOKEN, "ADMIN_IDS": str(ADMIN_ID), "TELEGRAM_API_BASE_URL": tg.base_url,
            "FEEDS": site.url("/rss.xml"), "CHANNELS": "@dailynews",
            "ALLOW_PRIVATE_URLS": "true",  # the fake news site is on 127.0.0.1
            **more}


async def test_the_readme_setup_posts_the_feeds_stories_to_the_channel(
    tg: FakeTelegramServer, site: FakeNewsSite, tmp_path: Path
) -> None:
    feed = site.feed("/rss.xml", title="Daily Press")
    feed.publish("Dam gates open after repairs", body=DAM)
    feed.publish("Portugal votes for stability", body=ELECTION)
    tg.add_chat(CHANNEL, "channel", title="Daily News", username="dailynews")
    tg.set_member(CHANNEL, tg.bot_id, "administrator", can_post_messages=True)
    _dotenv(tmp_path, **_user_env(tg, site))
    proc = await _newsbot(tmp_path, "run")
    # Its output is read while it runs: a pipe left unread fills (64 KiB of log) and the bot
    # then blocks on its next log line, posting nothing.
    output = asyncio.ensure_future(proc.communicate())
    try:
        deadline = time.monotonic() + STARTUP_S
        while len(tg.sent_messages(CHANNEL)) < 2 and not output.done():
            assert time.monotonic() < deadline, f"no post in {STARTUP_S} s"
            await asyncio.sleep(0.05)
        if not output.done():
            proc.send_signal(signal.SIGINT)  # Ctrl+C
        _, err = await asyncio.wait_for(output, STOP_S)
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
        if not output.done():
            output.cancel()
    log = err.decode(errors="replace")
    assert proc.returncode == 0, log[-3000:]
    texts = [c.params["text"] for c in tg.sent_messages(CHANNEL)]
    assert any("Dam gates open after repairs" in t for t in texts), texts
    assert any("Portugal votes for stability" in t for t in texts), texts
    assert TOKEN not in log  # the token is never logged
    assert (tmp_path / "data" / "newsbot.db").exists()  # DATABASE_PATH of .env.example, made for the user


@pytest.mark.parametrize(("change", "says"), [
    ({"BOT_TOKEN": ""}, "BOT_TOKEN"),  # each message in-process: tests/test_config.py; here, one line from .env
    ({"FEEDS": "example.com/rss"}, "FEEDS"),
    ({"ADMIN_IDS": "me"}, "ADMIN_IDS"),
])
async def test_a_setting_a_user_gets_wrong_stops_newsbot_run_with_one_line(
    tg: FakeTelegramServer, site: FakeNewsSite, tmp_path: Path, change: dict[str, str], says: str
) -> None:
    _dotenv(tmp_path, **_user_env(tg, site, **change))
    proc = await _newsbot(tmp_path, "run")
    out, err = await asyncio.wait_for(proc.communicate(), STARTUP_S)
    lines = err.decode(errors="replace").strip().splitlines()
    assert proc.returncode == 2, lines[-20:]
    assert lines and lines[-1].startswith("newsbot: ") and says in lines[-1], lines[-20:]
    assert not any("Traceback" in line for line in lines), lines[-20:]



async def test_an_empty_admin_ids_is_said_at_start_and_the_bot_runs(
    tg: FakeTelegramServer, site: FakeNewsSite, tmp_path: Path
) -> None:
    """ADMIN_IDS left empty does not stop it, but it says, once its checks have passed, what
    that costs (before, it ran silently with every notice lost to the log)."""
    site.feed("/rss.xml", title="Daily Press")
    _dotenv(tmp_path, **_user_env(tg, site, ADMIN_IDS="", CHANNELS=""))
    proc = await _newsbot(tmp_path, "run")
    assert proc.stderr is not None
    seen: list[str] = []
    try:
        while not any("Application started" in line for line in seen):  # a Ctrl+C from then on: status 0
            line = await asyncio.wait_for(proc.stderr.readline(), STARTUP_S)
            assert line, f"ended before it started: {seen[-20:]}"
            seen.append(line.decode(errors="replace"))
        # A Ctrl+C right after PTB's "Application started", before its run loop, used to be lost
        # (tests/test_stop_while_starting.py): no waiting for the first poll any more.
        proc.send_signal(signal.SIGINT)
        await asyncio.wait_for(proc.communicate(), STOP_S)
    except TimeoutError:
        raise AssertionError(f"no start in {STARTUP_S} s, or no stop in {STOP_S} s: {seen[-20:]}") from None
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
    assert proc.returncode == 0
    [warning] = [line for line in seen if "ADMIN_IDS is empty" in line]
    assert "nobody can use the admin commands" in warning and "set ADMIN_IDS to your Telegram user id" in warning
