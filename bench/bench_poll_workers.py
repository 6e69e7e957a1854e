"""Polling throughput with 1, 2 and 4 worker processes sharing one PostgreSQL database.

usage: python bench/bench_poll_workers.py [--feeds N] [--workers 1,2,4]

A throw-away PostgreSQL server (tests/pgserver.py) holds N feeds (default 20,000) of the fake
news site, which serves them from a process of its own (bench/bench_polling.py's site). The
feeds are primed once (their ETag and Last-Modified stored, as after a first poll), so each
measured cycle is the steady state: every feed is due, and most answer 304 Not Modified.
Each worker is a process of its own running the poll job's body (``poll_due_feeds``: claim
up to 200 due feeds ``FOR UPDATE SKIP LOCKED``, poll 4 at once) back to back until nothing
is due; the cycle's time runs from the moment all workers are told to go to the last one done.

Printed per worker count: feeds/s, the scaling ratio against one worker, and how many feeds
were polled more than once in the cycle (the claims' promise: 0). The machine's cores bound
the scaling: the site, the database and the workers share them (2 cores here).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import asyncpg  # noqa: E402
import httpx  # noqa: E402

TOKEN = "123456:BENCH-token-abcdefghijklmnopqrstuvwxyz"


# -- a worker process ---------------------------------------------------------------------------


async def worker(url: str) -> None:
    """Open the services on ``url``, say READY, wait for GO, poll until nothing is due."""
    from bot.app import build_application
    from bot.config import load_settings
    from bot.jobs.poll import poll_due_feeds

    settings = load_settings(_env_file=None, bot_token=TOKEN, telegram_api_base_url="http://127.0.0.1:9/bot",
                             database_url=url, allow_private_urls=True, log_level="WARNING")
    application = build_application(settings, schedule_jobs=False)
    services = application.bot_data["services"]
    await services.open()
    reader = asyncio.StreamReader()
    await asyncio.get_running_loop().connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    print("READY", flush=True)
    await reader.readline()
    polled: list[int] = []
    not_modified = errors = 0
    started = time.perf_counter()
    try:
        while reports := await poll_due_feeds(services):
            polled += [r.feed_id for r in reports]
            not_modified += sum(r.not_modified for r in reports)
            errors += sum(r.error is not None for r in reports)
    finally:
        await services.close()
    print("RESULT " + json.dumps({"polled": polled, "seconds": time.perf_counter() - started,
                                  "not_modified": not_modified, "errors": errors}), flush=True)


# -- orchestration ------------------------------------------------------------------------------


async def _spawn(*args: str) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(sys.executable, *args, stdin=asyncio.subprocess.PIPE,
                                                stdout=asyncio.subprocess.PIPE, limit=2**26)  # long RESULT lines


async def _line(proc: asyncio.subprocess.Process) -> str:
    assert proc.stdout is not None
    line = (await proc.stdout.readline()).decode().strip()
    if not line:
        raise RuntimeError(f"process {proc.pid} ended early (status {await proc.wait()})")
    return line


async def prime(url: str, site_url: str, count: int) -> None:
    """Store every feed with the validators its first poll would have kept."""
    from storage import Database

    now = datetime.now(UTC)
    db = await Database.connect(url)
    try:
        async with db.transaction():
            for i in range(count):
                await db.feeds.add(f"{site_url}/feeds/{i}.xml", now=now)
        feeds = await db.feeds.list()
        gate = asyncio.Semaphore(16)
        async with httpx.AsyncClient(timeout=30) as client:
            async def one(feed_id: int, feed_url: str) -> None:
                async with gate:
                    response = await client.get(feed_url)
                await db.feeds.record_success(feed_id, now=now, next_poll_at=now, etag=response.headers.get("etag"),
                                              last_modified=response.headers.get("last-modified"))
            await asyncio.gather(*(one(f.id, f.url) for f in feeds))
    finally:
        await db.close()


async def cycle(url: str, workers: int) -> dict[str, float]:
    conn = await asyncpg.connect(url)
    try:
        await conn.execute("UPDATE feeds SET next_poll_at = $1", "2000-01-01 00:00:00.000000")
    finally:
        await conn.close()
    procs = [await _spawn(__file__, "worker", "--url", url) for _ in range(workers)]
    try:
        for proc in procs:
            assert await _line(proc) == "READY"
        started = time.perf_counter()
        for proc in procs:
            assert proc.stdin is not None
            proc.stdin.write(b"go\n")
            await proc.stdin.drain()
        results = [json.loads((await _line(p)).removeprefix("RESULT ")) for p in procs]
        seconds = time.perf_counter() - started
    finally:
        for proc in procs:
            if proc.returncode is None:
                await asyncio.wait_for(proc.wait(), 60)
    per_feed = Counter(feed for r in results for feed in r["polled"])
    return {"workers": workers, "seconds": seconds, "polled": sum(per_feed.values()), "feeds": len(per_feed),
            "twice": sum(1 for n in per_feed.values() if n > 1),
            "not_modified": sum(r["not_modified"] for r in results), "errors": sum(r["errors"] for r in results),
            "shares": [len(r["polled"]) for r in results]}


async def orchestrate(count: int, worker_counts: list[int]) -> None:
    from tests.pgserver import PostgresServer, find_binaries

    binaries = find_binaries()
    if binaries is None:
        print("no PostgreSQL binaries found")
        return
    server = PostgresServer(binaries).start()
    site = await _spawn(str(ROOT / "bench" / "bench_polling.py"), "serve", "--feeds", str(count))
    try:
        site_url = (await _line(site)).split()[1]
        admin = await asyncpg.connect(server.url())
        await admin.execute('CREATE DATABASE "polling"')
        await admin.close()
        url = server.url("polling")
        started = time.perf_counter()
        await prime(url, site_url, count)
        print(f"{count} feeds stored and primed in {time.perf_counter() - started:.0f} s", flush=True)
        rows = []
        for workers in worker_counts:
            row = await cycle(url, workers)
            print(f"  {workers} worker(s): {row['feeds']} feeds in {row['seconds']:.1f} s", flush=True)
            rows.append(row)
    finally:
        if site.stdin is not None:
            site.stdin.close()
        await site.wait()
        server.stop()
    print()
    print(f"one poll cycle over {count} feeds of the fake site (every feed due; answers 304 unless changed), "
          f"worker processes on one PostgreSQL, {os.cpu_count()} cores shared with the site and the database")
    base = rows[0]["feeds"] / rows[0]["seconds"]
    print(f"{'workers':>8}{'feeds/s':>10}{'scaling':>9}{'polled twice':>14}{'304s':>8}{'errors':>8}  per worker")
    for row in rows:
        rate = row["feeds"] / row["seconds"]
        print(f"{row['workers']:>8}{rate:>10.1f}{rate / base:>9.2f}{row['twice']:>14}{row['not_modified']:>8}"
              f"{row['errors']:>8}  {row['shares']}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="mode")
    run = sub.add_parser("worker")
    run.add_argument("--url", required=True)
    parser.add_argument("--feeds", type=int, default=20_000)
    parser.add_argument("--workers", default="1,2,4")
    args = parser.parse_args()
    if args.mode == "worker":
        asyncio.run(worker(args.url))
    else:
        with tempfile.TemporaryDirectory():
            asyncio.run(orchestrate(args.feeds, [int(w) for w in args.workers.split(",")]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
