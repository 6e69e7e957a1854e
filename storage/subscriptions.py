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
    topic_id: int | None = None  # forum topic (message_thread_id) the feed posts into
    topic_name: str | None = None


def _keywords(text: str) -> tuple[str, ...]:
    return tuple(k for k in text.split(",") if k)


def _subscription(row: sqlite3.Row) -> Subscription:
    return Subscription(
        chat_id=row["chat_id"], feed_id=row["feed_id"],
        include=_keywords(row["include_kw"]), exclude=_keywords(row["exclude_kw"]),
        topic_id=row["topic_id"], topic_name=row["topic_name"],
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

    async def set_topic(self, chat_id: int, feed_id: int, topic_id: int | None, topic_name: str | None) -> bool:
        """Point one subscription at a forum topic (None: the chat's General topic)."""
        return await self._db.execute(
            "UPDATE subscriptions SET topic_id = ?, topic_name = ? WHERE chat_id = ? AND feed_id = ?",
            (topic_id, topic_name, chat_id, feed_id),
        ) > 0

    async def topic_named(self, chat_id: int, name: str) -> int | None:
        """A topic this bot already uses in a chat under ``name`` (case-insensitive)."""
        value = await self._db.scalar(
            "SELECT topic_id FROM subscriptions WHERE chat_id = ? AND lower(topic_name) = lower(?) "
            "AND topic_id IS NOT NULL LIMIT 1",
            (chat_id, name),
        )
        return None if value is None else int(value)

    async def drop_topic(self, chat_id: int, topic_id: int) -> list[int]:
        """A topic was closed or deleted: its feeds post to General from now on; returns them."""
        async with self._db.transaction() as conn:
            async with conn.execute(
                "SELECT feed_id FROM subscriptions WHERE chat_id = ? AND topic_id = ?", (chat_id, topic_id)
            ) as cursor:
                feeds = [int(r[0]) for r in await cursor.fetchall()]
            await conn.execute(
                "UPDATE subscriptions SET topic_id = NULL, topic_name = NULL WHERE chat_id = ? AND topic_id = ?",
                (chat_id, topic_id),
            )
        return feeds

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
