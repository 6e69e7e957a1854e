"""Polling benchmark: poll cycles over 6,000 feeds, newsbot against a plain feedparser loop.

usage: python bench/bench_polling.py [--feeds N] [--changed F] [--skip-plain]

The fake news site (tests/fakes) serves N feeds from a process of its own, each with one
story and its article page. Each contestant runs in a process of its own too, so its peak
memory (ru_maxrss) and its speed are its own:

* newsbot: the wiring of ``build_application`` (real Fetcher with conditional GET, the ingest
  pipeline, SQLite), calling the poll job's body ``poll_due_feeds`` back to back until no feed
  is due. Cycle 1 is the first poll of every feed (page download, extraction, summary, store);
  then a share ``--changed`` (default 5%) of the feeds publish one new story, and cycle 2
  polls everything again: most feeds answer 304 Not Modified.
* plain: what a user would write: one ``httpx.AsyncClient``, ``GET`` and
  ``feedparser.parse(response.content)`` per feed, with the same concurrency as the poll job
  (4 feeds at once), no validators, no page download.

Printed: feeds/s per cycle, 304 answers, stories stored, peak RSS (goal under 300 MB), and
newsbot/plain ratios. The steady state (cycle 2) is the comparison that matters: a plain loop
downloads and parses every feed every time. Note the production pace is also capped by the
poll job itself: at most MAX_FEEDS_PER_TICK feeds per POLL_TICK_S tick.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import resource
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import asdict, dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.stories import DAM, DAM_FOLLOWUP, ELECTION

CONCURRENCY = 4  # bot.jobs.poll.MAX_CONCURRENT_FEEDS
_WORDS = f"{DAM} {DAM_FOLLOWUP} {ELECTION}".split()


@dataclass
class Cycle:
    feeds: int = 0
    seconds: float = 0.0
    not_modified: int = 0
    errors: int = 0
    stories: int = 0

    @property
    def per_second(self) -> float:
        return self.feeds / self.seconds if self.seconds else 0.0


@dataclass
class Outcome:
    name: str
    cycles: list[Cycle] = field(default_factory=list)
    peak_rss_mb: float = 0.0


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def story_text(rng: random.Random, feed: int, number: int) -> str:
    """A distinct article of ~180 words, so near-duplicate detection does not merge stories."""
    paragraphs = []
    for _ in range(4):
        words = rng.sample(_WORDS, 45)
        paragraphs.append(f"Report {feed}-{number}: " + " ".join(words).capitalize() + ".")
    return "\n\n".join(paragraphs)


# -- the news site process --------------------------------------------------------------------


async def serve_site(count: int) -> None:
    """Serve ``count`` feeds; on stdin, "publish F" adds a story to a share F of them."""
    from tests.fakes.news_site import FakeNewsSite

    rng = random.Random(1)
    async with FakeNewsSite() as site:
        feeds = [site.feed(f"/feeds/{i}.xml", title=f"Feed {i}") for i in range(count)]
        for i, feed in enumerate(feeds):
            feed.publish(f"Story {i}-1 of the day", body=story_text(rng, i, 1))
        print(f"READY {site.base_url}", flush=True)
        reader = asyncio.StreamReader()
        await asyncio.get_running_loop().connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
        while line := (await reader.readline()).decode().strip():
            command, _, argument = line.partition(" ")
            if command == "publish":
                step = max(1, round(1 / float(argument)))
                changed = feeds[::step]
                for feed in changed:
                    number = len(feed.items) + 1
                    feed.publish(f"Story {feed.path}-{number}", body=story_text(rng, hash(feed.path), number))
                print(f"DONE {len(changed)}", flush=True)


# -- contestants ------------------------------------------------------------------------------


async def run_newsbot(site_url: str, count: int, between: Callable[[], Awaitable[None]]) -> Outcome:
    from bot.app import build_application
    from bot.clock import FakeClock
    from bot.config import load_settings
    from bot.jobs.poll import poll_due_feeds

    outcome = Outcome("newsbot")
    with tempfile.TemporaryDirectory(prefix="bench-polling-") as workdir:
        settings = load_settings(
            _env_file=None, bot_token="123456:BENCH-token-abcdefghijklmnopqrstuvwxyz",
            telegram_api_base_url="http://127.0.0.1:9/bot",  # never called: no chat is subscribed
            database_path=Path(workdir) / "newsbot.db", allow_private_urls=True, log_level="WARNING",
        )
        clock = FakeClock()
        application = build_application(settings, clock=clock, schedule_jobs=False)
        services = application.bot_data["services"]
        await services.open()
        try:
            for i in range(count):
                await services.db.feeds.add(f"{site_url}/feeds/{i}.xml", now=clock.now())
            for number in (1, 2):
                if number == 2:
                    await between()
                    clock.advance(timedelta(hours=1))  # every feed is due again
                cycle = Cycle()
                started = time.perf_counter()
                while reports := await poll_due_feeds(services):
                    cycle.feeds += len(reports)
                    cycle.not_modified += sum(r.not_modified for r in reports)
                    cycle.errors += sum(r.error is not None for r in reports)
                    cycle.stories += sum(len(r.new_articles) for r in reports)
                cycle.seconds = time.perf_counter() - started
                outcome.cycles.append(cycle)
        finally:
            await services.close()
    outcome.peak_rss_mb = peak_rss_mb()
    return outcome


async def run_plain(site_url: str, count: int, between: Callable[[], Awaitable[None]]) -> Outcome:
    import feedparser

    outcome = Outcome("plain")
    urls = [f"{site_url}/feeds/{i}.xml" for i in range(count)]
    async with httpx.AsyncClient(timeout=20) as client:
        for number in (1, 2):
            if number == 2:
                await between()
            cycle = Cycle()
            queue = iter(urls)
            started = time.perf_counter()
            await asyncio.gather(*(_plain_worker(client, queue, cycle, feedparser.parse) for _ in range(CONCURRENCY)))
            cycle.seconds = time.perf_counter() - started
            outcome.cycles.append(cycle)
    outcome.peak_rss_mb = peak_rss_mb()
    return outcome


async def _plain_worker(
    client: httpx.AsyncClient, queue: Iterator[str], cycle: Cycle, parse: Callable[[bytes], Any]
) -> None:
    """Take URLs from the shared iterator: GET, parse, count; the way a short script does it."""
    for url in queue:
        try:
            response = await client.get(url)
            parsed = parse(response.content)
            cycle.stories += len(parsed.entries)
            cycle.errors += bool(response.status_code >= 400 or parsed.bozo)
        except httpx.HTTPError:
            cycle.errors += 1
        cycle.feeds += 1


async def contestant(name: str, site_url: str, count: int) -> None:
    """Run one contestant; between the cycles ask the orchestrator (stdout "BETWEEN", stdin)."""
    reader = asyncio.StreamReader()
    await asyncio.get_running_loop().connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)

    async def between() -> None:
        print("BETWEEN", flush=True)
        await reader.readline()

    run = run_newsbot if name == "newsbot" else run_plain
    outcome = await run(site_url, count, between)
    print("RESULT " + json.dumps(asdict(outcome)), flush=True)


# -- orchestration ----------------------------------------------------------------------------


async def _spawn(*args: str) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable, str(Path(__file__).resolve()), *args,
        stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
    )


async def _line(proc: asyncio.subprocess.Process) -> str:
    assert proc.stdout is not None
    line = (await proc.stdout.readline()).decode().strip()
    if not line:
        raise RuntimeError(f"process {proc.pid} ended early (status {await proc.wait()})")
    return line


async def _say(proc: asyncio.subprocess.Process, text: str) -> None:
    assert proc.stdin is not None
    proc.stdin.write(text.encode() + b"\n")
    await proc.stdin.drain()


async def race(name: str, count: int, changed: float) -> Outcome:
    """A fresh site and one contestant; the site changes a share of its feeds between cycles."""
    site = await _spawn("serve", "--feeds", str(count))
    try:
        ready = await _line(site)
        site_url = ready.split()[1]
        runner = await _spawn("contestant", name, "--site", site_url, "--feeds", str(count))
        try:
            while (line := await _line(runner)) == "BETWEEN":
                await _say(site, f"publish {changed}")
                print(f"  {name}: cycle 1 done; site: {(await _line(site)).split()[1]} feeds changed", flush=True)
                await _say(runner, "go")
            data = json.loads(line.removeprefix("RESULT "))
            await runner.wait()
        finally:
            if runner.returncode is None:
                runner.kill()
                await runner.wait()
    finally:
        if site.stdin is not None:
            site.stdin.close()
        await site.wait()
    return Outcome(data["name"], [Cycle(**c) for c in data["cycles"]], data["peak_rss_mb"])


def report(count: int, changed: float, outcomes: list[Outcome]) -> None:
    print()
    print(f"{count} feeds on one fake site (one host), {CONCURRENCY} at once; cycle 2 after {changed:.0%} "
          "of the feeds published a story")
    print(f"{'':28}" + "".join(f"{o.name:>14}" for o in outcomes))
    for index in (0, 1):
        label = "cycle 1 (first poll)" if index == 0 else "cycle 2 (steady state)"
        print(label)
        rows = [
            ("  feeds/s", lambda c: f"{c.per_second:.0f}"),
            ("  seconds", lambda c: f"{c.seconds:.1f}"),
            ("  304 Not Modified", lambda c: f"{c.not_modified}"),
            ("  errors", lambda c: f"{c.errors}"),
            ("  new stories stored/seen", lambda c: f"{c.stories}"),
        ]
        for name, cell in rows:
            print(f"{name:28}" + "".join(f"{cell(o.cycles[index]):>14}" for o in outcomes))
    print(f"{'peak RSS (MB)':28}" + "".join(f"{o.peak_rss_mb:>14.0f}" for o in outcomes))
    ours = outcomes[0]
    print(f"goal (peak RSS under 300 MB): {'met' if ours.peak_rss_mb < 300 else 'NOT met'}")
    if len(outcomes) > 1:
        plain = outcomes[1]
        for index, label in ((1, "steady state"), (0, "first poll")):
            mine, theirs = ours.cycles[index].per_second, plain.cycles[index].per_second
            print(f"newsbot / plain feeds/s, {label}: {mine / theirs:.2f}" if theirs else "")
        print("(the first poll is not like for like: newsbot also downloads, extracts and summarizes each "
              "new story's page; the plain loop only parses the feed)")


async def orchestrate(args: argparse.Namespace) -> None:
    outcomes = []
    for name in ("newsbot", "plain")[: 1 if args.skip_plain else 2]:
        print(f"{name}: {args.feeds} feeds ...", flush=True)
        outcomes.append(await race(name, args.feeds, args.changed))
    report(args.feeds, args.changed, outcomes)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--feeds", type=int, default=6000, help="feeds on the fake site (default 6000)")
    parser.add_argument("--changed", type=float, default=0.05, help="share of feeds with a new story in cycle 2")
    parser.add_argument("--skip-plain", action="store_true", help="do not run the plain feedparser loop")
    parser.add_argument("role", nargs="?", default="orchestrate", choices=("orchestrate", "serve", "contestant"),
                        help=argparse.SUPPRESS)
    parser.add_argument("name", nargs="?", help=argparse.SUPPRESS)
    parser.add_argument("--site", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.role == "serve":
        asyncio.run(serve_site(args.feeds))
    elif args.role == "contestant":
        asyncio.run(contestant(args.name, args.site, args.feeds))
    else:
        asyncio.run(orchestrate(args))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
