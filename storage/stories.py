"""Same-story detection's storage: profiles of source texts, their key stems, and IDF counts.

The decision itself is pure (``bot.news.stories``); this module stores what it needs and finds
candidates cheaply: a story's profile is keyed by its few rarest stems (``story_keys``), so
the check of a new article reads only the profiles sharing a key with it, however many
stories are stored.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from storage._time import from_db, to_db

if TYPE_CHECKING:
    from storage.db import Database

_CHUNK = 500  # host parameters per IN (...) list, well under SQLite's limit


@dataclass(frozen=True, slots=True)
class StoredVectors:
    article_id: int
    vectors: str  # JSON, read by bot.news.stories.vectors_from_json
    seen_at: datetime


class StoryRepo:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def document_frequencies(self, terms: Iterable[str]) -> tuple[dict[str, int], int]:
        """How many stored profiles hold each of ``terms``, and how many profiles there are."""
        wanted = list(dict.fromkeys(("", *terms)))  # '' counts the profiles: one round trip
        found: dict[str, int] = {}
        for start in range(0, len(wanted), _CHUNK):
            chunk = wanted[start : start + _CHUNK]
            rows = await self._db.fetchall(
                f"SELECT term, df FROM term_df WHERE term IN ({','.join('?' for _ in chunk)})", tuple(chunk)
            )
            found.update((r[0], int(r[1])) for r in rows)
        total = found.pop("", 0)
        return found, total

    async def candidates(self, keys: Sequence[str], *, since: datetime, limit: int = 30) -> list[StoredVectors]:
        """Vectors of the source texts seen since ``since`` sharing the most of ``keys``, at
        most ``limit``."""
        if not keys:
            return []
        marks = ",".join("?" for _ in keys)
        rows = await self._db.fetchall(
            f"""
            SELECT p.article_id, p.vectors, p.seen_at FROM story_profiles p JOIN (
                SELECT k.profile_id, count(*) AS shared FROM story_keys k
                JOIN story_profiles q ON q.id = k.profile_id
                WHERE k.term IN ({marks}) AND q.seen_at >= ?
                GROUP BY k.profile_id ORDER BY shared DESC, k.profile_id DESC LIMIT ?
            ) c ON c.profile_id = p.id ORDER BY c.shared DESC
            """,
            (*keys, to_db(since), limit),
        )
        return [StoredVectors(int(r[0]), r[1], from_db(r[2])) for r in rows]  # type: ignore[arg-type]

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
                "INSERT INTO story_keys (term, profile_id) VALUES (?, ?) ON CONFLICT DO NOTHING",
                [(key, profile_id) for key in dict.fromkeys(keys)],
            )
            await conn.executemany(
                "INSERT INTO term_df (term, df) VALUES (?, 1) ON CONFLICT (term) DO UPDATE SET df = term_df.df + 1",
                [(term,) for term in ("", *distinct)],
            )

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
                    "INSERT INTO story_keys (term, profile_id) VALUES (?, ?) ON CONFLICT DO NOTHING",
                    [(key, profile_id) for key in dict.fromkeys(keys)],
                )
                for term in ("", *dict.fromkeys(terms)):
                    df[term] = df.get(term, 0) + 1
            await conn.executemany(
                "INSERT INTO term_df (term, df) VALUES (?, ?) ON CONFLICT (term) DO UPDATE SET df = term_df.df + excluded.df",
                list(df.items()),
            )
