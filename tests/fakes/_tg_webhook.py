"""Webhooks in the fake Bot API: setWebhook, deleteWebhook, getWebhookInfo, and the pushes.

As on Telegram (https://core.telegram.org/bots/api#setwebhook): while a webhook is set,
getUpdates answers 409; every pending update of an allowed type is POSTed as JSON to the URL,
with the header ``X-Telegram-Bot-Api-Secret-Token`` when a ``secret_token`` was given, over
at most ``max_connections`` (1-100, default 40) connections at once; an answer other than 2xx
(or no answer) keeps the update pending, is reported by getWebhookInfo as
``last_error_date`` / ``last_error_message``, and the push is tried again later.

URLs: the fake answers like the local Bot API server (``telegram-bot-api --local``), which
takes ``http://`` URLs on any port, since its pushes go to 127.0.0.1. With
``strict_webhook_urls`` it refuses them as api.telegram.org does (HTTPS only, ports 80, 88,
443 and 8443).
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import aiohttp

from ._tg_rules import ApiError
from ._tg_updates import DEFAULT_ALLOWED_UPDATES, JSON

if TYPE_CHECKING:
    from ._tg_model import UploadedFile

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
_SECRET = re.compile(r"^[A-Za-z0-9_-]{1,256}$")
_TELEGRAM_PORTS = (80, 88, 443, 8443)
RETRY_FIRST_S = 0.1  # a failed push is tried again after this, doubling up to RETRY_MAX_S
RETRY_MAX_S = 2.0
PUSH_TIMEOUT_S = 10.0


@dataclass(frozen=True)
class WebhookPush:
    """One POST of an update to the webhook and what the bot's server answered (0: no answer)."""

    update_id: int
    url: str
    status: int
    error: str
    at: float


class WebhookMethods:
    """Mixed into the fake's model, which owns ``_updates``, ``_deliverable``, the signals."""

    _updates: list[JSON]
    _allowed_updates: frozenset[str]
    _closing: asyncio.Event
    _webhook_url: str

    def _init_webhook(self) -> None:
        #: Refuse webhook URLs as api.telegram.org does (HTTPS, four ports) instead of the local server.
        self.strict_webhook_urls = False
        #: Every push made, in order (tests assert on the secret header's effect through these).
        self.webhook_pushes: list[WebhookPush] = []
        self._webhook_url = ""
        self._webhook_secret: str | None = None
        self._webhook_max_connections = 40
        self._webhook_allowed: list[str] | None = None
        self._webhook_error: tuple[int, str] | None = None
        self._webhook_retry_s = RETRY_FIRST_S
        self._webhook_task: asyncio.Task[None] | None = None
        self._pushing: set[int] = set()
        self._push_signal = asyncio.Event()

    @property
    def webhook_url(self) -> str:
        return self._webhook_url

    # -- the methods -------------------------------------------------------------------------

    async def _set_webhook(self, params: JSON, files: dict[str, UploadedFile]) -> bool:
        url = str(params.get("url") or "")
        if not url:
            await self._remove_webhook(bool(params.get("drop_pending_updates")))
            return True
        self._check_url(url)
        secret = params.get("secret_token")
        if secret is not None and not _SECRET.match(str(secret)):
            raise ApiError(400, "Bad Request: secret token contains unallowed characters")
        if params.get("drop_pending_updates"):
            self._updates.clear()
        if (allowed := params.get("allowed_updates")) is not None:
            self._allowed_updates = frozenset(allowed) or DEFAULT_ALLOWED_UPDATES
            self._webhook_allowed = list(allowed) or None
        # Telegram takes any number and keeps it within 1-100.
        self._webhook_max_connections = min(max(int(params.get("max_connections") or 40), 1), 100)
        self._webhook_url, self._webhook_secret = url, (str(secret) if secret else None)
        self._webhook_error = None
        self._webhook_retry_s = RETRY_FIRST_S
        if self._webhook_task is None or self._webhook_task.done():
            self._webhook_task = asyncio.create_task(self._push_loop(), name="fake webhook pushes")
        self._wake_pusher()
        log.info("webhook set to %s (max_connections %d)", url, self._webhook_max_connections)
        return True

    async def _delete_webhook(self, params: JSON, files: dict[str, UploadedFile]) -> bool:
        await self._remove_webhook(bool(params.get("drop_pending_updates")))
        return True

    async def _get_webhook_info(self, params: JSON, files: dict[str, UploadedFile]) -> JSON:
        info: JSON = {"url": self._webhook_url, "has_custom_certificate": False,
                      "pending_update_count": len(self._deliverable(10**9))}  # type: ignore[attr-defined]
        if self._webhook_url:
            info["max_connections"] = self._webhook_max_connections
            info["ip_address"] = "127.0.0.1"
            if self._webhook_allowed is not None:
                info["allowed_updates"] = self._webhook_allowed
            if self._webhook_error is not None:
                info["last_error_date"], info["last_error_message"] = self._webhook_error
        return info

    def _check_url(self, url: str) -> None:
        try:
            parts = urlsplit(url)
            port = parts.port
        except ValueError:
            raise ApiError(400, "Bad Request: bad webhook: Failed to parse URL") from None
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ApiError(400, "Bad Request: bad webhook: Failed to parse URL")
        if self.strict_webhook_urls:
            if parts.scheme != "https":
                raise ApiError(400, "Bad Request: bad webhook: An HTTPS URL must be provided for webhook")
            if (port or 443) not in _TELEGRAM_PORTS:
                raise ApiError(400, "Bad Request: bad webhook: Webhook can be set up only on ports 80, 88, 443 or 8443")

    async def _remove_webhook(self, drop_pending: bool) -> None:
        self._webhook_url, self._webhook_secret, self._webhook_error = "", None, None
        if drop_pending:
            self._updates.clear()
        self._wake_pusher()

    # -- pushing -----------------------------------------------------------------------------

    def _wake_pusher(self) -> None:
        self._push_signal.set()

    async def _stop_webhook_pusher(self) -> None:
        task, self._webhook_task = self._webhook_task, None
        if task is not None:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)

    async def _push_loop(self) -> None:
        tasks: set[asyncio.Task[None]] = set()
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=PUSH_TIMEOUT_S)) as session:
            try:
                while self._webhook_url and not self._closing.is_set():
                    self._push_signal.clear()
                    room = self._webhook_max_connections - len(self._pushing)
                    ready = [u for u in self._deliverable(100)  # type: ignore[attr-defined]
                             if u["update_id"] not in self._pushing][:max(room, 0)]
                    for update in ready:
                        self._pushing.add(update["update_id"])
                        task = asyncio.create_task(self._push(session, update))
                        tasks.add(task)
                        task.add_done_callback(tasks.discard)
                    try:
                        await asyncio.wait_for(self._push_signal.wait(), 1.0)
                    except TimeoutError:
                        pass
            finally:
                for task in tasks:
                    task.cancel()
                await asyncio.gather(*tasks, return_exceptions=True)

    async def _push(self, session: aiohttp.ClientSession, update: JSON) -> None:
        url = self._webhook_url
        headers = {SECRET_HEADER: self._webhook_secret} if self._webhook_secret else {}
        status, error = 0, ""
        try:
            async with session.post(url, json=update, headers=headers) as response:
                status = response.status
                await response.read()
                if not 200 <= status < 300:
                    error = f"Wrong response from the webhook: {status} {response.reason}"
        except (aiohttp.ClientError, TimeoutError, OSError) as exc:
            error = "Connection refused" if isinstance(exc, aiohttp.ClientConnectorError) else f"{type(exc).__name__}"
        self.webhook_pushes.append(WebhookPush(update["update_id"], url, status, error, time.monotonic()))
        try:
            if not error:
                self._updates = [u for u in self._updates if u["update_id"] != update["update_id"]]
                self._webhook_retry_s = RETRY_FIRST_S
                return
            self._webhook_error = (int(self._wall_clock()), error)  # type: ignore[attr-defined]
            log.info("webhook push of update %d failed: %s", update["update_id"], error)
            wait, self._webhook_retry_s = self._webhook_retry_s, min(self._webhook_retry_s * 2, RETRY_MAX_S)
            try:
                await asyncio.wait_for(self._closing.wait(), wait)
            except TimeoutError:
                pass
        finally:
            self._pushing.discard(update["update_id"])
            self._wake_pusher()


def pushed_ok(pushes: list[WebhookPush]) -> list[int]:
    """The update ids the bot's server accepted."""
    return [push.update_id for push in pushes if push.status and 200 <= push.status < 300]


__all__ = ["SECRET_HEADER", "WebhookMethods", "WebhookPush", "pushed_ok"]
