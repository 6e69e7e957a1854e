"""Retention: the database kept to the last RETENTION_DAYS of stories, without breaking
"never twice, never lost".

The rule (also in the README, "How long stories are kept"):

* A story is deleted once it was fetched more than RETENTION_DAYS ago, no source carried it
  since, and none of its posts is waiting or being sent, was sent within the period, or has an
  edit waiting. Its text, search-index row, same-story profiles, sources, outbox rows and
  their edits go with it, and the derived counts (``stem_df``, ``term_df``, this process's
  cache of the latter) go down by exactly what it had added.
* Its feed entries are remembered by key (address, and GUID within the feed): a feed that
  still lists a deleted story's entry, or lists it again, never stores or posts it again. A
  key lives while a feed lists the entry, and RETENTION_DAYS after the last poll that saw it.
* A feed entry dated before the retention period is not stored at all (it would be deleted
  at the next pass): once its key has expired, its date still keeps it out.

Deletes run a small batch per write transaction (``BATCH``), each followed by a pause as
long, so a pass never holds the write lock long; a pass stops after ``PASS_SECONDS`` and the next
day's goes on from there. ``/post URL`` of a forgotten page still posts it: an admin asked.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta

from bot.news.models import FeedEntry
from bot.news.urls import canonical_url
from bot.storyflow import stored_profile_terms
from storage import Database
from storage.retention import entry_keys

log = logging.getLogger(__name__)

# Stories (or other rows) a write transaction deletes. A story costs 2-8 ms, most of it the
# exact counts (~150 term_df and ~250 stem_df rows a story, fewer a story in larger batches,
# which share common terms): 20 held the lock 0.17-0.27 s (p50; 0.48-0.84 s max) at load 3-5
# on 2 cores, 50 0.36-0.40 s, 200 0.77-1.05 s, all in one transaction 8-15 s (bench/bench_retention.py).
BATCH = 20
# Between batches, at least, and at least as long as the batch held the lock: the other
# writers (polls, the publisher) always get the lock half the time or more.
PAUSE_S = 0.1
ROWS_PER_STORY = 10  # other rows (an outbox row, a key) cost a tenth of a story: ten times as many a batch
PASS_SECONDS = 600.0  # a pass stops after this long (or when the bot stops); the next day's goes on
STATE_KEY = "retention.last_run"


@dataclass(frozen=True, slots=True)
class RetentionReport:
    """What a retention pass deleted, and how long it held the write lock."""

    at: str
    cutoff: str
    stories: int = 0
    rows: int = 0  # outbox rows of no story, digest slots, LLM usage days
    keys_expired: int = 0
    batches: int = 0
    longest_batch_ms: float = 0.0
    seconds: float = 0.0
    finished: bool = True  # False: stopped at PASS_SECONDS with more to delete


def cutoff_for(now: datetime, days: float) -> datetime | None:
    """The moment before which stories may go; None when RETENTION_DAYS is 0 (keep forever)."""
    return now - timedelta(days=days) if days > 0 else None


async def run_retention(
    db: Database, *, now: datetime, days: float, batch: int = BATCH, pause: float = PAUSE_S,
    budget_s: float = PASS_SECONDS, monotonic: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep, stopping: Callable[[], bool] = lambda: False,
) -> RetentionReport | None:
    """One pass: delete what is older than ``days`` a batch at a time; None when ``days`` is 0.
    ``stopping`` says the bot is stopping: the pass ends after the batch under way (a stop
    waits for running jobs)."""
    cutoff = cutoff_for(now, days)
    if cutoff is None:
        return None
    started = monotonic()
    stories = rows = expired = batches = 0
    longest = 0.0

    def out_of_time() -> bool:
        return stopping() or monotonic() - started >= budget_s

    async def step(held_s: float) -> None:
        nonlocal batches, longest
        batches += 1
        longest = max(longest, held_s)
        await sleep(max(pause, held_s) if pause else 0)

    after = None
    finished = False
    while not out_of_time():
        done, _ = await db.retention.delete_stories(
            cutoff=cutoff, now=now, limit=batch, after=after, profile_terms=_readable_terms)
        stories += done.stories
        await step(done.held_s)
        if done.last is None:
            finished = True
            break
        after = done.last
    for kind, counted in ((db.retention.delete_other_rows, "rows"), (db.retention.expire_keys, "keys")):
        kind_done = False
        while not out_of_time():
            done = await kind(cutoff=cutoff, limit=batch * ROWS_PER_STORY)
            await step(done.held_s)
            if counted == "keys":
                expired += done.rows
            else:
                rows += done.rows
            if done.rows < batch * ROWS_PER_STORY:
                kind_done = True
                break
        finished = finished and kind_done
    report = RetentionReport(
        at=now.isoformat(timespec="seconds"), cutoff=cutoff.isoformat(timespec="seconds"), stories=stories, rows=rows,
        keys_expired=expired, batches=batches, longest_batch_ms=round(longest * 1000, 1),
        seconds=round(monotonic() - started, 3), finished=finished)
    await db.state.set(STATE_KEY, json.dumps(asdict(report)))
    log.info("retention: deleted %d stories older than %s, %d other rows, %d expired entry keys in %d batches "
             "(longest %.1f ms)%s", stories, report.cutoff, rows, expired, batches, report.longest_batch_ms,
             "" if finished else "; more to delete at the next pass")
    return report


def _readable_terms(text: str) -> list[str] | None:
    """The terms a stored profile counted, or None (logged) when its JSON cannot be read."""
    try:
        return stored_profile_terms(text)
    except (ValueError, KeyError, TypeError) as exc:
        log.warning("retention: a stored same-story profile cannot be read (%s: %s); its story is kept",
                    type(exc).__name__, exc)
        return None


async def last_run(db: Database) -> RetentionReport | None:
    """The report of the last pass, as stored."""
    text = await db.state.get(STATE_KEY)
    if not text:
        return None
    try:
        return RetentionReport(**json.loads(text))
    except (ValueError, TypeError):
        return None


async def unforgotten(db: Database, feed_id: int, entries: Sequence[FeedEntry], *, now: datetime,
                      days: float) -> list[FeedEntry]:
    """The entries a poll may treat as new: those of deleted stories left out (their keys
    renewed: the feed still lists them), and, while retention is on, those dated before its
    period."""
    cutoff = cutoff_for(now, days)
    dated = [e for e in entries if cutoff is None or e.published is None or e.published >= cutoff]
    keys = {e: entry_keys(feed_id, e.guid, canonical_url(e.url) if e.url else "") for e in dated}
    forgotten = await db.retention.forgotten(k for ks in keys.values() for k in ks)
    if forgotten:
        await db.retention.touch(forgotten, now=now)
    return [e for e in dated if not forgotten.keys() & set(keys[e])]


async def forgotten_page(db: Database, feed_id: int, entry: FeedEntry, url: str, *, now: datetime) -> bool:
    """Whether a page's canonical address (known once it was read) is a deleted story's; if so
    the entry that led to it is remembered as that story's too, so it is not read again."""
    if not url or not await db.retention.forgotten(entry_keys(None, None, url)):
        return False
    await db.retention.remember(entry_keys(feed_id, entry.guid, canonical_url(entry.url) if entry.url else ""),
                                now=now)
    return True


async def retention_stats_line(db: Database, days: float) -> str:
    """/stats: how long stories are kept, how many entry keys are remembered, the last pass."""
    if days <= 0:
        return "Retention: off (RETENTION_DAYS=0, stories are kept forever)"
    keys = await db.retention.count_keys()
    report = await last_run(db)
    last = "no pass yet" if report is None else (
        f"last pass {report.at[:16].replace('T', ' ')} UTC: {report.stories} stories and {report.rows} other rows "
        f"deleted, longest write {report.longest_batch_ms:.0f} ms" + ("" if report.finished else ", more next time"))
    return f"Retention: {days:g} days; {keys} entry keys of deleted stories kept; {last}"
