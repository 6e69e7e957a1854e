"""Stored stories, their sources, and the full-text index behind related-story search.

A story is one ``articles`` row; every feed entry or URL that carried it is an
``article_sources`` row. Whether two texts are the same story is decided by the caller (the
news core owns fingerprints); this module only stores, finds candidates and searches.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING

from storage import fulltext, fulltext_pg, stemdf
from storage._time import from_db, to_db
from storage.article_rows import COLUMNS as _COLUMNS
from storage.article_rows import FROM as _FROM
from storage.article_rows import NewArticle, StoredArticle, StorySource
from storage.article_rows import article_from_row as _article

__all__ = ["ArticleRepo", "NewArticle", "StoredArticle", "StorySource"]

if TYPE_CHECKING:
    from storage.db import Database


# Related-story search (see ``ArticleRepo.search``): a stem matching this many stories is
# "common"; at most this many stories get a BM25 score for the rare words of one query.
_RARE_DOCS = 500
MATCH_COUNT_CAP = _RARE_DOCS  # match counts stop here (``match_counts``)
_RARE_BUDGET = 3000
_MAX_TERMS = 64
_fts_string = fulltext.fts_string


def _counts_probe(count: int) -> str:
    """One SQLite round trip counting, for each of ``count`` FTS5 MATCH expressions (the
    parameters, in order), its matching stories up to ``_RARE_DOCS``: rows (index, count)."""
    return " UNION ALL ".join(
        f"SELECT {index:d}, (SELECT count(*) FROM (SELECT 1 FROM articles_fts WHERE articles_fts "
        f"MATCH ? LIMIT {_RARE_DOCS:d}))"
        for index in range(count)
    )


class ArticleRepo:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def count(self) -> int:
        return int(await self._db.scalar("SELECT count(*) FROM articles") or 0)

    async def count_since(self, since: datetime) -> int:
        return int(await self._db.scalar("SELECT count(*) FROM articles WHERE fetched_at >= ?", (to_db(since),)) or 0)

    async def get(self, article_id: int) -> StoredArticle | None:
        row = await self._db.fetchone(f"SELECT {_COLUMNS} {_FROM} WHERE a.id = ?", (article_id,))
        return None if row is None else _article(row)

    async def get_many(self, ids: Sequence[int]) -> list[StoredArticle]:
        """Articles by id, in the order of ``ids`` (missing ones left out)."""
        if not ids:
            return []
        marks = ",".join("?" for _ in ids)
        rows = await self._db.fetchall(f"SELECT {_COLUMNS} {_FROM} WHERE a.id IN ({marks})", tuple(ids))
        by_id = {row["id"]: _article(row) for row in rows}
        return [by_id[i] for i in ids if i in by_id]

    async def seen_source(self, feed_id: int | None, guid: str | None, canonical_url: str) -> int | None:
        """The story a feed entry already became (same GUID in that feed, or same URL anywhere)."""
        row = await self._db.fetchone(
            "SELECT article_id FROM article_sources WHERE canonical_url = ? "
            "UNION ALL SELECT article_id FROM article_sources WHERE feed_id = ? AND guid = ? LIMIT 1",
            (canonical_url or None, feed_id, guid),  # NULL never matches: no URL, no match
        )
        return None if row is None else int(row[0])

    async def by_canonical_url(self, urls: Iterable[str]) -> int | None:
        """The story stored under any of these canonical URLs (as article or as a source)."""
        for url in dict.fromkeys(u for u in urls if u):
            row = await self._db.fetchone(
                "SELECT id FROM articles WHERE canonical_url = ? "
                "UNION ALL SELECT article_id FROM article_sources WHERE canonical_url = ? LIMIT 1",
                (url, url),
            )
            if row is not None:
                return int(row[0])
        return None

    async def hold(self, article_id: int) -> bool:
        """Whether a story is still stored, kept so until the caller's transaction ends: what a
        join checks before it adds to a story it found a moment ago, which retention may have
        deleted meanwhile. On PostgreSQL a FOR SHARE lock: a deletion under way (retention's
        FOR UPDATE) is waited for and then seen, and retention, which skips locked rows, leaves
        the story alone until the join is committed (a new source keeps it then). On SQLite the
        write transaction the caller holds already keeps every other writer out."""
        lock = " FOR SHARE" if self._db.engine == "postgresql" else ""
        return await self._db.fetchone("SELECT id FROM articles WHERE id = ?" + lock, (article_id,)) is not None

    async def fingerprint_candidates(self, bands: tuple[int, int, int, int], since: datetime) -> list[tuple[int, int]]:
        """(id, fingerprint) of stories that may be the same story: every one fetched since
        ``since`` (the caller compares them all), plus older ones sharing a fingerprint band
        (near-identical reposts, found through the band indexes)."""
        rows = await self._db.fetchall(
            "SELECT id, fingerprint FROM articles WHERE fetched_at >= ? AND fingerprint IS NOT NULL "
            "UNION SELECT id, fingerprint FROM articles WHERE fingerprint IS NOT NULL "
            "AND (fp_band0 = ? OR fp_band1 = ? OR fp_band2 = ? OR fp_band3 = ?)",
            (to_db(since), *bands),
        )
        return [(int(r[0]), int(r[1])) for r in rows]

    async def insert(self, new: NewArticle, *, now: datetime) -> int:
        """Store a new story with its first source and its search terms; returns its id."""
        bands = new.bands or (None, None, None, None)
        async with self._db.transaction() as conn:
            cursor = await conn.execute(
                "INSERT INTO articles (feed_id, url, canonical_url, guid, title, text, summary, language, "
                "author, published_at, fetched_at, from_feed, related_json, fingerprint, "
                "fp_band0, fp_band1, fp_band2, fp_band3) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?) RETURNING id",
                (
                    new.feed_id, new.url, new.canonical_url, new.guid, new.title, new.text, new.summary,
                    new.language, new.author, to_db(new.published_at), to_db(now), int(new.from_feed),
                    json.dumps([list(link) for link in new.related], ensure_ascii=False),
                    new.fingerprint, *bands,
                ),
            )
            article_id = int((await cursor.fetchone())[0])
            await conn.execute(
                "INSERT INTO article_sources (article_id, feed_id, url, canonical_url, guid, seen_at) "
                "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
                (article_id, new.feed_id, new.url, new.canonical_url, new.guid, to_db(now)),
            )
            await conn.execute(
                "INSERT INTO articles_fts (rowid, title, body) VALUES (?, ?, ?)",
                (article_id, new.title_terms, new.body_terms),
            )
            if self._db.engine != "postgresql":  # there a trigger keeps stem_df
                await stemdf.change(conn, added=[(new.title_terms, new.body_terms)])
        return article_id

    async def set_media(self, article_id: int, *, image_url: str, categories: Sequence[str]) -> None:
        """Record a story's lead image and its feed categories (kept apart from ``insert``)."""
        await self._db.execute(
            "UPDATE articles SET image_url = ?, categories_json = ? WHERE id = ?",
            (image_url, json.dumps(list(categories), ensure_ascii=False), article_id),
        )

    async def add_source(
        self, article_id: int, *, feed_id: int | None, url: str, canonical_url: str, guid: str | None, now: datetime
    ) -> bool:
        """Record that another feed entry or URL carried a known story; False if already known."""
        async with self._db.transaction() as conn:
            cursor = await conn.execute(
                "INSERT INTO article_sources (article_id, feed_id, url, canonical_url, guid, seen_at) "
                "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
                (article_id, feed_id, url, canonical_url, guid, to_db(now)),
            )
            added = cursor.rowcount > 0
            if added:
                await conn.execute(
                    "UPDATE articles SET source_count = "
                    "(SELECT count(DISTINCT COALESCE(CAST(feed_id AS TEXT), url)) FROM article_sources WHERE article_id = ?) "
                    "WHERE id = ?",
                    (article_id, article_id),
                )
        return added

    async def search(
        self, groups: Sequence[Sequence[str]], *, limit: int, now: datetime, exclude: Sequence[int] = (),
        half_life_days: float = 14.0, candidates: int = 100, counts: Mapping[str, int] | None = None,
    ) -> list[StoredArticle]:
        """Stories matching query words, best first: BM25 (title weighted) with a recency boost
        and a small one for stories more outlets reported (+10% a source, at most +50%).

        ``groups`` holds, per query word, the index stems it may appear under (from
        ``bot.news.textsearch.query_groups``). FTS5 scores every matching row before LIMIT, so a
        common word ("Ukraine" in a news archive) would score tens of thousands of rows. The
        cost is bounded instead: a first round trip reads each stem's matches (``stem_df``, capped at
        ``_RARE_DOCS``); the rare words' best ``candidates`` by BM25 come from any date, the
        common words' from the newest stories matching every word and, with no rare word, any
        word (only while fewer than ``candidates`` match every word); the union is re-ranked by relevance and recency on narrow
        rows, and only the winners are read whole. On SQLite ``storage.fulltext`` runs it,
        scoring the newest matches' BM25 itself when FTS5's IDF walks would cost more.

        ``counts``: what ``match_counts`` answered for these terms a moment ago, if the caller
        asked (then the first round trip is saved; a term it lacks counts as matching nothing).
        """
        terms = list(dict.fromkeys(term for group in groups for term in group))[:_MAX_TERMS]
        if not terms:
            return []
        if counts is None:
            counts, _ = await self._match_counts(terms)
        groups = [g for g in (tuple(t for t in group if counts.get(t)) for group in groups) if g]
        if not groups:
            return []
        docs = [sum(counts[t] for t in group) for group in groups]
        rare: list[tuple[str, ...]] = []
        spent = 0
        for index in sorted(range(len(groups)), key=docs.__getitem__):
            if docs[index] >= _RARE_DOCS or spent + docs[index] > _RARE_BUDGET:
                break
            rare.append(groups[index])
            spent += docs[index]
        if self._db.engine == "postgresql":
            sql, args = fulltext_pg.search_statement(
                groups, rare, counts, columns=_COLUMNS, source=_FROM, now=to_db(now),  # type: ignore[arg-type]
                half_life_days=half_life_days, candidates=candidates, exclude=exclude, limit=limit,
            )
            return [_article(r) for r in await self._db.fetchall(sql, args)]
        plan = fulltext.Plan(groups, rare, counts, _RARE_DOCS, candidates)
        ranking = fulltext.Ranking(_COLUMNS, _FROM, to_db(now), half_life_days, exclude, limit)  # type: ignore[arg-type]
        return [_article(r) for r in await fulltext.search(self._db, plan, ranking)]

    async def match_counts(self, terms: Sequence[str]) -> dict[str, int]:
        """How many stories each stem matches, counted only up to 500 (cheap)."""
        return (await self._match_counts(list(dict.fromkeys(terms))[:_MAX_TERMS]))[0]

    async def match_counts_and_stories(self, terms: Sequence[str]) -> tuple[dict[str, int], int]:
        """``match_counts`` and the number of indexed stories, cheaply: on SQLite ``stem_df``'s
        exact count, read with the stems; on PostgreSQL the largest story id (O(log n), as its
        ranking takes it; counting the rows would read them all)."""
        counts, stories = await self._match_counts(list(dict.fromkeys(terms))[:_MAX_TERMS])
        if stories is None:
            stories = int(await self._db.scalar("SELECT COALESCE(max(rowid), 0) FROM articles_fts") or 0)
        return counts, stories

    async def _match_counts(self, terms: Sequence[str]) -> tuple[dict[str, int], int | None]:
        """How many stories each stem matches, up to ``_RARE_DOCS``: ``stem_df``'s exact counts
        (one read), capped; a stem the index would read as several tokens is counted by MATCH.
        With them the number of indexed stories, which SQLite's ``stem_df`` read gives for
        free (None on PostgreSQL)."""
        if self._db.engine == "postgresql":
            rows = await self._db.fetchall(fulltext_pg.match_counts_statement(len(terms)), tuple(terms))
            return {terms[int(index)]: int(count) for index, count in rows}, None
        exact, indexed = await stemdf.counts(self._db, terms)
        counts = {t: min(n, _RARE_DOCS) for t, n in exact.items()}
        terms = [t for t in terms if t not in counts]
        if not terms:
            return counts, indexed
        rows = await self._db.fetchall(_counts_probe(len(terms)), tuple(_fts_string(t) for t in terms))
        counts.update((terms[int(index)], int(count)) for index, count in rows)
        return counts, indexed

    async def co_match_counts(self, pairs: Sequence[tuple[Sequence[str], str]]) -> list[int]:
        """For each (stems, key), how many stories hold one of the stems and the key, counted
        only up to 500: one round trip. ``bot.related`` asks it whether a lower-case query
        word is used as a name (most stories holding "putin" also hold the key of a
        capitalized "Putin")."""
        pairs = [(tuple(stems), key) for stems, key in pairs if stems and key]
        if not pairs:
            return []
        if self._db.engine == "postgresql":
            sql, args = fulltext_pg.co_match_counts_statement(pairs)
        else:
            sql = _counts_probe(len(pairs))
            args = [f"{fulltext.fts_any(stems)} AND {_fts_string(key)}" for stems, key in pairs]
        counts = [0] * len(pairs)
        for index, count in await self._db.fetchall(sql, tuple(args)):
            counts[int(index)] = int(count)
        return counts

    async def latest(self, *, feed_ids: Sequence[int] | None = None, limit: int = 10,
                     since: datetime | None = None) -> list[StoredArticle]:
        """The newest stories by their own time (published, else fetched), newest first,
        optionally only from some feeds and fetched after a moment."""
        where, params = [], []
        if feed_ids is not None:
            if not feed_ids:
                return []
            where.append(
                f"a.id IN (SELECT article_id FROM article_sources WHERE feed_id IN ({','.join('?' for _ in feed_ids)}))"
            )
            params.extend(feed_ids)
        if since is not None:
            where.append("a.fetched_at >= ?")
            params.append(to_db(since))
        clause = ("WHERE " + " AND ".join(where)) if where else ""
        rows = await self._db.fetchall(
            f"SELECT {_COLUMNS} {_FROM} {clause} "
            "ORDER BY COALESCE(a.published_at, a.fetched_at) DESC, a.id DESC LIMIT ?",
            (*params, limit),
        )
        return [_article(r) for r in rows]

    async def top(self, *, since: datetime, feed_ids: Sequence[int] | None = None, limit: int = 10) -> list[StoredArticle]:
        """Stories since a moment, ranked by how many sources carried them, then newest first."""
        where, params = ["a.fetched_at >= ?"], [to_db(since)]
        if feed_ids:
            where.append(
                f"a.id IN (SELECT article_id FROM article_sources WHERE feed_id IN ({','.join('?' for _ in feed_ids)}))"
            )
            params.extend(feed_ids)
        rows = await self._db.fetchall(
            f"SELECT {_COLUMNS} {_FROM} WHERE {' AND '.join(where)} "
            "ORDER BY a.source_count DESC, a.fetched_at DESC, a.id DESC LIMIT ?",
            (*params, limit),
        )
        return [_article(r) for r in rows]

    async def sources(self, article_id: int) -> list[StorySource]:
        """Every source that carried a story (first one first), with its feed's title."""
        rows = await self._db.fetchall(
            "SELECT s.url, s.feed_id, COALESCE(NULLIF(f.title, ''), '') AS feed_title, s.entry_hash "
            "FROM article_sources s LEFT JOIN feeds f ON f.id = s.feed_id WHERE s.article_id = ? ORDER BY s.id",
            (article_id,),
        )
        return [StorySource(r["url"], r["feed_id"], r["feed_title"], r["entry_hash"]) for r in rows]

    async def source_hash(self, feed_id: int | None, guid: str | None, canonical_url: str) -> tuple[int, str | None] | None:
        """(story id, entry hash) of a feed entry already stored, for spotting corrections."""
        row = await self._db.fetchone(
            "SELECT article_id, entry_hash FROM article_sources WHERE canonical_url = ? "
            "UNION ALL SELECT article_id, entry_hash FROM article_sources WHERE feed_id = ? AND guid = ? LIMIT 1",
            (canonical_url or None, feed_id, guid),
        )
        return None if row is None else (int(row[0]), row[1])

    async def set_entry_hash(self, article_id: int, canonical_urls: Sequence[str], entry_hash: str) -> None:
        """Remember what the feed entry behind these sources of a story looked like."""
        urls = [u for u in dict.fromkeys(canonical_urls) if u]
        if urls:
            await self._db.execute(
                f"UPDATE article_sources SET entry_hash = ? WHERE article_id = ? "
                f"AND canonical_url IN ({','.join('?' for _ in urls)})",
                (entry_hash, article_id, *urls),
            )

    async def correct(
        self, article_id: int, *, title: str, text: str, summary: str, title_terms: str, body_terms: str,
        fingerprint: int | None, bands: tuple[int, int, int, int] | None,
    ) -> None:
        """Replace a story's text after its source corrected it (search terms included)."""
        parts = bands or (None, None, None, None)
        async with self._db.transaction() as conn:
            await conn.execute(
                "UPDATE articles SET title = ?, text = ?, summary = ?, fingerprint = ?, fp_band0 = ?, "
                "fp_band1 = ?, fp_band2 = ?, fp_band3 = ? WHERE id = ?",
                (title, text, summary, fingerprint, *parts, article_id),
            )
            await self._replace_rows(conn, [(article_id, title_terms, body_terms)])

    async def groups_matched(self, article_ids: Sequence[int], groups: Sequence[Sequence[str]]) -> dict[int, int]:
        """For each story, how many of ``groups`` (a query word's stems, any of which counts)
        its stored search stems hold."""
        return {i: len(held) for i, held in (await self.groups_held(article_ids, groups)).items()}

    async def groups_held(self, article_ids: Sequence[int],
                          groups: Sequence[Sequence[str]]) -> dict[int, frozenset[int]]:
        """For each story, which of ``groups`` (their indexes; a group is a query word's stems,
        any of which counts) its stored search stems hold. A substring test on the
        space-separated stems: cheaper than splitting a whole body into a set for a handful of
        query stems."""
        ids = list(dict.fromkeys(article_ids))
        if not ids:
            return {}
        rows = await self._db.fetchall(
            f"SELECT rowid, title, body FROM articles_fts WHERE rowid IN ({','.join('?' for _ in ids)})", tuple(ids)
        )
        padded = [tuple(f" {t} " for t in group) for group in groups]
        held = {}
        for r in rows:
            stems = f" {r[1]} {r[2]} "
            held[int(r[0])] = frozenset(i for i, group in enumerate(padded) if any(t in stems for t in group))
        return held

    async def texts_after(self, after_id: int, limit: int) -> list[tuple[int, str, str, str]]:
        """(id, title, text, language) of stories by id, for re-indexing them in batches."""
        rows = await self._db.fetchall(
            "SELECT id, title, text, language FROM articles WHERE id > ? ORDER BY id LIMIT ?", (after_id, limit)
        )
        return [(int(r[0]), r[1], r[2], r[3]) for r in rows]

    async def replace_index_terms(self, terms: Sequence[tuple[int, str, str]]) -> None:
        """Store new search stems for stories: (id, title terms, body terms)."""
        async with self._db.transaction() as conn:
            await self._replace_rows(conn, terms)

    async def _replace_rows(self, conn: object, terms: Sequence[tuple[int, str, str]]) -> None:
        """Index rows (id, title terms, body terms) in place of the stories' old ones, and on
        SQLite ``stem_df`` moved from the old rows' tokens to the new ones' (PostgreSQL's
        trigger does that there), in the caller's transaction."""
        sqlite = self._db.engine != "postgresql"
        old = await stemdf.index_rows(conn, [t[0] for t in terms]) if sqlite else []
        await conn.executemany("DELETE FROM articles_fts WHERE rowid = ?", [(t[0],) for t in terms])  # type: ignore[attr-defined]
        await conn.executemany("INSERT INTO articles_fts (rowid, title, body) VALUES (?, ?, ?)", terms)  # type: ignore[attr-defined]
        if sqlite:
            await stemdf.change(conn, added=[(t[1], t[2]) for t in terms], removed=old)

    async def carried_by_feed(self, article_ids: Sequence[int], feed_id: int) -> set[int]:
        """Which of these stories already have a source from ``feed_id``."""
        ids = list(dict.fromkeys(article_ids))
        if not ids:
            return set()
        rows = await self._db.fetchall(
            f"SELECT DISTINCT article_id FROM article_sources WHERE feed_id = ? "
            f"AND article_id IN ({','.join('?' for _ in ids)})",
            (feed_id, *ids),
        )
        return {int(r[0]) for r in rows}
    async def unsent_from_feed(self, feed_id: int, chat_id: int, *, limit: int) -> list[tuple[int, datetime]]:
        """(id, time) of a feed's newest stories that ``chat_id`` has never had queued, newest
        first; the time is the story's publication time, else when it was fetched."""
        rows = await self._db.fetchall(
            "SELECT a.id, COALESCE(a.published_at, a.fetched_at) AS moment FROM articles a "
            "WHERE a.id IN (SELECT article_id FROM article_sources WHERE feed_id = ?) "
            "AND NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.chat_id = ? AND d.article_id = a.id) "
            "ORDER BY moment DESC, a.id DESC LIMIT ?",
            (feed_id, chat_id, limit),
        )
        return [(int(r["id"]), from_db(r["moment"])) for r in rows]  # type: ignore[misc]
