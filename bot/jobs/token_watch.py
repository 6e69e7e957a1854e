"""Noticing a revoked BOT_TOKEN while the bot is idle.

A token revoked in @BotFather is noticed at the first send or edit Telegram refuses with 401
(``Publisher._token_was_refused``), but a bot with nothing to post makes no send: it went on
for days doing nothing, with its update polling dead too (python-telegram-bot's polling loop
logs "Invalid token. Aborting retry loop." once on getUpdates' 401 and then simply stops; it
does not stop the application, and a worker replica never polls at all). So once a minute,
on every role, the bot asks ``getMe`` (one cheap call); a 401 stops it as the send's 401 does:
one log line, the publisher told to claim nothing more, and ``newsbot run`` ends with one
plain line (``bot.jobs.TOKEN_REFUSED``) and exit status 2. Telegram being down or slow is not
the token's fault: the check just tries again a minute later.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from telegram import Bot
from telegram.error import InvalidToken, TelegramError
from telegram.ext import Application

from bot.jobs import TOKEN_REFUSED

__all__ = ["TOKEN_CHECK_S", "check_token", "watch_token"]

log = logging.getLogger(__name__)

TOKEN_CHECK_S = 60  # a revoked token is noticed within a minute; one getMe a minute costs nothing


async def check_token(bot: Bot, services: Any, *, stop: Callable[[], None]) -> bool:
    """Ask Telegram whether BOT_TOKEN still works; on its 401, set ``services.fatal``, stop
    the publisher and call ``stop`` (the application's ``stop_running``). True unless refused."""
    if services.fatal is not None:  # stopping already, for this or another reason
        return services.fatal != TOKEN_REFUSED
    try:
        await bot.get_me()
    except InvalidToken as exc:
        log.error("Telegram refused BOT_TOKEN (%s) while the bot was running: stopping", exc.message)
        services.fatal = TOKEN_REFUSED  # ``newsbot run`` prints it as its last line, exit status 2
        services.publisher.stop()
        stop()
        return False
    except TelegramError as exc:  # Telegram down or slow: not the token; the next check tells
        log.debug("token check: no answer from the Bot API (%s); trying again in %d s", exc, TOKEN_CHECK_S)
    return True


async def _token_job(context) -> None:  # type: ignore[no-untyped-def]
    await check_token(context.bot, context.services, stop=context.application.stop_running)


def watch_token(application: Application) -> None:
    """Check the token once a minute while the application runs (every role: ``newsbot run``)."""
    if application.job_queue is None:  # installed without the job-queue extra; register_jobs says so
        return
    application.job_queue.run_repeating(
        _token_job, interval=TOKEN_CHECK_S, first=TOKEN_CHECK_S, name="watch-token",
        job_kwargs={"max_instances": 1, "coalesce": True, "misfire_grace_time": TOKEN_CHECK_S},
    )
