"""Fan-out benchmark: one new story to N subscribed chats under Telegram's flood limits.

usage: python bench/bench_fanout.py [--chats N] [--channels-share F] [--skip-plain] [--photo [--unfetchable]]

The fake Bot API server (tests/fakes) runs in this process and enforces Telegram's limits
over real monotonic time: 30 messages/s overall, 1/s per private chat, 20/min per channel,
answering 429 beyond them. Two contestants, one after the other, each against a fresh server:

* newsbot: the real ``newsbot run`` process with default settings (30 messages/s), its
  database prepared through the storage API with the story queued to every chat; its own
  publish job does the work. Peak memory is the process's VmHWM (peak resident set).
* plain PTB: what a user would write — ``ExtBot`` with ``AIORateLimiter()`` and a loop of
  ``await bot.send_message(chat, text)``, catching errors so one failure does not stop it.

Printed per contestant: messages delivered per second (first to last delivery) and as a share
of the allowed 30/s (goal >= 0.95), 429 answers (goal 0), duplicates, lost chats; then the
newsbot/plain ratios. 10,000 chats take about 5.5 minutes per contestant at 30/s.

``--photo`` gives the story a lead image: newsbot sends photo posts (sendPhoto, the post as
caption) and the plain loop calls ``send_photo``. ``--unfetchable`` also marks the image as
one Telegram cannot fetch, so every post costs a refused sendPhoto and then the text post:
the fallback's price in throughput (each refused call still passes the bot's rate limiter).
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import shutil
import signal
import sqlite3
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from telegram.constants import ParseMode
from telegram.error import RetryAfter, TelegramError
from telegram.ext import AIORateLimiter, ExtBot

from storage import Database
from storage.articles import NewArticle
from tests.fakes.telegram_api import FakeTelegramServer
from tests.stories import DAM

TOKEN = "123456:BENCH-token-abcdefghijklmnopqrstuvwxyz"
ALLOWED_PER_SECOND = 30  # Telegram's overall limit, and the bot's default setting
STALL_SECONDS = 60.0  # no new delivery for this long: the rest counts as lost
IMAGE = "https://news.example/img/dam.jpg"
SEND_METHODS = ("sendMessage", "sendPhoto", "sendRichMessage")


@dataclass(frozen=True)
class Chats:
    private: tuple[int, ...]
    channels: tuple[int, ...]

    @property
    def all(self) -> tuple[int, ...]:
        return self.private + self.channels


@dataclass
class Result:
    name: str
    chats: int
    delivered: int = 0
    duplicates: int = 0
    refused_429: int = 0
    limits_broken: str = ""  # which flood limits the 429s were for
    seconds: float = 0.0  # first to last delivery
    peak_rss_mb: float | None = None
    cpu_seconds: float | None = None  # the bot process's user + system time
    other_errors: int = 0
    photos: int = 0  # posts that went out as photos

    @property
    def lost(self) -> int:
        return self.chats - self.delivered

    @property
    def per_second(self) -> float:
        return (self.delivered - 1) / self.seconds if self.seconds > 0 else 0.0

    @property
    def share_of_max(self) -> float:
        return self.per_second / ALLOWED_PER_SECOND


def make_chats(count: int, channels_share: float) -> Chats:
    channels = round(count * channels_share)
    return Chats(
        private=tuple(80_000_000 + i for i in range(count - channels)),
        channels=tuple(-1_008_000_000_000 - i for i in range(channels)),
    )


def register(tg: FakeTelegramServer, chats: Chats) -> None:
    for chat_id in chats.private:
        tg.add_chat(chat_id, "private", f"Reader {chat_id}")
    for chat_id in chats.channels:
        tg.add_chat(chat_id, "channel", f"Channel {chat_id}")


def fresh_server() -> FakeTelegramServer:
    tg = FakeTelegramServer(TOKEN)
    tg.enforce_flood_limits(time.monotonic, global_per_sec=ALLOWED_PER_SECOND)
    return tg


async def stop_process(proc: asyncio.subprocess.Process) -> None:
    """SIGTERM, as a user's Ctrl+C or Docker would; SIGKILL if it has not stopped in 30 s."""
    if proc.returncode is None:
        proc.send_signal(signal.SIGTERM)
        try:
            await asyncio.wait_for(proc.wait(), 30)
        except TimeoutError:
            proc.kill()
            await proc.wait()


def tally(tg: FakeTelegramServer, chats: Chats, result: Result) -> None:
    """Deliveries, repeats and delivery time span from what the fake Telegram recorded."""
    wanted = set(chats.all)
    delivered = [c for c in tg.sent_posts() if c.result["chat"]["id"] in wanted]
    per_chat = Counter(c.result["chat"]["id"] for c in delivered)
    result.delivered = len(per_chat)
    result.duplicates = sum(per_chat.values()) - len(per_chat)
    result.refused_429 = sum(1 for m in SEND_METHODS for c in tg.calls_to(m) if c.status == 429)
    result.photos = sum(1 for c in delivered if c.method == "sendPhoto")
    result.limits_broken = ", ".join(f"{kind} {n}" for kind, n in sorted(tg.flood_violations.items())) or "-"
    if len(delivered) > 1:
        result.seconds = delivered[-1].at - delivered[0].at


# -- newsbot: the real process ---------------------------------------------------------------


async def prepare_database(target: str | Path, chats: Chats, *, image: str = "") -> None:
    """The state right after a poll found a new story: subscribed chats, the story queued.
    ``target`` is an SQLite path or a ``postgresql://`` URL (``Database.connect``)."""
    now = datetime.now(UTC)
    db = await Database.connect(target)
    try:
        feed, _ = await db.feeds.add("https://news.example/rss.xml", now=now, title="Fake Times")
        async with db.transaction():  # one commit for every chat, not one per row
            for chat_id in chats.private:
                await db.chats.upsert(chat_id, "private", title=f"Reader {chat_id}", now=now)
            for chat_id in chats.channels:
                await db.chats.upsert(chat_id, "channel", title=f"Channel {chat_id}", now=now)
            for chat_id in chats.all:
                await db.subscriptions.add(chat_id, feed.id, now=now)
        article_id = await db.articles.insert(
            NewArticle(
                feed_id=feed.id, url="https://news.example/dam", canonical_url="https://news.example/dam",
                guid=None, title="Dam gates open after repairs", text=DAM, summary=DAM.split("\n\n")[0],
                language="en", author="", published_at=now, from_feed=False, related=(), fingerprint=None,
                bands=None, title_terms="dam gates open after repairs", body_terms=DAM.lower(),
            ),
            now=now,
        )
        if image:
            await db.articles.set_media(article_id, image_url=image, categories=())
        await db.deliveries.enqueue_article(article_id, chats.all, now=now)
    finally:
        await db.close()


def cpu_seconds(pid: int) -> float | None:
    """User + system CPU time the process has used so far (Linux /proc)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def peak_rss_mb(pid: int) -> float | None:
    """VmHWM: the most resident memory the process ever had (Linux)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


async def run_newsbot(chats: Chats, workdir: Path, *, image: str = "", unfetchable: bool = False) -> Result:
    result = Result("newsbot", len(chats.all))
    db_path = workdir / "newsbot.db"
    await prepare_database(db_path, chats, image=image)
    tg = fresh_server()
    register(tg, chats)
    if unfetchable:
        tg.mark_unfetchable(image)
    async with tg:
        env = {
            "PATH": os.environ.get("PATH", ""),
            "PYTHONPATH": str(ROOT),
            "BOT_TOKEN": TOKEN,
            "TELEGRAM_API_BASE_URL": tg.base_url,
            "DATABASE_PATH": str(db_path),
            "LOG_LEVEL": "WARNING",
        }
        script = shutil.which("newsbot", path=str(Path(sys.executable).parent))
        argv = [script, "run"] if script else [sys.executable, "-c", "from bot.cli import main; raise SystemExit(main())", "run"]
        with (workdir / "newsbot.log").open("wb") as log:
            proc = await asyncio.create_subprocess_exec(*argv, env=env, cwd=workdir, stdout=log, stderr=log,
                                                        stdin=asyncio.subprocess.DEVNULL)
        try:
            await wait_for_fanout(tg, chats, result.name)
            result.peak_rss_mb = peak_rss_mb(proc.pid)
            result.cpu_seconds = cpu_seconds(proc.pid)
        finally:
            await stop_process(proc)
        tally(tg, chats, result)
    conn = sqlite3.connect(db_path)
    try:
        states = dict(conn.execute("SELECT state, count(*) FROM deliveries GROUP BY state").fetchall())
    finally:
        conn.close()
    result.other_errors = states.get("failed", 0)
    print(f"  newsbot outbox after the run: {states}", flush=True)
    return result


async def wait_for_fanout(tg: FakeTelegramServer, chats: Chats, name: str) -> None:
    """Until every chat has the post, or nothing new arrived for STALL_SECONDS."""
    wanted = set(chats.all)
    seen, last_change, last_report = 0, time.monotonic(), 0.0
    while True:
        await asyncio.sleep(0.5)
        got = len({c.result["chat"]["id"] for c in tg.sent_posts()} & wanted)
        now = time.monotonic()
        if got != seen:
            seen, last_change = got, now
        if now - last_report >= 30:
            print(f"  {name}: {got}/{len(wanted)} delivered", flush=True)
            last_report = now
        if got == len(wanted) or now - last_change > STALL_SECONDS:
            return


# -- plain PTB: a loop a user would write -----------------------------------------------------


async def run_plain_ptb(chats: Chats, *, image: str = "") -> Result:
    result = Result("plain PTB", len(chats.all))
    # PTB logs every refused message with a traceback; the 429s are counted from the server.
    logging.getLogger("telegram.ext.AIORateLimiter").setLevel(logging.CRITICAL)
    tg = fresh_server()
    register(tg, chats)
    text = f"<b>Dam gates open after repairs</b>\n\n{DAM.split(chr(10) * 2)[0]}"
    async with tg:
        bot = ExtBot(TOKEN, base_url=tg.base_url, base_file_url=tg.base_file_url, rate_limiter=AIORateLimiter())
        async with bot:
            for chat_id in chats.all:
                try:
                    if image:
                        await bot.send_photo(chat_id, image, caption=text, parse_mode=ParseMode.HTML)
                    else:
                        await bot.send_message(chat_id, text, parse_mode=ParseMode.HTML)
                except RetryAfter:
                    pass  # counted from the server's record; the message is lost
                except TelegramError:
                    result.other_errors += 1
        tally(tg, chats, result)
    return result


# -- report -----------------------------------------------------------------------------------


def ratio(ours: float, theirs: float) -> str:
    return f"{ours / theirs:.2f}" if theirs else ("=" if ours == theirs else "inf")


def report(chats: Chats, results: list[Result]) -> None:
    print()
    print(f"one story to {len(chats.all)} chats ({len(chats.private)} private, {len(chats.channels)} channels); "
          f"the fake Bot API enforces {ALLOWED_PER_SECOND}/s overall, 1/s per private chat, 20/min per channel")
    header = f"{'':24}" + "".join(f"{r.name:>14}" for r in results)
    print(header)
    rows = [
        ("delivered", lambda r: f"{r.delivered}"),
        ("  as photos", lambda r: f"{r.photos}"),
        ("lost", lambda r: f"{r.lost}"),
        ("duplicates", lambda r: f"{r.duplicates}"),
        ("429 answers", lambda r: f"{r.refused_429}"),
        ("  limits broken", lambda r: r.limits_broken),
        ("other errors/failed", lambda r: f"{r.other_errors}"),
        ("seconds (first-last)", lambda r: f"{r.seconds:.1f}"),
        ("messages/s", lambda r: f"{r.per_second:.2f}"),
        (f"share of {ALLOWED_PER_SECOND}/s", lambda r: f"{r.share_of_max:.3f}"),
        ("peak RSS (MB)", lambda r: f"{r.peak_rss_mb:.0f}" if r.peak_rss_mb else "-"),
        ("bot CPU s (incl. start)", lambda r: f"{r.cpu_seconds:.1f}" if r.cpu_seconds is not None else "-"),
    ]
    for label, cell in rows:
        print(f"{label:24}" + "".join(f"{cell(r):>14}" for r in results))
    ours = results[0]
    goal = "met" if ours.share_of_max >= 0.95 and ours.refused_429 == 0 and not ours.lost and not ours.duplicates else "NOT met"
    print(f"goal (>= 0.95 of the allowed rate, no 429, none lost or repeated): {goal}")
    if len(results) > 1:
        plain = results[1]
        print(f"newsbot / plain PTB: throughput {ratio(ours.per_second, plain.per_second)}, "
              f"429s {ours.refused_429} vs {plain.refused_429}, lost {ours.lost} vs {plain.lost}")


async def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--chats", type=int, default=10_000, help="subscribed chats (default 10000)")
    parser.add_argument("--channels-share", type=float, default=0.3, help="share of channels (default 0.3)")
    parser.add_argument("--skip-plain", action="store_true", help="do not run the plain PTB loop")
    parser.add_argument("--photo", action="store_true", help="the story has a lead image: photo posts")
    parser.add_argument("--unfetchable", action="store_true", help="with --photo: Telegram cannot fetch the image")
    args = parser.parse_args()
    image = IMAGE if args.photo else ""
    chats = make_chats(args.chats, args.channels_share)
    results = []
    with tempfile.TemporaryDirectory(prefix="bench-fanout-") as workdir:
        print(f"newsbot: {len(chats.all)} chats, about {len(chats.all) / ALLOWED_PER_SECOND:.0f} s at "
              f"{ALLOWED_PER_SECOND}/s ...", flush=True)
        results.append(await run_newsbot(chats, Path(workdir), image=image, unfetchable=args.unfetchable))
    if not args.skip_plain:
        print("plain PTB ...", flush=True)
        results.append(await run_plain_ptb(chats, image=image))
    report(chats, results)
    return 0


if __name__ == "__main__":
    raise SystemExit(asyncio.run(main()))
