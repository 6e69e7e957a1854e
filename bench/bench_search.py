"""Related-story search benchmark: our stemmed FTS5 search against what one would otherwise pick.

usage: python bench/bench_search.py [--articles N] [--queries Q] [--seed S]
                                    [--naive-queries K] [--plain-related R]

Over a generated corpus (``gen_articles.py``, 100,000 stories by default) it runs a mix of
/related queries (a single rare word, a common word such as "Ukraine"/"України", 2-5 words of
a headline, inflected Cyrillic forms, English possessives) through
``bot.related.search_stories`` (what /related uses), and stories from the last week through
``related_to`` (what "Read also" under a post uses), and prints p50/p90/p99/max latency (wall
time) and p50/p99 of CPU time (the process's, SQLite's thread included: 2 shared cores make
wall time swing twofold, CPU time much less).

The same queries also run, on the same connection, as

* before: ``search_stories`` and ``related_to`` as they were until #12's cost work
  (``search_before.py``: FTS5's ``bm25()`` for every candidate, the newest matches of any
  word always fetched), timed in turn with ours (which goes first alternates) and compared
  answer by answer;
* plain FTS5: an FTS5 table over the raw title and text with the default tokenizer, no
  stemming (built once into a side database under bench/out/), the query's words OR-ed, BM25;
* naive LIKE: ``title LIKE '%word%' OR text LIKE '%word%'`` for every word (AND-ed), newest
  first; a full scan, so only on the first K queries (kinds are interleaved: a fair sample).

"Read also" is compared with plain FTS5 over the same words (title and summary) on the first R
stories only: each takes about half a second.

Each is reported as a ratio to ours on the same queries, with a recall-ish sanity check: the
share of the top-5 slots filled by a story that contains the query's key stem (its rarest
stem, by document frequency), and for "Read also" the share of results from the same
generated event. The issue's goal: p99 < 10 ms for ours.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import re
import sqlite3
import statistics
import sys
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from gen_articles import (
    NOW,
    ROOT,
    Corpus,
    describe,
    event_of_guid,
    generated_db,
    inflected_forms,
    lexicon,
)

from search_before import related_to_before, search_stories_before

from bot.news.textsearch import MAX_QUERY_TERMS, stem_terms
from bot.related import related_to, search_stories
from storage import Database
from storage.articles import StoredArticle

QUERY_MIX: tuple[tuple[str, float], ...] = (
    ("rare", 0.20), ("common", 0.20), ("headline", 0.30), ("inflected", 0.15), ("possessive", 0.15),
)
COMMON_WORDS = ("Ukraine", "war", "Kyiv", "government", "president", "України", "Україна", "війна", "Києві",
                "уряд", "Украины", "война", "Киеве", "правительство", "президент")
RESULTS = 5  # /related shows five stories
GOAL_P99_MS = 10.0
_WORD_RE = re.compile(r"[^\W_]+(?:'[^\W_]+)*")


@dataclass(frozen=True)
class Query:
    kind: str
    words: str


@dataclass
class Timings:
    """Latencies (ms) and the ids each query returned, per system."""

    ms: list[float] = field(default_factory=list)
    found: list[list[int]] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)  # CPU time of the whole process (all threads)

    def add(self, ms: float, ids: list[int], cpu: float) -> None:
        self.ms.append(ms)
        self.found.append(ids)
        self.cpu.append(cpu)


# -- figures ----------------------------------------------------------------------------------


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile (0-100) by linear interpolation; nan for no values."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = (len(ordered) - 1) * q / 100
    low = int(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def latency_cells(values: Sequence[float]) -> str:
    """'n p50 p90 p99 max' cells of a table row, in ms."""
    cells = [percentile(values, q) for q in (50, 90, 99, 100)]
    return f"{len(values):>5} " + " ".join(f"{v:>8.2f}" for v in cells)


LATENCY_HEADER = f"{'n':>5} {'p50':>8} {'p90':>8} {'p99':>8} {'max':>8}"


def ratio(theirs: Sequence[float], ours: Sequence[float], q: float) -> str:
    mine = percentile(ours, q)
    return f"x{percentile(theirs, q) / mine:,.1f}" if mine > 0 else "-"


# -- queries ----------------------------------------------------------------------------------


class CorpusIndex:
    """Read-only look-ups in the corpus file, to pick queries and check results (never timed)."""

    def __init__(self, path: Path) -> None:
        self.conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        self.conn.execute("CREATE VIRTUAL TABLE temp.vocab USING fts5vocab(main, articles_fts, 'row')")
        self.count = int(self.conn.execute("SELECT max(id) FROM articles").fetchone()[0])
        self._df: dict[str, int] = {}

    def df(self, stem: str) -> int:
        """How many stories have ``stem`` (their stored search terms)."""
        if stem not in self._df:
            row = self.conn.execute("SELECT doc FROM temp.vocab WHERE term = ?", (stem,)).fetchone()
            self._df[stem] = int(row[0]) if row else 0
        return self._df[stem]

    def key_stem(self, words: str) -> str | None:
        """The query's rarest stem: what a result should contain to be about the query."""
        stems = list(dict.fromkeys(stem_terms(words)))
        return min(stems, key=self.df) if stems else None

    def stems_of(self, ids: Sequence[int]) -> dict[int, set[str]]:
        if not ids:
            return {}
        marks = ",".join("?" for _ in ids)
        rows = self.conn.execute(f"SELECT rowid, title, body FROM articles_fts WHERE rowid IN ({marks})", tuple(ids))
        return {rowid: set(f"{title} {body}".split()) for rowid, title, body in rows}

    def events_of(self, ids: Sequence[int]) -> dict[int, int]:
        marks = ",".join("?" for _ in ids)
        rows = self.conn.execute(f"SELECT id, guid FROM articles WHERE id IN ({marks})", tuple(ids))
        return {i: event_of_guid(guid) for i, guid in rows}

    def title(self, article_id: int) -> str:
        return str(self.conn.execute("SELECT title FROM articles WHERE id = ?", (article_id,)).fetchone()[0])

    def text(self, article_id: int) -> str:
        return str(self.conn.execute("SELECT text FROM articles WHERE id = ?", (article_id,)).fetchone()[0])

    def recent_ids(self, days: int) -> list[int]:
        since = (NOW - timedelta(days=days)).strftime("%Y-%m-%d %H:%M:%S")
        return [r[0] for r in self.conn.execute("SELECT id FROM articles WHERE fetched_at >= ? ORDER BY id", (since,))]


def build_queries(corpus: CorpusIndex, count: int, seed: int) -> list[Query]:
    """A deterministic mix of /related queries (see QUERY_MIX), kinds interleaved."""
    rng = random.Random(f"bench-search-{seed}")
    lex = lexicon()
    inflected = inflected_forms()
    possessive = [forms[-1] for (_name, language), forms in lex.entity_forms.items() if language == "en"]
    english_nouns = [str(w) for (language, _topic), pool in lex.topic.items() if language == "en" for w in pool.words]

    def rare() -> str:
        while True:
            words = _WORD_RE.findall(corpus.text(rng.randint(1, corpus.count)))
            rng.shuffle(words)
            for word in words[:40]:
                stems = stem_terms(word)
                if stems and not word[0].isdigit() and 2 <= corpus.df(stems[0]) <= 50:
                    return word.lower()

    def headline() -> str:
        words = _WORD_RE.findall(corpus.title(rng.randint(1, corpus.count)))
        size = min(rng.randint(2, 5), len(words))
        start = rng.randint(0, len(words) - size)
        return " ".join(words[start:start + size])

    makers: dict[str, Callable[[], str]] = {
        "rare": rare,
        "common": lambda: rng.choice(COMMON_WORDS),
        "headline": headline,
        "inflected": lambda: " ".join(rng.sample(inflected, rng.choice((1, 1, 2)))),
        "possessive": lambda: rng.choice(possessive) + (f" {rng.choice(english_nouns)}" if rng.random() < 0.5 else ""),
    }
    # Kinds interleaved in their proportions, so any prefix of the list is a fair sample.
    due = {kind: 0.0 for kind, _share in QUERY_MIX}
    queries = []
    for _ in range(count):
        for kind, share in QUERY_MIX:
            due[kind] += share
        kind = max(due, key=due.__getitem__)
        due[kind] -= 1
        queries.append(Query(kind, makers[kind]()))
    return queries


# -- the systems ------------------------------------------------------------------------------


def plain_fts_path(corpus: Corpus) -> Path:
    return corpus.path.with_name(corpus.path.stem + ".plain-fts.db")


def ensure_plain_fts(corpus: Corpus) -> float | None:
    """Build the side database with FTS5 over the raw title and text (default tokenizer, no
    stemming, contentless); return the seconds it took, None when cached."""
    path = plain_fts_path(corpus)
    if path.exists():
        return None
    started = time.perf_counter()
    partial = path.with_suffix(".partial")
    partial.unlink(missing_ok=True)
    conn = sqlite3.connect(partial, isolation_level=None)
    try:
        conn.execute("PRAGMA journal_mode = OFF")
        conn.execute("PRAGMA synchronous = OFF")
        conn.execute("ATTACH DATABASE ? AS corpus", (f"file:{corpus.path}?mode=ro",))
        conn.execute("CREATE VIRTUAL TABLE articles_raw USING fts5 (title, text, content='')")
        conn.execute("BEGIN")
        conn.execute("INSERT INTO articles_raw (rowid, title, text) SELECT id, title, text FROM corpus.articles")
        conn.execute("COMMIT")
    finally:
        conn.close()
    partial.replace(path)
    return time.perf_counter() - started


def raw_words(words: str) -> list[str]:
    """The words a user typed, as they typed them (at most MAX_QUERY_TERMS distinct ones)."""
    return list(dict.fromkeys(_WORD_RE.findall(words)))[:MAX_QUERY_TERMS]


async def plain_fts(db: Database, words: str, *, exclude: int = -1) -> list[int]:
    """Plain FTS5: the raw words OR-ed, best BM25 first."""
    match = " OR ".join('"' + w.replace('"', '""') + '"' for w in raw_words(words))
    if not match:
        return []
    rows = await db.fetchall(
        "WITH hits AS (SELECT rowid AS id, rank FROM plain.articles_raw WHERE articles_raw MATCH ? "
        "ORDER BY rank LIMIT ?) "
        "SELECT a.id, a.title, a.url, a.published_at, a.fetched_at FROM hits JOIN articles a ON a.id = hits.id "
        "WHERE a.id != ? ORDER BY hits.rank",
        (match, RESULTS + 1, exclude),
    )
    return [r[0] for r in rows][:RESULTS]


async def naive_like(db: Database, words: str) -> list[int]:
    """Naive LIKE: every word somewhere in the title or text, newest first."""
    terms = raw_words(words)
    if not terms:
        return []
    where = " AND ".join("(a.title LIKE ? ESCAPE '\\' OR a.text LIKE ? ESCAPE '\\')" for _ in terms)
    params: list[object] = []
    for term in terms:
        pattern = "%" + term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        params += [pattern, pattern]
    rows = await db.fetchall(
        f"SELECT a.id, a.title, a.url, a.published_at, a.fetched_at FROM articles a WHERE {where} "
        "ORDER BY a.fetched_at DESC LIMIT ?",
        (*params, RESULTS),
    )
    return [r[0] for r in rows]


async def timed(call: Awaitable[list[int]]) -> tuple[float, list[int], float]:
    """(wall ms, ids, CPU ms): the process's CPU time counts SQLite's thread too, and machine
    load barely moves it."""
    started, cpu = time.perf_counter(), time.process_time()
    ids = await call
    return (time.perf_counter() - started) * 1000, ids, (time.process_time() - cpu) * 1000


async def ours(db: Database, words: str) -> list[int]:
    return [a.id for a in await search_stories(db, words, now=NOW, limit=RESULTS)]


async def ours_before(db: Database, words: str) -> list[int]:
    """``search_stories`` as it was before the two-step ranking (``search_before``)."""
    return [a.id for a in await search_stories_before(db, words, now=NOW, limit=RESULTS)]


async def related_before(db: Database, article: StoredArticle) -> list[int]:
    return [a.id for a in await related_to_before(db, article, now=NOW)]


async def ours_related(db: Database, article: StoredArticle) -> list[int]:
    return [a.id for a in await related_to(db, article, now=NOW)]


# -- the run ----------------------------------------------------------------------------------


@dataclass
class Results:
    queries: list[Query]
    ours: Timings = field(default_factory=Timings)
    before: Timings = field(default_factory=Timings)
    plain: Timings = field(default_factory=Timings)
    naive: dict[int, tuple[float, list[int], float]] = field(default_factory=dict)  # query index -> result
    articles: list[StoredArticle] = field(default_factory=list)
    related: Timings = field(default_factory=Timings)
    related_before: Timings = field(default_factory=Timings)
    related_plain: Timings = field(default_factory=Timings)


async def run(corpus: Corpus, queries: list[Query], *, naive_count: int, plain_related_count: int,
              seed: int) -> Results:
    """Time every system on every query (interleaved, so machine noise hits them alike)."""
    helper = CorpusIndex(corpus.path)
    recent = helper.recent_ids(days=7)
    rng = random.Random(f"bench-search-articles-{seed}")
    article_ids = [rng.choice(recent) for _ in queries]
    naive_picks = set(range(min(naive_count, len(queries))))  # a prefix is a fair sample of the mix
    results = Results(queries)
    db = await Database.open(corpus.path)
    try:
        await db.conn.execute("ATTACH DATABASE ? AS plain", (f"file:{plain_fts_path(corpus)}?mode=ro",))
        results.articles = [a for a in [await db.articles.get(i) for i in article_ids] if a is not None]
        for query in queries[:20]:  # warm up caches (pages, stems) before timing anything
            await ours_before(db, query.words)
            await plain_fts(db, query.words)
        for index, query in enumerate(queries):
            # Which goes first alternates: the second finds the pages the first read in memory.
            for first in ((True, False) if index % 2 else (False, True)):
                if first:
                    results.ours.add(*await timed(ours(db, query.words)))
                else:
                    results.before.add(*await timed(ours_before(db, query.words)))
            results.plain.add(*await timed(plain_fts(db, query.words)))
            if index in naive_picks:
                results.naive[index] = await timed(naive_like(db, query.words))
        for index, article in enumerate(results.articles):
            for first in ((True, False) if index % 2 else (False, True)):
                if first:
                    results.related.add(*await timed(ours_related(db, article)))
                else:
                    results.related_before.add(*await timed(related_before(db, article)))
            if index < plain_related_count:
                words = f"{article.title} {article.summary[:300]}"
                results.related_plain.add(*await timed(plain_fts(db, words, exclude=article.id)))
    finally:
        await db.close()
    return results


# -- the report -------------------------------------------------------------------------------


def key_stem_share(helper: CorpusIndex, queries: Sequence[Query], found: Sequence[list[int]]) -> float:
    """Recall-ish: of the top-5 slots that stories with the query's key stem could fill
    (min(5, their number)), the share they do fill."""
    hits = slots = 0
    for query, ids in zip(queries, found):
        key = helper.key_stem(query.words)
        if key is None:
            continue
        stems = helper.stems_of(ids)
        hits += sum(1 for i in ids[:RESULTS] if key in stems.get(i, ()))
        slots += min(RESULTS, helper.df(key))
    return hits / slots if slots else float("nan")


def same_event_share(helper: CorpusIndex, articles: Sequence[StoredArticle], found: Sequence[list[int]]) -> float:
    same = total = 0
    for article, ids in zip(articles, found):
        events = helper.events_of([article.id, *ids])
        own = events[article.id]
        same += sum(1 for i in ids if own >= 0 and events.get(i) == own)
        total += len(ids)
    return same / total if total else float("nan")


def report(corpus: Corpus, results: Results, plain_built_s: float | None) -> bool:
    """Print the figures; return whether ours met the goal."""
    helper = CorpusIndex(corpus.path)
    queries = results.queries
    print(describe(corpus))
    built = f"built in {plain_built_s:.0f} s" if plain_built_s is not None else "cached"
    print(f"plain FTS5 side table ({built}): {plain_fts_path(corpus).relative_to(ROOT)}")
    probes = ("Ukraine", "України", "Путіна", "Putin's", "war", "Kyiv")
    print("documents per stem: " + "  ".join(
        f"{w} {helper.df(s[0]):,}" for w in probes if (s := stem_terms(w))))
    found_avg = (lambda found: statistics.fmean(len(f) for f in found) if found else float("nan"))
    print()
    print(f"/related queries (ms)        {LATENCY_HEADER}   found  key-stem@5  vs ours p50 / p99   CPU p50 / p99")
    for kind in ("all", *(k for k, _share in QUERY_MIX)):
        picks = [i for i, q in enumerate(queries) if kind in ("all", q.kind)]
        for label, timings in (("ours: search_stories", results.ours), ("before: BM25 in FTS5", results.before)):
            ms = [timings.ms[i] for i in picks]
            cpu = [timings.cpu[i] for i in picks]
            found = [timings.found[i] for i in picks]
            versus = [results.ours.ms[i] for i in picks]
            vs = "" if timings is results.ours else f"{ratio(ms, versus, 50):>8} / {ratio(ms, versus, 99):<6}"
            name = label if kind == "all" else f"  {kind:<10} {label[:6].rstrip(':')}"
            print(f"{name:<28} {latency_cells(ms)}   {found_avg(found):>5.1f}  "
                  f"{key_stem_share(helper, [queries[i] for i in picks], found):>9.0%}  {vs:<18}"
                  f"{percentile(cpu, 50):>6.2f} / {percentile(cpu, 99):.2f}")
    same = sum(1 for a, b in zip(results.before.found, results.ours.found) if a == b)
    print(f"  same answers as before: {same} of {len(queries)} queries")
    for query, theirs, mine in zip(queries, results.before.found, results.ours.found):
        if theirs != mine:  # each difference shown, to be explained
            print(f"    differs: {query.kind} {query.words!r}: ours {mine}, before {theirs}")
    print(f"plain FTS5, raw text         {latency_cells(results.plain.ms)}   "
          f"{found_avg(results.plain.found):>5.1f}  {key_stem_share(helper, queries, results.plain.found):>9.0%}  "
          f"{ratio(results.plain.ms, results.ours.ms, 50):>8} / {ratio(results.plain.ms, results.ours.ms, 99)}")
    if results.naive:
        picks = sorted(results.naive)
        naive_ms = [results.naive[i][0] for i in picks]
        naive_found = [results.naive[i][1] for i in picks]
        ours_same = [results.ours.ms[i] for i in picks]
        print(f"naive LIKE (first {len(picks)})      {latency_cells(naive_ms)}   {found_avg(naive_found):>5.1f}  "
              f"{key_stem_share(helper, [queries[i] for i in picks], naive_found):>9.0%}  "
              f"{ratio(naive_ms, ours_same, 50):>8} / {ratio(naive_ms, ours_same, 99)}")
    print()
    print(f"\"Read also\" (ms)             {LATENCY_HEADER}   found  same-event  vs ours p50 / p99   CPU p50 / p99")
    for label, timings in (("ours: related_to", results.related), ("before: BM25 in FTS5", results.related_before)):
        vs = ("" if timings is results.related else
              f"{ratio(timings.ms, results.related.ms, 50):>8} / {ratio(timings.ms, results.related.ms, 99):<6}")
        print(f"{label:<28} {latency_cells(timings.ms)}   {found_avg(timings.found):>5.1f}  "
              f"{same_event_share(helper, results.articles, timings.found):>9.0%}  {vs:<18}"
              f"{percentile(timings.cpu, 50):>6.2f} / {percentile(timings.cpu, 99):.2f}")
    same = sum(1 for a, b in zip(results.related_before.found, results.related.found) if a == b)
    print(f"  same answers as before: {same} of {len(results.articles)} stories")
    plain_top3 = [ids[:3] for ids in results.related_plain.found]
    print(f"plain FTS5, raw title+summary{latency_cells(results.related_plain.ms)}   "
          f"{found_avg(plain_top3):>5.1f}  {same_event_share(helper, results.articles, plain_top3):>9.0%}  "
          f"{ratio(results.related_plain.ms, results.related.ms, 50):>8} / "
          f"{ratio(results.related_plain.ms, results.related.ms, 99)}")
    p99 = percentile(results.ours.ms, 99)
    met = p99 < GOAL_P99_MS
    print()
    print(f"goal: search_stories p99 < {GOAL_P99_MS:g} ms: {'met' if met else 'NOT met'} ({p99:.2f} ms); "
          f"related_to p99 {percentile(results.related.ms, 99):.2f} ms")
    return met


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--naive-queries", type=int, default=25,
                        help="LIKE scans take seconds: run only the first this many queries")
    parser.add_argument("--plain-related", type=int, default=50,
                        help='plain FTS5 for "Read also" takes ~0.5 s a story: run only this many')
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    started = time.perf_counter()
    corpus = generated_db(args.articles, args.seed)
    plain_built_s = ensure_plain_fts(corpus)
    helper = CorpusIndex(corpus.path)
    queries = build_queries(helper, args.queries, args.seed)
    results = asyncio.run(run(corpus, queries, naive_count=args.naive_queries,
                              plain_related_count=args.plain_related, seed=args.seed))
    report(corpus, results, plain_built_s)
    print(f"({time.perf_counter() - started:.0f} s in all)")


if __name__ == "__main__":
    main()
