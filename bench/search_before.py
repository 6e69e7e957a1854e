"""Related-story search on SQLite as it was before #12's cost work, kept to time it beside the new one.

Until then ``ArticleRepo.search`` let FTS5 compute ``bm25()`` for every candidate, the newest
matches of common words included (FTS5 then walks every phrase's whole document list for its
IDF, on every query), and fetched the newest matches of any word even when as many matched
every word. These are copies of that statement, of the match-count probe it had (every stem
probed) and of ``search_stories`` and ``related_to`` calling them; ``bench_search.py``
compares their answers with the new ones.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

from bot.news.namekeys import query_groups
from bot.news.stories import RELATED_FLOOR, relatedness
from bot.related import GENERIC_SHARE, _distinct, _profile, _title_key
from storage import Database
from storage.articles import _COLUMNS, _FROM, _MAX_TERMS, _RARE_BUDGET, _RARE_DOCS, StoredArticle, _article
from storage.fulltext import fts_any, fts_string

_BM25 = "bm25(articles_fts, 3.0, 1.0)"


async def match_counts_before(db: Database, terms: Sequence[str]) -> dict[str, int]:
    """Every stem's matches counted up to ``_RARE_DOCS``."""
    terms = list(dict.fromkeys(terms))[:_MAX_TERMS]
    probe = " UNION ALL ".join(
        f"SELECT {index:d}, (SELECT count(*) FROM (SELECT 1 FROM articles_fts WHERE articles_fts "
        f"MATCH ? LIMIT {_RARE_DOCS:d}))"
        for index in range(len(terms))
    )
    rows = await db.fetchall(probe, tuple(fts_string(t) for t in terms))
    return {terms[int(index)]: int(count) for index, count in rows}


async def search_before(
    db: Database, groups: Sequence[Sequence[str]], *, limit: int, now: datetime, exclude: Sequence[int] = (),
    half_life_days: float = 14.0, candidates: int = 100, counts: Mapping[str, int] | None = None,
) -> list[StoredArticle]:
    """``ArticleRepo.search`` on SQLite as it was: one statement, BM25 by FTS5 throughout."""
    from storage._time import to_db

    terms = list(dict.fromkeys(term for group in groups for term in group))[:_MAX_TERMS]
    if not terms:
        return []
    if counts is None:
        counts = await match_counts_before(db, terms)
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
    parts: list[tuple[str, str]] = []
    if rare:
        parts.append((" OR ".join(fts_string(t) for g in rare for t in g), _BM25))
    if len(rare) < len(groups):
        if len(groups) > 1:
            parts.append((" AND ".join(fts_any(g) for g in groups), "rowid DESC"))
        if not rare:
            parts.append((" OR ".join(fts_string(t) for g in groups for t in g), "rowid DESC"))
    hits = " UNION ALL ".join(
        f"SELECT * FROM (SELECT rowid AS id, -{_BM25} AS relevance FROM articles_fts "
        f"WHERE articles_fts MATCH ? ORDER BY {order} LIMIT ?)"
        for _, order in parts
    )
    params: list[object] = []
    for expression, _ in parts:
        params += [expression, candidates]
    marks = ",".join("?" for _ in exclude) or "-1"
    rows = await db.fetchall(
        f"""
        WITH hits AS ({hits}),
        best AS (SELECT id, max(relevance) AS relevance FROM hits GROUP BY id),
        ranked AS (
            SELECT b.id, b.relevance * (1.0 + 0.1 * min(a.source_count - 1, 5))
                   / (1.0 + max(0.0, julianday(?) -
                   julianday(COALESCE(a.published_at, a.fetched_at))) / ?) AS score
            FROM best b JOIN articles a ON a.id = b.id
            WHERE b.id NOT IN ({marks})
            ORDER BY score DESC LIMIT ?
        )
        SELECT {_COLUMNS} {_FROM} JOIN ranked r ON r.id = a.id ORDER BY r.score DESC
        """,
        (*params, to_db(now), half_life_days, *exclude, limit),
    )
    return [_article(r) for r in rows]


async def search_stories_before(db: Database, words: str, *, now: datetime, limit: int = 5) -> list[StoredArticle]:
    """``bot.related.search_stories`` over ``search_before``."""
    groups = query_groups(words)
    if not groups:
        return []
    counts = await match_counts_before(db, [t for g in groups for t in g])
    known = [g for g in groups if any(counts.get(t) for t in g)]
    if not known:
        return []
    need = 2 if len(known) >= 2 else 1
    if len(known) == 1 and len(groups) > 1:
        if sum(counts.get(t, 0) for t in known[0]) > max(3, GENERIC_SHARE * await db.articles.count()):
            return []
    found = await search_before(db, known, limit=max(limit * 4, 20), now=now, counts=counts)
    matches = await db.articles.groups_matched([a.id for a in found], known)
    scored = [(-matches.get(a.id, 0), rank, a) for rank, a in enumerate(found) if matches.get(a.id, 0) >= need]
    scored.sort(key=lambda s: (s[0], s[1]))
    return _distinct([a for _, _, a in scored], limit=limit)


async def related_to_before(db: Database, article: StoredArticle, *, now: datetime, limit: int = 3) -> list[StoredArticle]:
    """``bot.related.related_to`` over ``search_before``."""
    groups = query_groups(f"{article.title} {article.summary[:300]}")
    if not groups:
        return []
    found = await search_before(db, groups, limit=(limit + 3) * 2, now=now, exclude=(article.id,))
    own = _title_key(article.title)
    found = [a for a in found if _title_key(a.title) != own]
    if not found:
        return []
    stored = await db.stories.first_profiles([article.id, *(a.id for a in found)])
    profiles = {a.id: _profile(a, stored.get(a.id)) for a in [article, *found]}
    df, documents = await db.stories.document_frequencies({t for p in profiles.values() for t in p.terms})
    mine = profiles[article.id]
    close = [a for a in found if relatedness(mine, profiles[a.id], df, max(documents, 1)) >= RELATED_FLOOR]
    return _distinct(close, limit=limit)
