"""One flood-limit budget per bot token, shared by every replica on the database.

Telegram counts a bot's messages per token, whichever process sends them. The budget is a
virtual schedule (GCRA): one row holds the moment the next message may go; a replica
reserves ``count`` consecutive slots ``gap`` apart in one atomic UPDATE and sends at those
moments, so together the replicas stay evenly spaced at the rate, never above it. Times are
whole microseconds since the epoch (BIGINT on both engines: exact, and comparable across hosts
whose clocks agree, as NTP keeps them).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from storage.db import Database

_US = 1_000_000


class FloodBudgetRepo:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def reserve(self, name: str, *, now: float, count: int, gap: float) -> float:
        """Reserve ``count`` slots ``gap`` seconds apart, none before ``now`` (epoch seconds);
        returns the first slot's time. The next reservation, by any replica, starts after them."""
        now_us, span_us = int(now * _US), int(round(count * gap * _US))
        async with self._db.transaction() as conn:
            await conn.execute(
                "INSERT INTO flood_budget (name, next_at) VALUES (?, ?) ON CONFLICT (name) DO NOTHING", (name, now_us)
            )
            async with conn.execute(
                "UPDATE flood_budget SET next_at = CASE WHEN next_at > ? THEN next_at ELSE ? END + ? "
                "WHERE name = ? RETURNING next_at",
                (now_us, now_us, span_us, name),
            ) as cursor:
                row = await cursor.fetchone()
        assert row is not None
        return (int(row[0]) - span_us) / _US

    async def hold(self, name: str, *, until: float) -> None:
        """No slot before ``until`` (epoch seconds), for any replica: Telegram said to wait."""
        until_us = int(until * _US)
        await self._db.execute(
            "UPDATE flood_budget SET next_at = CASE WHEN next_at > ? THEN next_at ELSE ? END WHERE name = ?",
            (until_us, until_us, name),
        )
