"""The same-story check's tail at 100,000 stories: the df cache's policy, and a cold start.

    python bench/bench_story_check_cache.py --keep DIR [--queries 2000] [--warm 1000]
        [--interval 0.3] [--rounds 2] [--cold-rounds 2] [--cold-checks 300]

Reuses the database ``bench_story_check.py --keep DIR`` built (build it with that first).

1. The cache policy, old and new alternated in one run (which goes first alternates): each
   round checks ``--warm`` new articles untimed, then the same ``--queries`` timed, with a fresh
   repository whose clock moves ``--interval`` simulated seconds per check, so the 300 s of the cache pass as they would in
   a bot checking that often. Old: the whole cache dropped every 300 s
   (``story_check_before.py``); new: a 64th of the cache dropped at a time, in turn. Prints
   wall-clock p50/p99/p99.9/max, CPU p99/p99.9 and how many terms each check read from
   ``term_df``.
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
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_story_check import NOW, kept_write_ups  # noqa: E402
from story_check_before import DropAllStoryRepo  # noqa: E402

from bot.storyflow import find_story  # noqa: E402
from storage import Database  # noqa: E402
from storage.stories import StoryRepo  # noqa: E402
from storage.warmup import warm_story_pages  # noqa: E402

WINDOW = timedelta(days=7)


def pct(values: list[float], q: float) -> float:
    return sorted(values)[min(len(values) - 1, int(q * len(values)))]


class SimClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def counting(repo: StoryRepo, read: list[int]) -> None:
    """Count the terms each check reads from term_df (the repo's one df statement)."""
    original = repo._df_query

    def query(terms: list[str]) -> tuple[str, tuple[object, ...]]:
        if read:  # not while warming up
            read[-1] += len(terms)
        return original(terms)

    repo._df_query = query  # type: ignore[method-assign]


async def timed(db: Database, queries: list, *, step: Callable[[], None] = lambda: None,
                read: list[int] | None = None) -> tuple[list[float], list[float]]:
    wall, cpu = [], []
    for _, profile in queries:
        step()
        if read is not None:
            read.append(0)
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
    parser.add_argument("--interval", type=float, default=0.3, help="simulated seconds between checks")
    parser.add_argument("--warm", type=int, default=1000,
                        help="checks (other articles) run untimed first, so both caches are past their filling")
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
    print(f"1. df cache, {len(queries)} checks a round timed after {len(warm_queries)} untimed, "
          f"{args.interval:g} simulated s apart ({len(queries) * args.interval:.0f} s timed; the time to live is 300 s)")
    print("   load average before: %.2f %.2f %.2f (2 cores)" % os.getloadavg())
    policies: dict[str, type[StoryRepo]] = {"old (drop all every 300 s)": DropAllStoryRepo,
                                            "new (a 64th dropped at a time)": StoryRepo}
    results: dict[str, list[tuple[list[float], list[float], list[int]]]] = {name: [] for name in policies}
    for round_ in range(args.rounds):
        order = list(policies) if round_ % 2 == 0 else list(reversed(policies))
        for name in order:
            clock = SimClock()
            db.stories = policies[name](db, clock=clock)
            read: list[int] = []
            counting(db.stories, read)

            def step(clock: SimClock = clock) -> None:
                clock.now += args.interval

            await timed(db, warm_queries, step=step)
            wall, cpu = await timed(db, queries, step=step, read=read)
            results[name].append((wall, cpu, read))
            print(f"   round {round_ + 1} {name}: p50 {statistics.median(wall):.2f} ms, p99 {pct(wall, 0.99):.2f}, "
                  f"p99.9 {pct(wall, 0.999):.2f}, max {max(wall):.2f}; CPU p99 {pct(cpu, 0.99):.2f}, "
                  f"p99.9 {pct(cpu, 0.999):.2f}; terms read a check: p50 {statistics.median(read):.0f}, "
                  f"p99 {pct(read, 0.99):.0f}, p99.9 {pct(read, 0.999):.0f}, max {max(read)}, mean {statistics.mean(read):.1f}")
    print("   load average after: %.2f %.2f %.2f" % os.getloadavg())
    for name, runs in results.items():
        reads = [r for _, _, run in runs for r in run]
        print(f"   {name}: checks reading more than 180 terms: {sum(r > 180 for r in reads)} of {len(reads)}")


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
