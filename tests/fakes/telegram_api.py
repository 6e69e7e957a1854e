"""A fake Telegram Bot API: a real HTTP server on 127.0.0.1 that python-telegram-bot talks to.

Point PTB at it with ``base_url=fake.base_url`` and ``base_file_url=fake.base_file_url``; PTB
then posts to ``/bot{token}/{method}`` exactly as it would to Telegram, and gets back answers
in Telegram's wire format, so it builds its real objects and raises its real exceptions.

The fake records every call (``calls``, ``wait_for``), delivers pushed updates through real
long polling (``push_command``, ``push_callback``, ...), fails on demand (``fail``) and can
enforce Telegram's flood limits over an injectable clock (``enforce_flood_limits``).

All methods must be called from the event loop the server runs on.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
import socket
import time
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass
from typing import Any

from aiohttp import BodyPartReader, hdrs, web

from ._tg_model import Handler, Signal, UploadedFile
from ._tg_push import DEFAULT_USER_ID, PushingModel
from ._tg_rules import DELAYING_KINDS, ApiError, Fault
from ._tg_updates import JSON

__all__ = ["BOT_USERNAME", "DEFAULT_TOKEN", "DEFAULT_USER_ID", "Call", "FakeTelegramServer", "Fault", "UploadedFile"]

log = logging.getLogger(__name__)

SETTLE_ROUNDS = 50  # turns of the event loop with nothing in hand before ``settle`` returns

DEFAULT_TOKEN = "123456:TEST-token"
BOT_USERNAME = "newsbot_test_bot"
_TOKEN_SHAPE = re.compile(r"^\d+:[A-Za-z0-9_-]+$")
#: Parameters PTB sends as bare strings; all others are JSON (PTB json-dumps every non-str).
_STRING_PARAMS = frozenset(
    {"text", "caption", "parse_mode", "callback_query_id", "inline_message_id", "url",
     "secret_token", "title", "description", "short_description", "name", "language_code",
     "action", "business_connection_id", "message_effect_id", "ip_address", "file_id"}
)  # fmt: skip


@dataclass(frozen=True)
class Call:
    """One request the fake received and what it answered.

    ``params`` hold Python values (JSON fields decoded), ``at`` is ``time.monotonic()`` on
    arrival, ``response`` the exact JSON body sent back with HTTP ``status``.
    """

    method: str
    params: JSON
    files: dict[str, UploadedFile]
    at: float
    status: int
    response: JSON

    @property
    def ok(self) -> bool:
        return self.status == 200

    @property
    def result(self) -> Any:
        return self.response.get("result")

    @property
    def description(self) -> str | None:
        return self.response.get("description")

    @property
    def chat_id(self) -> Any:
        return self.params.get("chat_id")

    @property
    def text(self) -> str | None:
        return self.params.get("text")


class FakeTelegramServer(PushingModel):
    """The Bot API on a free loopback port, with a chat registry, an update queue, recorded
    calls, fault injection and optional flood limits. Use ``async with`` or start/stop."""

    def __init__(
        self,
        token: str = DEFAULT_TOKEN,
        *,
        bot_username: str = BOT_USERNAME,
        wall_clock: Callable[[], float] = time.time,
    ) -> None:
        super().__init__(token, bot_username, wall_clock)
        #: Well-formed tokens answered with 401 Unauthorized (a revoked or mistyped token).
        self.revoked_tokens: set[str] = set()
        self.calls: list[Call] = []
        self._faults: list[Fault] = []
        self._calls_signal = Signal()
        self._runner: web.AppRunner | None = None
        self._port = 0
        self._answering = 0  # requests being handled, long polls aside
        self._long_polls: set[object] = set()  # connections held by a getUpdates long poll

    # -- lifecycle ---------------------------------------------------------------------------

    async def start(self) -> FakeTelegramServer:
        """Listen on a free port of 127.0.0.1."""
        app = web.Application(client_max_size=50 * 2**20)  # the Bot API takes 50 MB uploads
        app.router.add_route("*", "/bot{token}/{method}", self._handle)
        app.router.add_get("/file/bot{token}/{path:.+}", self._serve_file)
        # No access log: its request lines would contain the bot token.
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=2.0)
        await self._runner.setup()
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.bind(("127.0.0.1", 0))
        self._port = sock.getsockname()[1]
        self._closing = asyncio.Event()
        await web.SockSite(self._runner, sock).start()
        log.info("fake Bot API listening on 127.0.0.1:%d", self._port)
        return self

    async def stop(self) -> None:
        """Release pending long polls and slow answers, then close the server."""
        self._closing.set()
        self._updates_signal.notify()
        await self._stop_webhook_pusher()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
            log.info("fake Bot API on port %d stopped", self._port)

    async def __aenter__(self) -> FakeTelegramServer:
        return await self.start()

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    @property
    def base_url(self) -> str:
        """What PTB's ``base_url`` should be; PTB appends the token and ``/method``."""
        return f"{self._origin()}/bot"

    @property
    def base_file_url(self) -> str:
        return f"{self._origin()}/file/bot"

    def _origin(self) -> str:
        if not self._port:
            raise RuntimeError("FakeTelegramServer is not started")
        return f"http://127.0.0.1:{self._port}"

    # -- recorded calls ----------------------------------------------------------------------

    def calls_to(self, method: str) -> list[Call]:
        """Calls of one method (names compare case-insensitively, like Telegram's)."""
        return [call for call in self.calls if call.method.lower() == method.lower()]

    def sent_messages(self, chat_id: int | str | None = None) -> list[Call]:
        """Successful sendMessage calls, optionally to one chat only."""
        return [
            call
            for call in self.calls_to("sendMessage")
            if call.ok and (chat_id is None or call.result["chat"]["id"] == self._chat_key(chat_id))
        ]

    def sent_posts(self, chat_id: int | str | None = None) -> list[Call]:
        """Successful sends of any kind (text, photo, rich message), optionally to one chat."""
        return [
            call
            for call in self.calls
            if call.ok and call.method.lower() in ("sendmessage", "sendphoto", "sendrichmessage")
            and (chat_id is None or call.result["chat"]["id"] == self._chat_key(chat_id))
        ]

    async def wait_for(
        self,
        method: str,
        count: int = 1,
        predicate: Callable[[Call], bool] | None = None,
        timeout: float = 5.0,
    ) -> list[Call]:
        """All recorded calls of ``method`` matching ``predicate``, once there are ``count``.

        Calls recorded before this wait count too; ``reset_calls()`` first to wait for new
        ones. Raises ``TimeoutError`` naming what did arrive.
        """
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            found = [call for call in self.calls_to(method) if predicate is None or predicate(call)]
            remaining = deadline - loop.time()
            if len(found) >= count:
                return found
            if remaining <= 0:
                seen = [f"{call.method}:{call.status}" for call in self.calls]
                raise TimeoutError(f"waited {timeout}s for {count} {method}, got {len(found)}; calls: {seen}")
            await self._calls_signal.wait(remaining)

    async def held(self, fault: Fault, count: int = 1, timeout: float = 5.0) -> None:
        """Once ``count`` requests are held by the "hold" ``fault`` (arrived, not answered)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while fault.hits < count:
            if loop.time() >= deadline:
                raise TimeoutError(f"waited {timeout}s for {count} held {fault.method}, got {fault.hits}")
            await self._calls_signal.wait(deadline - loop.time())

    def reset_calls(self) -> None:
        self.calls.clear()

    async def settle(self, timeout: float = 10.0) -> None:
        """After the clients went away (a cut network, a killed process): return once every
        request that reached the server has been answered and recorded.

        A request whose bytes arrived just before its connection died is still handled, a
        moment later. Everything here runs on one event loop and loopback delivers at once, so
        a server with no request in hand and no open connection other than long polls, for
        SETTLE_ROUNDS turns of the loop (accepting, reading and dispatching a request takes a
        few), has nothing more to record. ``timeout`` is only a safety net.
        """
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        quiet = 0
        while quiet < SETTLE_ROUNDS:
            assert self._runner is not None and self._runner.server is not None
            busy = self._answering or any(c not in self._long_polls for c in self._runner.server.connections)
            quiet = 0 if busy else quiet + 1
            if loop.time() > deadline:
                raise TimeoutError(f"the fake Bot API still had requests in hand after {timeout}s")
            await asyncio.sleep(0 if not busy else 0.005)

    # -- faults ------------------------------------------------------------------------------

    def fail(
        self,
        method: str,
        kind: str,
        chat_id: int | str | None = None,
        *,
        times: int | None = 1,
        retry_after: int = 3,
        migrate_to_chat_id: int | None = None,
        delay: float = 0.5,
        description: str | None = None,
    ) -> Fault:
        """Make the next ``times`` calls of ``method`` (to ``chat_id`` only, if given) fail.

        Kinds: "429", "403", "400", "400_chat_not_found", "400_migrate", "404", "500", "502", and
        "hold" (answer normally once ``fault.release()`` is called: a test knows the requests
        arrived, ``held``, and decides when they are answered), "slow" (answer normally after
        ``delay`` seconds; a call that times out on the client
        still takes effect, as on Telegram).
        """
        fault = Fault(method, kind, self._chat_key(chat_id), times, retry_after,
                      migrate_to_chat_id, delay, description)  # fmt: skip
        self._faults.append(fault)
        return fault

    def clear_faults(self) -> None:
        self._faults.clear()

    async def _apply_faults(self, method: str, params: JSON) -> None:
        chat_key = self._chat_key(params.get("chat_id"))
        if slow := self._take_fault(method, chat_key, slow=True):
            if slow.kind == "hold":
                self._calls_signal.notify()
                await _first(slow.released.wait(), self._closing.wait())  # stop() releases too
            else:
                with suppress(TimeoutError):  # stop() cuts the delay short
                    await asyncio.wait_for(self._closing.wait(), slow.delay)
        if failure := self._take_fault(method, chat_key, slow=False):
            raise failure.error(self._chat_type(chat_key))

    def _take_fault(self, method: str, chat_key: int | str | None, *, slow: bool) -> Fault | None:
        for fault in self._faults:
            if (fault.kind in DELAYING_KINDS) == slow and fault.matches(method, chat_key):
                fault.hits += 1
                return fault
        return None

    # -- HTTP --------------------------------------------------------------------------------

    async def _handle(self, request: web.Request) -> web.Response:
        long_poll = request.match_info["method"].lower() == "getupdates"
        if long_poll:
            self._long_polls.add(request.protocol)
        else:
            self._answering += 1
        try:
            return await self._handle_request(request)
        finally:
            if long_poll:
                self._long_polls.discard(request.protocol)
            else:
                self._answering -= 1

    async def _handle_request(self, request: web.Request) -> web.Response:
        arrived = time.monotonic()
        params, files = await _read_params(request)
        method, handler = self._methods.get(request.match_info["method"].lower(), (request.match_info["method"], None))
        status, body = await self._answer(request.match_info["token"], method, handler, params, files)
        self.calls.append(Call(method, params, files, arrived, status, body))
        self._calls_signal.notify()
        log.debug("%s chat_id=%s -> %d", method, params.get("chat_id"), status)
        return web.json_response(body, status=status)

    async def _answer(
        self, token: str, method: str, handler: Handler | None, params: JSON, files: dict[str, UploadedFile]
    ) -> tuple[int, JSON]:
        try:
            if not _TOKEN_SHAPE.match(token) or handler is None:
                raise ApiError(404, "Not Found")
            if token in self.revoked_tokens:
                raise ApiError(401, "Unauthorized")
            await self._apply_faults(method, params)
            result = await handler(params, files)
        except ApiError as error:
            return error.status, error.payload()
        return 200, {"ok": True, "result": result}

    async def _serve_file(self, request: web.Request) -> web.Response:
        upload = self._files.get(request.match_info["path"])
        if upload is None:
            return web.json_response({"ok": False, "error_code": 404, "description": "Not Found"}, status=404)
        return web.Response(body=upload.data, content_type=upload.content_type)


async def _first(*waits: Any) -> None:
    """Until the first of ``waits`` ends."""
    tasks = [asyncio.ensure_future(w) for w in waits]
    try:
        await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in tasks:
            task.cancel()


async def _read_params(request: web.Request) -> tuple[JSON, dict[str, UploadedFile]]:
    """Parameters from the query string and a urlencoded, multipart or JSON body."""
    raw: dict[str, Any] = dict(request.query)
    files: dict[str, UploadedFile] = {}
    if request.content_type == "application/json":
        return {**{k: _decode(k, v) for k, v in raw.items()}, **await request.json()}, files
    if request.content_type == "multipart/form-data":
        async for part in await request.multipart():
            if not isinstance(part, BodyPartReader) or part.name is None:
                continue
            if part.filename is None:
                raw[part.name] = await part.text()
            else:
                content_type = part.headers.get(hdrs.CONTENT_TYPE, "application/octet-stream")
                files[part.name] = UploadedFile(part.name, part.filename, content_type, bytes(await part.read()))
    elif request.can_read_body:
        raw.update(await request.post())
    return {name: _decode(name, value) for name, value in raw.items()}, files


def _decode(name: str, value: str) -> Any:
    """PTB json-dumps every non-str parameter; strings travel bare and must stay strings."""
    if name in _STRING_PARAMS:
        return value
    try:
        return json.loads(value)
    except ValueError:
        return value
