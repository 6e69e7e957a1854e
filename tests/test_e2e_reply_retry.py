"""End to end: a command's reply that Telegram refuses with 429 waits ``retry_after`` and goes
again, a bounded number of times; one still refused then waits in the outbox (if it has no
keyboard) and arrives once. The fake Bot API answers 429 as Telegram
does (``parameters.retry_after``); the waits are on the test's clock (``FakeClock.sleep``)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import timedelta

import pytest

from bot.app import build_application
from bot.clock import FakeClock
from bot.config import Settings
from bot.delivery.reply_retry import MAX_REPLY_WAIT_S, REPLY_RETRIES
from bot.handlers.basic import help_text
from bot.texts import t
from storage.deliveries import Delivery
from tests.conftest import ADMIN_ID, READER_ID, RunningBot, start_bot
from tests.fakes.telegram_api import Call, FakeTelegramServer


@pytest.fixture
def bot(clocked_bot: RunningBot) -> RunningBot:
    return clocked_bot


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


async def _queued(bot: RunningBot, chat_id: int, timeout: float = 5.0) -> list[Delivery]:
    """The chat's outbox rows, once the handler that queues one has run (it sends nothing then)."""
    deadline = asyncio.get_running_loop().time() + timeout
    while not (rows := await bot.services.db.deliveries.for_chat(chat_id)):
        if asyncio.get_running_loop().time() > deadline:
            raise TimeoutError(f"nothing was queued for chat {chat_id}")
        await asyncio.sleep(0.01)
    return rows


async def test_a_reply_refused_every_time_goes_to_the_outbox_and_arrives_once(
    bot: RunningBot, tg: FakeTelegramServer, clock: FakeClock
) -> None:
    """After 1 + REPLY_RETRIES refusals the reply is not lost: it waits in the outbox for the
    time Telegram asked, and the publisher sends it; the reader gets no "something went wrong"."""
    tg.fail("sendMessage", "429", chat_id=READER_ID, times=1 + REPLY_RETRIES, retry_after=2)
    tg.push_command(READER_ID, "/help")
    [row] = await _queued(bot, READER_ID)
    assert [c.status for c in tg.calls_to("sendMessage") if _to_reader(c)] == [429] * (1 + REPLY_RETRIES)
    assert clock.slept == [2] * REPLY_RETRIES
    assert row.state == "pending" and row.next_attempt_at == clock.now() + timedelta(seconds=2)
    assert (await bot.services.publisher.drain()).sent == 0  # not before Telegram's wait is over
    clock.advance(timedelta(seconds=2))
    assert (await bot.services.publisher.drain()).sent == 1
    [sent] = tg.sent_messages(READER_ID)
    assert sent.text == help_text("en", admin=False)
    assert t("en", "error") not in [c.text for c in tg.sent_messages(READER_ID)]
    [row] = await bot.services.db.deliveries.for_chat(READER_ID)
    assert row.state == "sent"
    assert (await bot.services.db.deliveries.count("pending")) == 0


async def test_a_wait_longer_than_a_reply_may_wait_is_not_waited_for_but_queued(
    bot: RunningBot, tg: FakeTelegramServer, clock: FakeClock
) -> None:
    tg.fail("sendMessage", "429", chat_id=READER_ID, times=1, retry_after=int(MAX_REPLY_WAIT_S) + 1)
    tg.push_command(READER_ID, "/help")
    [row] = await _queued(bot, READER_ID)
    assert clock.slept == []  # the handler did not wait
    assert row.next_attempt_at == clock.now() + timedelta(seconds=MAX_REPLY_WAIT_S + 1)
    clock.advance(timedelta(seconds=MAX_REPLY_WAIT_S + 1))
    assert (await bot.services.publisher.drain()).sent == 1
    assert [c.text for c in tg.sent_messages(READER_ID)] == [help_text("en", admin=False)]


async def test_a_reply_with_buttons_refused_every_time_is_given_up_and_the_reader_told(
    bot: RunningBot, tg: FakeTelegramServer, clock: FakeClock
) -> None:
    """An outbox row carries no keyboard: such a reply is still given up, and the error handler
    tells the reader once Telegram takes messages again; nothing is queued."""
    tg.fail("sendMessage", "429", chat_id=READER_ID, times=1 + REPLY_RETRIES, retry_after=2)
    tg.push_command(READER_ID, "/stop")
    [sorry] = await tg.wait_for("sendMessage", predicate=lambda c: c.ok and _to_reader(c))
    refused = [c for c in tg.calls_to("sendMessage") if _to_reader(c) and c.status == 429]
    assert len(refused) == 1 + REPLY_RETRIES and all("reply_markup" in c.params for c in refused)
    assert sorry.text == t("en", "error")
    assert await bot.services.db.deliveries.for_chat(READER_ID) == []


async def test_a_long_list_whose_first_message_is_refused_keeps_its_order_in_the_outbox(
    bot: RunningBot, tg: FakeTelegramServer, clock: FakeClock
) -> None:
    now = clock.now()
    for number in range(1, 121):
        await bot.services.db.feeds.add(f"https://feeds{number}.example/rss", title=f"Feed {number}", now=now)
    tg.fail("sendMessage", "429", chat_id=ADMIN_ID, times=1 + REPLY_RETRIES, retry_after=3)
    tg.push_command(ADMIN_ID, "/feeds")
    await _queued(bot, ADMIN_ID)
    for _ in range(10):  # the messages come due about a second apart, the first after Telegram's wait
        clock.advance(timedelta(seconds=1.1))
        await bot.services.publisher.drain()
    texts = [c.text or "" for c in tg.sent_messages(ADMIN_ID)]
    assert len(texts) >= 2 and texts[0].startswith("<b>Feeds</b>\n1. Feed 1 ")  # the first message first
    numbers = [int(line.split(".", 1)[0]) for text in texts for line in text.splitlines() if line[:1].isdigit()]
    assert numbers == list(range(1, 121))  # every feed once, in order: nothing lost, nothing twice


GROUP_ID = -100777


async def test_a_queued_reply_keeps_its_link_previews_and_quotes_its_command(
    make_settings: Callable[..., Settings], tg: FakeTelegramServer, clock: FakeClock
) -> None:
    """A reply queued after 429s goes out as it would have: in a group it answers the command
    (``reply_parameters``) and, with LINK_PREVIEWS on, shows link previews. Before, the outbox
    row carried only its text: no quote, previews off."""
    application = build_application(make_settings(link_previews=True), clock=clock, schedule_jobs=False,
                                    sleep=clock.sleep, flood_clock=clock.timestamp)
    async with start_bot(application):
        bot = RunningBot(application, tg)
        tg.fail("sendMessage", "429", chat_id=GROUP_ID, times=1 + REPLY_RETRIES, retry_after=2)
        tg.push_command(GROUP_ID, "/help", chat_type="group")
        [row] = await _queued(bot, GROUP_ID)
        refused = [c for c in tg.calls_to("sendMessage") if c.chat_id == GROUP_ID]
        command_id = refused[0].params["reply_parameters"]["message_id"]  # PTB quotes in a group
        assert row.reply_to == command_id
        clock.advance(timedelta(seconds=2))
        assert (await bot.services.publisher.drain()).sent == 1
        [sent] = tg.sent_messages(GROUP_ID)
        assert sent.params["reply_parameters"]["message_id"] == command_id
        assert sent.result["reply_to_message"]["message_id"] == command_id  # Telegram shows it as an answer
        assert sent.params["link_preview_options"]["is_disabled"] is False
        assert sent.params["link_preview_options"] == refused[0].params["link_preview_options"]


async def test_a_queued_reply_whose_command_was_deleted_still_arrives(
    bot: RunningBot, tg: FakeTelegramServer, clock: FakeClock
) -> None:
    """The command may be gone when the queued answer goes: Telegram would refuse the quote
    ("message to be replied not found") unless told to send without it."""
    tg.fail("sendMessage", "429", chat_id=GROUP_ID, times=1 + REPLY_RETRIES, retry_after=2)
    tg.push_command(GROUP_ID, "/help", chat_type="group")
    [row] = await _queued(bot, GROUP_ID)
    assert row.reply_to is not None
    await bot.application.bot.delete_message(GROUP_ID, row.reply_to)  # as a group admin may
    clock.advance(timedelta(seconds=2))
    assert (await bot.services.publisher.drain()).sent == 1
    [sent] = tg.sent_messages(GROUP_ID)
    assert sent.params["reply_parameters"]["allow_sending_without_reply"] is True
    assert "reply_to_message" not in sent.result
