"""The same-story check's document frequencies at 100,000 stories, and a cold start.

    python bench/bench_story_check_cache.py --keep DIR [--queries 2000] [--warm 1000]
        [--rounds 2] [--cold-rounds 2] [--cold-checks 300]

Reuses the database ``bench_story_check.py --keep DIR`` built (build it with that first).

1. Where a check's document frequencies come from, alternated in one run (which goes first
   alternates): each round checks ``--warm`` new articles untimed, then the same ``--queries``
   timed. Table: every term read from ``term_df`` in one statement each check (the cache that
   held the counts a while before is gone: what a check reads while the copy loads); memory: the
   copy held in memory (``storage.dfmemory``), with its one read of ``term_df_version`` a check.
   Prints wall-clock p50/p99/p99.9/max and CPU p50/p99/p99.9.
2. A cold start, with and without ``warm_story_pages`` (what the bot runs at start), alternated:
   the database file's pages are dropped from the OS cache (``posix_fadvise(DONTNEED)``; the
   file is closed first so no mapping keeps them), the database opened afresh, then the first
   ``--cold-checks`` checks are timed. Prints their p50/p99/max and the warm-up's own time.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_story_check import NOW, kept_write_ups  # noqa: E402

from bot.storyflow import find_story  # noqa: E402
from storage import Database  # noqa: E402
from storage.warmup import warm_story_pages  # noqa: E402

WINDOW = timedelta(days=7)


def pct(values: list[float], q: float) -> float:
    return sorted(values)[min(len(values) - 1, int(q * len(values)))]


class TableOnly:
    """``storage.dfmemory.DfMemory`` that never holds a copy: every check reads ``term_df``."""

    loaded = None

    async def table(self) -> None:
        return None

    async def close(self) -> None:
        pass


async def timed(db: Database, queries: list) -> tuple[list[float], list[float]]:
    wall, cpu = [], []
    for _, profile in queries:
        t0, c0 = time.perf_counter(), time.process_time()
        await find_story(db, profile, now=NOW, window=WINDOW)
        wall.append((time.perf_counter() - t0) * 1000)
        cpu.append((time.process_time() - c0) * 1000)
    return wall, cpu


def evict(path: Path) -> None:
    for name in (path, path.with_name(path.name + "-wal")):
        if name.exists():
            fd = os.open(name, os.O_RDONLY)
            try:
                os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
            finally:
                os.close(fd)


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keep", type=Path, required=True, help="the folder bench_story_check.py --keep built")
    parser.add_argument("--stories", type=int, default=100_000)
    parser.add_argument("--days", type=float, default=7.0)
    parser.add_argument("--queries", type=int, default=2000)
    parser.add_argument("--warm", type=int, default=1000,
                        help="checks (other articles) run untimed first")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--cold-rounds", type=int, default=2)
    parser.add_argument("--cold-checks", type=int, default=300)
    args = parser.parse_args()
    queries = kept_write_ups(args.keep, args.stories, args.days, args.warm + args.queries)
    warm_queries, queries = queries[: args.warm], queries[args.warm:]
    path = args.keep / "bench.db"
    await cache_policies(args, path, warm_queries, queries)
    await cold_starts(args, path, queries[: args.cold_checks])


async def cache_policies(args: argparse.Namespace, path: Path, warm_queries: list, queries: list) -> None:
    db = await Database.open(path)
    try:
        await _cache_policies(args, db, warm_queries, queries)
    finally:
        await db.close()  # also after an error: aiosqlite's thread would keep the process alive


async def _cache_policies(args: argparse.Namespace, db: Database, warm_queries: list, queries: list) -> None:
    print(f"1. document frequencies, {len(queries)} checks a round timed after {len(warm_queries)} untimed")
    t0, c0 = time.perf_counter(), time.process_time()
    await db.stories.load_document_frequencies()
    print(f"   copy loaded in {time.perf_counter() - t0:.1f} s ({time.process_time() - c0:.1f} s CPU)")
    print("   load average before: %.2f %.2f %.2f (2 cores)" % os.getloadavg())
    memory = db.stories.df_memory
    sources: dict[str, object] = {"table (term_df read each check)": TableOnly(), "memory (storage.dfmemory)": memory}
    results: dict[str, list[tuple[list[float], list[float]]]] = {name: [] for name in sources}
    for round_ in range(args.rounds):
        order = list(sources) if round_ % 2 == 0 else list(reversed(sources))
        for name in order:
            db.stories.df_memory = sources[name]  # type: ignore[assignment]
            await timed(db, warm_queries)
            wall, cpu = await timed(db, queries)
            results[name].append((wall, cpu))
            print(f"   round {round_ + 1} {name}: p50 {statistics.median(wall):.2f} ms, p99 {pct(wall, 0.99):.2f}, "
                  f"p99.9 {pct(wall, 0.999):.2f}, max {max(wall):.2f}; CPU p50 {statistics.median(cpu):.2f}, "
                  f"p99 {pct(cpu, 0.99):.2f}, p99.9 {pct(cpu, 0.999):.2f}")
    db.stories.df_memory = memory
    print("   load average after: %.2f %.2f %.2f" % os.getloadavg())
    (table_name, table_runs), (memory_name, memory_runs) = results.items()
    t_cpu = [c for _, run in table_runs for c in run]
    m_cpu = [c for _, run in memory_runs for c in run]
    print(f"   all rounds: CPU p50 {statistics.median(m_cpu):.2f} against {statistics.median(t_cpu):.2f} ms "
          f"(x{statistics.median(t_cpu) / statistics.median(m_cpu):.2f}), p99 {pct(m_cpu, 0.99):.2f} against "
          f"{pct(t_cpu, 0.99):.2f} (x{pct(t_cpu, 0.99) / pct(m_cpu, 0.99):.2f})")


async def cold_starts(args: argparse.Namespace, path: Path, cold: list) -> None:
    """The file closed (unmapped) and its pages dropped from the OS cache before each round."""
    if args.cold_rounds:
        print(f"2. cold start: the first {len(cold)} checks after the file's pages left the OS cache")
    for round_ in range(args.cold_rounds):
        for warm in ((False, True) if round_ % 2 == 0 else (True, False)):
            evict(path)
            db = await Database.open(path)
            try:
                note = "no warm-up"
                if warm:
                    t0, c0 = time.perf_counter(), time.process_time()
                    done = await warm_story_pages(db, since=NOW - WINDOW)
                    note = (f"warm-up {time.perf_counter() - t0:.2f} s wall, {time.process_time() - c0:.2f} s CPU "
                            f"of this process, {done}")
                wall, cpu = await timed(db, cold)
            finally:
                await db.close()
            print(f"   round {round_ + 1}, {note}: p50 {statistics.median(wall):.2f} ms, p99 {pct(wall, 0.99):.2f}, "
                  f"max {max(wall):.2f}; first 20 checks {sum(wall[:20]):.0f} ms; CPU p99 {pct(cpu, 0.99):.2f} "
                  f"(load {os.getloadavg()[0]:.2f})")


if __name__ == "__main__":
    asyncio.run(main())
