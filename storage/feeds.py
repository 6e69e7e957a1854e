"""Feeds the bot polls, with their HTTP cache validators and health."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from storage._time import from_db, to_db

if TYPE_CHECKING:
    from storage.db import Database


@dataclass(frozen=True, slots=True)
class Feed:
    id: int
    url: str
    title: str
    site_url: str
    etag: str | None
    last_modified: str | None
    enabled: bool
    poll_interval_s: int | None
    error_count: int
    last_error: str | None
    last_polled_at: datetime | None
    last_success_at: datetime | None
    next_poll_at: datetime | None
    created_at: datetime
    last_warning: str | None = None  # the last good poll read the feed only partly


    @property
    def name(self) -> str:
        """What a person calls the feed: its title, else its URL."""
        return self.title or self.url


def _feed(row: sqlite3.Row) -> Feed:
    return Feed(
        id=row["id"],
        url=row["url"],
        title=row["title"],
        site_url=row["site_url"],
        etag=row["etag"],
        last_modified=row["last_modified"],
        enabled=bool(row["enabled"]),
        poll_interval_s=row["poll_interval_s"],
        error_count=row["error_count"],
        last_error=row["last_error"],
        last_polled_at=from_db(row["last_polled_at"]),
        last_success_at=from_db(row["last_success_at"]),
        next_poll_at=from_db(row["next_poll_at"]),
        created_at=from_db(row["created_at"]),  # type: ignore[arg-type]
        last_warning=row["last_warning"],
    )


MAX_TITLE = 200  # feed titles are shown in lists and on buttons; a longer one is cut here


def _clip_title(title: str) -> str:
    title = " ".join(title.split())
    return title if len(title) <= MAX_TITLE else title[: MAX_TITLE - 1].rstrip() + "…"


class FeedRepo:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def add(
        self, url: str, *, now: datetime, title: str = "", site_url: str = "", added_by: int | None = None
    ) -> tuple[Feed, bool]:
        """Add a feed (or re-enable a known one); returns it and whether it is new."""
        title = _clip_title(title)
        async with self._db.transaction() as conn:
            cursor = await conn.execute(
                "INSERT INTO feeds (url, title, site_url, added_by, created_at, next_poll_at) "
                "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (url) DO NOTHING",
                (url, title, site_url, added_by, to_db(now), to_db(now)),
            )
            created = cursor.rowcount > 0
            if not created:
                await conn.execute(
                    "UPDATE feeds SET enabled = 1, error_count = 0, next_poll_at = ?, "
                    "title = CASE WHEN ? != '' THEN ? ELSE title END WHERE url = ?",
                    (to_db(now), title, title, url),
                )
        feed = await self.get_by_url(url)
        assert feed is not None
        return feed, created

    async def get(self, feed_id: int) -> Feed | None:
        row = await self._db.fetchone("SELECT * FROM feeds WHERE id = ?", (feed_id,))
        return None if row is None else _feed(row)

    async def get_by_url(self, url: str) -> Feed | None:
        row = await self._db.fetchone("SELECT * FROM feeds WHERE url = ?", (url,))
        return None if row is None else _feed(row)

    async def list(self, *, enabled_only: bool = False) -> list[Feed]:
        sql = "SELECT * FROM feeds" + (" WHERE enabled = 1" if enabled_only else "") + " ORDER BY id"
        return [_feed(r) for r in await self._db.fetchall(sql)]

    async def remove(self, feed_id: int) -> bool:
        return await self._db.execute("DELETE FROM feeds WHERE id = ?", (feed_id,)) > 0

    async def due(self, now: datetime, limit: int) -> list[Feed]:
        """Enabled feeds whose next poll time has come, most overdue first."""
        rows = await self._db.fetchall(
            "SELECT * FROM feeds WHERE enabled = 1 AND (next_poll_at IS NULL OR next_poll_at <= ?) "
            "ORDER BY next_poll_at LIMIT ?",
            (to_db(now), limit),
        )
        return [_feed(r) for r in rows]

    async def claim_due(
        self, now: datetime, limit: int, *, lease_until: datetime, owner: str | None = None,
    ) -> list[Feed]:
        """Take the due feeds (most overdue first) by moving their next poll to ``lease_until``,
        recording ``owner`` as the replica polling them.

        A feed being polled is then not due again, however long its poll takes or whatever
        goes wrong in it; the poll's outcome sets the real next time, and a crash mid-poll
        only delays the feed until the lease ends. On PostgreSQL the rows are locked ``FOR
        UPDATE SKIP LOCKED``, so replicas claiming at once take different feeds and each feed
        is polled by one replica per interval. Returns the feeds as they were.
        """
        lock = " FOR UPDATE SKIP LOCKED" if self._db.engine == "postgresql" else ""
        async with self._db.transaction() as conn:
            async with conn.execute(
                "SELECT * FROM feeds WHERE enabled = 1 AND (next_poll_at IS NULL OR next_poll_at <= ?) "
                "ORDER BY next_poll_at LIMIT ?" + lock,
                (to_db(now), limit),
            ) as cursor:
                feeds = [_feed(r) for r in await cursor.fetchall()]
            await conn.executemany(
                "UPDATE feeds SET next_poll_at = ?, poll_claimed_by = ? WHERE id = ?",
                [(to_db(lease_until), owner, f.id) for f in feeds],
            )
        return feeds

    async def renew_claims(self, feed_ids: list[int], *, owner: str, lease_until: datetime) -> int:
        """Extend ``owner``'s claims on ``feed_ids`` (polls still under way) to ``lease_until``;
        a feed whose poll ended, or that another replica took since, is left alone. Returns the
        feeds renewed."""
        if not feed_ids:
            return 0
        marks = ", ".join("?" for _ in feed_ids)  # placeholders only; the ids are parameters
        return await self._db.execute(
            f"UPDATE feeds SET next_poll_at = ? WHERE poll_claimed_by = ? AND id IN ({marks})",  # noqa: S608
            (to_db(lease_until), owner, *feed_ids),
        )

    async def release_claims(self, claims: list[tuple[int, datetime | None]], *, owner: str) -> int:
        """Hand back ``owner``'s claims on feeds whose polls it gave up (a graceful stop), each
        ``(feed id, next poll as it was when claimed)``: the feed is due again at once, in its
        old place in the queue, instead of a lease later. A feed whose poll recorded an outcome,
        or that another replica took since, is left alone. Returns the feeds released."""
        released = 0
        for feed_id, next_poll_at in claims:
            released += await self._db.execute(
                "UPDATE feeds SET next_poll_at = ?, poll_claimed_by = NULL WHERE id = ? AND poll_claimed_by = ?",
                (to_db(next_poll_at), feed_id, owner),
            )
        return released

    async def record_success(
        self, feed_id: int, *, now: datetime, next_poll_at: datetime, etag: str | None,
        last_modified: str | None, title: str = "", site_url: str = "", warning: str | None = None,
    ) -> None:
        """A good poll: keep the cache validators, reset the error count, plan the next poll;
        ``warning`` says what of the feed could not be read (None: all of it)."""
        await self._db.execute(
            "UPDATE feeds SET etag = ?, last_modified = ?, error_count = 0, last_error = NULL, poll_claimed_by = NULL, "
            "last_polled_at = ?, last_success_at = ?, next_poll_at = ?, last_warning = ?, "
            "title = CASE WHEN title = '' THEN ? ELSE title END, "
            "site_url = CASE WHEN site_url = '' THEN ? ELSE site_url END WHERE id = ?",
            (etag, last_modified, to_db(now), to_db(now), to_db(next_poll_at),
             warning[:1000] if warning else None, _clip_title(title), site_url, feed_id),
        )

    async def record_failure(
        self, feed_id: int, error: str, *, now: datetime, next_poll_at: datetime, max_errors: int
    ) -> Feed:
        """A failed poll: count it, keep the message; disable the feed at ``max_errors``."""
        await self._db.execute(
            "UPDATE feeds SET error_count = error_count + 1, last_error = ?, last_polled_at = ?, poll_claimed_by = NULL, "
            "next_poll_at = ?, enabled = CASE WHEN error_count + 1 >= ? THEN 0 ELSE enabled END "
            "WHERE id = ?",
            (error[:1000], to_db(now), to_db(next_poll_at), max_errors, feed_id),
        )
        feed = await self.get(feed_id)
        assert feed is not None
        return feed

    async def set_enabled(self, feed_id: int, enabled: bool, *, now: datetime) -> bool:
        return await self._db.execute(
            # "? = 1", not a bare "?": PostgreSQL types a bare CASE WHEN parameter as boolean
            # and refuses the integer (the flag is an integer column on both engines).
            "UPDATE feeds SET enabled = ?, error_count = CASE WHEN ? = 1 THEN 0 ELSE error_count END, "
            "next_poll_at = ? WHERE id = ?",
            (int(enabled), int(enabled), to_db(now), feed_id),
        ) > 0

    async def set_interval(self, feed_id: int, seconds: int | None) -> bool:
        return await self._db.execute(
            "UPDATE feeds SET poll_interval_s = ? WHERE id = ?", (seconds, feed_id)
        ) > 0
