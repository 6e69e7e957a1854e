"""A warm start for same-story detection: read, once at start-up, what its checks read.

A check reads about 100 rows of ``term_df``, a few ranges of ``story_keys`` and the vectors of
20 profiles, each from a different page: with the file's pages out of the OS cache (a bot just
started, after other work) that is ~150 reads from disk. At 100,000 stories the first 20 checks
then took 736–1,044 ms, against 170–223 ms after this warm-up (``bench/bench_story_check_cache.py``,
loaded machine). So at start the bot reads those tables once, in file order. (Caching the commonest terms' counts at start as well
was tried: no faster, the first 20 checks learn them.)

On SQLite the pages are read by a connection of their own in a worker thread (read-only), so
the bot's connection is not held meanwhile; on PostgreSQL by the pool. The warm-up only reads:
when it fails the bot carries on cold, which is logged.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from storage._time import to_db

if TYPE_CHECKING:
    from storage.db import Database

log = logging.getLogger(__name__)

# Every page of the df counts and of the keys, then the profiles of the window in file order
# (SQLite: the table itself, not through the index on seen_at, which would read them in time
# order: one seek per row).
_SCANS = {
    "sqlite": (
        ("SELECT count(*) FROM term_df", False),
        ("SELECT count(*) FROM story_keys", False),
        ("SELECT count(*), sum(length(vectors)) FROM story_profiles NOT INDEXED WHERE seen_at >= ?", True),
    ),
    "postgresql": (
        ("SELECT count(*) FROM term_df", False),
        ("SELECT count(*) FROM story_keys", False),
        ("SELECT count(*), sum(length(vectors)) FROM story_profiles WHERE seen_at >= ?", True),
    ),
}


async def warm_story_pages(db: Database, *, since: datetime) -> str:
    """Read the pages the same-story check reads (profiles seen since ``since``); says how much."""
    scans = [(sql, (to_db(since),) if dated else ()) for sql, dated in _SCANS[db.engine]]
    if db.engine == "sqlite":
        if str(db.path) == ":memory:":
            return "nothing to read (an in-memory database)"
        conn = sqlite3.connect(Path(str(db.path)).resolve().as_uri() + "?mode=ro", uri=True, check_same_thread=False)
        try:
            counts = await asyncio.to_thread(_read, conn, scans)
        except asyncio.CancelledError:
            conn.interrupt()  # the bot is stopping: end the scan under way instead of waiting for it
            raise
    else:
        counts = [(await db.fetchall(sql, args))[0] for sql, args in scans]
    (terms,), (keys,), (profiles, chars) = counts
    return (f"{terms} df counts, {keys} keys, {profiles} profiles of the window "
            f"({(chars or 0) / 1e6:.0f} M characters of vectors) read")


def _read(conn: sqlite3.Connection, scans: list[tuple[str, tuple[str, ...]]]) -> list[tuple[int, ...]]:
    try:
        conn.execute("PRAGMA mmap_size = 0")  # read the pages into the OS cache, map nothing of our own
        return [conn.execute(sql, args).fetchone() for sql, args in scans]
    finally:
        conn.close()


async def warm_up_in_background(db: Database, *, since: datetime) -> str | None:
    """``warm_story_pages``, logged, then the document frequencies loaded into memory
    (``storage.dfmemory``); a failure is logged and leaves the checks cold, nothing else (then
    None)."""
    try:
        said: str | None = await warm_story_pages(db, since=since)
    except Exception as exc:  # noqa: BLE001 - it only reads: any failure leaves the checks cold, nothing worse
        log.warning("could not warm up the same-story check's pages (checks start cold): %s", exc)
        said = None
    else:
        log.info("same-story check warmed up: %s", said)
    try:
        await db.stories.load_document_frequencies()  # then hold its document frequencies in memory
    except Exception as exc:  # noqa: BLE001 - only reads: the checks read term_df until a later load works
        log.warning("could not hold the same-story check's document frequencies in memory: %s", exc)
    return said
