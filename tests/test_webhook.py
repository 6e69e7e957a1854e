"""Webhook mode: the fake Bot API's setWebhook/deleteWebhook/getWebhookInfo and its pushes,
the bot served by PTB's webhook server in-process, and a real ``newsbot run --webhook``."""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import socket
import sys
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from telegram.error import BadRequest, Conflict

from bot.app import ALLOWED_UPDATES, build_application
from bot.config import ConfigError, Settings
from bot.runmode import RunMode, RunModeError
from tests.conftest import ADMIN_ID, READER_ID, TOKEN, start_bot
from tests.fakes._tg_webhook import SECRET_HEADER, pushed_ok
from tests.fakes.telegram_api import FakeTelegramServer

REPO = Path(__file__).resolve().parents[1]
SECRET = "s3cret_Token-for-tests"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Receiver:
    """A plain HTTP server standing in for the bot's webhook, answering ``status``."""

    def __init__(self) -> None:
        self.status = 200
        self.got: list[tuple[dict[str, Any], str | None]] = []
        self.port = _free_port()
        self._runner: web.AppRunner | None = None

    async def _hook(self, request: web.Request) -> web.Response:
        self.got.append((await request.json(), request.headers.get(SECRET_HEADER)))
        return web.Response(status=self.status)

    async def __aenter__(self) -> Receiver:
        app = web.Application()
        app.router.add_post("/hook", self._hook)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", self.port).start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._runner is not None
        await self._runner.cleanup()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hook"


async def _until(condition: Callable[[], bool], timeout: float = 10.0, what: str = "") -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.01)


# -- the fake Bot API ----------------------------------------------------------------------


async def test_fake_pushes_updates_with_the_secret_and_refuses_get_updates_meanwhile(tg: FakeTelegramServer) -> None:
    from telegram import Bot

    async with Receiver() as hook, Bot(TOKEN, base_url=tg.base_url) as bot:
        tg.push_command(READER_ID, "/start")  # pending before the webhook is set: delivered too
        assert await bot.set_webhook(hook.url, secret_token=SECRET, max_connections=500,
                                     allowed_updates=["message"])
        await _until(lambda: len(hook.got) == 1, what="the first push")
        update, secret = hook.got[0]
        assert secret == SECRET and update["message"]["text"] == "/start"
        with pytest.raises(Conflict, match="can't use getUpdates method while webhook is active"):
            await bot.get_updates()
        info = await bot.get_webhook_info()
        assert (info.url, info.max_connections, info.pending_update_count) == (hook.url, 100, 0)
        assert info.allowed_updates == ("message",)
        tg.push_callback(READER_ID, "x", 1)  # not an allowed type: Telegram drops it
        tg.push_command(READER_ID, "/help")
        await _until(lambda: len(hook.got) == 2, what="the second push")
        assert hook.got[1][0]["message"]["text"] == "/help"
        assert await bot.delete_webhook()
        assert (await bot.get_webhook_info()).url == ""
        assert await bot.get_updates(timeout=0) == ()


async def test_fake_keeps_an_update_the_webhook_refused_and_reports_the_error(tg: FakeTelegramServer) -> None:
    from telegram import Bot

    async with Receiver() as hook, Bot(TOKEN, base_url=tg.base_url) as bot:
        hook.status = 403
        await bot.set_webhook(hook.url, secret_token=SECRET)
        update_id = tg.push_command(READER_ID, "/start")
        await _until(lambda: len(hook.got) >= 2, what="a retried push")
        info = await bot.get_webhook_info()
        assert info.pending_update_count == 1
        assert info.last_error_message == "Wrong response from the webhook: 403 Forbidden"
        assert info.last_error_date is not None
        hook.status = 200
        await _until(lambda: update_id in pushed_ok(tg.webhook_pushes), what="the push accepted")
        assert (await bot.get_webhook_info()).pending_update_count == 0


async def test_fake_refuses_webhooks_as_telegram_does(tg: FakeTelegramServer) -> None:
    from telegram import Bot

    async with Bot(TOKEN, base_url=tg.base_url) as bot:
        with pytest.raises(BadRequest, match="(?i)secret token contains unallowed characters"):
            await bot.set_webhook("http://127.0.0.1:9/hook", secret_token="no spaces allowed")
        tg.strict_webhook_urls = True  # api.telegram.org rather than a local Bot API server
        with pytest.raises(BadRequest, match="(?i)An HTTPS URL must be provided for webhook"):
            await bot.set_webhook("http://bot.example/hook")
        with pytest.raises(BadRequest, match="(?i)only on ports 80, 88, 443 or 8443"):
            await bot.set_webhook("https://bot.example:9000/hook")
        assert await bot.set_webhook("https://bot.example:8443/hook")
        assert await bot.set_webhook("")  # an empty URL removes it
        assert (await bot.get_webhook_info()).url == ""


# -- settings and flags ---------------------------------------------------------------------


def test_webhook_mode_names_the_settings_it_lacks(make_settings: Callable[..., Settings]) -> None:
    with pytest.raises(RunModeError, match="WEBHOOK_URL and WEBHOOK_SECRET_TOKEN"):
        RunMode(webhook=True).check(make_settings())
    with pytest.raises(RunModeError, match="WEBHOOK_SECRET_TOKEN"):
        RunMode(webhook=True).check(make_settings(webhook_url="https://bot.example/hook"))
    with pytest.raises(RunModeError, match="a worker takes no updates"):
        RunMode(role="worker", webhook=True).check(make_settings())
    RunMode(webhook=True).check(make_settings(webhook_url="https://bot.example/hook", webhook_secret_token=SECRET))
    with pytest.raises(ConfigError, match="WEBHOOK_SECRET_TOKEN may hold only") as error:
        make_settings(webhook_secret_token="has spaces in it")
    assert "has spaces" not in str(error.value)


# -- the bot behind PTB's webhook server, in-process -----------------------------------------


class webhook_bot(start_bot):  # noqa: N801
    """Start the Application as ``run_webhook`` does (setWebhook included), on a free port."""

    def __init__(self, application: Any, port: int) -> None:
        super().__init__(application)
        self.port = port

    async def __aenter__(self) -> Any:
        app = self.application
        await app.initialize()
        if app.post_init:
            await app.post_init(app)
        settings = app.bot_data["services"].settings
        await app.updater.start_webhook(
            listen="127.0.0.1", port=self.port, url_path="/telegram", webhook_url=settings.webhook_url,
            secret_token=settings.webhook_secret_token.get_secret_value(),
            max_connections=settings.webhook_max_connections, allowed_updates=ALLOWED_UPDATES,
            drop_pending_updates=False,
        )
        await app.start()
        return app


@pytest.fixture
async def hooked(make_settings: Callable[..., Settings], tg: FakeTelegramServer, clock: Any) -> AsyncIterator[int]:
    port = _free_port()
    settings = make_settings(webhook_url=f"http://127.0.0.1:{port}/telegram", webhook_secret_token=SECRET,
                             webhook_max_connections=10)
    async with webhook_bot(build_application(settings, clock=clock, schedule_jobs=False), port):
        yield port


async def test_a_pushed_command_is_answered_and_a_wrong_secret_refused(hooked: int, tg: FakeTelegramServer) -> None:
    (registered,) = tg.calls_to("setWebhook")
    assert registered.params["secret_token"] == SECRET
    assert registered.params["max_connections"] == 10
    assert registered.params["allowed_updates"] == ALLOWED_UPDATES
    assert registered.params["drop_pending_updates"] is False
    tg.push_command(READER_ID, "/help")
    (reply,) = await tg.wait_for("sendMessage", predicate=lambda c: c.chat_id == READER_ID)
    assert "/subscribe" in reply.text
    assert not tg.calls_to("getUpdates")

    # Someone who found the URL but not the secret is refused, and nothing is run.
    forged = {"update_id": 999, "message": {"message_id": 1, "date": 0, "text": "/stats",
              "chat": {"id": ADMIN_ID, "type": "private"}, "from": {"id": ADMIN_ID, "is_bot": False, "first_name": "A"},
              "entities": [{"type": "bot_command", "offset": 0, "length": 6}]}}
    url = f"http://127.0.0.1:{hooked}/telegram"
    async with aiohttp.ClientSession() as session:
        for headers in ({SECRET_HEADER: "wrong"}, {}):
            async with session.post(url, json=forged, headers=headers) as response:
                assert response.status == 403
    await asyncio.sleep(0.3)
    assert not tg.sent_messages(ADMIN_ID)


# -- a real ``newsbot run --webhook`` ----------------------------------------------------------


async def test_newsbot_run_webhook_answers_pushed_commands_and_removes_the_webhook_at_stop(
    tg: FakeTelegramServer, tmp_path: Path, database_env: dict[str, str]
) -> None:
    port = _free_port()
    env = {
        "PATH": os.environ.get("PATH", ""), "PYTHONPATH": str(REPO), "BOT_TOKEN": TOKEN,
        "TELEGRAM_API_BASE_URL": tg.base_url, **database_env,
        "LOG_LEVEL": "WARNING", "ADMIN_IDS": str(ADMIN_ID),
        "WEBHOOK_URL": f"http://127.0.0.1:{port}/tg-hook", "WEBHOOK_LISTEN": "127.0.0.1",
        "WEBHOOK_PORT": str(port), "WEBHOOK_SECRET_TOKEN": SECRET, "WEBHOOK_MAX_CONNECTIONS": "5",
    }
    script = shutil.which("newsbot", path=str(Path(sys.executable).parent))
    argv = [script, "run", "--webhook"] if script else [sys.executable, "-m", "bot.cli", "run", "--webhook"]
    proc = await asyncio.create_subprocess_exec(*argv, env=env, cwd=tmp_path, stdin=asyncio.subprocess.DEVNULL,
                                                stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE)
    try:
        (registered,) = await tg.wait_for("setWebhook", timeout=60)
        assert registered.params["url"] == env["WEBHOOK_URL"] and registered.params["secret_token"] == SECRET
        tg.push_command(READER_ID, "/help")
        await tg.wait_for("sendMessage", predicate=lambda c: c.chat_id == READER_ID, timeout=30)
        assert not tg.calls_to("getUpdates")
    finally:
        if proc.returncode is None:
            proc.send_signal(signal.SIGTERM)
        assert proc.stderr is not None
        stderr = (await asyncio.wait_for(proc.stderr.read(), 30)).decode(errors="replace")
        code = await asyncio.wait_for(proc.wait(), 30)
    assert code == 0, stderr[-3000:]
    assert tg.calls_to("deleteWebhook") and tg.webhook_url == ""
    assert SECRET not in stderr
