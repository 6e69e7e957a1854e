"""What reading the SQLite file through mmap buys the same-story check, on and off in one run.

    python bench/bench_story_check.py --keep DIR      # once: builds the 100,000-story database
    python bench/bench_mmap.py --keep DIR [--queries 500] [--rounds 3]

Opens the database ``bench_story_check.py --keep DIR`` built (a copy of it is fine: nothing is
written but the migrations), makes the same kind of checks (half of them report a stored event)
and times ``bot.storyflow.find_story`` with ``PRAGMA mmap_size`` at ``storage.db.MMAP_BYTES``
(what the bot uses) and at 0 (SQLite's default: every page copied into its 2 MB cache by a
read system call), alternating the order each round so neither side always runs on the other's
warm pages. Prints p50/p99 of the wall clock and of CPU time per check for each, and the ratios.
The file's pages are in the OS cache for both (the runs share them): this is the warm case.
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

from bench_story_check import NOW, kept_write_ups, pct  # noqa: E402

from bot.storyflow import find_story  # noqa: E402
from storage import Database  # noqa: E402
from storage.db import MMAP_BYTES  # noqa: E402


async def timed(db: Database, queries: list, mmap_bytes: int) -> tuple[list[float], list[float]]:
    await db.conn.execute(f"PRAGMA mmap_size = {mmap_bytes:d}")
    window = timedelta(days=7)
    for _, profile in queries[:20]:  # this setting's own warm-up (SQLite's page cache, the map)
        await find_story(db, profile, now=NOW, window=window)
    wall, cpu = [], []
    for _, profile in queries:
        t0, c0 = time.perf_counter(), time.process_time()
        await find_story(db, profile, now=NOW, window=window)
        wall.append((time.perf_counter() - t0) * 1000)
        cpu.append((time.process_time() - c0) * 1000)
    return wall, cpu


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keep", type=Path, required=True, help="the folder bench_story_check.py --keep built")
    parser.add_argument("--stories", type=int, default=100_000)
    parser.add_argument("--days", type=float, default=7.0)
    parser.add_argument("--queries", type=int, default=500)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    queries = kept_write_ups(args.keep, args.stories, args.days, args.queries)
    db = await Database.open(args.keep / "bench.db")
    print(f"database file {(args.keep / 'bench.db').stat().st_size / 1e9:.2f} GB, {args.queries} checks a side, "
          f"{args.rounds} rounds")
    print("load average before: %.2f %.2f %.2f (2 cores)" % os.getloadavg())
    sides = {"mmap": MMAP_BYTES, "no mmap": 0}
    results: dict[str, tuple[list[float], list[float]]] = {name: ([], []) for name in sides}
    for round_ in range(args.rounds):
        order = list(sides) if round_ % 2 == 0 else list(reversed(sides))
        for name in order:
            wall, cpu = await timed(db, queries, sides[name])
            results[name][0].extend(wall)
            results[name][1].extend(cpu)
            print(f"  round {round_ + 1} {name:8s}: wall p50 {statistics.median(wall):.2f} ms, "
                  f"p99 {pct(wall, 0.99):.2f} ms; CPU p50 {statistics.median(cpu):.2f} ms, p99 {pct(cpu, 0.99):.2f} ms")
    print("load average after: %.2f %.2f %.2f" % os.getloadavg())
    for name, (wall, cpu) in results.items():
        print(f"{name:8s} all rounds: wall p50 {statistics.median(wall):.2f} ms, p99 {pct(wall, 0.99):.2f} ms; "
              f"CPU p50 {statistics.median(cpu):.2f} ms, p99 {pct(cpu, 0.99):.2f} ms")
    (mw, mc), (nw, nc) = results["mmap"], results["no mmap"]
    print(f"no mmap / mmap: wall p50 x{statistics.median(nw) / statistics.median(mw):.2f}, "
          f"p99 x{pct(nw, 0.99) / pct(mw, 0.99):.2f}; CPU p50 x{statistics.median(nc) / statistics.median(mc):.2f}, "
          f"p99 x{pct(nc, 0.99) / pct(mc, 0.99):.2f}")
    await db.close()


if __name__ == "__main__":
    asyncio.run(main())
