"""End to end: a user talks to the bot through the fake Bot API server."""

from __future__ import annotations

from typing import Any

from tests.conftest import READER_ID, RunningBot


async def test_start_welcomes_the_user_and_registers_the_chat(running_bot: RunningBot) -> None:
    [reply] = await running_bot.command(READER_ID, "/start")
    assert "Hello" in reply.params["text"]
    assert "/help" in reply.params["text"]
    assert reply.params["parse_mode"] == "HTML"
    chat = await running_bot.services.db.chats.get(READER_ID)
    assert chat is not None and chat.kind == "private" and chat.active


async def test_help_lists_commands(running_bot: RunningBot) -> None:
    [reply] = await running_bot.command(READER_ID, "/help")
    assert "/start" in reply.params["text"]


async def test_command_menu_is_registered_at_start_in_three_languages(running_bot: RunningBot) -> None:
    calls = {c.params.get("language_code"): c for c in running_bot.tg.calls_to("setMyCommands")}
    assert set(calls) == {None, "uk", "ru"}
    names = {c["command"] for c in calls[None].params["commands"]}
    assert {"start", "help", "subscribe", "related"} <= names and "addfeed" not in names
    assert any("стрічк" in c["description"] for c in calls["uk"].params["commands"])


async def test_a_failing_command_menu_does_not_stop_the_bot(make_settings, tg, clock) -> None:  # type: ignore[no-untyped-def]
    from bot.app import build_application
    from tests.conftest import start_bot

    tg.fail("setMyCommands", "400", description="Bad Request: method is unavailable")
    application = build_application(make_settings(), clock=clock, schedule_jobs=False)
    async with start_bot(application):
        [reply] = await RunningBot(application, tg).command(READER_ID, "/start")
    assert "Hello" in reply.params["text"]


async def test_readers_are_answered_in_their_language(running_bot: RunningBot) -> None:
    [reply] = await running_bot.command(READER_ID + 1, "/start", language_code="uk")
    assert reply.params["text"].startswith("Вітаю")
    [reply] = await running_bot.command(READER_ID + 1, "/settings lang ru")
    assert "Язык: ru" in reply.params["text"]
    [reply] = await running_bot.command(READER_ID + 1, "/nonsense")
    assert reply.params["text"].startswith("Я не знаю такой команды")


async def test_an_unexpected_error_is_answered_logged_and_reported_once(running_bot: RunningBot) -> None:
    from telegram.ext import CommandHandler

    from tests.conftest import ADMIN_ID

    async def boom(update: object, context: object) -> None:
        raise RuntimeError("disk on fire")

    running_bot.application.handlers[0].insert(0, CommandHandler("boom", boom))  # before "unknown command"
    [reply] = await running_bot.command(READER_ID, "/boom")
    assert reply.params["text"].startswith("Sorry, something went wrong")

    def notice(call: Any) -> bool:
        return call.params.get("chat_id") == ADMIN_ID and "disk on fire" in call.params.get("text", "")

    # The admins hear after the user is answered: wait for it rather than race it.
    await running_bot.tg.wait_for("sendMessage", predicate=notice)
    await running_bot.command(READER_ID, "/boom")
    [reply] = await running_bot.command(READER_ID, "/help")  # and the bot goes on
    assert "/start" in reply.params["text"]
    notices = [c for c in running_bot.tg.sent_messages(ADMIN_ID) if "disk on fire" in c.params["text"]]
    assert len(notices) == 1  # throttled: one notice per ten minutes
