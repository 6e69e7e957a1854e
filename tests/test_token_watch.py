"""A token revoked while the bot has nothing to send: before, nothing noticed it (only a send
or an edit refused with 401 did), and PTB's update polling just died on getUpdates' 401. The
check asks getMe of the fake Bot API, which answers a revoked token as Telegram does (HTTP
401, ``{"ok": false, "error_code": 401, "description": "Unauthorized"}``)."""

from __future__ import annotations

import logging

import pytest

from bot.jobs import TOKEN_REFUSED
from bot.jobs.token_watch import TOKEN_CHECK_S, check_token, watch_token
from tests.conftest import TOKEN, RunningBot
from tests.fakes.telegram_api import FakeTelegramServer


class _Stops:
    def __init__(self) -> None:
        self.count = 0

    def __call__(self) -> None:
        self.count += 1


async def test_an_idle_bot_whose_token_is_revoked_stops_with_the_plain_line(
    running_bot: RunningBot, tg: FakeTelegramServer, caplog: pytest.LogCaptureFixture
) -> None:
    services, bot = running_bot.services, running_bot.application.bot
    stops = _Stops()
    assert await check_token(bot, services, stop=stops) is True  # the token works: nothing happens
    assert stops.count == 0 and services.fatal is None

    tg.revoked_tokens.add(TOKEN)
    caplog.clear()
    assert await check_token(bot, services, stop=stops) is False
    assert services.fatal == TOKEN_REFUSED and stops.count == 1
    [refused] = [c for c in tg.calls_to("getMe") if c.status == 401]
    assert refused.response == {"ok": False, "error_code": 401, "description": "Unauthorized"}
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR and r.name == "bot.jobs.token_watch"]
    assert len(errors) == 1 and "refused BOT_TOKEN" in errors[0].getMessage()
    assert TOKEN not in errors[0].getMessage()  # never the token itself
    assert await check_token(bot, services, stop=stops) is False  # stopping: not asked, said again
    assert stops.count == 1 and len([c for c in tg.calls_to("getMe") if c.status == 401]) == 1


@pytest.mark.parametrize("kind", ["500", "502"])
async def test_the_bot_api_down_is_not_a_revoked_token(running_bot: RunningBot, tg: FakeTelegramServer, kind: str) -> None:
    tg.fail("getMe", kind)
    stops = _Stops()
    assert await check_token(running_bot.application.bot, running_bot.services, stop=stops) is True
    assert stops.count == 0 and running_bot.services.fatal is None
    assert [c.status for c in tg.calls_to("getMe")][-1] == int(kind)


async def test_newsbot_run_checks_the_token_every_minute_on_every_role(running_bot: RunningBot) -> None:
    application = running_bot.application
    watch_token(application)
    [job] = application.job_queue.get_jobs_by_name("watch-token")
    assert job.job.trigger.interval.total_seconds() == TOKEN_CHECK_S
    job.schedule_removal()


async def test_update_polling_dead_of_a_revoked_token_stops_without_raising(
    running_bot: RunningBot, tg: FakeTelegramServer
) -> None:
    """PTB's polling loop ends on getUpdates' 401 and keeps the InvalidToken; stopping the
    updater raised it again, out of run_polling's clean-up (post_stop and closing the
    database skipped, a traceback for the plain line)."""
    tg.revoked_tokens.add(TOKEN)
    await tg.wait_for("getUpdates", predicate=lambda c: c.status == 401, timeout=60)  # a bound, for a loaded CI
    await running_bot.application.updater.stop()  # no InvalidToken
    assert not running_bot.application.updater.running
