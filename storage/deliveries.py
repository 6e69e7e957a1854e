"""The outbox: one row per message to send, claimed, sent and settled by the publisher.

States: ``pending`` (waiting for its ``next_attempt_at``) → ``sending`` (claimed by the
publisher) → ``sent`` | ``failed`` | ``skipped``; a retryable failure puts the row back to
``pending`` with a later ``next_attempt_at``. The unique indexes on (chat, article),
(chat, broadcast) and (chat, digest key) make a second row for the same message impossible.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from storage._time import from_db, to_db

if TYPE_CHECKING:
    from storage.db import Database

STATES = ("pending", "sending", "sent", "failed", "skipped")
#: How long a claim holds when the claimer names no lease (tools, tests): a send never takes it.
DEFAULT_LEASE = timedelta(minutes=10)
#: digest_key of the rows that carry the rest of a long reply (``enqueue_reply``), not a digest.
REPLY_KEY_PREFIX = "reply:"


@dataclass(frozen=True, slots=True)
class Delivery:
    id: int
    chat_id: int
    kind: str  # 'article' | 'broadcast' | 'digest'
    article_id: int | None
    broadcast_id: int | None
    digest_key: str | None
    payload: str | None
    state: str
    attempts: int
    next_attempt_at: datetime
    message_id: int | None
    last_error: str | None
    link_preview: bool | None = None  # None: the chat's setting
    first_failed_at: datetime | None = None  # first failure for a passing reason (retry window)
    thread_id: int | None = None  # forum topic the message is meant for (None: the chat itself)
    sent_as: str | None = None  # how it went out: 'text' | 'photo' | 'rich' (edits need to know)
    reply_to: int | None = None  # a queued reply: the message it answers (quoted, as a reply would be)


def _delivery(row: sqlite3.Row) -> Delivery:
    return Delivery(
        id=row["id"], chat_id=row["chat_id"], kind=row["kind"], article_id=row["article_id"],
        broadcast_id=row["broadcast_id"], digest_key=row["digest_key"], payload=row["payload"],
        state=row["state"], attempts=row["attempts"],
        next_attempt_at=from_db(row["next_attempt_at"]),  # type: ignore[arg-type]
        message_id=row["message_id"], last_error=row["last_error"],
        link_preview=None if row["link_preview"] is None else bool(row["link_preview"]),
        first_failed_at=from_db(row["first_failed_at"]),
        thread_id=row["thread_id"], sent_as=row["sent_as"], reply_to=row["reply_to"],
    )


class DeliveryRepo:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def enqueue_article(
        self, article_id: int, chat_ids: Iterable[int], *, now: datetime, link_preview: bool | None = None,
        threads: Mapping[int, int] | None = None,
    ) -> int:
        """Queue a story for chats; chats that already have (or had) it are left alone.
        ``threads`` maps a chat to the forum topic its subscription posts into."""
        preview = None if link_preview is None else int(link_preview)
        topic = threads or {}
        rows = [(chat_id, article_id, to_db(now), to_db(now), preview, topic.get(chat_id)) for chat_id in chat_ids]
        if not rows:
            return 0
        async with self._db.transaction() as conn:
            if self._db.engine == "postgresql":
                # One statement over arrays: asyncpg's executemany reports no row counts.
                cursor = await conn.execute(
                    "INSERT INTO deliveries (chat_id, kind, article_id, next_attempt_at, created_at, link_preview, "
                    "thread_id) SELECT u.chat_id, 'article', ?, ?, ?, ?, u.thread_id "
                    "FROM unnest(CAST(? AS BIGINT[]), CAST(? AS BIGINT[])) AS u (chat_id, thread_id) "
                    "ON CONFLICT DO NOTHING",
                    (article_id, to_db(now), to_db(now), preview, [r[0] for r in rows], [r[5] for r in rows]),
                )
                return cursor.rowcount
            before = conn.total_changes
            await conn.executemany(
                "INSERT INTO deliveries (chat_id, kind, article_id, next_attempt_at, created_at, "
                "link_preview, thread_id) VALUES (?, 'article', ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
                rows,
            )
            return conn.total_changes - before

    async def enqueue_broadcast(
        self, text: str, chat_ids: Iterable[int], *, created_by: int | None, now: datetime
    ) -> tuple[int, int]:
        """Queue an admin's message for chats; returns (broadcast id, rows queued)."""
        async with self._db.transaction() as conn:
            cursor = await conn.execute(
                "INSERT INTO broadcasts (text, created_by, created_at) VALUES (?, ?, ?) RETURNING id",
                (text, created_by, to_db(now)),
            )
            broadcast_id = int((await cursor.fetchone())[0])
            chats = list(chat_ids)
            if self._db.engine == "postgresql":
                cursor = await conn.execute(
                    "INSERT INTO deliveries (chat_id, kind, broadcast_id, payload, next_attempt_at, created_at) "
                    "SELECT u.chat_id, 'broadcast', ?, ?, ?, ? FROM unnest(CAST(? AS BIGINT[])) AS u (chat_id) "
                    "ON CONFLICT DO NOTHING",
                    (broadcast_id, text, to_db(now), to_db(now), chats),
                )
                return broadcast_id, cursor.rowcount
            before = conn.total_changes
            await conn.executemany(
                "INSERT INTO deliveries (chat_id, kind, broadcast_id, payload, next_attempt_at, created_at) "
                "VALUES (?, 'broadcast', ?, ?, ?, ?) ON CONFLICT DO NOTHING",
                [(chat_id, broadcast_id, text, to_db(now), to_db(now)) for chat_id in chats],
            )
            return broadcast_id, conn.total_changes - before

    async def enqueue_reply(
        self, chat_id: int, key: str, payload: str, *, now: datetime, link_preview: bool | None = None,
        thread_id: int | None = None, reply_to: int | None = None,
    ) -> bool:
        """Queue a reply (the rest of a long ``/feeds``, one Telegram refused with 429, a notice to
        an admin): sent as a digest row is (HTML as it is, once per key, paced by the publisher)
        but no post: ``count`` leaves it out. It keeps what the reply would have been sent with:
        link previews, the forum topic and the message it answers (``reply_to``)."""
        return await self._db.execute(
            "INSERT INTO deliveries (chat_id, kind, digest_key, payload, next_attempt_at, created_at, "
            "link_preview, thread_id, reply_to) VALUES (?, 'digest', ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
            (chat_id, REPLY_KEY_PREFIX + key, payload, to_db(now), to_db(now),
             None if link_preview is None else int(link_preview), thread_id, reply_to),
        ) > 0

    async def waiting_replies(self, chat_id: int, key_prefix: str) -> int:
        """Queued replies to a chat whose key starts with ``key_prefix`` not yet sent (a cap)."""
        row = await self._db.fetchone(
            "SELECT COUNT(*) FROM deliveries WHERE chat_id = ? AND kind = 'digest' "
            "AND state IN ('pending', 'sending') AND substr(digest_key, 1, ?) = ?",
            (chat_id, len(REPLY_KEY_PREFIX + key_prefix), REPLY_KEY_PREFIX + key_prefix),
        )
        return int(row[0]) if row is not None else 0

    async def enqueue_digest(self, chat_id: int, key: str, payload: str, *, now: datetime) -> bool:
        """Queue one digest message; False if this chat already has the digest for ``key``."""
        return await self._db.execute(
            "INSERT INTO deliveries (chat_id, kind, digest_key, payload, next_attempt_at, created_at) "
            "VALUES (?, 'digest', ?, ?, ?, ?) ON CONFLICT DO NOTHING",
            (chat_id, key, payload, to_db(now), to_db(now)),
        ) > 0

    async def claim_due(
        self, now: datetime, limit: int, *, owner: str | None = None, lease_until: datetime | None = None,
    ) -> list[Delivery]:
        """Take up to ``limit`` due rows of active, unpaused chats, oldest first, as 'sending',
        claimed by ``owner`` until ``lease_until`` (default: DEFAULT_LEASE from now).

        On PostgreSQL the rows are locked ``FOR UPDATE SKIP LOCKED``: replicas claiming at the
        same moment each get other rows and never wait for one another.
        """
        lease = lease_until or now + DEFAULT_LEASE
        lock = " FOR UPDATE OF d SKIP LOCKED" if self._db.engine == "postgresql" else ""
        async with self._db.transaction() as conn:
            async with conn.execute(
                "SELECT d.* FROM deliveries d JOIN chats c ON c.id = d.chat_id "
                "WHERE d.state = 'pending' AND d.next_attempt_at <= ? AND c.active = 1 AND c.paused = 0 "
                "ORDER BY d.next_attempt_at, d.id LIMIT ?" + lock,
                (to_db(now), limit),
            ) as cursor:
                rows = [_delivery(r) for r in await cursor.fetchall()]
            if rows:
                await conn.executemany(
                    "UPDATE deliveries SET state = 'sending', claimed_at = ?, claimed_by = ?, lease_until = ?, "
                    "attempts = attempts + 1 WHERE id = ?",
                    [(to_db(now), owner, to_db(lease), row.id) for row in rows],
                )
        # As stored now: claimed, with this attempt counted.
        return [replace(row, state="sending", attempts=row.attempts + 1) for row in rows]

    async def renew_leases(self, owner: str, *, until: datetime) -> int:
        """Extend the leases of the rows ``owner`` holds (its sends under way, and outcomes it
        keeps in memory while the database refused writes): alive, it keeps them."""
        return await self._db.execute(
            "UPDATE deliveries SET lease_until = ? WHERE state = 'sending' AND claimed_by = ?", (to_db(until), owner)
        )

    async def mark_sent(
        self, delivery_id: int, *, message_id: int | None, now: datetime, sent_as: str | None = None,
        thread_id: int | None = None,
    ) -> None:
        """Settle a row as sent; ``sent_as`` and ``thread_id`` record what kind of message went
        where (a later edit of a photo post must edit its caption, in the topic it went to)."""
        async with self._db.transaction() as conn:
            await conn.execute(
                "UPDATE deliveries SET state = 'sent', sent_at = ?, message_id = ?, last_error = NULL, "
                "sent_as = COALESCE(?, sent_as), thread_id = ? WHERE id = ?",
                (to_db(now), message_id, sent_as, thread_id, delivery_id),
            )
            await conn.execute(
                "UPDATE chats SET last_post_at = ? WHERE id = (SELECT chat_id FROM deliveries WHERE id = ?)",
                (to_db(now), delivery_id),
            )

    async def retry_later(
        self, delivery_id: int, *, at: datetime, error: str | None = None, count_attempt: bool = True,
        failed_at: datetime | None = None,
    ) -> None:
        """Put a claimed row back in the queue for ``at``; a wait that is not a failure (posting
        pace, quiet hours, Telegram's retry_after) does not count as an attempt. ``failed_at``
        marks a failure for a passing reason: the first such moment is kept (the retry window)."""
        await self._db.execute(
            "UPDATE deliveries SET state = 'pending', next_attempt_at = ?, "
            "last_error = COALESCE(?, last_error), attempts = attempts - ?, "
            "first_failed_at = COALESCE(first_failed_at, ?) WHERE id = ?",
            (to_db(at), error, 0 if count_attempt else 1, to_db(failed_at), delivery_id),
        )

    async def retry_now_failed_since(self, since: datetime, *, now: datetime) -> int:
        """Rows waiting out a backoff after failing since ``since`` become due now (the Bot API
        is back after an outage)."""
        return await self._db.execute(
            "UPDATE deliveries SET next_attempt_at = ? WHERE state = 'pending' AND first_failed_at >= ? "
            "AND next_attempt_at > ?",
            (to_db(now), to_db(since), to_db(now)),
        )

    async def requeue_failed(self, *, now: datetime, chat_id: int | None = None) -> int:
        """Queue failed rows of active chats again, each with a fresh retry window (after an
        outage that outlasted DELIVERY_RETRY_HOURS, or once an admin fixed a channel). Rows of
        chats that blocked or removed the bot stay failed until the chat is active again."""
        return await self._db.execute(
            "UPDATE deliveries SET state = 'pending', next_attempt_at = ?, attempts = 0, first_failed_at = NULL, "
            "last_error = 'queued again after: ' || COALESCE(last_error, 'a failure') "
            "WHERE state = 'failed' AND (CAST(? AS BIGINT) IS NULL OR chat_id = ?) "
            "AND chat_id IN (SELECT id FROM chats WHERE active = 1)",
            (to_db(now), chat_id, chat_id),
        )

    async def mark_failed(self, delivery_id: int, error: str, *, state: str = "failed") -> None:
        """Give up on a row (``failed``), or drop it on purpose (``skipped``), keeping why."""
        if state not in ("failed", "skipped"):
            raise ValueError(state)
        await self._db.execute(
            "UPDATE deliveries SET state = ?, last_error = ? WHERE id = ?", (state, error[:1000], delivery_id)
        )

    async def recover_interrupted(self, *, now: datetime, claimed_before: datetime | None = None) -> int:
        """Rows a crash left 'sending' go back to 'pending' (at-least-once; see the README).

        Only for the one process of a database (SQLite, whose file lock proves every other
        owner dead): every 'sending' row, or those claimed before ``claimed_before``. Replicas
        use ``recover_expired``.
        """
        return await self._db.execute(
            "UPDATE deliveries SET state = 'pending', next_attempt_at = ?, "
            "last_error = 'interrupted before its outcome was recorded; sent again' "
            "WHERE state = 'sending' AND (CAST(? AS TEXT) IS NULL OR claimed_at < ?)",
            (to_db(now), to_db(claimed_before), to_db(claimed_before)),
        )

    async def recover_expired(self, *, now: datetime) -> int:
        """'sending' rows whose lease ended (their owner died, or hung past the lease) go back to
        'pending'; a live replica's rows in flight are never touched."""
        return await self._db.execute(
            "UPDATE deliveries SET state = 'pending', next_attempt_at = ?, claimed_by = NULL, "
            "last_error = 'interrupted before its outcome was recorded; sent again' "
            "WHERE state = 'sending' AND (lease_until < ? OR (lease_until IS NULL AND claimed_at < ?))",
            (to_db(now), to_db(now), to_db(now - DEFAULT_LEASE)),  # no lease: claimed before leases existed
        )

    async def release(self, delivery_ids: Iterable[int], *, now: datetime) -> None:
        """Give claimed rows back unsent (shutdown), without counting an attempt."""
        ids = list(delivery_ids)
        if ids:
            async with self._db.transaction() as conn:
                await conn.executemany(
                    "UPDATE deliveries SET state = 'pending', next_attempt_at = ?, attempts = attempts - 1 "
                    "WHERE id = ? AND state = 'sending'",
                    [(to_db(now), i) for i in ids],
                )

    async def capped_sent_since(self, chat_id: int, since: datetime) -> tuple[int, datetime | None]:
        """How many messages the hourly cap holds (stories on their own, broadcasts) a chat got
        since a moment, and when the oldest of them was sent. Digests go at their time whatever
        the cap (``digest_policy``), so they do not count towards it either."""
        row = await self._db.fetchone(
            "SELECT count(*), min(sent_at) FROM deliveries WHERE chat_id = ? AND kind != 'digest' "
            "AND state = 'sent' AND sent_at >= ?",
            (chat_id, to_db(since)),
        )
        return (int(row[0]), from_db(row[1])) if row else (0, None)

    async def next_due_after(self, now: datetime) -> datetime | None:
        """When the next pending row not due at ``now`` comes due (a chat's next turn, a
        retry), or None: the publisher looks again then rather than at its next idle tick."""
        return from_db(await self._db.scalar(
            "SELECT min(next_attempt_at) FROM deliveries WHERE state = 'pending' AND next_attempt_at > ?",
            (to_db(now),),
        ))

    async def count(self, state: str | None = None, *, since: datetime | None = None) -> int:
        """Posts, broadcasts and digests in ``state`` (since a moment); the extra messages of
        long replies (``enqueue_reply``) are no posts and are not counted."""
        sql, params = "SELECT count(*) FROM deliveries WHERE (digest_key IS NULL OR digest_key NOT LIKE ?)", [
            REPLY_KEY_PREFIX + "%"]
        if state is not None:
            sql += " AND state = ?"
            params.append(state)
        if since is not None:
            sql += " AND COALESCE(sent_at, created_at) >= ?"
            params.append(to_db(since))
        return int(await self._db.scalar(sql, tuple(params)) or 0)

    async def recent_failures(self, limit: int = 5) -> list[Delivery]:
        rows = await self._db.fetchall(
            "SELECT * FROM deliveries WHERE state = 'failed' ORDER BY id DESC LIMIT ?", (limit,)
        )
        return [_delivery(r) for r in rows]

    async def for_chat(self, chat_id: int) -> list[Delivery]:
        rows = await self._db.fetchall("SELECT * FROM deliveries WHERE chat_id = ? ORDER BY id", (chat_id,))
        return [_delivery(r) for r in rows]

    async def delivered_articles(self, chat_id: int) -> set[int]:
        rows = await self._db.fetchall(
            "SELECT article_id FROM deliveries WHERE chat_id = ? AND article_id IS NOT NULL", (chat_id,)
        )
        return {int(r[0]) for r in rows}

    async def article_for_message(self, chat_id: int, message_id: int) -> int | None:
        """The story behind a message we posted (for /related as a reply to a post)."""
        value = await self._db.scalar(
            "SELECT article_id FROM deliveries WHERE chat_id = ? AND message_id = ? AND article_id IS NOT NULL",
            (chat_id, message_id),
        )
        return None if value is None else int(value)
