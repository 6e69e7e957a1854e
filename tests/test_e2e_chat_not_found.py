"""A channel Telegram no longer knows (deleted, or its id mistyped in CHANNELS): every send gets
400 "Bad Request: chat not found". Like a 403 it is marked inactive with the reason, the admins
are told once, and it is not tried again; the other chats get their posts."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

from bot.clock import FakeClock
from tests.conftest import ADMIN_ID, RunningBot
from tests.stories import ELECTION
from tests.test_reliability import _posts_per_chat, _publish_until_settled, _seed_outbox, _store_story, fast_bot

__all__ = ["fast_bot"]  # the fixture, shared with tests/test_reliability.py


async def test_a_chat_not_found_is_deactivated_told_once_and_not_retried(fast_bot: RunningBot, clock: FakeClock) -> None:
    tg, db = fast_bot.tg, fast_bot.services.db
    outbox = await _seed_outbox(fast_bot, private=2, channels=3)
    gone = outbox.channels[0]
    tg.fail("sendMessage", "400_chat_not_found", chat_id=gone, times=None)

    await _publish_until_settled(fast_bot, clock, outbox.chats)

    chat = await db.chats.get(gone)
    assert chat is not None and not chat.active and chat.inactive_reason == "chat not found"
    [row] = await db.deliveries.for_chat(gone)
    assert row.state == "failed" and row.attempts == 1
    others = [c for c in outbox.chats if c != gone]
    assert _posts_per_chat(tg, outbox.chats) == Counter({chat_id: 1 for chat_id in others})
    [notice] = [c.params["text"] for c in tg.sent_messages(ADMIN_ID)]
    assert f"Channel {gone}" in notice and "chat not found" in notice

    story = await _store_story(db, outbox.feed_id, "Portugal votes", ELECTION, clock=clock)
    await db.deliveries.enqueue_article(story, outbox.chats, now=clock.now())
    tries = sum(1 for c in tg.calls_to("sendMessage") if c.chat_id == gone)
    clock.advance(timedelta(minutes=5))
    await _publish_until_settled(fast_bot, clock, others)
    assert sum(1 for c in tg.calls_to("sendMessage") if c.chat_id == gone) == tries == 1
    assert len(tg.sent_messages(ADMIN_ID)) == 1  # told once
