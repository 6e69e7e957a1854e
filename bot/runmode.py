"""How ``newsbot run`` takes updates, and which part of the work a process does.

Roles: ``all`` (the default: take updates and run the jobs — polling feeds, publishing,
digests), ``worker`` (only the jobs: no getUpdates, no webhook; any number of them on one
PostgreSQL database), ``web`` (only updates: commands and buttons, no jobs). Updates come by
long polling (the default; only one process per bot token may poll) or, with ``--webhook``,
by Telegram posting them to WEBHOOK_URL, which any number of ``all``/``web`` replicas behind a
load balancer can serve.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from telegram.error import InvalidToken, TelegramError
from telegram.ext import Application, Updater

from bot.config import Settings
from bot.stopping import Stopping, step

log = logging.getLogger(__name__)

ROLES = ("all", "worker", "web")


class RunModeError(Exception):
    """A combination of flags and settings that cannot run; the message says what to change."""


@dataclass(frozen=True, slots=True)
class RunMode:
    role: str = "all"
    webhook: bool = False

    @property
    def takes_updates(self) -> bool:
        return self.role != "worker"

    @property
    def runs_jobs(self) -> bool:
        return self.role != "web"

    def check(self, settings: Settings) -> None:
        """Raise ``RunModeError`` if this mode cannot start with ``settings``."""
        if self.role not in ROLES:
            raise RunModeError(f"unknown role {self.role!r}: use one of {', '.join(ROLES)}")
        if self.webhook and not self.takes_updates:
            raise RunModeError("a worker takes no updates: drop --webhook, or use --role all or --role web")
        if self.webhook and (problem := settings.webhook_problem()):
            raise RunModeError(problem)


class TokenSafeUpdater(Updater):
    """PTB's updater, except that stopping it after its polling died of a revoked token (PTB
    logs "Invalid token. Aborting retry loop." once, and keeps the exception in the polling
    task) does not raise that exception again: it escaped ``run_polling``'s clean-up, which then
    skipped ``post_stop`` (the publisher's outcomes unwritten) and closing the database, and
    ``newsbot run`` ended with a traceback instead of its one plain line.

    Its start (``deleteWebhook``, or ``setWebhook`` and the webhook's server) is a step of the
    start-up that a stop signal ends (``bot.stopping``) while ``stopping`` is set."""

    stopping: Stopping | None = None

    async def start_polling(self, *args: Any, **kwargs: Any) -> asyncio.Queue[object]:  # type: ignore[override]
        return await step(self.stopping, super().start_polling(*args, **kwargs), doing="asking deleteWebhook")

    async def start_webhook(self, *args: Any, **kwargs: Any) -> asyncio.Queue[object]:  # type: ignore[override]
        return await step(self.stopping, super().start_webhook(*args, **kwargs),
                          doing="starting the webhook (setWebhook)")

    async def stop(self) -> None:
        if self.stopping is not None:
            self.stopping.cleaning_up()
        try:
            await super().stop()
        except InvalidToken:
            log.info("update polling had stopped: Telegram refused BOT_TOKEN")


class NoUpdates(TokenSafeUpdater):
    """The updater of a worker: starting it takes no updates at all (no getUpdates, no webhook,
    and the webhook another replica registered is left alone), so PTB's run loop, signals and
    ``stop_running`` work as for the other roles."""

    async def start_polling(self, *args: Any, **kwargs: Any) -> asyncio.Queue[object]:  # type: ignore[override]
        log.info("worker role: no updates are taken here (no polling, no webhook)")
        return self.update_queue

    async def start_webhook(self, *args: Any, **kwargs: Any) -> asyncio.Queue[object]:  # type: ignore[override]
        return await self.start_polling()


def webhook_path(settings: Settings) -> str:
    """The path the bot's server answers on: the public URL's own (``/`` when it has none)."""
    return urlsplit(settings.webhook_url).path or "/"


def run(application: Application, settings: Settings, mode: RunMode, *, allowed_updates: list[str]) -> None:
    """Run until a stop signal (or ``stop_running``), taking updates as ``mode`` says. The
    signals are ``bot.stopping``'s (``newsbot run`` installs them), not PTB's own."""
    application.bot_data["run_mode"] = mode
    stop = application.post_stop

    async def post_stop(app: Application) -> None:
        if stop:
            await stop(app)
        heartbeat = app.bot_data["services"].heartbeat
        await remove_webhook(app, others_serve_it=bool(heartbeat and await heartbeat.others_serve_webhook()))

    application.post_stop = post_stop
    if not mode.takes_updates:
        application.updater = NoUpdates(application.bot, application.update_queue)
    stopping = getattr(application, "stopping", None)
    if isinstance(application.updater, TokenSafeUpdater):
        application.updater.stopping = stopping
    signals: dict[str, Any] = {"stop_signals": None} if stopping is not None else {}  # else PTB's own
    if not mode.takes_updates:
        application.run_polling(**signals)
    elif mode.webhook:
        # Registers the webhook (setWebhook with the secret, max_connections, the update types
        # the bot handles, pending updates kept) and serves it; the tornado handler answers 403
        # to a request whose X-Telegram-Bot-Api-Secret-Token is not the secret.
        application.run_webhook(
            listen=settings.webhook_listen, port=settings.webhook_port, url_path=webhook_path(settings),
            webhook_url=settings.webhook_url, secret_token=settings.webhook_secret_token.get_secret_value(),
            max_connections=settings.webhook_max_connections, allowed_updates=allowed_updates,
            drop_pending_updates=False, bootstrap_retries=3, **signals,
        )
    else:
        application.run_polling(allowed_updates=allowed_updates, **signals)


async def remove_webhook(application: Application, *, others_serve_it: bool) -> None:
    """At stop: remove the webhook, unless other live replicas still serve it (removing it
    would cut them off); Telegram then keeps updates until the next start sets it again."""
    mode: RunMode | None = application.bot_data.get("run_mode")
    if mode is None or not mode.webhook:
        return
    if others_serve_it:
        log.info("other replicas serve the webhook: leaving it registered")
        return
    try:
        await application.bot.delete_webhook(drop_pending_updates=False)
        log.info("webhook removed")
    except TelegramError as exc:
        log.warning("could not remove the webhook (deleteWebhook): %s", exc)
