"""Outage benchmark: the Bot API unreachable for minutes in the middle of a fan-out.

usage: python bench/bench_outage.py [--chats 500] [--outage 540] [--old-checkout DIR]

The real ``newsbot run`` process with default settings posts one story to N chats through
the fake Bot API (Telegram's flood limits enforced over real time) behind a relay that is
cut after the first 100 posts and plugged back after ``--outage`` seconds: every connection
dropped, new ones refused, as in a network cut. Printed: copies per chat (goal: every chat
exactly once, at most the requests in flight at the cut twice), rows failed, how long after
the Bot API came back the fan-out resumed and ended, and the admin notices.

``--old-checkout`` runs another checkout of newsbot (e.g. ``git worktree add /tmp/old main~N``)
side by side, against its own fake server and relay, for the comparison in the same run.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import sqlite3
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _prepare_child() -> None:
    """``--prepare DB N``: build the outbox with the storage code of NEWSBOT_CODE (an older
    checkout refuses a database of a newer schema, so each run prepares its own)."""
    db_path, count = Path(sys.argv[2]), int(sys.argv[3])
    from prep_outbox import queue_fanout, use_checkout

    use_checkout()
    from datetime import UTC, datetime

    from storage import Database

    async def prepare() -> None:
        db = await Database.open(db_path)
        await queue_fanout(db, count, text="Engineers opened the gates of the dam after repairs. " * 20,
                           now=datetime.now(UTC))
        await db.close()

    asyncio.run(prepare())


if len(sys.argv) > 1 and sys.argv[1] == "--prepare":
    _prepare_child()
    raise SystemExit(0)

sys.path.insert(0, str(ROOT))
sys.path.insert(1, str(ROOT / "bench"))

from bench_fanout import ALLOWED_PER_SECOND, TOKEN, Chats, fresh_server, make_chats, register, stop_process

from tests.fakes.cable import Cable
from tests.fakes.telegram_api import FakeTelegramServer

ADMIN = 999_000_001
CUT_AFTER = 100


@dataclass
class Outcome:
    name: str
    copies: Counter[int] = field(default_factory=Counter)  # copies -> chats
    states: dict[str, int] = field(default_factory=dict)
    resumed_after_s: float | None = None
    done_after_s: float | None = None
    in_flight_at_cut: int = 0
    notices: list[str] = field(default_factory=list)


async def run(name: str, code_dir: Path, chats: Chats, workdir: Path, outage_s: float) -> Outcome:
    outcome = Outcome(name)
    db_path = workdir / f"{name.replace(' ', '-')}.db"
    # Each checkout builds its own database: an older one refuses a newer schema.
    prep = await asyncio.create_subprocess_exec(
        sys.executable, __file__, "--prepare", str(db_path), str(len(chats.all)),
        env={**os.environ, "NEWSBOT_CODE": str(code_dir)})
    if await prep.wait() != 0:
        raise SystemExit(f"{name}: could not prepare its database")
    tg: FakeTelegramServer = fresh_server()
    register(tg, chats)
    tg.add_chat(ADMIN, "private", "Admin")
    wanted = set(chats.all)

    def delivered() -> int:
        return len({c.result["chat"]["id"] for c in tg.sent_messages()} & wanted)

    async with tg:
        cable = Cable(int(tg.base_url.rsplit(":", 1)[1].split("/")[0]))
        await cable.plug()
        env = {"PATH": os.environ.get("PATH", ""), "PYTHONPATH": str(code_dir), "BOT_TOKEN": TOKEN,
               "TELEGRAM_API_BASE_URL": cable.base_url, "DATABASE_PATH": str(db_path), "LOG_LEVEL": "WARNING",
               "ADMIN_IDS": str(ADMIN)}
        argv = [sys.executable, "-c", "from bot.cli import main; raise SystemExit(main())", "run"]
        with (workdir / f"{name.replace(' ', '-')}.log").open("wb") as log:
            proc = await asyncio.create_subprocess_exec(*argv, env=env, cwd=workdir, stdout=log, stderr=log,
                                                        stdin=asyncio.subprocess.DEVNULL)
        try:
            while delivered() < CUT_AFTER:
                if proc.returncode is not None:
                    log_text = (workdir / f"{name.replace(' ', '-')}.log").read_text(errors="replace")
                    raise SystemExit(f"{name} exited early:\n{log_text[-2000:]}")
                await asyncio.sleep(0.05)
            requests_before = len(tg.calls_to("sendMessage"))
            await cable.cut()
            outcome.in_flight_at_cut = 0
            print(f"  {name}: cut after {delivered()} posts; Bot API unreachable for {outage_s:.0f} s", flush=True)
            await asyncio.sleep(outage_s)
            at_back = delivered()
            await cable.plug()
            back = time.monotonic()
            print(f"  {name}: plugged back in", flush=True)
            last_change, seen = time.monotonic(), at_back
            while True:
                await asyncio.sleep(0.5)
                got = delivered()
                if got > at_back and outcome.resumed_after_s is None:
                    outcome.resumed_after_s = time.monotonic() - back
                if got != seen:
                    seen, last_change = got, time.monotonic()
                if got == len(wanted):
                    outcome.done_after_s = time.monotonic() - back
                    break
                if time.monotonic() - last_change > 240:  # nothing for 4 minutes: the rest is lost
                    break
            await asyncio.sleep(2)  # let the last outcomes be written
            del requests_before
        finally:
            await stop_process(proc)
            await cable.cut()
        per_chat = Counter(c.result["chat"]["id"] for c in tg.sent_messages() if c.result["chat"]["id"] in wanted)
        outcome.copies = Counter(per_chat[chat] for chat in wanted)
        outcome.notices = [c.params["text"][:90] for c in tg.sent_messages(ADMIN)]
    conn = sqlite3.connect(db_path)
    try:
        outcome.states = dict(conn.execute("SELECT state, count(*) FROM deliveries GROUP BY state").fetchall())
    finally:
        conn.close()
    return outcome


def show(outcome: Outcome, chats: int) -> None:
    print(f"\n{outcome.name}:")
    print("  copies per chat: " + ", ".join(f"{n} copies: {c} chats" for n, c in sorted(outcome.copies.items())))
    print(f"  outbox rows: {outcome.states}")
    resumed = f"{outcome.resumed_after_s:.1f} s" if outcome.resumed_after_s is not None else "never"
    done = f"{outcome.done_after_s:.1f} s" if outcome.done_after_s is not None else "never (posts lost)"
    print(f"  after the Bot API was back: first post {resumed}, every chat served {done}")
    print(f"  admin notices: {len(outcome.notices)}")
    for text in outcome.notices:
        print(f"    - {text}")
    exactly_once = outcome.copies.get(1, 0)
    print(f"  chats with the post exactly once: {exactly_once}/{chats}; lost: {outcome.copies.get(0, 0)}; "
          f"twice or more: {sum(c for n, c in outcome.copies.items() if n >= 2)}")


async def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--chats", type=int, default=500)
    parser.add_argument("--outage", type=float, default=540.0, help="seconds the Bot API is unreachable")
    parser.add_argument("--old-checkout", type=Path, help="another newsbot checkout to run side by side")
    args = parser.parse_args()
    chats = make_chats(args.chats, 0.3)
    print(f"{args.chats} chats at {ALLOWED_PER_SECOND}/s; the Bot API is cut after {CUT_AFTER} posts for "
          f"{args.outage:.0f} s", flush=True)
    with tempfile.TemporaryDirectory(prefix="bench-outage-") as tmp:
        work = Path(tmp)
        runs = [run("newsbot", ROOT, chats, work, args.outage)]
        if args.old_checkout:
            runs.append(run("old checkout", args.old_checkout.resolve(), chats, work, args.outage))
        results = await asyncio.gather(*runs)
    for result in results:
        show(result, args.chats)
    return 0


if __name__ == "__main__":
    raise SystemExit(asyncio.run(main()))
