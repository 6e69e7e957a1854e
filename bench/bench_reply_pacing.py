"""Replies to readers who send commands about once a second, some replies slow in transit.

usage: python bench/bench_reply_pacing.py [--readers 20] [--commands 12] [--gaps 1.2-2.0] [--slow-share 0.3] [--seed 1]

The bot is built by ``build_application`` as in the tests and long-polls the fake Bot API
(real HTTP on 127.0.0.1), which enforces Telegram's limits over real time: 30 messages a
second overall, one a second per private chat, counted when a message *arrives*. Each reader
sends ``/help`` with gaps drawn from ``--gaps`` (1.2-2.0 s: slower than Telegram's one a second,
as bench_concurrency's reader at 1.5 s); a share of the replies is held in transit for
0.3-1.0 s (the fake's "slow" fault), as on a loaded machine or network. The same schedule
runs twice in one process, one after the other:

* ``paced``: the default, ``TELEGRAM_PRIVATE_CHAT_GAP_SECONDS=1`` (bot/delivery/chatpace.py):
  a reply to a chat waits until a second after the answer to the chat's last message;
* ``unpaced``: ``TELEGRAM_PRIVATE_CHAT_GAP_SECONDS=0``, the bot before: only the overall limit.

Printed for each: replies answered (a 429 loses the reply: PTB does not retry a command's
reply), 429s on private chats, and the latency from the push to the reply's arrival (replies
matched to commands in order; with replies lost the unpaced figures match later replies to
earlier commands and read high).
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import random
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(1, str(ROOT / "bench"))

from bench_search import percentile

from bot.app import build_application
from bot.clock import FakeClock
from bot.config import load_settings
from bot.texts import t
from tests.conftest import ADMIN_ID, TOKEN, start_bot
from tests.fakes.telegram_api import FakeTelegramServer

FIRST_READER = 70_000_001
ERROR_TEXT = t("en", "error")


@dataclass
class Plan:
    """What every reader does and when: (seconds from the start, slow delay or 0) per command."""

    commands: dict[int, list[tuple[float, float]]]


@dataclass
class Outcome:
    name: str
    commands: int = 0
    answered: int = 0
    refused_429: int = 0
    latency_ms: list[float] = field(default_factory=list)


def make_plan(readers: int, commands: int, gaps: tuple[float, float], slow_share: float, seed: int) -> Plan:
    rng = random.Random(seed)
    plan: dict[int, list[tuple[float, float]]] = {}
    for reader in range(FIRST_READER, FIRST_READER + readers):
        at, steps = rng.uniform(0, 1), []
        for _ in range(commands):
            steps.append((at, rng.uniform(0.3, 1.0) if rng.random() < slow_share else 0.0))
            at += rng.uniform(*gaps)
        plan[reader] = steps
    return Plan(plan)


async def run(name: str, gap: float, plan: Plan, workdir: Path) -> Outcome:
    outcome = Outcome(name)
    async with FakeTelegramServer(TOKEN) as tg:
        tg.enforce_flood_limits(time.monotonic)
        settings = load_settings(
            _env_file=None, bot_token=TOKEN, telegram_api_base_url=tg.base_url,
            telegram_file_base_url=tg.base_file_url, database_path=workdir / f"{name}.db", admin_ids=[ADMIN_ID],
            telegram_private_chat_gap_seconds=gap,
        )
        async with start_bot(build_application(settings, clock=FakeClock(), schedule_jobs=False)):
            pushed: dict[int, list[float]] = {reader: [] for reader in plan.commands}
            started = time.monotonic()

            async def reader(chat_id: int, steps: list[tuple[float, float]]) -> None:
                for at, slow in steps:
                    await asyncio.sleep(max(0.0, started + at - time.monotonic()))
                    if slow:
                        tg.fail("sendMessage", "slow", chat_id=chat_id, delay=slow)
                    pushed[chat_id].append(time.monotonic())
                    tg.push_command(chat_id, "/help")

            await asyncio.gather(*(reader(chat, steps) for chat, steps in plan.commands.items()))
            await asyncio.sleep(3.0)  # the last replies (paced ones wait up to ~2 s) arrive
        for chat_id, times in pushed.items():
            calls = [c for c in tg.calls_to("sendMessage") if c.chat_id == chat_id]
            answered = [c for c in calls if c.ok and c.text != ERROR_TEXT]  # not "something went wrong"
            outcome.commands += len(times)
            outcome.refused_429 += sum(1 for c in calls if c.status == 429)
            outcome.answered += min(len(answered), len(times))
            outcome.latency_ms += [(c.at - push) * 1000 for c, push in zip(answered, times)]
    return outcome


def show(o: Outcome) -> None:
    lat = o.latency_ms
    print(f"  {o.name:8} answered {o.answered}/{o.commands} ({o.answered / o.commands:.3f}), "
          f"429s on private chats {o.refused_429}, latency p50 {percentile(lat, 50):.0f} ms, "
          f"p99 {percentile(lat, 99):.0f} ms, max {max(lat, default=0):.0f} ms")


async def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--readers", type=int, default=20)
    parser.add_argument("--commands", type=int, default=12)
    parser.add_argument("--gaps", default="1.2-2.0", help="seconds between a reader's commands, MIN-MAX")
    parser.add_argument("--slow-share", type=float, default=0.3)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    logging.basicConfig(level=logging.CRITICAL)
    low, high = (float(x) for x in args.gaps.split("-"))
    plan = make_plan(args.readers, args.commands, (low, high), args.slow_share, args.seed)
    print(f"{args.readers} readers x {args.commands} /help, gaps {low}-{high} s, {args.slow_share:.0%} of replies "
          "0.3-1.0 s in transit; fake Bot API enforcing 1 message/s per private chat on arrival")
    with tempfile.TemporaryDirectory(prefix="bench-reply-pacing-") as tmp:
        paced = await run("paced", 1.0, plan, Path(tmp))
        unpaced = await run("unpaced", 0.0, plan, Path(tmp))
    show(paced)
    show(unpaced)
    print(f"\npaced / unpaced: 429s {paced.refused_429} vs {unpaced.refused_429}; answered "
          f"{paced.answered / max(unpaced.answered, 1):.3f}x; latency p50 "
          f"{percentile(paced.latency_ms, 50) / max(percentile(unpaced.latency_ms, 50), 1e-9):.2f}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(asyncio.run(main()))
