"""Delivery and polling side by side: poll lag and /related latency during a 10,000-chat fan-out.

usage: python bench/bench_concurrency.py [--chats 10000] [--feeds 120] [--old-checkout DIR]

The real ``newsbot run`` process (default settings: 30 messages/s) posts one story to N chats
through the fake Bot API enforcing Telegram's flood limits over real time. Meanwhile:

* feeds come due one every 2 s (served by a small feed server in this process, which notes
  when each is first fetched), each followed by one reader who gets its story, so every poll
  queues a post: poll lag = first fetch - the feed's next_poll_at;
* a reader sends ``/related dam gates`` every 1.5 s: latency = the push to the moment the
  fake Bot API receives the reply.

Printed: the fan-out's rate as a share of 30/s and its 429s, the rate of every message the bot
sent meanwhile (the replies share the limit: at one /related every 1.5 s they take 2.2% of
it), poll lag p50/p99/max over the feeds due during the fan-out, /related p50/p99/max. Goals: share >= 0.95, 0 429s, poll lag p99
< 5 s, /related p99 < 50 ms. ``--old-checkout`` runs another checkout side by side (its own
fake servers), for the comparison in the same run: its poll job waited for the fan-out.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
READER = 555_000_001
SUBSCRIBER = 556_000_000  # + feed number: one reader per feed
FEED_GAP_S = 2.0
FEEDS_START_S = 25.0  # after the database is prepared: the bot is up and posting by then
RELATED_EVERY_S = 1.5  # Telegram allows a private chat about one message a second


def _prepare_child() -> None:
    """``--prepare DB CHATS FEEDS BASE_URL T0``: the outbox and the feeds, with NEWSBOT_CODE's storage."""
    db_path, count, feeds, base, t0 = Path(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), sys.argv[5], float(sys.argv[6])
    from prep_outbox import queue_fanout, use_checkout

    use_checkout()
    from datetime import UTC, datetime

    from storage import Database

    async def prepare() -> None:
        now = datetime.now(UTC)
        db = await Database.open(db_path)
        text = ("Engineers opened the gates of the dam after repairs; the reservoir fills again and the "
                "villages downstream prepare for the water. ") * 8
        await queue_fanout(db, count, text=text, now=now, feed_title="Fake")
        for i in range(feeds):  # each with a reader, who gets the feed's story at its first poll
            due = datetime.fromtimestamp(t0 + FEEDS_START_S + i * FEED_GAP_S, UTC)
            polled, _ = await db.feeds.add(f"{base}/feed-{i}.xml", now=due)
            await db.chats.upsert(SUBSCRIBER + i, "private", title=f"Subscriber {i}", now=now)
            await db.subscriptions.add(SUBSCRIBER + i, polled.id, now=now)
        await db.close()

    asyncio.run(prepare())


if len(sys.argv) > 1 and sys.argv[1] == "--prepare":
    _prepare_child()
    raise SystemExit(0)

sys.path.insert(0, str(ROOT))
sys.path.insert(1, str(ROOT / "bench"))

from aiohttp import web
from bench_fanout import ALLOWED_PER_SECOND, TOKEN, Result, fresh_server, make_chats, register, tally, stop_process
from bench_search import percentile

from tests.fakes.telegram_api import Call, FakeTelegramServer


@dataclass
class Run:
    name: str
    fanout: Result
    poll_lag_s: list[float] = field(default_factory=list)
    related_ms: list[float] = field(default_factory=list)
    feeds_due_during: int = 0
    feeds_polled_during: int = 0
    all_per_second: float = 0.0  # every message the bot sent (fan-out, feed posts, replies) while the fan-out ran
    others: int = 0  # of those, the ones not of the fan-out
    replies_refused: int = 0  # /related replies the fake refused (429)


class Seen:
    """What the fake Bot API recorded, read as it grows: scanning every call at each look (as
    ``wait_for`` does) cost the fake's own event loop milliseconds per look at 10,000 calls,
    which slowed the very server whose latency is measured."""

    def __init__(self, tg: FakeTelegramServer, wanted: set[int]) -> None:
        self.tg, self.wanted = tg, wanted
        self.delivered: set[int] = set()
        self.replies: list[Call] = []  # answered replies to the reader
        self.refused_replies = 0
        self._read = 0

    def update(self) -> Seen:
        calls = self.tg.calls
        for call in calls[self._read:]:
            if call.method != "sendMessage":
                continue
            if call.params.get("chat_id") == READER:
                if call.ok:
                    self.replies.append(call)
                else:
                    self.refused_replies += 1
            elif call.ok and call.result["chat"]["id"] in self.wanted:
                self.delivered.add(call.result["chat"]["id"])
        self._read = len(calls)
        return self


class FeedServer:
    """Feeds /feed-N.xml (one old item each, no page to fetch), noting each one's first fetch."""

    def __init__(self) -> None:
        self.first_hit: dict[int, float] = {}
        self._runner: web.AppRunner | None = None
        self.port = 0

    async def start(self) -> None:
        app = web.Application()
        app.router.add_get("/feed-{n}.xml", self._feed)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        self.port = sock.getsockname()[1]
        await web.SockSite(self._runner, sock).start()

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    async def _feed(self, request: web.Request) -> web.Response:
        n = int(request.match_info["n"])
        self.first_hit.setdefault(n, time.time())
        body = (f"<?xml version='1.0'?><rss version='2.0'><channel><title>Feed {n}</title><item>"
                f"<title>Old story {n}</title><guid>old-{n}</guid><description>Nothing new in feed {n} today, "
                "only this old story that was posted long ago.</description></item></channel></rss>")
        return web.Response(text=body, content_type="application/rss+xml")


async def run(name: str, code_dir: Path, chats_n: int, feeds_n: int, workdir: Path) -> Run:
    chats = make_chats(chats_n, 0.3)
    result = Run(name, Result(name, chats_n))
    feeds = FeedServer()
    await feeds.start()
    db_path = workdir / f"{name.replace(' ', '-')}.db"
    t0 = time.time()
    prep = await asyncio.create_subprocess_exec(
        sys.executable, __file__, "--prepare", str(db_path), str(chats_n), str(feeds_n),
        f"http://127.0.0.1:{feeds.port}", str(t0), env={**os.environ, "NEWSBOT_CODE": str(code_dir)})
    if await prep.wait() != 0:
        raise SystemExit(f"{name}: could not prepare its database")
    tg: FakeTelegramServer = fresh_server()
    register(tg, chats)
    tg.add_chat(READER, "private", "Reader")
    for i in range(feeds_n):
        tg.add_chat(SUBSCRIBER + i, "private", f"Subscriber {i}")
    wanted = set(chats.all)
    async with tg:
        env = {"PATH": os.environ.get("PATH", ""), "PYTHONPATH": str(code_dir), "BOT_TOKEN": TOKEN,
               "TELEGRAM_API_BASE_URL": tg.base_url, "DATABASE_PATH": str(db_path), "LOG_LEVEL": "WARNING",
               "ALLOW_PRIVATE_URLS": "true"}
        argv = [sys.executable, "-c", "from bot.cli import main; raise SystemExit(main())", "run"]
        with (workdir / f"{name.replace(' ', '-')}.log").open("wb") as log:
            proc = await asyncio.create_subprocess_exec(*argv, env=env, cwd=workdir, stdout=log, stderr=log,
                                                        stdin=asyncio.subprocess.DEVNULL)
        seen = Seen(tg, wanted)
        try:
            while not seen.update().delivered:
                if proc.returncode is not None:
                    raise SystemExit(f"{name} exited early")
                await asyncio.sleep(0.05)
            fanout_started = time.time()
            print(f"  {name}: fan-out started", flush=True)
            last_report = time.monotonic()
            while len(seen.update().delivered) < len(wanted):
                answered, refused = len(seen.replies), seen.refused_replies
                pushed = time.monotonic()
                tg.push_command(READER, "/related dam gates")
                while (len(seen.update().replies), seen.refused_replies) == (answered, refused) \
                        and time.monotonic() - pushed < 30:
                    await asyncio.sleep(0.005)  # the latency is the fake's arrival time, not when we look
                if len(seen.replies) > answered:
                    result.related_ms.append((seen.replies[answered].at - pushed) * 1000)
                else:  # refused (a 429) or not answered within 30 s
                    result.related_ms.append(30_000.0)
                await asyncio.sleep(max(0.0, RELATED_EVERY_S - (time.monotonic() - pushed)))
                if time.monotonic() - last_report > 30:
                    print(f"  {name}: {len(seen.delivered)}/{len(wanted)} delivered, {len(feeds.first_hit)} feeds "
                          "polled", flush=True)
                    last_report = time.monotonic()
            fanout_ended = time.time()
            result.replies_refused = seen.refused_replies
        finally:
            await stop_process(proc)
            await feeds.stop()
        tally(tg, chats, result.fanout)
        # The limit is the bot's, not the fan-out's: replies and the polled feeds' posts share it.
        fanout_calls = [c for c in tg.sent_posts() if c.result["chat"]["id"] in wanted]
        if len(fanout_calls) > 1:
            first, last = fanout_calls[0].at, fanout_calls[-1].at
            during = [c for c in tg.sent_posts() if first <= c.at <= last]
            result.all_per_second = (len(during) - 1) / (last - first)
            result.others = len(during) - len(fanout_calls)
    for i in range(feeds_n):
        due = t0 + FEEDS_START_S + i * FEED_GAP_S
        if fanout_started <= due <= fanout_ended - 5:
            result.feeds_due_during += 1
            hit = feeds.first_hit.get(i)
            if hit is not None and hit <= fanout_ended:
                result.feeds_polled_during += 1
                result.poll_lag_s.append(max(0.0, hit - due))
            else:
                result.poll_lag_s.append(fanout_ended - due)  # not polled before the fan-out ended
    return result


def cells(values: list[float], unit: str) -> str:
    if not values:
        return "-"
    return (f"p50 {percentile(values, 50):.1f} {unit}, p99 {percentile(values, 99):.1f} {unit}, "
            f"max {max(values):.1f} {unit} (n={len(values)})")


def show(r: Run) -> None:
    f = r.fanout
    print(f"\n{r.name}:")
    print(f"  fan-out: {f.delivered}/{f.chats} delivered, {f.duplicates} repeated, {f.per_second:.2f} msg/s = "
          f"{f.share_of_max:.3f} of {ALLOWED_PER_SECOND}/s, {f.refused_429} 429s ({f.limits_broken})")
    print(f"  every message the bot sent meanwhile (the fan-out, {r.others} replies and feed posts): "
          f"{r.all_per_second:.2f} msg/s = {r.all_per_second / ALLOWED_PER_SECOND:.3f} of {ALLOWED_PER_SECOND}/s")
    print(f"  poll lag over {r.feeds_due_during} feeds due during the fan-out "
          f"({r.feeds_polled_during} polled before it ended): {cells(r.poll_lag_s, 's')}")
    print(f"  /related during the fan-out: {cells(r.related_ms, 'ms')}; {r.replies_refused} replies refused (429)")
    ok = (f.share_of_max >= 0.95 and f.refused_429 == 0 and r.poll_lag_s and percentile(r.poll_lag_s, 99) < 5
          and r.related_ms and percentile(r.related_ms, 99) < 50)
    print(f"  goals (share >= 0.95, 0 429s, poll lag p99 < 5 s, /related p99 < 50 ms): {'met' if ok else 'NOT met'}")


async def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--chats", type=int, default=10_000)
    parser.add_argument("--feeds", type=int, default=120)
    parser.add_argument("--old-checkout", type=Path, help="another checkout, run side by side")
    parser.add_argument("--alone", type=Path, help="run only this checkout (one after the other is fairer "
                        "on a loaded machine than side by side)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-concurrency-") as tmp:
        if args.alone:
            show(await run(args.alone.resolve().name, args.alone.resolve(), args.chats, args.feeds, Path(tmp)))
            return 0
        runs = [run("newsbot", ROOT, args.chats, args.feeds, Path(tmp))]
        if args.old_checkout:
            runs.append(run("old checkout", args.old_checkout.resolve(), args.chats, args.feeds, Path(tmp)))
        results = await asyncio.gather(*runs)
    for r in results:
        show(r)
    if len(results) == 2:
        new, old = results
        print(f"\nnewsbot / old: poll lag p99 {percentile(new.poll_lag_s, 99):.1f} s vs "
              f"{percentile(old.poll_lag_s, 99):.1f} s; /related p99 {percentile(new.related_ms, 99):.0f} ms vs "
              f"{percentile(old.related_ms, 99):.0f} ms")
    return 0


if __name__ == "__main__":
    raise SystemExit(asyncio.run(main()))
