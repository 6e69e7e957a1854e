"""/related end to end over 100,000 stored stories: from a user's message to the bot's reply.

usage: python bench/bench_related_command.py [--articles N] [--queries Q] [--seed S] [--gap-ms G]

The bot is built by ``build_application`` exactly as in the tests, on a copy of the generated
corpus (``gen_articles.py``), and long-polls the fake Bot API server
(``tests/fakes/telegram_api.FakeTelegramServer``, real HTTP on 127.0.0.1). Each iteration pushes
``/related <words>`` (the query mix of ``bench_search.py``) and measures from the push to the
moment the fake server receives the bot's sendMessage (``Call.at``): getUpdates answer, PTB
dispatch, the handler (chat upsert, search, rendering) and the sendMessage request.

/help runs the same loop, interleaved, as the baseline of the transport and of the handler
plumbing without search. Pushes are spaced by ``--gap-ms`` (40 ms: 25 messages a second) so the
bot's rate limiter (30 messages a second) never delays a reply. The fake server and the bot
share one event loop, as in the tests. The issue's goal: /related p99 < 50 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import shutil
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_search import (
    LATENCY_HEADER,
    CorpusIndex,
    build_queries,
    latency_cells,
    percentile,
)
from gen_articles import NOW, ROOT, describe, generated_db

sys.path.insert(0, str(ROOT))

from bot.app import build_application
from bot.clock import FakeClock
from bot.config import load_settings
from bot.texts import LANGUAGES, t
from tests.conftest import ADMIN_ID, READER_ID, TOKEN, start_bot
from tests.fakes.telegram_api import Call, FakeTelegramServer

GOAL_P99_MS = 50.0
NO_RESULTS = tuple(t(lang, "nothing_related") for lang in LANGUAGES)


@dataclass
class Loop:
    """Latencies (ms) of one command, and how many replies listed stories."""

    ms: list[float]
    with_results: int = 0


async def round_trip(tg: FakeTelegramServer, chat_id: int, text: str) -> tuple[float, Call]:
    """Push ``text`` as the user of ``chat_id``; ms until the bot's reply reached the server."""
    tg.reset_calls()
    pushed = time.monotonic()
    tg.push_command(chat_id, text)
    [answer] = await tg.wait_for(
        "sendMessage", count=1, timeout=10.0, predicate=lambda c: c.ok and c.result["chat"]["id"] == chat_id
    )
    return (answer.at - pushed) * 1000, answer


async def run(db_path: Path, commands: Sequence[str], *, gap_s: float) -> tuple[Loop, Loop]:
    """Start the bot on ``db_path`` and time /help and each of ``commands``, interleaved."""
    help_loop, related_loop = Loop([]), Loop([])
    async with FakeTelegramServer(TOKEN) as tg:
        settings = load_settings(
            _env_file=None, bot_token=TOKEN, telegram_api_base_url=tg.base_url,
            telegram_file_base_url=tg.base_file_url, database_path=db_path, admin_ids=[ADMIN_ID],
        )
        application = build_application(settings, clock=FakeClock(NOW), schedule_jobs=False)
        async with start_bot(application):
            await tg.wait_until_polling()
            for command in (*commands[:10], "/help", "/help"):  # warm up: first calls build caches
                await round_trip(tg, READER_ID, command)
                await asyncio.sleep(gap_s)
            for command in commands:
                for loop, text in ((help_loop, "/help"), (related_loop, command)):
                    started = time.monotonic()
                    ms, answer = await round_trip(tg, READER_ID, text)
                    loop.ms.append(ms)
                    if answer.text not in NO_RESULTS:
                        loop.with_results += 1
                    await asyncio.sleep(max(0.0, gap_s - (time.monotonic() - started)))
    return help_loop, related_loop


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--gap-ms", type=float, default=40.0, help="time between pushes (rate limiter: 30/s)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    logging.getLogger("httpx").setLevel(logging.WARNING)
    started = time.perf_counter()
    corpus = generated_db(args.articles, args.seed)
    queries = build_queries(CorpusIndex(corpus.path), args.queries, args.seed)
    commands = [f"/related {q.words}" for q in queries]
    with tempfile.TemporaryDirectory(prefix="bench-related-") as tmp:
        db_path = Path(tmp) / "newsbot.db"
        shutil.copyfile(corpus.path, db_path)  # the bot writes (chats); the cache stays pristine
        help_loop, related_loop = asyncio.run(run(db_path, commands, gap_s=args.gap_ms / 1000))
    print(describe(corpus))
    print()
    print(f"end to end, push -> sendMessage (ms) {LATENCY_HEADER}   with stories")
    print(f"/help (transport baseline)          {latency_cells(help_loop.ms)}")
    print(f"/related <words>                    {latency_cells(related_loop.ms)}   "
          f"{related_loop.with_results}/{len(related_loop.ms)}")
    ratios = "  ".join(f"p{q}: x{percentile(related_loop.ms, q) / percentile(help_loop.ms, q):.1f}"
                       for q in (50, 99))
    print(f"/related vs /help                   {ratios}")
    p99 = percentile(related_loop.ms, 99)
    print()
    print(f"goal: /related p99 < {GOAL_P99_MS:g} ms: {'met' if p99 < GOAL_P99_MS else 'NOT met'} ({p99:.1f} ms)")
    print(f"({time.perf_counter() - started:.0f} s in all)")


if __name__ == "__main__":
    main()
