"""Retention: old stories and outbox rows deleted a small batch at a time, the counts kept exact,
and a compact record of the feed entries forgotten, so that none of them is ever stored or
posted again while a feed still lists it.

What goes (``bot.retention`` decides when and how much):

* A story fetched before the cutoff, with no source seen since, none of whose posts is still
  waiting or being sent (``pending`` / ``sending``) or was sent since the cutoff, and none of
  whose posts has an edit waiting: its ``articles`` row and with it (foreign keys, ON DELETE
  CASCADE) its sources, outbox rows and their edits, same-story profiles and their keys, and
  cached LLM summaries. Its search-index row is deleted in the same transaction and
  ``stem_df`` takes its tokens away (SQLite: here, ``storage.stemdf.change``; PostgreSQL: the
  trigger on ``articles_fts``); ``term_df`` takes away the terms its profiles counted (the
  caller says which: the profile JSON is read by the news core, which storage does not import),
  and records the change so the copies held in memory follow it (``storage.dfmemory``).
  The newest story and the story of the newest profile are kept whatever their age: SQLite
  gives a new row the largest id plus one, and a deleted largest id would come back as another
  story's, under the buttons of old posts that name it.
* Outbox rows that are no story's (broadcasts, digests, queued replies) created before the
  cutoff and settled (sent, failed or skipped), the newest row kept for the same reason;
  digest slots handled before the cutoff except each timetable's last (the next digest starts
  after it); LLM usage counters of days before the cutoff.
* ``forgotten_entries`` rows not seen since the cutoff.

``forgotten_entries`` holds, per deleted story, one key per address and per (feed, GUID) its
sources had: ingest treats an entry with a forgotten key as seen. Each poll that still finds
the entry in its feed renews the key (``touch``), so a key lives as long as a feed lists the
entry and one retention period after; a key is 33 characters, against the kilobytes of text,
vectors and index a story holds.
"""

from __future__ import annotations

import hashlib
import time
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from storage import dfmemory, stemdf
from storage._time import from_db, to_db

if TYPE_CHECKING:
    from storage.db import Database

#: How often a poll that sees a forgotten entry again writes its new time (at most).
TOUCH_EVERY = timedelta(days=1)

OPEN = "('pending', 'sending')"
_REMEMBER = ("INSERT INTO forgotten_entries (key, seen_at) VALUES (?, ?) "
             "ON CONFLICT (key) DO UPDATE SET seen_at = excluded.seen_at")

# A story that may go: old, no source since, no post waiting, sent lately or waiting for an
# edit, and not the owner of the largest story or profile id. ``a`` is the articles row; the
# parameters are the cutoff four times.
_DELETABLE = (
    "a.fetched_at < ? AND a.id < (SELECT max(id) FROM articles) "
    "AND NOT EXISTS (SELECT 1 FROM article_sources s WHERE s.article_id = a.id AND s.seen_at >= ?) "
    f"AND NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.article_id = a.id AND (d.state IN {OPEN} "
    "OR d.sent_at >= ? OR d.created_at >= ?)) "
    f"AND NOT EXISTS (SELECT 1 FROM deliveries d JOIN post_edits e ON e.delivery_id = d.id "
    f"WHERE d.article_id = a.id AND e.state IN {OPEN}) "
    "AND NOT EXISTS (SELECT 1 FROM story_profiles p WHERE p.article_id = a.id "
    "AND p.id = (SELECT max(id) FROM story_profiles))"
)


def entry_keys(feed_id: int | None, guid: str | None, canonical_url: str | None) -> list[str]:
    """The forgotten-entry keys of a feed entry or a stored source: its canonical address
    (matched in any feed, as ``ArticleRepo.seen_source`` matches it) and its GUID within its
    feed. Hashed: fixed size, whatever the address."""
    keys = []
    if canonical_url:
        keys.append("u" + _digest(canonical_url))
    if guid and feed_id is not None:
        keys.append("g" + _digest(f"{feed_id}\x1f{guid}"))
    return keys


def _digest(text: str) -> str:
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()


@dataclass(frozen=True, slots=True)
class Batch:
    """What one batch deleted, and how long its write transaction took."""

    stories: int = 0
    rows: int = 0  # outbox rows, slots, usage counters or keys (the other kinds of batch)
    held_s: float = 0.0
    last: tuple[str, int] | None = None  # where the next batch of stories reads on from


class RetentionRepo:
    def __init__(self, db: Database, *, timer: Callable[[], float] = time.perf_counter) -> None:
        self._db = db
        self._timer = timer

    async def forgotten(self, keys: Iterable[str]) -> dict[str, datetime]:
        """Which of ``keys`` belong to entries of deleted stories, and when a feed last listed each."""
        wanted = list(dict.fromkeys(keys))
        if not wanted:
            return {}
        rows = await self._db.fetchall(
            f"SELECT key, seen_at FROM forgotten_entries WHERE key IN ({','.join('?' for _ in wanted)})", tuple(wanted))
        return {str(r[0]): from_db(r[1]) for r in rows}  # type: ignore[misc]

    async def touch(self, seen: Mapping[str, datetime], *, now: datetime) -> None:
        """A feed still lists these forgotten entries (key: when last seen): their keys live on
        from ``now``; written at most once per ``TOUCH_EVERY``, so a poll mostly writes nothing."""
        stale = sorted(k for k, at in seen.items() if at < now - TOUCH_EVERY)
        if stale:
            await self._db.execute(
                f"UPDATE forgotten_entries SET seen_at = ? WHERE key IN ({','.join('?' for _ in stale)})",
                (to_db(now), *stale),
            )

    async def remember(self, keys: Iterable[str], *, now: datetime) -> None:
        """Record more keys of a deleted story's entries (another link to its page)."""
        rows = [(k, to_db(now)) for k in sorted(set(keys))]
        if rows:
            async with self._db.transaction() as conn:
                await conn.executemany(_REMEMBER, rows)

    async def delete_stories(
        self, *, cutoff: datetime, now: datetime, limit: int, after: tuple[str, int] | None,
        profile_terms: Callable[[str], Sequence[str] | None],
    ) -> tuple[Batch, Counter[str]]:
        """Delete at most ``limit`` deletable stories fetched before ``cutoff``, oldest first,
        reading on from ``after`` (the ``last`` of the previous batch), in one transaction.
        ``profile_terms`` gives the terms a stored profile counted in ``term_df`` (None: it cannot
        be read, and its story is kept, since its counts could not be taken away). Returns the
        batch and how much each ``term_df`` count went down (the copies in memory learn it from
        ``dfmemory.record``, in the same transaction)."""
        pg = self._db.engine == "postgresql"
        since = to_db(cutoff)
        async with self._db.transaction() as conn:
            start = self._timer()  # the lock is held from here (SQLite: BEGIN IMMEDIATE took it)
            where, args = _DELETABLE, [since] * 4
            if after is not None:
                where += " AND a.fetched_at >= ? AND (a.fetched_at > ? OR a.id > ?)"
                args += [after[0], after[0], after[1]]
            rows = await _rows(conn, f"SELECT a.id, a.fetched_at FROM articles a WHERE {where} "
                               "ORDER BY a.fetched_at, a.id LIMIT ?" + (" FOR UPDATE OF a SKIP LOCKED" if pg else ""),
                               (*args, limit))
            if not rows:
                return Batch(held_s=self._timer() - start), Counter()
            last = (str(rows[-1][1]), int(rows[-1][0]))
            ids = [int(r[0]) for r in rows]
            if pg:  # rows locked now: whatever another replica queued for them meanwhile shows
                ids = [int(r[0]) for r in await _rows(
                    conn, f"SELECT a.id FROM articles a WHERE a.id IN ({_marks(ids)}) AND {_DELETABLE}",
                    (*ids, *[since] * 4))]
            if not ids:
                return Batch(held_s=self._timer() - start, last=last), Counter()
            counted: dict[int, Counter[str]] = {i: Counter() for i in ids}
            profiles = f"SELECT article_id, profile FROM story_profiles WHERE article_id IN ({_marks(ids)})"
            for r in await _rows(conn, profiles, ids):
                read = profile_terms(r[1])
                if read is None:  # unreadable: what it counted is unknown, so the story stays
                    counted.pop(int(r[0]), None)
                elif int(r[0]) in counted:
                    counted[int(r[0])].update(("", *dict.fromkeys(read)))
            ids = [i for i in ids if i in counted]
            if not ids:
                return Batch(held_s=self._timer() - start, last=last), Counter()
            terms: Counter[str] = Counter()
            for each in counted.values():
                terms.update(each)
            marks = _marks(ids)
            sources = await _rows(conn, f"SELECT feed_id, guid, canonical_url FROM article_sources "
                                  f"WHERE article_id IN ({marks}) UNION ALL SELECT feed_id, guid, canonical_url "
                                  f"FROM articles WHERE id IN ({marks})", (*ids, *ids))
            keys = sorted({k for r in sources for k in entry_keys(r[0], r[1], r[2])})
            await conn.executemany(_REMEMBER, [(k, to_db(now)) for k in keys])
            if pg:
                # The trigger counts each index row's lexemes in term order, row after row; the
                # rows of all the batch's stems are locked first, in term order, as a story's
                # insert locks its own: a replica storing a story never waits in a cycle with this.
                await conn.execute(
                    "SELECT term FROM stem_df WHERE term IN (SELECT unnest(tsvector_to_array(f.tsv) "
                    f"|| '{{\"\"}}'::text[]) FROM articles_fts f WHERE f.rowid IN ({marks})) ORDER BY term FOR UPDATE",
                    ids)
            removed = [] if pg else await stemdf.index_rows(conn, ids)
            await conn.execute(f"DELETE FROM articles_fts WHERE rowid IN ({marks})", ids)  # PG: its trigger counts
            if not pg:
                await stemdf.change(conn, removed=removed)
            gone = sorted(terms.items())  # in term order, as StoryRepo.add_profile writes them: no deadlock
            await conn.executemany("UPDATE term_df SET df = df - ? WHERE term = ?", [(n, t) for t, n in gone])
            await conn.executemany("DELETE FROM term_df WHERE term = ? AND df <= 0", [(t,) for t, _ in gone])
            await conn.execute(f"DELETE FROM articles WHERE id IN ({marks})", ids)  # the rest by cascade
            # Last: the copies of term_df held in memory follow (storage.dfmemory); its version row
            # is locked after every term row, as StoryRepo.add_profile locks it.
            await dfmemory.record(conn, {t: -n for t, n in gone})
            self._db.stories.wrote()  # a check until this commits reads what it deleted (StoryRepo.usable_reader)
        return Batch(stories=len(ids), held_s=self._timer() - start, last=last), terms  # commit included

    async def delete_other_rows(self, *, cutoff: datetime, limit: int) -> Batch:
        """Delete at most ``limit`` rows of each other kind older than ``cutoff``: settled
        outbox rows of no story, digest slots (each timetable's last kept), LLM usage days."""
        since = to_db(cutoff)
        async with self._db.transaction() as conn:
            start = self._timer()
            changed = await _count(conn, (
                "DELETE FROM deliveries WHERE id IN (SELECT id FROM deliveries WHERE article_id IS NULL "
                f"AND created_at < ? AND state NOT IN {OPEN} AND id < (SELECT max(id) FROM deliveries) "
                "ORDER BY created_at LIMIT ?)"), (since, limit))
            changed += await _count(conn, (
                "DELETE FROM schedule_runs WHERE (schedule_id, slot_key) IN (SELECT r.schedule_id, r.slot_key "
                "FROM schedule_runs r WHERE r.slot_at < ? AND r.slot_at < (SELECT max(l.slot_at) FROM schedule_runs l "
                "WHERE l.schedule_id = r.schedule_id) ORDER BY r.slot_at LIMIT ?)"), (since, limit))
            changed += await _count(conn, (
                "DELETE FROM llm_usage WHERE (day, name) IN (SELECT day, name FROM llm_usage WHERE day < ? "
                "ORDER BY day LIMIT ?)"), (since[:10], limit))
        return Batch(rows=changed, held_s=self._timer() - start)

    async def expire_keys(self, *, cutoff: datetime, limit: int) -> Batch:
        """Delete at most ``limit`` forgotten-entry keys no feed listed since ``cutoff``."""
        async with self._db.transaction() as conn:
            start = self._timer()
            changed = await _count(conn, (
                "DELETE FROM forgotten_entries WHERE key IN (SELECT key FROM forgotten_entries "
                "WHERE seen_at < ? ORDER BY seen_at LIMIT ?)"), (to_db(cutoff), limit))
        return Batch(rows=changed, held_s=self._timer() - start)

    async def count_keys(self) -> int:
        return int(await self._db.scalar("SELECT count(*) FROM forgotten_entries") or 0)


def _marks(ids: Sequence[object]) -> str:
    return ",".join("?" for _ in ids)


async def _rows(conn: Any, sql: str, params: Sequence[object]) -> list[Any]:
    async with conn.execute(sql, tuple(params)) as cursor:
        return list(await cursor.fetchall())


async def _count(conn: Any, sql: str, params: Sequence[object]) -> int:
    cursor = await conn.execute(sql, tuple(params))
    return max(0, int(cursor.rowcount))
