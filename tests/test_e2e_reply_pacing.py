"""End to end: replies to one private chat reach Telegram at most one a second, however long a
request takes in transit; replies to other chats do not wait for it.

The fake Bot API enforces Telegram's limits on its own (real) clock and counts a message when
it arrives; a "hold" fault keeps the first reply in transit until the test releases it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

import pytest

from bot.app import build_application
from bot.clock import FakeClock
from bot.config import Settings
from tests.conftest import READER_ID, RunningBot, start_bot
from tests.fakes.telegram_api import FakeTelegramServer

OTHER_READER = 3003


@pytest.fixture
async def paced_bot(make_settings: Callable[..., Settings], tg: FakeTelegramServer,
                    clock: FakeClock) -> AsyncIterator[RunningBot]:
    application = build_application(make_settings(telegram_private_chat_gap_seconds=1.0), clock=clock,
                                    schedule_jobs=False)
    async with start_bot(application):
        yield RunningBot(application, tg)


def _to(chat_id: int) -> Callable[..., bool]:
    return lambda call: call.chat_id == chat_id


async def test_a_quick_reply_after_a_slow_one_does_not_reach_the_chat_within_its_second(paced_bot: RunningBot) -> None:
    tg = paced_bot.tg
    tg.enforce_flood_limits()
    slow = tg.fail("sendMessage", "hold", chat_id=READER_ID)
    tg.push_command(READER_ID, "/help")
    await tg.held(slow)  # the first reply is in transit

    tg.push_command(OTHER_READER, "/help")  # another chat's reply does not wait for it
    [other] = await tg.wait_for("sendMessage", predicate=_to(OTHER_READER))
    assert other.ok and slow.hits == 1 and not slow.released.is_set()

    tg.push_command(READER_ID, "/help")  # sent at once, it would arrive with the slow one
    slow.release()
    replies = await tg.wait_for("sendMessage", count=2, predicate=lambda c: c.ok and _to(READER_ID)(c))
    assert len(replies) == 2
    assert tg.flood_429_count == 0, tg.flood_violations
