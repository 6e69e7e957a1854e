"""Same-story detection's storage: profiles of source texts, their key stems, and IDF counts.

The decision itself is pure (``bot.news.stories``); this module stores what it needs and finds
candidates cheaply: a story's profile is keyed by its few rarest stems (``story_keys``), so
the check of a new article reads only the profiles sharing a key with it, however many
stories are stored.

Document frequencies are held in memory, all of them (``storage.dfmemory``: 46.8 MB at 100,000
stories), kept exact with the table: the statement that reads a check's candidates also reads
which change ``term_df`` is at, and when that is not the change the copy holds (another
process's write, or this one's own), the copy applies the changes it has not seen and the check
is done again (``find_candidates``). So a check costs no read of ``term_df`` (~1 ms before, for
the ~100 terms a cache missed) and one trip to the database, not two. Until the copy is loaded
(a few seconds after start, in the background) the checks read the table. On SQLite that one
statement is read on a connection of the check's own in the event loop's thread (``LoopReader``),
not through aiosqlite's thread.
"""

from __future__ import annotations

import itertools
import json
import logging
import sqlite3
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from storage._time import from_db, to_db
from storage import dfmemory
from storage.db import MMAP_BYTES, _file_stat, _identity
from storage.decoded import DecodedCache
from storage.dfmemory import DfMemory

if TYPE_CHECKING:
    from storage.db import Database

log = logging.getLogger(__name__)
DECODED_PROFILES = 4096  # candidates' vectors kept decoded (storage.decoded), the most recently used


def _candidates_query(keys: Sequence[str], since: datetime, limit: int, *, shared: bool = False
                      ) -> tuple[str, tuple[object, ...]]:
    """The profiles seen since ``since`` sharing the most of ``keys`` (at most ``limit``: those
    sharing most, then the newest): article id, vectors, seen at, id (after how many keys they
    share, if ``shared``). Unordered: ``ORDER BY c.shared DESC, p.id DESC`` orders them."""
    marks = ",".join("?" for _ in keys)
    return (
        f"SELECT {'c.shared, ' if shared else ''}p.article_id, p.vectors, p.seen_at, p.id FROM story_profiles p JOIN ("
        f"SELECT k.profile_id, count(*) AS shared FROM story_keys k WHERE k.term IN ({marks}) AND k.seen_at >= ? "
        f"GROUP BY k.profile_id ORDER BY shared DESC, k.profile_id DESC LIMIT ?) c ON c.profile_id = p.id",
        (*keys, to_db(since), limit),
    )


class LoopReader:
    """A read-only connection of its own to the SQLite file, read in the event loop's own thread.

    The candidates' statement is the one read of a same-story check, and going through
    aiosqlite's thread cost about as much again as SQLite's own work (0.43 of ~0.9 ms CPU a
    check, and on a loaded machine each hand-over waits for a core twice). Read here instead, it
    costs SQLite's work alone: a few hundred microseconds of the loop's time, the pages already
    in memory (the start-up warm-up, ``MMAP_BYTES``). It sees what is committed (WAL: a reader
    never waits for the writer), so it is used only while the caller's own open transaction
    has not written stories (``StoryRepo.usable_reader``); it never waits for a lock (busy
    timeout 0: a locked read is read through the shared connection that once), and any other
    error falls back to the shared connection for the rest of the run. The cost: a page not in
    memory is read while the loop waits (the first checks after a start without the warm-up).
    """

    def __init__(self, path: str, identity: tuple[int, int] | None = None) -> None:
        self._path = str(Path(path).resolve())  # the file the shared connection opened, whatever the cwd later
        # Device and inode of that file (``Database._identity``): the connection is opened on the
        # first read, and a file put at the path meanwhile (a restore) is not the one written to.
        self._identity = identity
        self._conn: sqlite3.Connection | None = None
        self.failed = False
        self.reads = 0  # statements read here (tests, the bench)

    def fetchall(self, sql: str, params: Sequence[object]) -> list[tuple] | None:
        """The rows, or None when this connection cannot read (then read through the database)."""
        if self.failed:
            return None
        try:
            if self._conn is None:
                if self._identity is not None and _identity(_file_stat(self._path)) != self._identity:
                    raise sqlite3.OperationalError(f"{self._path} is no longer the file the bot has open")
                conn = sqlite3.connect(Path(self._path).as_uri() + "?mode=ro", uri=True,
                                       check_same_thread=False, isolation_level=None)
                conn.execute("PRAGMA busy_timeout = 0")
                conn.execute(f"PRAGMA mmap_size = {MMAP_BYTES:d}")
                self._conn = conn
            rows = self._conn.execute(sql, tuple(params)).fetchall()
            self.reads += 1
            return rows
        except sqlite3.Error as exc:
            if isinstance(exc, sqlite3.OperationalError) and ("locked" in str(exc) or "busy" in str(exc)):
                return None  # a lock of the moment: this check reads through the database, the next here
            log.info("same-story checks read through the shared connection from now on (%s)", exc)
            self.failed = True
            self.close()
            return None

    def close(self) -> None:
        """Close the connection for good: a check after the database is closed (a job still
        running at shutdown) must not open it again, left open when nothing closes it."""
        self.failed = True
        if self._conn is not None:
            self._conn.close()
            self._conn = None


@dataclass(frozen=True, slots=True)
class StoredVectors:
    article_id: int
    vectors: str  # JSON, read by bot.news.stories.vectors_from_json
    seen_at: datetime
    profile_id: int = 0


class StoryRepo:
    def __init__(self, db: Database) -> None:
        self._db = db
        self.df_memory = DfMemory(db)
        # The candidates' vectors, decoded by the caller (bot.storyflow), kept for the next checks.
        self.decoded: DecodedCache[object] = DecodedCache(DECODED_PROFILES)
        path = str(db.path)  # a file of its own to open: not PostgreSQL, nor an in-memory or URI database
        on_file = db.engine == "sqlite" and path != ":memory:" and not path.startswith("file:")
        self.reader = LoopReader(path, db._identity) if on_file else None
        self._written_in = -1  # the write transaction (Database.transactions) that last wrote profiles

    def wrote(self) -> None:
        """Profiles or their keys were written in the open transaction (every writer calls it)."""
        self._written_in = getattr(self._db, "transactions", -1)

    def usable_reader(self) -> LoopReader | None:
        """``reader``, unless a transaction open on the shared connection has written profiles:
        until it ends, a check sees what it wrote, as every read of that connection does."""
        if self.reader is None or self.reader.failed:
            return None
        if getattr(self._db, "_tx_owner", None) is not None and self._written_in == self._db.transactions:
            return None
        return self.reader

    async def document_frequencies(self, terms: Iterable[str]) -> tuple[dict[str, int], int]:
        """How many stored profiles hold each of ``terms`` (those held by none are left out),
        and how many profiles there are."""
        wanted = list(dict.fromkeys(("", *terms)))  # '' counts the profiles
        table = await self.df_memory.table()
        counts = None if table is None else table.counts(wanted)
        if counts is None:  # not loaded yet (or a term whose hash two stored terms share)
            read = {r[0]: int(r[1]) for r in await self._db.fetchall(*self._df_query(wanted))}
            counts = [read.get(t, 0) for t in wanted]
        return {t: df for t, df in zip(wanted[1:], counts[1:]) if df}, counts[0]

    async def load_document_frequencies(self) -> None:
        """Hold every document frequency in memory now (start-up; otherwise the first check
        starts it in the background)."""
        await self.df_memory.load()

    async def close(self) -> None:
        await self.df_memory.close()
        if self.reader is not None:
            self.reader.close()

    def _df_query(self, terms: list[str]) -> tuple[str, tuple[object, ...]]:
        """One statement for all of ``terms``, whatever their number (about 230 a check):
        one text the engine prepares once, one trip to the database."""
        if self._db.engine == "postgresql":
            return "SELECT term, df FROM term_df WHERE term = ANY(?::text[])", (terms,)
        return ("SELECT term, df FROM term_df WHERE term IN (SELECT value FROM json_each(?))",
                (json.dumps(terms, ensure_ascii=False),))

    async def candidates(self, keys: Sequence[str], *, since: datetime, limit: int = 30) -> list[StoredVectors]:
        """Vectors of the source texts seen since ``since`` sharing the most of ``keys``, at
        most ``limit``."""
        if not keys:
            return []
        sql, args = _candidates_query(keys, since, limit)
        rows = await self._db.fetchall(sql + " ORDER BY c.shared DESC, p.id DESC", args)
        return [StoredVectors(int(r[0]), r[1], from_db(r[2]), int(r[3])) for r in rows]  # type: ignore[arg-type]

    async def find_candidates(
        self, terms: Iterable[str], choose_keys: Callable[[dict[str, int], int], Sequence[str]], *,
        since: datetime, limit: int = 30,
    ) -> tuple[dict[str, int], int, list[StoredVectors]]:
        """``document_frequencies(terms)``, then ``candidates`` of the keys ``choose_keys`` picks
        with them, in one trip to the database when the copy in memory is loaded: the counts
        are the copy's as it stands, and the statement that reads the candidates also reads
        which change ``term_df`` is at. Only if that is not the change the copy is at (another
        process or transaction wrote since) is the copy caught up and the whole done again, so
        the counts are always those of the table the candidates were read from."""
        wanted = list(dict.fromkeys(("", *terms)))
        for _ in range(3):
            table, at = self.df_memory.held()
            counts = None if table is None else table.counts(wanted)
            if counts is None:
                break
            df = {t: n for t, n in zip(wanted[1:], counts[1:]) if n}
            keys = choose_keys(df, counts[0])
            stored, version = await self._candidates_at(keys, since, limit)
            if version == at:
                return df, counts[0], stored
            await self.df_memory.table()  # catch up (or start loading it again), then once more
        df, documents = await self.document_frequencies(wanted[1:])
        return df, documents, await self.candidates(choose_keys(df, documents), since=since, limit=limit)

    async def _candidates_at(self, keys: Sequence[str], since: datetime, limit: int
                             ) -> tuple[list[StoredVectors], tuple[int, int]]:
        """``candidates``, and the (seq, token) of ``term_df_version`` read by the same statement."""
        reader = self.usable_reader()
        if not keys:
            rows = None if reader is None else reader.fetchall(dfmemory.VERSION, ())
            if rows is None:
                rows = await self._db.fetchall(dfmemory.VERSION)
            return [], dfmemory.version_of(next(iter(rows), None))
        sql, args = _candidates_query(keys, since, limit, shared=True)
        # The version row first, its values in columns of the same types (PostgreSQL checks them).
        sql = f"SELECT NULL, seq, NULL, NULL, token FROM term_df_version WHERE id = 1 UNION ALL {sql}"
        rows = None if reader is None else reader.fetchall(sql, args)
        if rows is None:
            rows = await self._db.fetchall(sql, args)
        version = dfmemory.version_of(next(((r[1], r[4]) for r in rows if r[0] is None), None))
        found = sorted((r for r in rows if r[0] is not None), key=lambda r: (-int(r[0]), -int(r[4])))
        return [StoredVectors(int(r[1]), r[2], from_db(r[3]), int(r[4])) for r in found], version  # type: ignore[arg-type]

    async def add_profile(
        self, article_id: int, profile: str, vectors: str, *, keys: Sequence[str], terms: Iterable[str],
        now: datetime,
    ) -> None:
        """Store one source text's profile under its key stems and count its ``terms`` (the
        distinct stems, names and numbers) in the document frequencies."""
        counted = list(dict.fromkeys(("", *terms)))  # '' counts the profiles
        async with self._db.transaction() as conn:
            cursor = await conn.execute(
                "INSERT INTO story_profiles (article_id, profile, vectors, seen_at) VALUES (?, ?, ?, ?) RETURNING id",
                (article_id, profile, vectors, to_db(now)),
            )
            profile_id = int((await cursor.fetchone())[0])
            await conn.executemany(
                "INSERT INTO story_keys (term, profile_id, seen_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
                [(key, profile_id, to_db(now)) for key in dict.fromkeys(keys)],
            )
            await conn.executemany(  # in term order, as retention's decrements: no deadlock between replicas
                "INSERT INTO term_df (term, df) VALUES (?, 1) ON CONFLICT (term) DO UPDATE SET df = term_df.df + 1",
                [(term,) for term in sorted(counted)],
            )
            await dfmemory.record(conn, dict.fromkeys(counted, 1))
            self.wrote()

    async def profiles_of(self, article_id: int) -> list[tuple[int, str]]:
        """(profile id, profile) of every source text stored for a story, first one first."""
        rows = await self._db.fetchall(
            "SELECT id, profile FROM story_profiles WHERE article_id = ? ORDER BY id", (article_id,)
        )
        return [(int(r[0]), r[1]) for r in rows]

    async def replace_profile(
        self, profile_id: int, profile: str | None, vectors: str | None, *, keys: Sequence[str],
        old_terms: Iterable[str], terms: Iterable[str],
    ) -> None:
        """A source text changed (a correction): its profile, vectors and key stems become the
        new ones, and the document frequencies move from ``old_terms`` to ``terms``. ``profile``
        None: the new text keys nothing (boilerplate), so the profile is removed."""
        old, new = set(old_terms), set(terms)
        async with self._db.transaction() as conn:
            await conn.execute("DELETE FROM story_keys WHERE profile_id = ?", (profile_id,))
            if profile is None:
                await conn.execute("DELETE FROM story_profiles WHERE id = ?", (profile_id,))
                gone, added = list(dict.fromkeys(("", *sorted(old)))), []
            else:
                await conn.execute("UPDATE story_profiles SET profile = ?, vectors = ? WHERE id = ?",
                                   (profile, vectors, profile_id))
                # The keys keep the profile's own time: a correction does not make a story newer.
                await conn.executemany(
                    "INSERT INTO story_keys (term, profile_id, seen_at) SELECT ?, id, seen_at FROM story_profiles "
                    "WHERE id = ? ON CONFLICT DO NOTHING",
                    [(key, profile_id) for key in dict.fromkeys(keys)],
                )
                gone, added = sorted(old - new), sorted(new - old)
            # One pass in term order, as add_profile and retention's decrements lock the rows (the
            # gone terms first, then the added ones, held a later term while waiting for an earlier
            # one: a deadlock with another replica's writer). Runs of one kind go in one call.
            changes = sorted({**dict.fromkeys(gone, -1), **dict.fromkeys(added, 1)}.items())
            for delta, run in itertools.groupby(changes, key=lambda change: change[1]):
                await conn.executemany(
                    "UPDATE term_df SET df = df - 1 WHERE term = ? AND df > 0" if delta < 0 else
                    "INSERT INTO term_df (term, df) VALUES (?, 1) ON CONFLICT (term) DO UPDATE SET df = term_df.df + 1",
                    [(t,) for t, _ in run],
                )
            await dfmemory.record(conn, dict(changes))
            self.wrote()

    async def first_profiles(self, article_ids: Sequence[int]) -> dict[int, str]:
        """The first stored profile of each story (its own source's text), by story id."""
        ids = list(dict.fromkeys(article_ids))
        if not ids:
            return {}
        rows = await self._db.fetchall(
            f"SELECT article_id, profile FROM story_profiles WHERE id IN (SELECT min(id) FROM story_profiles "
            f"WHERE article_id IN ({','.join('?' for _ in ids)}) GROUP BY article_id)",
            tuple(ids),
        )
        return {int(r[0]): r[1] for r in rows}

    async def add_profiles(self, rows: Sequence[tuple[int, str, str, Sequence[str], Sequence[str], datetime]]) -> None:
        """``add_profile`` for many source texts in one transaction: (article id, profile,
        vectors, keys, terms, seen at). For bulk loads (benchmarks, re-indexing)."""
        async with self._db.transaction() as conn:
            df: dict[str, int] = {}
            for article_id, profile, vectors, keys, terms, seen_at in rows:
                cursor = await conn.execute(
                    "INSERT INTO story_profiles (article_id, profile, vectors, seen_at) VALUES (?, ?, ?, ?) RETURNING id",
                    (article_id, profile, vectors, to_db(seen_at)),
                )
                profile_id = int((await cursor.fetchone())[0])
                await conn.executemany(
                    "INSERT INTO story_keys (term, profile_id, seen_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
                    [(key, profile_id, to_db(seen_at)) for key in dict.fromkeys(keys)],
                )
                for term in dict.fromkeys(("", *terms)):
                    df[term] = df.get(term, 0) + 1
            await conn.executemany(
                "INSERT INTO term_df (term, df) VALUES (?, ?) ON CONFLICT (term) DO UPDATE SET df = term_df.df + excluded.df",
                list(df.items()),
            )
            await dfmemory.record(conn, None)  # a bulk load: copies in memory load the table again
            self.wrote()
