"""How long a retention pass takes on a large database, and how long it holds the write lock.

    python bench/bench_retention.py [--stories 20000] [--chats 20] [--days 180] [--batches 20,50,200,1000000]

Builds an SQLite database of N stories fetched evenly over ``--days`` days (so with the
default RETENTION_DAYS of 90, half are old), each with its search-index row (a Zipf
vocabulary of stems), one same-story profile as ``bot.news.stories`` makes them (the
bench_story_check synthesizer) and a sent post in each of ``--chats`` channels. Then, on a
copy of it for each batch size, runs the pass (``bot.retention``'s batches through
``storage.retention``) while another task writes one small row every 10 ms, as the poll and
publish jobs do, and prints: stories deleted per second, the write lock held per batch (p50,
max), and how long that other writer waited (p50, p99, max). The naive alternative in the same
run is one transaction deleting every old story (``--batches`` with a size above N). After each
pass, ``stem_df`` is compared with FTS5's own counts and ``term_df`` with a recount from the
profiles left: both must be exact.
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
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.bench_story_check import Synth, _terms  # noqa: E402
from bot.news.stories import key_terms, profile_to_json, story_vectors, vectors_to_json  # noqa: E402
from bot.retention import BATCH, PAUSE_S  # noqa: E402
from bot.storyflow import stored_profile_terms  # noqa: E402
from storage import Database  # noqa: E402
from storage.articles import NewArticle  # noqa: E402

NOW = datetime(2026, 6, 1, tzinfo=UTC)
RETENTION_DAYS = 90


async def build(path: Path, stories: int, chats: int, days: float) -> None:
    synth = Synth(7)
    db = await Database.open(path)
    chat_ids = [-1000 - i for i in range(chats)]
    for chat in chat_ids:
        await db.chats.upsert(chat, "channel", title=str(chat), now=NOW - timedelta(days=days))
    df: dict[str, int] = {}
    started = time.perf_counter()
    for start in range(0, stories, 500):
        profiles = []
        async with db.transaction():
            for n in range(start, min(stories, start + 500)):
                fetched = NOW - timedelta(days=days * (1 - n / stories))
                event = synth.event()
                p = synth.write_up(event)
                words = " ".join(synth.common(250) + list(p.terms)[:30])
                article_id = await db.articles.insert(NewArticle(
                    feed_id=None, url=f"https://n.example/{n}", canonical_url=f"https://n.example/{n}",
                    guid=f"guid-{n}", title=f"Story {n}", text=words, summary=words[:200], language="en", author="",
                    published_at=fetched, from_feed=False, related=(), fingerprint=None, bands=None,
                    title_terms=" ".join(synth.common(8)), body_terms=words,
                ), now=fetched)
                await db.deliveries.enqueue_article(article_id, chat_ids, now=fetched)
                total = df.get("", 0) or 1
                profiles.append((article_id, profile_to_json(p), vectors_to_json(story_vectors(p, df, total)),
                                 key_terms(p, df, total), _terms(p), fetched))
                for t in {"", *_terms(p)}:
                    df[t] = df.get(t, 0) + 1
        await db.stories.add_profiles(profiles)
    await db.execute("UPDATE deliveries SET state = 'sent', sent_at = created_at, message_id = id")
    print(f"built {stories:,} stories, {stories * chats:,} sent posts in {time.perf_counter() - started:.1f} s "
          f"({path.stat().st_size / 1e6:.0f} MB)")
    await db.close()


async def exact(db: Database) -> bool:
    await db.conn.execute("CREATE VIRTUAL TABLE IF NOT EXISTS temp.v USING fts5vocab (main, articles_fts, 'row')")
    index = {r[0]: int(r[1]) for r in await db.fetchall("SELECT term, doc FROM temp.v")}
    index[""] = int(await db.scalar("SELECT count(*) FROM articles_fts") or 0)  # type: ignore[call-overload]
    stem_df = {r[0]: int(r[1]) for r in await db.fetchall("SELECT term, df FROM stem_df")}
    counted: Counter[str] = Counter()
    for r in await db.fetchall("SELECT profile FROM story_profiles"):
        counted.update(("", *dict.fromkeys(stored_profile_terms(r[0]))))
    term_df = {r[0]: int(r[1]) for r in await db.fetchall("SELECT term, df FROM term_df")}
    return stem_df == index and term_df == dict(counted)


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else 0.0


async def one_pass(path: Path, batch: int) -> dict[str, float]:
    db = await Database.open(path)
    before = await db.articles.count()
    cutoff = NOW - timedelta(days=RETENTION_DAYS)
    waits: list[float] = []
    held: list[float] = []
    done = asyncio.Event()

    async def other_writer() -> None:  # a poll or a publish: one small write every 10 ms
        n = 0
        while not done.is_set():
            asked = time.perf_counter()
            await db.state.set("bench.tick", str(n))
            waits.append(time.perf_counter() - asked)
            n += 1
            await asyncio.sleep(0.01)

    writer = asyncio.create_task(other_writer())
    started = time.perf_counter()
    after, deleted = None, 0
    while True:  # bot.retention.run_retention's story loop, with each batch's hold kept
        report, _ = await db.retention.delete_stories(
            cutoff=cutoff, now=NOW, limit=batch, after=after, profile_terms=stored_profile_terms)
        held.append(report.held_s)
        deleted += report.stories
        await asyncio.sleep(max(PAUSE_S, report.held_s))  # as run_retention pauses
        if report.last is None:
            break
        after = report.last
    elapsed = time.perf_counter() - started - sum(max(PAUSE_S, h) for h in held)  # without the pauses
    done.set()
    await writer
    ok = await exact(db)
    left = await db.articles.count()
    await db.close()
    return {"batch": batch, "deleted": deleted, "before": before, "left": left, "seconds": elapsed,
            "rate": deleted / elapsed if elapsed else 0.0, "held_p50": statistics.median(held) * 1000,
            "held_max": max(held) * 1000, "wait_p50": statistics.median(waits) * 1000,
            "wait_p99": pct(waits, 0.99) * 1000, "wait_max": max(waits) * 1000, "exact": ok}


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--stories", type=int, default=20_000)
    parser.add_argument("--chats", type=int, default=20)
    parser.add_argument("--days", type=float, default=180)
    parser.add_argument("--batches", default="20,50,200,1000000")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        built = Path(tmp) / "built.db"
        await build(built, args.stories, args.chats, args.days)
        results = []
        for batch in (int(b) for b in args.batches.split(",")):
            copy = Path(tmp) / f"pass-{batch}.db"
            shutil.copyfile(built, copy)
            results.append(await one_pass(copy, batch))
            copy.unlink()
    print(f"\nretention {RETENTION_DAYS} days over {args.days:g} days of stories; writer: one small write every 10 ms")
    print(f"{'batch':>8} {'deleted':>8} {'s':>7} {'stories/s':>10} {'lock p50 ms':>12} {'lock max ms':>12} "
          f"{'writer wait p50':>16} {'p99':>8} {'max ms':>8}  exact")
    for r in results:
        print(f"{int(r['batch']):>8} {int(r['deleted']):>8} {r['seconds']:>7.2f} {r['rate']:>10.0f} "
              f"{r['held_p50']:>12.1f} {r['held_max']:>12.1f} {r['wait_p50']:>16.2f} {r['wait_p99']:>8.1f} "
              f"{r['wait_max']:>8.1f}  {'yes' if r['exact'] else 'NO'}")
    base = next((r for r in results if int(r["batch"]) == BATCH), results[0])
    naive = results[-1]
    print(f"\nbatch {int(base['batch'])} against one transaction for all ({int(naive['batch'])}): "
          f"longest lock x{naive['held_max'] / base['held_max']:.1f} shorter, other writer's worst wait "
          f"x{naive['wait_max'] / base['wait_max']:.1f} shorter, throughput x{base['rate'] / naive['rate']:.2f}")


if __name__ == "__main__":
    random.seed(1)
    asyncio.run(main())
