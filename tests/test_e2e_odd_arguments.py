"""Every command with odd arguments, through the fake Bot API (which refuses HTML Telegram
would refuse, as Telegram does): HTML, control characters, unicode tricks, a 4,000-character
argument and numbers no id can be. Each gets a plain answer (no "something went wrong", no
refused reply), and what it echoes back is escaped."""

from __future__ import annotations

import pytest

from bot.handlers import _COMMANDS
from bot.texts import t
from tests.conftest import ADMIN_ID, READER_ID, RunningBot

HOSTILE = '<zz> &amp; "q" <b>bold \x07\x1b[31m \u202eevil\u202c 👍🏽 é ‎'
ODD = [HOSTILE, "x" * 4000, "99999999999999999999999 -1 0"]
# /export answers with a document; /stop and the rest answer in words (some with buttons).
COMMANDS = sorted(name for name in _COMMANDS if name != "export")
DEEPER = [  # arguments that pass the first word and reach the parsing behind it
    "/channel @dailynews pace {}", "/channel @dailynews quiet {}", "/channel @dailynews tz {}",
    "/channel @dailynews schedule digest {}", "/channel @dailynews subscribe {}", "/channel @dailynews lang {}",
    "/channel @dailynews parts {}", "/channel @dailynews hashtags {}", "/filter 1 include {}",
    "/interval 1 {}", "/settings tz {}", "/settings digest {}", "/settings lang {}", "/latest {}",
]


async def _ask(bot: RunningBot, chat_id: int, text: str) -> list[str]:
    """The command's answers (a multi-line /addfeed answers each address)."""
    return [answer.params["text"] for answer in await bot.command(chat_id, text)]


def _check(text: str, answers: list[str]) -> None:
    for answer in answers:
        assert answer != t("en", "error"), text[:80]
        assert "<zz>" not in answer and "<b>bold" not in answer, answer[:200]  # echoed only escaped
        assert "\x07" not in answer and "\x1b" not in answer, answer[:200]


@pytest.mark.parametrize("chat_id", [ADMIN_ID, READER_ID])
async def test_every_command_answers_odd_arguments_plainly(running_bot: RunningBot, chat_id: int) -> None:
    tg = running_bot.tg
    tg.add_chat(-1009999, "channel", "Daily News", "dailynews")
    tg.push_my_chat_member(-1009999, "channel", title="Daily News", username="dailynews", from_user_id=ADMIN_ID)
    await running_bot.services.db.feeds.add("https://example.com/rss", now=running_bot.services.clock.now(),
                                            title="Example")
    for name in COMMANDS:
        for argument in ODD:
            text = f"/{name} {argument}"
            _check(text, await _ask(running_bot, chat_id, text))
    if chat_id == ADMIN_ID:
        for template in DEEPER:
            for argument in ODD:
                text = template.format(argument)
                _check(text, await _ask(running_bot, chat_id, text))
    _check("every answer", [c.params.get("text") or "" for c in tg.sent_messages(chat_id)])
    refused = [c for c in tg.calls if c.method == "sendMessage" and not c.ok]
    assert refused == [], [(c.description, (c.params.get("text") or "")[:100]) for c in refused]
