"""Which chat follows which feed, with its keyword filter."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from storage._time import to_db

if TYPE_CHECKING:
    from storage.db import Database


@dataclass(frozen=True, slots=True)
class Subscription:
    chat_id: int
    feed_id: int
    include: tuple[str, ...]  # keywords; empty: everything
    exclude: tuple[str, ...]


def _keywords(text: str) -> tuple[str, ...]:
    return tuple(k for k in text.split(",") if k)


def _subscription(row: sqlite3.Row) -> Subscription:
    return Subscription(
        chat_id=row["chat_id"], feed_id=row["feed_id"],
        include=_keywords(row["include_kw"]), exclude=_keywords(row["exclude_kw"]),
    )


class SubscriptionRepo:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def add(self, chat_id: int, feed_id: int, *, now: datetime) -> bool:
        """Subscribe; False if the chat already followed the feed."""
        return await self._db.execute(
            "INSERT INTO subscriptions (chat_id, feed_id, created_at) VALUES (?, ?, ?) "
            "ON CONFLICT DO NOTHING",
            (chat_id, feed_id, to_db(now)),
        ) > 0

    async def remove(self, chat_id: int, feed_id: int) -> bool:
        return await self._db.execute(
            "DELETE FROM subscriptions WHERE chat_id = ? AND feed_id = ?", (chat_id, feed_id)
        ) > 0

    async def remove_all(self, chat_id: int) -> int:
        return await self._db.execute("DELETE FROM subscriptions WHERE chat_id = ?", (chat_id,))

    async def for_chat(self, chat_id: int) -> list[Subscription]:
        rows = await self._db.fetchall(
            "SELECT * FROM subscriptions WHERE chat_id = ? ORDER BY feed_id", (chat_id,)
        )
        return [_subscription(r) for r in rows]

    async def for_feed(self, feed_id: int, *, active_only: bool = True, one_by_one: bool = True) -> list[Subscription]:
        """The subscriptions of a feed; with ``one_by_one``, only of chats that get its stories
        posted one by one (not those that take them only in digests)."""
        sql = "SELECT s.* FROM subscriptions s JOIN chats c ON c.id = s.chat_id WHERE s.feed_id = ?"
        if active_only:
            sql += " AND c.active = 1"
        if one_by_one:
            sql += " AND s.chat_id NOT IN (SELECT chat_id FROM schedules WHERE only_digests = 1)"
        return [_subscription(r) for r in await self._db.fetchall(sql + " ORDER BY s.chat_id", (feed_id,))]

    async def set_filter(
        self, chat_id: int, feed_id: int, *, include: tuple[str, ...], exclude: tuple[str, ...]
    ) -> bool:
        """Replace the keyword rules of one subscription (keywords are stored lower case)."""
        clean = lambda words: ",".join(sorted({w.strip().lower().replace(",", " ") for w in words if w.strip()}))  # noqa: E731
        return await self._db.execute(
            "UPDATE subscriptions SET include_kw = ?, exclude_kw = ? WHERE chat_id = ? AND feed_id = ?",
            (clean(include), clean(exclude), chat_id, feed_id),
        ) > 0
