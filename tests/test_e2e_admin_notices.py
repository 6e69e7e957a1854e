"""End to end: a notice to the admins that Telegram refuses with 429 (its exact answer:
error_code 429, "Too Many Requests: retry after N", ``parameters.retry_after``) is not lost:
after a reply's retries it waits in the outbox for Telegram's wait and arrives once; an
identical notice is not queued twice, and at most MAX_WAITING_NOTICES wait per admin."""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta

import pytest

from bot.clock import FakeClock
from bot.delivery.notices import MAX_WAITING_NOTICES, NOTICE_RETRY_AFTER
from bot.delivery.ratelimit import bulk_sends
from bot.delivery.reply_retry import REPLY_RETRIES
from bot.notify import notify_admins
from storage.deliveries import Delivery
from tests.conftest import ADMIN_ID, RunningBot
from tests.fakes.telegram_api import FakeTelegramServer

CHANNEL = -1001234
# How long a test waits for the bot's handlers, at most (a bound on failure, not a duration):
# the admin's private chat is paced in real time (about a message a second), and the cap test's
# 25 notices took 4.4 s on a quiet machine, too close to the former 30 s on 2 cores at load 8.
WAIT_S = 120.0


@pytest.fixture
def bot(clocked_bot: RunningBot) -> RunningBot:
    return clocked_bot


async def _rows(bot: RunningBot, count: int, timeout: float = WAIT_S) -> list[Delivery]:
    deadline = asyncio.get_running_loop().time() + timeout
    while len(rows := await bot.services.db.deliveries.for_chat(ADMIN_ID)) < count:
        if asyncio.get_running_loop().time() > deadline:
            raise TimeoutError(f"{len(rows)} rows queued for the admin, not {count}")
        await asyncio.sleep(0.01)
    return rows


def _refusals(tg: FakeTelegramServer) -> list[int]:
    return [c.status for c in tg.calls_to("sendMessage") if c.chat_id == ADMIN_ID]


async def test_a_notice_refused_with_429_waits_in_the_outbox_and_arrives_once(
    bot: RunningBot, tg: FakeTelegramServer, clock: FakeClock
) -> None:
    tg.fail("sendMessage", "429", chat_id=ADMIN_ID, times=1 + REPLY_RETRIES, retry_after=7)
    tg.push_my_chat_member(CHANNEL, "channel", title="Daily News", from_user_id=ADMIN_ID)
    [row] = await _rows(bot, 1)
    refused = [c for c in tg.calls_to("sendMessage") if c.chat_id == ADMIN_ID]
    assert [c.status for c in refused] == [429] * (1 + REPLY_RETRIES)
    assert refused[0].response == {"ok": False, "error_code": 429, "description": "Too Many Requests: retry after 7",
                                   "parameters": {"retry_after": 7}}
    assert row.state == "pending" and row.next_attempt_at == clock.now() + timedelta(seconds=7)
    assert (await bot.services.publisher.drain()).sent == 0  # not before Telegram's wait is over
    clock.advance(timedelta(seconds=7))
    assert (await bot.services.publisher.drain()).sent == 1
    [sent] = tg.sent_messages(ADMIN_ID)
    assert sent.text == refused[0].params["text"]
    assert "I was added to channel Daily News" in (sent.text or "")
    assert (await bot.services.publisher.drain()).sent == 0  # once
    assert len(tg.sent_messages(ADMIN_ID)) == 1


async def _logged(caplog: pytest.LogCaptureFixture, words: str, count: int, timeout: float = WAIT_S) -> None:
    """Until ``count`` log lines contain ``words``: how a test knows a refused notice was handled."""
    deadline = asyncio.get_running_loop().time() + timeout
    while sum(words in r.getMessage() for r in caplog.records) < count:
        if asyncio.get_running_loop().time() > deadline:
            raise TimeoutError(f"fewer than {count} log lines with {words!r}")
        await asyncio.sleep(0.01)


async def test_identical_notices_are_queued_once_and_the_queue_is_capped(
    bot: RunningBot, tg: FakeTelegramServer, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="bot.delivery.notices")
    tg.fail("sendMessage", "429", chat_id=ADMIN_ID, times=None, retry_after=30)
    for _ in range(3):  # the same event, the same words: one row
        tg.push_my_chat_member(CHANNEL, "channel", title="Daily News", from_user_id=ADMIN_ID)
    await _logged(caplog, "not queued again", 2)
    assert len(await bot.services.db.deliveries.for_chat(ADMIN_ID)) == 1
    for number in range(MAX_WAITING_NOTICES + 5):  # a storm of different notices: capped
        tg.push_my_chat_member(CHANNEL - 1 - number, "channel", title=f"Channel {number}", from_user_id=ADMIN_ID)
    dropped = MAX_WAITING_NOTICES + 5 - (MAX_WAITING_NOTICES - 1)  # the first one waits already
    await _logged(caplog, "could not notify admin", dropped)
    await _logged(caplog, "it is queued", MAX_WAITING_NOTICES)
    assert sum("dropping further ones" in r.getMessage() for r in caplog.records) == 1  # logged once
    rows = await bot.services.db.deliveries.for_chat(ADMIN_ID)
    assert len(rows) == MAX_WAITING_NOTICES
    tg.clear_faults()
    clock.advance(timedelta(seconds=30))
    for _ in range(MAX_WAITING_NOTICES + 2):  # the admin's chat gets about one a second
        await bot.services.publisher.drain()
        clock.advance(timedelta(seconds=1.1))
    texts = [c.text or "" for c in tg.sent_messages(ADMIN_ID)]
    assert len(texts) == MAX_WAITING_NOTICES == len(set(texts))
    assert sum("Daily News" in text for text in texts) == 1


async def test_a_notice_made_mid_post_is_not_paused_with_the_posts(running_bot: RunningBot, tg: FakeTelegramServer) -> None:
    """The sender tells the admins in the middle of a post (its forum topic closed, rich
    messages refused), inside the publisher's bulk sends. A pause of the posts (a 429, a stop)
    must not swallow the notice: it is a message of its own, not part of the fan-out. Before,
    SendingPaused escaped notify_admins and the notice was lost."""
    with bulk_sends(may_send=lambda: False):  # the posts are paused
        assert await notify_admins(running_bot.application.bot, [ADMIN_ID], "The topic 12 was closed") == 1
    [sent] = tg.sent_messages(ADMIN_ID)
    assert sent.text == "The topic 12 was closed"


@pytest.mark.parametrize("kind", ["500", "502"])
async def test_a_notice_refused_with_a_5xx_waits_in_the_outbox_and_arrives_once(
    bot: RunningBot, tg: FakeTelegramServer, clock: FakeClock, kind: str
) -> None:
    """Telegram answering 500 or 502 took nothing: the notice used to be logged and lost."""
    tg.fail("sendMessage", kind, chat_id=ADMIN_ID, times=2)  # the notice, then the outbox's first try
    tg.push_my_chat_member(CHANNEL, "channel", title="Daily News", from_user_id=ADMIN_ID)
    [row] = await _rows(bot, 1)
    assert _refusals(tg) == [int(kind)]
    assert row.state == "pending" and row.next_attempt_at == clock.now() + NOTICE_RETRY_AFTER
    assert (await bot.services.publisher.drain()).sent == 0  # not before its time
    clock.advance(NOTICE_RETRY_AFTER)
    assert (await bot.services.publisher.drain()).sent == 0  # refused again: tried again later
    for _ in range(10):
        clock.advance(timedelta(minutes=2))
        await bot.services.publisher.drain()
    [sent] = tg.sent_messages(ADMIN_ID)
    assert "I was added to channel Daily News" in (sent.text or "")
    assert _refusals(tg) == [int(kind), int(kind), 200]  # once, not again
