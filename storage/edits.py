"""The outbox of post edits: a sent post shown again with more sources or a corrected summary.

One row per edit to make: ``pending`` → ``sending`` → ``done`` | ``failed``. A post has at most
one open edit (a partial unique index): an edit renders the story as stored when it is sent,
so a second change while one is queued needs no row of its own. ``done`` rows with reason
``correction`` count how often a post's summary was corrected, which a setting caps.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from storage._time import to_db
from storage.deliveries import DEFAULT_LEASE

if TYPE_CHECKING:
    from storage.db import Database

REASONS = ("sources", "correction")


@dataclass(frozen=True, slots=True)
class PendingEdit:
    id: int
    delivery_id: int
    chat_id: int
    message_id: int
    article_id: int
    reason: str
    attempts: int  # this attempt included
    sent_as: str  # 'text' or 'photo': which edit method fits the post
    link_preview: bool | None


def _edit(row: sqlite3.Row) -> PendingEdit:
    return PendingEdit(
        id=row["id"], delivery_id=row["delivery_id"], chat_id=row["chat_id"], message_id=row["message_id"],
        article_id=row["article_id"], reason=row["reason"], attempts=row["attempts"] + 1,
        sent_as=row["sent_as"] or "text",
        link_preview=None if row["link_preview"] is None else bool(row["link_preview"]),
    )


class EditRepo:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def enqueue_for_article(
        self, article_id: int, reason: str, *, now: datetime, max_edits: int, max_corrections: int
    ) -> int:
        """Queue an edit of every sent post of a story; returns how many were queued.

        A post already waiting for an edit gets no second one; a post edited ``max_edits``
        times, or (for a correction) corrected ``max_corrections`` times, is left as it is.
        """
        if reason not in REASONS:
            raise ValueError(reason)
        async with self._db.transaction() as conn:
            cursor = await conn.execute(
                """
                INSERT INTO post_edits (delivery_id, reason, next_attempt_at, created_at)
                SELECT d.id, ?, ?, ? FROM deliveries d
                WHERE d.article_id = ? AND d.state = 'sent' AND d.message_id IS NOT NULL
                  AND (SELECT count(*) FROM post_edits e WHERE e.delivery_id = d.id AND e.state = 'done') < ?
                  AND (? <> 'correction' OR (SELECT count(*) FROM post_edits e WHERE e.delivery_id = d.id
                       AND e.state = 'done' AND e.reason = 'correction') < ?)
                ON CONFLICT DO NOTHING
                """,
                (reason, to_db(now), to_db(now), article_id, max_edits, reason, max_corrections),
            )
            return cursor.rowcount

    async def claim_due(
        self, now: datetime, limit: int, *, owner: str | None = None, lease_until: datetime | None = None,
    ) -> list[PendingEdit]:
        """Take up to ``limit`` due edits of active chats, oldest first, as 'sending', claimed by
        ``owner`` until ``lease_until`` (rows locked ``FOR UPDATE SKIP LOCKED`` on PostgreSQL)."""
        lease = lease_until or now + DEFAULT_LEASE
        lock = " FOR UPDATE OF e SKIP LOCKED" if self._db.engine == "postgresql" else ""
        async with self._db.transaction() as conn:
            async with conn.execute(
                "SELECT e.id, e.delivery_id, e.reason, e.attempts, d.chat_id, d.message_id, d.article_id, "
                "d.sent_as, d.link_preview FROM post_edits e JOIN deliveries d ON d.id = e.delivery_id "
                "JOIN chats c ON c.id = d.chat_id "
                "WHERE e.state = 'pending' AND e.next_attempt_at <= ? AND c.active = 1 "
                "ORDER BY e.next_attempt_at, e.id LIMIT ?" + lock,
                (to_db(now), limit),
            ) as cursor:
                rows = [_edit(r) for r in await cursor.fetchall()]
            if rows:
                await conn.executemany(
                    "UPDATE post_edits SET state = 'sending', claimed_by = ?, lease_until = ?, "
                    "attempts = attempts + 1 WHERE id = ?",
                    [(owner, to_db(lease), row.id) for row in rows],
                )
        return rows

    async def mark_done(self, edit_id: int, *, now: datetime, note: str | None = None) -> None:
        await self._db.execute(
            "UPDATE post_edits SET state = 'done', done_at = ?, last_error = ? WHERE id = ?",
            (to_db(now), note, edit_id),
        )

    async def mark_failed(self, edit_id: int, error: str) -> None:
        """Give up on an edit; the post stays as it was, nothing else is touched."""
        await self._db.execute(
            "UPDATE post_edits SET state = 'failed', last_error = ? WHERE id = ?", (error[:1000], edit_id)
        )

    async def retry_later(self, edit_id: int, *, at: datetime, error: str, count_attempt: bool = True) -> None:
        await self._db.execute(
            "UPDATE post_edits SET state = 'pending', next_attempt_at = ?, last_error = ?, "
            "attempts = attempts - ? WHERE id = ?",
            (to_db(at), error[:1000], 0 if count_attempt else 1, edit_id),
        )

    async def recover_interrupted(self, *, now: datetime) -> int:
        """Edits a crash left 'sending' are tried again (an edit twice is harmless)."""
        return await self._db.execute(
            "UPDATE post_edits SET state = 'pending', next_attempt_at = ? WHERE state = 'sending'", (to_db(now),)
        )

    async def recover_expired(self, *, now: datetime) -> int:
        """Edits whose claim's lease ended (their replica died) are tried again."""
        return await self._db.execute(
            "UPDATE post_edits SET state = 'pending', next_attempt_at = ?, claimed_by = NULL "
            "WHERE state = 'sending' AND (lease_until IS NULL OR lease_until < ?)",
            (to_db(now), to_db(now)),
        )

    async def renew_leases(self, owner: str, *, until: datetime) -> int:
        return await self._db.execute(
            "UPDATE post_edits SET lease_until = ? WHERE state = 'sending' AND claimed_by = ?", (to_db(until), owner)
        )

    async def count(self, state: str | None = None) -> int:
        if state is None:
            return int(await self._db.scalar("SELECT count(*) FROM post_edits") or 0)
        return int(await self._db.scalar("SELECT count(*) FROM post_edits WHERE state = ?", (state,)) or 0)
