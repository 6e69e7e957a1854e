"""The fake Bot API server, driven by a real python-telegram-bot client.

These tests pin down what the rest of the suite relies on: PTB parses the fake's answers into
its own objects, raises its own exceptions for each injected fault, long polling delivers
pushed updates, and the flood limits refuse exactly the sends Telegram would refuse.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest
from telegram import Bot, BotCommand, InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Conflict,
    EndPointNotFound,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TelegramError,
    TimedOut,
)
from telegram.ext import Application, CommandHandler, ContextTypes

from bot.clock import FakeClock
from tests.fakes.telegram_api import FakeTelegramServer

CHANNEL = -1001234567890
USER = 5550001


@pytest.fixture
async def tg() -> AsyncIterator[FakeTelegramServer]:
    async with FakeTelegramServer() as server:
        yield server


@pytest.fixture
async def bot(tg: FakeTelegramServer) -> AsyncIterator[Bot]:
    async with Bot(tg.token, base_url=tg.base_url, base_file_url=tg.base_file_url) as client:
        yield client


def seconds(value: int | float | timedelta) -> float:
    """RetryAfter.retry_after is an int today and a timedelta under PTB_TIMEDELTA."""
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


def keyboard(data: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[InlineKeyboardButton("More", callback_data=data)]])


# -- basics -----------------------------------------------------------------------------------


async def test_get_me_returns_the_test_bot(tg: FakeTelegramServer, bot: Bot) -> None:
    me = await bot.get_me()

    assert (me.id, me.username, me.is_bot) == (123456, "newsbot_test_bot", True)
    assert [call.method for call in tg.calls] == ["getMe", "getMe"]  # initialize() asked first


async def test_send_message_is_recorded_and_answered_with_a_full_message(tg: FakeTelegramServer, bot: Bot) -> None:
    tg.add_chat(CHANNEL, "channel", title="World News", username="worldnews")

    first = await bot.send_message(CHANNEL, "<b>Rain</b> in Kyiv", parse_mode="HTML", reply_markup=keyboard("a:1"))
    second = await bot.send_message("@worldnews", "42")

    assert isinstance(first, Message)
    assert (first.chat.id, first.chat.type, first.chat.title) == (CHANNEL, "channel", "World News")
    assert first.text == "Rain in Kyiv"  # Telegram returns the text without markup
    assert first.reply_markup == keyboard("a:1")
    assert second.message_id == first.message_id + 1
    call = tg.sent_messages(CHANNEL)[0]
    assert call.params == {
        "chat_id": CHANNEL,
        "text": "<b>Rain</b> in Kyiv",
        "parse_mode": "HTML",
        "reply_markup": {"inline_keyboard": [[{"text": "More", "callback_data": "a:1"}]]},
    }
    # PTB sends str values bare: the text "42" must not come back as the number 42.
    assert tg.sent_messages("@worldnews")[1].params == {"chat_id": "@worldnews", "text": "42"}


async def test_unknown_private_chat_gets_a_default_chat_and_own_message_ids(bot: Bot) -> None:
    to_user = await bot.send_message(USER, "hello")
    to_other = await bot.send_message(USER + 1, "hello")

    assert (to_user.chat.type, to_user.message_id, to_other.message_id) == ("private", 1, 1)


async def test_html_outside_telegrams_subset_is_refused(bot: Bot) -> None:
    with pytest.raises(BadRequest, match='unsupported start tag "div"'):
        await bot.send_message(USER, "<div>hi</div>", parse_mode="HTML")
    with pytest.raises(BadRequest, match="find end tag"):
        await bot.send_message(USER, "<b>bold", parse_mode="HTML")
    with pytest.raises(BadRequest, match="Message is too long"):
        await bot.send_message(USER, "x" * 4097)


async def test_unknown_method_is_404_and_ptb_raises(tg: FakeTelegramServer, bot: Bot) -> None:
    with pytest.raises(EndPointNotFound):
        await bot.do_api_request("sendTelepathy")

    [call] = tg.calls_to("sendTelepathy")
    assert call.status == 404
    assert call.response == {"ok": False, "error_code": 404, "description": "Not Found"}


@pytest.mark.parametrize("token", ["999:revoked-token", "not-a-token"])
async def test_rejected_token_raises_invalid_token(tg: FakeTelegramServer, token: str) -> None:
    tg.revoked_tokens.add("999:revoked-token")
    client = Bot(token, base_url=tg.base_url, base_file_url=tg.base_file_url)

    try:
        with pytest.raises(InvalidToken):
            await client.initialize()
    finally:
        await client.shutdown()  # a failed initialize() leaves PTB's HTTP clients open

    assert tg.calls_to("getMe")[0].status in (401, 404)


async def test_send_document_keeps_uploaded_bytes_and_serves_them_back(tg: FakeTelegramServer, bot: Bot) -> None:
    sent = await bot.send_document(USER, b"digest body", filename="digest.txt", caption="Weekly")

    [call] = tg.calls_to("sendDocument")
    upload = call.files["document"]
    assert (upload.filename, upload.data, call.params["caption"]) == ("digest.txt", b"digest body", "Weekly")
    assert (sent.document.file_name, sent.caption) == ("digest.txt", "Weekly")
    file = await bot.get_file(sent.document.file_id)
    assert bytes(await file.download_as_bytearray()) == b"digest body"


async def test_chat_registry_answers_get_chat_and_members(tg: FakeTelegramServer, bot: Bot) -> None:
    tg.add_chat(CHANNEL, "channel", title="World News")
    tg.set_member(CHANNEL, tg.bot_id, "administrator", can_post_messages=False)

    assert (await bot.get_chat(CHANNEL)).title == "World News"
    bot_member = await bot.get_chat_member(CHANNEL, tg.bot_id)
    assert (bot_member.status, bot_member.can_post_messages) == ("administrator", False)
    assert [m.user.id for m in await bot.get_chat_administrators(CHANNEL)] == [tg.bot_id]
    assert (await bot.get_chat_member(-42, tg.bot_id)).status == "member"
    with pytest.raises(BadRequest, match="Chat not found"):
        await bot.get_chat(-42)
    with pytest.raises(BadRequest, match="Need administrator rights"):
        await bot.send_message(CHANNEL, "no right to post")


async def test_my_commands_round_trip(bot: Bot) -> None:
    commands = [BotCommand("latest", "Latest news"), BotCommand("subscribe", "Follow a topic")]

    assert await bot.set_my_commands(commands)
    assert tuple(await bot.get_my_commands()) == tuple(commands)
    assert await bot.delete_my_commands()
    assert await bot.get_my_commands() == ()


# -- updates and long polling -----------------------------------------------------------------


async def test_long_poll_is_released_by_a_pushed_command_and_offset_confirms(tg: FakeTelegramServer, bot: Bot) -> None:
    poll = asyncio.create_task(bot.get_updates(timeout=30))
    await tg.wait_until_polling()

    update_id = tg.push_command(USER, "/subscribe tech")
    [update] = await asyncio.wait_for(poll, 5)

    assert isinstance(update, Update)
    assert update.update_id == update_id
    assert update.message.text == "/subscribe tech"
    assert update.message.parse_entities(["bot_command"]) == {update.message.entities[0]: "/subscribe"}
    assert [u.update_id for u in await bot.get_updates(timeout=0)] == [update_id]  # not confirmed yet
    assert await bot.get_updates(offset=update_id + 1, timeout=0) == ()
    assert tg.pending_updates == []


async def test_long_poll_answers_empty_after_its_timeout(bot: Bot) -> None:
    loop = asyncio.get_running_loop()
    started = loop.time()

    assert await bot.get_updates(timeout=timedelta(seconds=0.1)) == ()
    assert loop.time() - started >= 0.1


async def test_get_updates_honours_limit_and_allowed_updates(tg: FakeTelegramServer, bot: Bot) -> None:
    sent = await bot.send_message(USER, "Story", reply_markup=keyboard("more:1"))
    tg.push_text(USER, "hello")
    pressed = tg.push_callback(USER, "more:1", sent.message_id)
    tg.push_callback(USER, "more:1", sent.message_id)

    [first] = await bot.get_updates(limit=1, allowed_updates=["callback_query"], timeout=0)

    assert first.update_id == pressed
    assert first.callback_query.message.message_id == sent.message_id
    assert first.callback_query.data == "more:1"
    # Both presses wait for confirmation; the text message is never delivered to this bot.
    assert [sorted(u) for u in tg.pending_updates] == [["callback_query", "update_id"]] * 2


async def test_pushed_chat_changes_parse_and_update_the_registry(tg: FakeTelegramServer, bot: Bot) -> None:
    added = tg.push_my_chat_member(CHANNEL, title="World News", from_user_id=USER)
    posted = tg.push_channel_post(CHANNEL, "breaking")

    joined, post = await bot.get_updates(timeout=0)

    change = joined.my_chat_member
    assert (joined.update_id, post.update_id) == (added, posted)
    assert (change.chat.type, change.chat.title, change.from_user.id) == ("channel", "World News", USER)
    assert (change.old_chat_member.status, change.new_chat_member.status) == ("left", "administrator")
    assert change.new_chat_member.can_post_messages is True
    assert (post.channel_post.sender_chat.id, post.channel_post.text) == (CHANNEL, "breaking")
    assert (await bot.get_chat_member(CHANNEL, tg.bot_id)).status == "administrator"


async def test_callback_answer_edit_and_delete_behave_like_telegram(tg: FakeTelegramServer, bot: Bot) -> None:
    sent = await bot.send_message(USER, "Story", reply_markup=keyboard("more:1"))
    tg.push_callback(USER, "more:1", sent.message_id)
    [update] = await bot.get_updates(timeout=0)

    assert await update.callback_query.answer()
    edited = await bot.edit_message_text("Story, longer", chat_id=USER, message_id=sent.message_id)
    assert (edited.text, edited.reply_markup) == ("Story, longer", None)  # no keyboard given: gone
    with pytest.raises(BadRequest, match="Message is not modified"):
        await bot.edit_message_text("Story, longer", chat_id=USER, message_id=sent.message_id)
    assert await bot.delete_message(USER, sent.message_id)
    with pytest.raises(BadRequest, match="Message to delete not found"):
        await bot.delete_message(USER, sent.message_id)
    with pytest.raises(BadRequest, match="Query is too old"):
        await bot.answer_callback_query("never-issued")


async def test_a_second_bot_instance_polling_ends_the_first_with_conflict(tg: FakeTelegramServer, bot: Bot) -> None:
    first = asyncio.create_task(bot.get_updates(timeout=30))
    await tg.wait_until_polling()

    # A second instance: one Bot's getUpdates connection pool holds a single connection.
    async with Bot(tg.token, base_url=tg.base_url, base_file_url=tg.base_file_url) as other:
        assert await other.get_updates(timeout=0) == ()
    with pytest.raises(Conflict, match="only one bot instance"):
        await asyncio.wait_for(first, 5)


async def test_stop_releases_a_pending_long_poll(tg: FakeTelegramServer, bot: Bot) -> None:
    poll = asyncio.create_task(bot.get_updates(timeout=30))
    await tg.wait_until_polling()

    await asyncio.wait_for(tg.stop(), 5)

    assert await asyncio.wait_for(poll, 5) == ()


async def test_wait_for_reports_what_arrived_when_it_times_out(tg: FakeTelegramServer, bot: Bot) -> None:
    await bot.send_chat_action(USER, "typing")

    with pytest.raises(TimeoutError, match=r"sendMessage, got 0; calls: \['getMe:200', 'sendChatAction:200'\]"):
        await tg.wait_for("sendMessage", timeout=0.01)


async def test_application_polls_the_fake_and_replies_to_a_command(tg: FakeTelegramServer) -> None:
    async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await update.effective_message.reply_text(f"Hello, {update.effective_user.id}")

    app = Application.builder().token(tg.token).base_url(tg.base_url).base_file_url(tg.base_file_url).build()
    app.add_handler(CommandHandler("start", start))
    async with app:
        await app.start()
        await app.updater.start_polling(poll_interval=0, timeout=10)
        tg.push_command(USER, "/start")

        [reply] = await tg.wait_for("sendMessage")

        await app.updater.stop()
        await app.stop()
    assert (reply.chat_id, reply.text) == (USER, f"Hello, {USER}")
    assert tg.pending_updates == []  # the updater confirmed what it handled


# -- faults -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "options", "error", "message"),
    [
        ("403", {}, Forbidden, "Forbidden: bot was blocked by the user"),
        ("400_chat_not_found", {}, BadRequest, "Chat not found"),
        ("400", {"description": "Bad Request: message thread not found"}, BadRequest, "Message thread not found"),
        ("500", {}, NetworkError, "Internal Server Error"),
        ("502", {}, NetworkError, "Bad Gateway"),
    ],
)
async def test_fault_raises_the_ptb_exception(
    tg: FakeTelegramServer, bot: Bot, kind: str, options: dict[str, Any], error: type[TelegramError], message: str
) -> None:
    tg.fail("sendMessage", kind, **options)

    with pytest.raises(error) as raised:
        await bot.send_message(USER, "hi")

    assert type(raised.value) is error  # BadRequest is a NetworkError too: be exact
    assert raised.value.message == message


async def test_429_fault_raises_retry_after_with_its_delay(tg: FakeTelegramServer, bot: Bot) -> None:
    tg.fail("sendMessage", "429", retry_after=7)

    with pytest.raises(RetryAfter) as raised:
        await bot.send_message(USER, "hi")

    assert seconds(raised.value.retry_after) == 7
    assert tg.calls_to("sendMessage")[0].response["parameters"] == {"retry_after": 7}


async def test_migrate_fault_raises_chat_migrated_with_the_new_id(tg: FakeTelegramServer, bot: Bot) -> None:
    tg.fail("sendMessage", "400_migrate", chat_id=-4001, migrate_to_chat_id=-1004001)

    with pytest.raises(ChatMigrated) as raised:
        await bot.send_message(-4001, "hi")

    assert raised.value.new_chat_id == -1004001


async def test_403_in_a_channel_uses_the_channel_wording(tg: FakeTelegramServer, bot: Bot) -> None:
    tg.add_chat(CHANNEL, "channel")
    tg.fail("sendMessage", "403")

    with pytest.raises(Forbidden, match="not a member of the channel chat"):
        await bot.send_message(CHANNEL, "hi")


async def test_slow_fault_times_the_client_out_yet_the_message_is_sent(tg: FakeTelegramServer, bot: Bot) -> None:
    tg.fail("sendMessage", "slow", delay=0.3)

    with pytest.raises(TimedOut):
        await bot.send_message(USER, "late", read_timeout=0.05)

    [call] = await tg.wait_for("sendMessage", timeout=5)
    assert call.ok  # as on Telegram: a timed-out request may still have been delivered


async def test_hold_keeps_the_answers_until_released(tg: FakeTelegramServer, bot: Bot) -> None:
    hold = tg.fail("sendMessage", "hold", times=None)
    sends = [asyncio.ensure_future(bot.send_message(USER + i, f"held {i}")) for i in range(3)]

    await tg.held(hold, 3)
    assert not any(send.done() for send in sends) and tg.sent_messages() == []  # arrived, not answered
    hold.release()
    messages = await asyncio.gather(*sends)

    assert sorted(m.text for m in messages) == ["held 0", "held 1", "held 2"]
    await bot.send_message(USER, "after")  # a released hold answers at once
    assert len(tg.sent_messages()) == 4


async def test_settle_waits_for_a_request_whose_client_has_gone(tg: FakeTelegramServer) -> None:
    """The bytes of a request reached the server, then the connection was aborted (a cut
    network): the server still handles it, and ``settle`` returns only once it is recorded."""
    body = b'{"chat_id": 5550001, "text": "in flight"}'
    reader, writer = await asyncio.open_connection("127.0.0.1", int(tg.base_url.rsplit(":", 1)[1].split("/")[0]))
    writer.write(b"POST /bot%s/sendMessage HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                 b"Content-Length: %d\r\n\r\n%s" % (tg.token.encode(), len(body), body))
    writer.transport.abort()

    await tg.settle()

    assert [c.params["text"] for c in tg.sent_messages(USER)] == ["in flight"]


async def test_settle_waits_for_a_slow_answer_the_client_gave_up_on(tg: FakeTelegramServer, bot: Bot) -> None:
    tg.fail("sendMessage", "slow", delay=0.3)
    with pytest.raises(TimedOut):
        await bot.send_message(USER, "late", read_timeout=0.05)
    await bot.shutdown()  # the client goes away

    await tg.settle()

    assert [c.params["text"] for c in tg.sent_messages(USER)] == ["late"]


async def test_fault_hits_only_its_chat_and_is_used_up(tg: FakeTelegramServer, bot: Bot) -> None:
    fault = tg.fail("sendMessage", "403", chat_id=USER, times=2)
    forever = tg.fail("sendMessage", "500", chat_id=USER + 1, times=None)

    await bot.send_message(USER + 2, "unaffected")
    for _ in range(2):
        with pytest.raises(Forbidden):
            await bot.send_message(USER, "blocked")
    await bot.send_message(USER, "fault used up")
    for _ in range(3):
        with pytest.raises(NetworkError):
            await bot.send_message(USER + 1, "down")
    tg.clear_faults()
    await bot.send_message(USER + 1, "cleared")

    assert (fault.hits, forever.hits) == (2, 3)
    assert [c.params["text"] for c in tg.sent_messages()] == ["unaffected", "fault used up", "cleared"]


# -- flood limits -----------------------------------------------------------------------------


async def test_second_message_to_a_private_chat_within_a_second_is_429(tg: FakeTelegramServer, bot: Bot) -> None:
    clock = FakeClock()
    tg.enforce_flood_limits(clock)

    await bot.send_message(USER, "one")
    clock.advance(0.5)
    with pytest.raises(RetryAfter) as raised:
        await bot.send_message(USER, "two")
    clock.advance(0.5)
    await bot.send_message(USER, "two, later")

    assert seconds(raised.value.retry_after) == 1
    assert (tg.flood_429_count, tg.flood_violations["private"]) == (1, 1)


async def test_21st_message_to_a_channel_within_a_minute_is_429(tg: FakeTelegramServer, bot: Bot) -> None:
    now = [0.0]
    tg.add_chat(CHANNEL, "channel")
    tg.enforce_flood_limits(lambda: now[0])

    for second in range(20):
        now[0] = float(second)
        await bot.send_message(CHANNEL, f"post {second}")
    now[0] = 30.0
    with pytest.raises(RetryAfter) as raised:
        await bot.send_message(CHANNEL, "post 21")
    now[0] = 60.0
    await bot.send_message(CHANNEL, "post 21, a minute after the first")

    assert seconds(raised.value.retry_after) == 30  # the first post leaves the window at t=60
    assert (tg.flood_429_count, tg.flood_violations["group"]) == (1, 1)


async def test_31_chats_in_one_second_get_exactly_one_429(tg: FakeTelegramServer, bot: Bot) -> None:
    tg.enforce_flood_limits(lambda: 100.0)

    results = await asyncio.gather(*(bot.send_message(USER + n, "digest") for n in range(31)), return_exceptions=True)

    refused = [result for result in results if isinstance(result, RetryAfter)]
    assert len(refused) == 1
    assert sum(isinstance(result, Message) for result in results) == 30
    assert (tg.flood_429_count, tg.flood_violations["global"]) == (1, 1)
