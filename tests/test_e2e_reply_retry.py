"""End to end: a command's reply that Telegram refuses with 429 waits ``retry_after`` and goes
again, a bounded number of times; it arrives once. The fake Bot API answers 429 as Telegram
does (``parameters.retry_after``); the waits are on the test's clock (``FakeClock.sleep``)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

import pytest

from bot.app import build_application
from bot.clock import FakeClock
from bot.config import Settings
from bot.delivery.reply_retry import MAX_REPLY_WAIT_S, REPLY_RETRIES
from bot.texts import t
from tests.conftest import READER_ID, RunningBot, start_bot
from tests.fakes.telegram_api import Call, FakeTelegramServer


@pytest.fixture
async def bot(make_settings: Callable[..., Settings], tg: FakeTelegramServer,
              clock: FakeClock) -> AsyncIterator[RunningBot]:
    application = build_application(make_settings(), clock=clock, schedule_jobs=False, sleep=clock.sleep)
    async with start_bot(application):
        yield RunningBot(application, tg)


def _to_reader(call: Call) -> bool:
    return call.chat_id == READER_ID


async def test_a_reply_refused_with_429_waits_retry_after_and_arrives_once(
    bot: RunningBot, tg: FakeTelegramServer, clock: FakeClock
) -> None:
    refusal = tg.fail("sendMessage", "429", chat_id=READER_ID, times=2, retry_after=5)
    tg.push_command(READER_ID, "/help")
    await tg.wait_for("sendMessage", predicate=lambda c: c.ok and _to_reader(c))
    tries = tg.calls_to("sendMessage")
    assert [c.status for c in tries if _to_reader(c)] == [429, 429, 200]
    assert tries[0].description == "Too Many Requests: retry after 5"
    assert refusal.hits == 2
    assert clock.slept == [5, 5]  # what Telegram asked, each time, and no more
    assert len(tg.sent_messages(READER_ID)) == 1


async def test_a_reply_refused_every_time_is_tried_a_bounded_number_of_times(
    bot: RunningBot, tg: FakeTelegramServer, clock: FakeClock
) -> None:
    """After 1 + REPLY_RETRIES refusals the reply is given up (the error handler then tells the
    reader, once Telegram takes messages again); nothing is sent twice."""
    tg.fail("sendMessage", "429", chat_id=READER_ID, times=1 + REPLY_RETRIES, retry_after=2)
    tg.push_command(READER_ID, "/help")
    [sorry] = await tg.wait_for("sendMessage", predicate=lambda c: c.ok and _to_reader(c))
    assert [c.status for c in tg.calls_to("sendMessage") if _to_reader(c)] == [429] * (1 + REPLY_RETRIES) + [200]
    assert clock.slept == [2] * REPLY_RETRIES
    assert sorry.text == t("en", "error")


async def test_a_wait_longer_than_a_reply_may_wait_is_not_waited_for(
    bot: RunningBot, tg: FakeTelegramServer, clock: FakeClock
) -> None:
    tg.fail("sendMessage", "429", chat_id=READER_ID, times=1, retry_after=int(MAX_REPLY_WAIT_S) + 1)
    tg.push_command(READER_ID, "/help")
    [sorry] = await tg.wait_for("sendMessage", predicate=lambda c: c.ok and _to_reader(c))
    assert clock.slept == []
    assert sorry.text == t("en", "error")
