"""What stops a fan-out and what does not.

A chat's own trouble (Telegram's 403 for that chat: the bot was blocked) is that row's outcome:
every other chat still gets its post. A chat's work that raises is not about that chat (the
database failing, a bug): it used to be kept until the end of the batch while the publisher
went on claiming and starting every other chat's work, each failing the same way; now no other
chat's work starts after it, the rows claimed for them are given back, and it is told once.
"""

from __future__ import annotations

import logging
from collections import Counter

import pytest

from bot.jobs.publish import CONCURRENCY
from tests.conftest import ADMIN_ID, RunningBot
from tests.fakes.telegram_api import FakeTelegramServer
from tests.test_reliability import _posts_per_chat, _rows, _seed_outbox, fast_bot  # noqa: F401 - a fixture

CHATS = 3 * CONCURRENCY + 6  # more chats than one round of concurrent sends


async def test_a_chat_that_blocked_the_bot_does_not_stop_the_others(
    fast_bot: RunningBot, tg: FakeTelegramServer  # noqa: F811 - the fixture imported above
) -> None:
    outbox = await _seed_outbox(fast_bot, private=CHATS)
    blocked = outbox.chats[1]
    tg.fail("sendMessage", "403", chat_id=blocked, times=None)
    await fast_bot.services.publisher.drain()
    others = [c for c in outbox.chats if c != blocked]
    assert _posts_per_chat(tg, outbox.chats) == Counter({chat_id: 1 for chat_id in others})
    states = {r.chat_id: r.state for r in await _rows(fast_bot.services.db, outbox.chats)}
    assert states.pop(blocked) == "failed" and set(states.values()) == {"sent"}


async def test_a_database_failure_in_one_chats_work_starts_no_other_chats_work_and_is_told_once(
    fast_bot: RunningBot, tg: FakeTelegramServer, caplog: pytest.LogCaptureFixture,  # noqa: F811
) -> None:
    """The articles table gone (as a bad migration would leave it): each chat's post is read
    from it and fails. Only the chats whose work had started already when the first failed
    (at most CONCURRENCY of them) are tried; the rest are pending again, unattempted."""
    services = fast_bot.services
    outbox = await _seed_outbox(fast_bot, private=CHATS)
    await services.db.execute("ALTER TABLE articles RENAME TO articles_gone")
    caplog.clear()
    await services.publisher.drain()
    rows = await _rows(services.db, outbox.chats)
    states = Counter(r.state for r in rows)
    assert 1 <= states["sending"] <= CONCURRENCY, states  # tried: their outcome is unknown, kept
    assert states["pending"] == CHATS - states["sending"], states
    assert {r.attempts for r in rows if r.state == "pending"} == {0}  # given back, not counted
    assert not _posts_per_chat(tg, outbox.chats)
    notices = [c.params["text"] for c in tg.sent_messages(ADMIN_ID)]
    assert len(notices) == 1 and "articles" in notices[0], notices
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(errors) == 1, [r.getMessage() for r in errors]
