"""Chats the bot knows: private readers, groups and channels, with their settings."""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from storage._time import from_db, to_db

if TYPE_CHECKING:
    from storage.db import Database

CHAT_KINDS = ("private", "group", "supergroup", "channel")

# Columns a caller may change through ``update_settings``; the names are fixed here, never
# taken from input, so the UPDATE built from them cannot carry injected SQL.
SETTING_COLUMNS = frozenset(
    {
        "timezone", "language", "summaries", "link_previews", "digest_time", "last_digest_at",
        "post_interval_min", "max_per_hour", "quiet_start", "quiet_end", "paused", "can_post",
        "last_post_at", "images", "article_mode", "hashtags", "hidden_parts",
    }
)


@dataclass(frozen=True, slots=True)
class Chat:
    id: int
    kind: str
    title: str
    username: str | None
    active: bool
    inactive_reason: str | None
    can_post: bool | None
    paused: bool
    timezone: str | None
    language: str | None
    summaries: bool
    link_previews: bool | None
    digest_time: str | None
    last_digest_at: datetime | None
    post_interval_min: int
    max_per_hour: int | None
    quiet_start: str | None
    quiet_end: str | None
    last_post_at: datetime | None
    created_at: datetime
    images: bool | None = None  # photo posts; None: the bot's default (POST_IMAGES)
    article_mode: str | None = None  # off|button|post; None: the bot's default (ARTICLE_MODE)
    hashtags: int = 0  # at most this many #tags from the feed's categories (0: none)
    hidden_parts: tuple[str, ...] = ()  # post parts left out: "source", "readalso", "buttons"

    @property
    def display_name(self) -> str:
        """What a person calls the chat: its title, else @username, else its id."""
        return self.title or (f"@{self.username}" if self.username else str(self.id))

    def zone(self, default: ZoneInfo) -> ZoneInfo:
        """The chat's own time zone, else ``default`` (the bot's)."""
        return ZoneInfo(self.timezone) if self.timezone else default

    @property
    def is_channel_like(self) -> bool:
        """Channels and groups: posts go there for everyone, as opposed to a reader's chat."""
        return self.kind != "private"


def _chat(row: sqlite3.Row) -> Chat:
    return Chat(
        id=row["id"],
        kind=row["kind"],
        title=row["title"],
        username=row["username"],
        active=bool(row["active"]),
        inactive_reason=row["inactive_reason"],
        can_post=None if row["can_post"] is None else bool(row["can_post"]),
        paused=bool(row["paused"]),
        timezone=row["timezone"],
        language=row["language"],
        summaries=bool(row["summaries"]),
        link_previews=None if row["link_previews"] is None else bool(row["link_previews"]),
        digest_time=row["digest_time"],
        last_digest_at=from_db(row["last_digest_at"]),
        post_interval_min=row["post_interval_min"],
        max_per_hour=row["max_per_hour"],
        quiet_start=row["quiet_start"],
        quiet_end=row["quiet_end"],
        last_post_at=from_db(row["last_post_at"]),
        created_at=from_db(row["created_at"]),  # type: ignore[arg-type]
        images=None if row["images"] is None else bool(row["images"]),
        article_mode=row["article_mode"],
        hashtags=row["hashtags"],
        hidden_parts=tuple(p for p in (row["hidden_parts"] or "").split(",") if p),
    )


def _setting_value(value: object) -> object:
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, datetime):
        return to_db(value)
    return value


class ChatRepo:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def upsert(
        self, chat_id: int, kind: str, *, title: str = "", username: str | None = None,
        now: datetime, reactivate: bool = True,
    ) -> Chat:
        """Record a chat seen in an update; a chat that comes back is made active again."""
        if kind not in CHAT_KINDS:
            raise ValueError(f"unknown chat kind {kind!r}")
        stamp = to_db(now)
        async with self._db.transaction() as conn:
            await conn.execute(
                """
                INSERT INTO chats (id, kind, title, username, created_at, updated_at)
                VALUES (?, ?, ?, ?, ?, ?)
                ON CONFLICT (id) DO UPDATE SET
                    kind = excluded.kind,
                    title = CASE WHEN excluded.title != '' THEN excluded.title ELSE chats.title END,
                    username = COALESCE(excluded.username, chats.username),
                    active = CASE WHEN ? THEN 1 ELSE chats.active END,
                    inactive_reason = CASE WHEN ? THEN NULL ELSE chats.inactive_reason END,
                    updated_at = excluded.updated_at
                """,
                (chat_id, kind, title, username, stamp, stamp, reactivate, reactivate),
            )
        chat = await self.get(chat_id)
        assert chat is not None
        return chat

    async def get(self, chat_id: int) -> Chat | None:
        row = await self._db.fetchone("SELECT * FROM chats WHERE id = ?", (chat_id,))
        return None if row is None else _chat(row)

    async def find(self, ref: str) -> Chat | None:
        """A chat by id ("-100123") or @username, as an admin would type it."""
        ref = ref.strip()
        if ref.lstrip("-").isdigit():
            number = int(ref)
            return await self.get(number) if abs(number) < 2**63 else None  # SQLite's INTEGER
        row = await self._db.fetchone(
            "SELECT * FROM chats WHERE lower(username) = lower(?)", (ref.lstrip("@"),)
        )
        return None if row is None else _chat(row)

    async def list(self, *, kinds: tuple[str, ...] = CHAT_KINDS, active_only: bool = False) -> list[Chat]:
        placeholders = ",".join("?" for _ in kinds)
        sql = f"SELECT * FROM chats WHERE kind IN ({placeholders})"  # placeholders only
        if active_only:
            sql += " AND active = 1"
        rows = await self._db.fetchall(sql + " ORDER BY id", tuple(kinds))
        return [_chat(r) for r in rows]

    async def deactivate(self, chat_id: int, reason: str, *, now: datetime) -> bool:
        """Stop sending to a chat (blocked, removed) but keep its data; True if it was active.

        Its queued messages are skipped with the reason: news held back until the chat comes
        back would be stale, and they would count as "waiting" in /stats forever.
        """
        async with self._db.transaction() as conn:
            cursor = await conn.execute(
                "UPDATE chats SET active = 0, inactive_reason = ?, updated_at = ? WHERE id = ? AND active = 1",
                (reason, to_db(now), chat_id),
            )
            changed = cursor.rowcount > 0
            await conn.execute(
                "UPDATE deliveries SET state = 'skipped', last_error = ? WHERE chat_id = ? AND state = 'pending'",
                (f"chat inactive: {reason}", chat_id),
            )
        return changed

    async def update_settings(self, chat_id: int, values: Mapping[str, object], *, now: datetime) -> None:
        unknown = set(values) - SETTING_COLUMNS
        if unknown:
            raise ValueError(f"not chat settings: {sorted(unknown)}")
        if not values:
            return
        columns = sorted(values)
        assignments = ", ".join(f"{column} = ?" for column in columns)  # whitelisted names
        params = [_setting_value(values[c]) for c in columns] + [to_db(now), chat_id]
        await self._db.execute(f"UPDATE chats SET {assignments}, updated_at = ? WHERE id = ?", tuple(params))

    async def migrate(self, old_id: int, new_id: int, *, now: datetime) -> None:
        """A group became a supergroup: move the chat and everything hanging on it to ``new_id``."""
        async with self._db.transaction() as conn:
            async with conn.execute("SELECT 1 FROM chats WHERE id = ?", (new_id,)) as cursor:
                exists = await cursor.fetchone() is not None
            if exists:
                # Both ids known (the supergroup spoke first): the old chat's settings, made by
                # its people, win; its subscriptions and outbox are folded into the new one.
                await conn.execute(
                    "UPDATE chats SET (timezone, language, summaries, link_previews, digest_time, "
                    "last_digest_at, post_interval_min, max_per_hour, quiet_start, quiet_end, paused, images, "
                    "article_mode, hashtags, hidden_parts) = "
                    "(SELECT timezone, language, summaries, link_previews, digest_time, last_digest_at, "
                    "post_interval_min, max_per_hour, quiet_start, quiet_end, paused, images, article_mode, "
                    "hashtags, hidden_parts FROM chats WHERE id = ?) "
                    "WHERE id = ?",
                    (old_id, new_id),
                )
                await conn.execute(
                    "INSERT INTO subscriptions (chat_id, feed_id, include_kw, exclude_kw, created_at, "
                    "topic_id, topic_name) "
                    "SELECT CAST(? AS BIGINT), feed_id, include_kw, exclude_kw, created_at, topic_id, topic_name "
                    "FROM subscriptions WHERE chat_id = ? ON CONFLICT DO NOTHING",
                    (new_id, old_id),
                )
                # Rows the new chat has already (the same story, broadcast or digest) stay behind
                # and go with the old chat below.
                await conn.execute(
                    "UPDATE deliveries SET chat_id = ? WHERE chat_id = ? AND NOT EXISTS ("
                    "SELECT 1 FROM deliveries e WHERE e.chat_id = ? AND (e.article_id = deliveries.article_id "
                    "OR e.broadcast_id = deliveries.broadcast_id OR e.digest_key = deliveries.digest_key))",
                    (new_id, old_id, new_id),
                )
                await conn.execute("UPDATE schedules SET chat_id = ? WHERE chat_id = ?", (new_id, old_id))
                await conn.execute("DELETE FROM chats WHERE id = ?", (old_id,))
            else:
                await conn.execute(
                    "UPDATE chats SET id = ?, kind = 'supergroup', updated_at = ? WHERE id = ?",
                    (new_id, to_db(now), old_id),
                )

    async def delete(self, chat_id: int) -> None:
        """Forget a chat and, through the foreign keys, its subscriptions and outbox rows."""
        await self._db.execute("DELETE FROM chats WHERE id = ?", (chat_id,))

    async def count_by_kind(self, *, active_only: bool = True) -> dict[str, int]:
        sql = "SELECT kind, count(*) FROM chats" + (" WHERE active = 1" if active_only else "") + " GROUP BY kind"
        return {row[0]: row[1] for row in await self._db.fetchall(sql)}
