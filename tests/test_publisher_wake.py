"""The publisher's task looks again when the next row comes due, not only at its idle tick: a
chat's next post goes its gap after the last (1.1 s, 3.1 s), not at the next whole second."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.jobs.publish import IDLE_TICK_S, MIN_WAIT_S, idle_wait
from storage import Database

NOW = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)


def test_the_wait_ends_when_the_next_row_is_due_within_the_tick() -> None:
    assert idle_wait(NOW, None) == IDLE_TICK_S
    assert idle_wait(NOW, NOW + timedelta(seconds=0.1)) == 0.1  # 3.1 s gap, ticks at 1, 2, 3: then 0.1 s
    assert idle_wait(NOW, NOW + timedelta(seconds=5)) == IDLE_TICK_S  # still ticks meanwhile
    assert idle_wait(NOW, NOW + timedelta(microseconds=1)) == MIN_WAIT_S  # never a busy loop


async def test_next_due_after_is_the_earliest_pending_row_not_due_yet(db: Database) -> None:
    for chat_id in (1, 2, 3):
        await db.chats.upsert(chat_id, "private", title=f"Reader {chat_id}", now=NOW)
    assert await db.deliveries.next_due_after(NOW) is None
    await db.deliveries.enqueue_reply(1, "due-now", "one", now=NOW)
    await db.deliveries.enqueue_reply(2, "later", "two", now=NOW + timedelta(seconds=3.1))
    await db.deliveries.enqueue_reply(3, "soon", "three", now=NOW + timedelta(seconds=1.1))
    # The row due now is the drain's; the next one to wait for is 1.1 s away.
    assert await db.deliveries.next_due_after(NOW) == NOW + timedelta(seconds=1.1)
    assert await db.deliveries.next_due_after(NOW + timedelta(seconds=2)) == NOW + timedelta(seconds=3.1)
    assert await db.deliveries.next_due_after(NOW + timedelta(seconds=4)) is None
