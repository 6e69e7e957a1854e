"""Same-story detection's storage: profiles of source texts, their key stems, and IDF counts.

The decision itself is pure (``bot.news.stories``); this module stores what it needs and finds
candidates cheaply: a story's profile is keyed by its few rarest stems (``story_keys``), so
the check of a new article reads only the profiles sharing a key with it, however many
stories are stored.

Document frequencies are cached in memory (``storage.dfcache``): a check needs those of about
230 terms, its common stems looked up a moment ago, but its phrases (pairs of stems,
``MAX_PHRASES`` a profile) mostly never seen: about 100 are read from ``term_df`` per check, all
in one statement. This process's own additions update the cache as they are written; what
other processes add (replicas on one database) shows after at most ``DF_CACHE_SECONDS``, a
drift the IDF does not notice. A transaction rolled back after an addition leaves its counts
one too high for as long. The cache is dropped a 64th at a time, in turn, and only a 64th
goes past ``DF_CACHE_TERMS``, so no check has to read all of its terms again at once.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from storage._time import from_db, to_db
from storage.decoded import DecodedCache
from storage.dfcache import DfCache

if TYPE_CHECKING:
    from storage.db import Database

DF_CACHE_SECONDS = 300.0  # a cached document frequency is read again at most this long after it was read
DF_CACHE_TERMS = 200_000  # past this many counts a part of the cache is dropped
DECODED_PROFILES = 4096  # candidates' vectors kept decoded (storage.decoded), the most recently used


@dataclass(frozen=True, slots=True)
class StoredVectors:
    article_id: int
    vectors: str  # JSON, read by bot.news.stories.vectors_from_json
    seen_at: datetime
    profile_id: int = 0


class StoryRepo:
    def __init__(self, db: Database, *, clock: Callable[[], float] = time.monotonic) -> None:
        self._db = db
        self._df = DfCache(ttl=DF_CACHE_SECONDS, capacity=DF_CACHE_TERMS, clock=clock)
        # The candidates' vectors, decoded by the caller (bot.storyflow), kept for the next checks.
        self.decoded: DecodedCache[object] = DecodedCache(DECODED_PROFILES)

    async def document_frequencies(self, terms: Iterable[str]) -> tuple[dict[str, int], int]:
        """How many stored profiles hold each of ``terms`` (those held by none are left out),
        and how many profiles there are."""
        wanted = list(dict.fromkeys(("", *terms)))  # '' counts the profiles
        counts, missing = self._df.lookup(wanted)
        if missing:
            rows = await self._db.fetchall(*self._df_query(missing))
            read = dict.fromkeys(missing, 0)
            read.update((r[0], int(r[1])) for r in rows)
            self._df.store(read)
            counts.update(read)
        return {t: df for t in wanted[1:] if (df := counts.get(t, 0))}, counts.get("", 0)

    def _df_query(self, terms: list[str]) -> tuple[str, tuple[object, ...]]:
        """One statement for all of ``terms``, whatever their number (a check misses about 100,
        its phrases mostly): one text the engine prepares once, one trip to the database."""
        if self._db.engine == "postgresql":
            return "SELECT term, df FROM term_df WHERE term = ANY(?::text[])", (terms,)
        return ("SELECT term, df FROM term_df WHERE term IN (SELECT value FROM json_each(?))",
                (json.dumps(terms, ensure_ascii=False),))

    def _counted(self, terms: Iterable[str]) -> None:
        """This process added a profile holding ``terms`` (and ''): keep cached counts exact."""
        self._df.add(terms, 1)

    def counted_away(self, counts: Mapping[str, int]) -> None:
        """Profiles holding these terms were deleted (``storage.retention``): each term's count
        went down by its number here; keep the cached counts exact."""
        by_delta: dict[int, list[str]] = {}
        for term, n in counts.items():
            by_delta.setdefault(-n, []).append(term)
        for delta, terms in by_delta.items():
            self._df.add(terms, delta)

    async def candidates(self, keys: Sequence[str], *, since: datetime, limit: int = 30) -> list[StoredVectors]:
        """Vectors of the source texts seen since ``since`` sharing the most of ``keys``, at
        most ``limit``."""
        if not keys:
            return []
        marks = ",".join("?" for _ in keys)
        rows = await self._db.fetchall(
            f"""
            SELECT p.article_id, p.vectors, p.seen_at, p.id FROM story_profiles p JOIN (
                SELECT k.profile_id, count(*) AS shared FROM story_keys k
                WHERE k.term IN ({marks}) AND k.seen_at >= ?
                GROUP BY k.profile_id ORDER BY shared DESC, k.profile_id DESC LIMIT ?
            ) c ON c.profile_id = p.id ORDER BY c.shared DESC
            """,
            (*keys, to_db(since), limit),
        )
        return [StoredVectors(int(r[0]), r[1], from_db(r[2]), int(r[3])) for r in rows]  # type: ignore[arg-type]

    async def add_profile(
        self, article_id: int, profile: str, vectors: str, *, keys: Sequence[str], terms: Iterable[str],
        now: datetime,
    ) -> None:
        """Store one source text's profile under its key stems and count its ``terms`` (the
        distinct stems, names and numbers) in the document frequencies."""
        distinct = list(dict.fromkeys(terms))
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
                [(term,) for term in sorted(("", *distinct))],
            )
            self._counted(("", *distinct))

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
                gone, added = ["", *sorted(old)], []
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
            await conn.executemany("UPDATE term_df SET df = df - 1 WHERE term = ? AND df > 0", [(t,) for t in gone])
            await conn.executemany(
                "INSERT INTO term_df (term, df) VALUES (?, 1) ON CONFLICT (term) DO UPDATE SET df = term_df.df + 1",
                [(t,) for t in added],
            )
        self._df.add(gone, -1)
        self._counted(added)

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
                for term in ("", *dict.fromkeys(terms)):
                    df[term] = df.get(term, 0) + 1
            await conn.executemany(
                "INSERT INTO term_df (term, df) VALUES (?, ?) ON CONFLICT (term) DO UPDATE SET df = term_df.df + excluded.df",
                list(df.items()),
            )
            self._df.clear()  # a bulk load: read them afresh
