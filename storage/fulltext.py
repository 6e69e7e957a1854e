"""Related-story search on SQLite: FTS5 finds the candidates; BM25 of common words may be scored here.

``ArticleRepo.search`` plans a query (which words are rare, see there); this module runs it.
The rare words' best matches come from FTS5 ranked by ``bm25()``; the common words' are the
newest stories matching every word (or, with no rare word, any word), and they need BM25 over
every word of the query. FTS5's ``bm25()`` needs every phrase's IDF, so before it scores the
first row it counts the rows holding each phrase of its MATCH expression: a walk of a common
stem's whole document list ("Ukraine" and its name key: 94,000 entries at 100,000 stories,
about 5 ms), on every query, however few rows it then scores.

So the newest matches are scored one of two ways, whichever costs less (``_cheaper_here``),
with the same result to the last bit:

* by FTS5, as before, when the query's phrases match few stories in all;
* here, with FTS5's own formula (``fts5_aux.c``: k1 = 1.2, b = 0.75, IDF = ln((N - n + 0.5) /
  (n + 0.5)) floored at 1e-6, a hit in the title weighing 3, in the body 1), from what the
  index holds anyway: N and the total number of tokens from the index's "averages" record
  (``articles_fts_data`` row 1: SQLite varints, the row count then each column's token total),
  each candidate's stored stems (``articles_fts_content``; its size is its number of stems),
  and n, each phrase's number of matching stories, from ``stem_df`` (``storage.stemdf``: kept
  exact with the index, so no document list is walked to learn it).

The one place the two may differ: FTS5's tokenizer (``remove_diacritics 2``) folds Latin
accents, so "são" matches "sao"; counted here, a stem's occurrences count only where it is
stored as written (its n, from ``stem_df``, is FTS5's: that table counts FTS5's tokens).
"""

from __future__ import annotations

import math
import sqlite3
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, NamedTuple

from storage import stemdf

if TYPE_CHECKING:
    from storage.db import Database

K1 = 1.2
B = 0.75
WEIGHTS = (3.0, 1.0)  # title, body: the title weighs three times the body
BM25 = f"bm25(articles_fts, {WEIGHTS[0]}, {WEIGHTS[1]})"
MIN_IDF = 1e-6
# The choice of scorer, in microseconds of CPU fitted on both ways' costs of 300 queries of
# bench/bench_search.py (2 loaded cores): FTS5 walks a phrase's document list at about this
# much a matching story (once a MATCH); scoring here costs about this much more round trips
# and reading, plus this much a candidate and phrase (reading its stems, counting in them).
FTS_PER_MATCH_US = 0.035
HERE_FIXED_US = 1000.0
HERE_PER_ROW_PHRASE_US = 5.3


def fts_string(term: str) -> str:
    """A term as an FTS5 string: whatever it holds, FTS5 reads it as one word, never as syntax."""
    return '"' + term.replace('"', '""') + '"'


def fts_any(terms: Sequence[str]) -> str:
    return fts_string(terms[0]) if len(terms) == 1 else "(" + " OR ".join(map(fts_string, terms)) + ")"


def varints(blob: bytes) -> list[int]:
    """The SQLite varints packed in ``blob`` (7 bits a byte, high bit set while more follow;
    a ninth byte gives all its 8 bits), as FTS5 stores its sizes."""
    values, index, end = [], 0, len(blob)
    while index < end:
        value = 0
        for _ in range(8):
            byte = blob[index]
            index += 1
            value = (value << 7) | (byte & 0x7F)
            if byte < 0x80:
                break
        else:
            value = (value << 8) | blob[index]
            index += 1
        values.append(value)
    return values


@dataclass(frozen=True, slots=True)
class Totals:
    """The index's row count and its total number of tokens (all columns)."""

    rows: int
    tokens: int

    @classmethod
    def from_averages(cls, blob: bytes | None) -> Totals:
        values = varints(blob) if blob else [0]
        return cls(values[0], sum(values[1:]))

    @property
    def average_size(self) -> float:
        return float(self.tokens) / float(self.rows) if self.rows else 1.0


def idf(matches: int, rows: int) -> float:
    """BM25's inverse document frequency of a phrase matching ``matches`` of ``rows`` rows."""
    value = math.log((rows - matches + 0.5) / (matches + 0.5))
    return value if value > 0.0 else MIN_IDF


def scores(rows: Sequence[tuple[bytes, bytes]], phrases: Sequence[str], idfs: Sequence[float],
           average_size: float) -> list[float]:
    """FTS5's ``bm25(articles_fts, 3.0, 1.0)`` of each row, negated (higher is better), from
    the stored stems of its two columns (title, body; UTF-8), for a MATCH expression's
    ``phrases`` in order with their IDFs. A row's size is its number of stems (each is one token).

    Occurrences are counted with ``bytes.count`` of " stem " in the column padded with a space
    at each end, far cheaper than splitting a body into tokens (and the text is left undecoded).
    That finds non-overlapping matches: where two are adjacent (" t t ", one space shared) the
    tokens are counted one by one instead."""
    needles = [(f" {p} ".encode(), f" {p} {p} ".encode(), p.encode(), w) for p, w in zip(phrases, idfs)]
    title_weight, body_weight = WEIGHTS
    result = []
    for title, body in rows:
        size = (title.count(b" ") + 1 if title else 0) + (body.count(b" ") + 1 if body else 0)
        title, body = b" " + title + b" ", b" " + body + b" "
        norm = K1 * (1 - B + B * float(size) / average_size)
        score = 0.0
        for needle, twice, token, weight in needles:
            in_title = title.count(needle)
            if in_title and twice in title:
                in_title = title.split().count(token)
            in_body = body.count(needle)
            if in_body and twice in body:
                in_body = body.split().count(token)
            if in_title or in_body:  # a phrase absent adds 0.0
                freq = in_title * title_weight + in_body * body_weight
                score += weight * ((freq * (K1 + 1.0)) / (freq + norm))
        result.append(score)
    return result


@dataclass(frozen=True, slots=True)
class Plan:
    """What ``ArticleRepo.search`` decided: the query words' stems (one group per word, each
    stem matching some story), the rare groups (FTS5 ranks their matches by ``bm25()``), the
    stems' match counts (exact below ``rare_docs``), how many candidates each source gives."""

    groups: Sequence[Sequence[str]]
    rare: Sequence[Sequence[str]]
    counts: Mapping[str, int]
    rare_docs: int
    candidates: int


class Part(NamedTuple):
    """One source of candidates: a MATCH expression, its order, and which stories it matches
    ("rare": any rare word, best BM25 first; "every word"/"any word": newest first)."""

    expression: str
    order: str
    matching: str


@dataclass(frozen=True, slots=True)
class Ranking:
    """What the final ranking reads and returns: the columns (of ``articles a``), the FROM
    clause, the time now (as stored), the recency half-life, ids left out and how many to give."""

    columns: str
    source: str
    now: str
    half_life_days: float
    exclude: Sequence[int]
    limit: int


async def search(db: Database, plan: Plan, ranking: Ranking) -> list[sqlite3.Row]:
    """The best ``ranking.limit`` stories for ``plan``, best first, read whole: each candidate's
    relevance (BM25) times a boost for sources (+10% a source, at most +50%) and recency."""
    parts = plan_parts(plan)
    everything = [t for g in plan.groups for t in g]  # the newest matches' phrases, in order
    if all(part.matching == "rare" for part in parts):
        return await _ranked_by_fts5(db, parts, plan, ranking)
    counts, stories = await _exact_counts(db, everything)
    if not _cheaper_here(parts, everything, counts, plan, stories):
        return await _ranked_by_fts5(db, parts, plan, ranking)
    return await _ranked_here(db, parts, plan, ranking, everything, counts)


def plan_parts(plan: Plan) -> list[Part]:
    """The sources of candidates for ``plan``: the rare words' best matches, the newest matching
    every word, and (with no rare word) the newest matching any word. Each MATCH expression is
    made of ``fts_string``s only, so whatever a user typed is words to FTS5, never syntax."""
    groups, rare = plan.groups, plan.rare
    parts: list[Part] = []
    if rare:
        parts.append(Part(" OR ".join(fts_string(t) for g in rare for t in g), BM25, "rare"))
    if len(rare) < len(groups):
        if len(groups) > 1:
            parts.append(Part(" AND ".join(fts_any(g) for g in groups), "rowid DESC", "every word"))
        if not rare:
            parts.append(Part(" OR ".join(fts_string(t) for g in groups for t in g), "rowid DESC", "any word"))
    return parts


def _cheaper_here(parts: Sequence[Part], everything: Sequence[str], counts: Mapping[str, int], plan: Plan,
                  stories: int) -> bool:
    """Whether scoring the newest matches here likely costs less than FTS5's walks of their
    phrases' document lists (one walk a phrase for each source of newest matches).

    ``counts``: every phrase's exact number of matching stories. The newest matches of any
    word are ``candidates`` (none when as many match every word); of every word, at most the
    rarest word's matches, and about as many as if the words fell on stories independently (a
    story's own words do not, but then they are few: its own event's stories)."""
    group_docs = [sum(counts[t] for t in g) for g in plan.groups]
    every = min(group_docs)
    if stories:
        every = min(every, max(1, round(stories * math.prod(min(1.0, d / stories) for d in group_docs))))
    every = min(plan.candidates, every)
    skips_any = every >= plan.candidates and any(part.matching == "every word" for part in parts)
    rows = fts_matches = 0
    for part in parts:
        if part.matching == "every word" or (part.matching == "any word" and not skips_any):
            rows += every if part.matching == "every word" else min(plan.candidates, sum(group_docs))
            fts_matches += sum(counts[t] for t in everything)
    here_us = HERE_FIXED_US + HERE_PER_ROW_PHRASE_US * rows * len(everything)
    return here_us < FTS_PER_MATCH_US * fts_matches


async def _exact_counts(db: Database, terms: Sequence[str]) -> tuple[dict[str, int], int]:
    """Exact match counts of ``terms`` and the number of stories, from ``stem_df``; a stem FTS5
    reads as several tokens (none of ours: they are letters and digits) is counted by MATCH."""
    counts, stories = await stemdf.counts(db, terms)
    missing = [t for t in dict.fromkeys(terms) if t not in counts]
    if missing:
        sql = " UNION ALL ".join(
            f"SELECT {index:d}, (SELECT count(*) FROM articles_fts WHERE articles_fts MATCH ?)"
            for index in range(len(missing))
        )
        rows = await db.fetchall(sql, tuple(fts_string(t) for t in missing))
        counts.update((missing[int(i)], int(n)) for i, n in rows)
    return counts, stories


def _hits(parts: Sequence[Part], plan: Plan, *, fts5_scores_newest: bool) -> tuple[str, list[object]]:
    """The common table expressions ending in ``hits``: the candidates of every source as
    (id, relevance, newest), relevance NULL where FTS5 does not score them.

    The newest matches of any word are only wanted when fewer than ``candidates`` stories
    match every word: otherwise their LIMIT is 0, which SQLite checks before it runs the MATCH
    (a WHERE would not spare it), so FTS5 neither finds nor scores them."""
    ctes, selects, params = [], [], []

    def select(part: Part) -> str:
        newest = part.matching != "rare"
        relevance = "NULL" if newest and not fts5_scores_newest else f"-{BM25}"
        return (
            f"SELECT rowid AS id, {relevance} AS relevance, {int(newest):d} AS newest "
            f"FROM articles_fts WHERE articles_fts MATCH ? ORDER BY {part.order} LIMIT "
        )

    matchings = {part.matching for part in parts}
    for part in parts:
        if part.matching == "every word" and "any word" in matchings:
            ctes.append(f"every AS MATERIALIZED ({select(part)}?)")
            selects.append("SELECT * FROM every")
            params[:0] = [part.expression, plan.candidates]
        elif part.matching == "any word" and "every word" in matchings:
            selects.append(
                f"SELECT * FROM ({select(part)}(SELECT CASE WHEN count(*) < ? THEN ? ELSE 0 END FROM every))"
            )
            params += [part.expression, plan.candidates, plan.candidates]
        else:
            selects.append(f"SELECT * FROM ({select(part)}?)")
            params += [part.expression, plan.candidates]
    ctes.append(f"hits AS ({' UNION ALL '.join(selects)})")
    return ", ".join(ctes), params


_AVERAGES = "(SELECT block FROM articles_fts_data WHERE id = 1) AS averages"  # the index's totals
_SOURCES = "(1.0 + 0.1 * min(a.source_count - 1, 5))"  # +10% a source, at most +50%
_AGE = "(1.0 + max(0.0, julianday(?) - julianday(COALESCE(a.published_at, a.fetched_at))) / ?)"  # in half-lives


async def _ranked_by_fts5(db: Database, parts: Sequence[Part], plan: Plan, ranking: Ranking) -> list[sqlite3.Row]:
    """One statement: FTS5 scores every candidate, SQL ranks them and reads the winners."""
    hits, params = _hits(parts, plan, fts5_scores_newest=True)
    marks = ",".join("?" for _ in ranking.exclude) or "-1"  # ids are positive
    return await db.fetchall(
        f"""
        WITH {hits},
        best AS (SELECT id, max(relevance) AS relevance FROM hits GROUP BY id),
        ranked AS (
            SELECT b.id, b.relevance * {_SOURCES} / {_AGE} AS score
            FROM best b JOIN articles a ON a.id = b.id
            WHERE b.id NOT IN ({marks})
            ORDER BY score DESC LIMIT ?
        )
        SELECT {ranking.columns} {ranking.source}
        JOIN ranked r ON r.id = a.id ORDER BY r.score DESC
        """,
        (*params, ranking.now, ranking.half_life_days, *ranking.exclude, ranking.limit),
    )


async def _ranked_here(db: Database, parts: Sequence[Part], plan: Plan, ranking: Ranking,
                       everything: Sequence[str], counts: Mapping[str, int]) -> list[sqlite3.Row]:
    """The candidates with their boosts and, for the newest matches, their stored stems; the
    newest scored here, all ranked here, then the winners read."""
    hits, params = _hits(parts, plan, fts5_scores_newest=False)
    marks = ",".join("?" for _ in ranking.exclude) or "-1"
    rows = await db.fetchall(
        f"""
        WITH {hits},
        best AS (SELECT id, max(relevance) AS relevance, max(newest) AS newest FROM hits GROUP BY id)
        SELECT b.id, b.relevance, b.newest, {_SOURCES} AS sources, {_AGE} AS age, CAST(c.c0 AS BLOB), CAST(c.c1 AS BLOB),
               {_AVERAGES}
        FROM best b JOIN articles a ON a.id = b.id LEFT JOIN articles_fts_content c ON b.newest AND c.id = b.id
        WHERE b.id NOT IN ({marks})
        """,
        (*params, ranking.now, ranking.half_life_days, *ranking.exclude),
    )
    if not rows:
        return []
    totals = Totals.from_averages(rows[0][7])
    newest = [r for r in rows if r[2]]
    idfs = [idf(counts[t], totals.rows) for t in everything]
    here = dict(zip((r[0] for r in newest), scores([(r[5] or b"", r[6] or b"") for r in newest], everything,
                                                   idfs, totals.average_size)))
    scored = []
    for r in rows:
        relevance = r[1] if r[0] not in here else here[r[0]] if r[1] is None else max(r[1], here[r[0]])
        scored.append((relevance * r[3] / r[4], int(r[0])))
    scored.sort(key=lambda s: -s[0])
    ids = [article_id for _, article_id in scored[: ranking.limit]]
    if not ids:
        return []
    found = await db.fetchall(
        f"SELECT {ranking.columns} {ranking.source} WHERE a.id IN ({','.join('?' for _ in ids)})", tuple(ids)
    )
    by_id = {r["id"]: r for r in found}
    return [by_id[i] for i in ids if i in by_id]
