"""The outbox a fan-out benchmark starts from: N chats (70% readers, 30% channels), one story,
one row per chat. Shared by the ``--prepare`` children of bench_concurrency and bench_outage.

Those benchmarks can measure an older checkout side by side (``--old-checkout``), and an
older checkout refuses a database of a newer schema, so each run's database is built by a
child process with that checkout's storage first on ``sys.path`` (``use_checkout``). Import
``storage`` only after it: nothing here imports it at module level.
"""

from __future__ import annotations

import os
import sys
from datetime import UTC, datetime
from typing import Any

FIRST_READER = 80_000_000
FIRST_CHANNEL = -1_008_000_000_000
NEVER = datetime(2100, 1, 1, tzinfo=UTC)  # the story's feed is never due: nothing fetches it


def use_checkout() -> None:
    """Put the checkout named by NEWSBOT_CODE first on ``sys.path`` (its storage, its schema)."""
    sys.path.insert(0, os.environ["NEWSBOT_CODE"])


def fanout_chats(count: int) -> list[int]:
    """The chat ids of a fan-out to ``count`` chats: readers first, then 30% channels."""
    channels = round(count * 0.3)
    return [FIRST_READER + i for i in range(count - channels)] + [FIRST_CHANNEL - i for i in range(channels)]


async def queue_fanout(db: Any, count: int, *, text: str, now: datetime, feed_title: str = "Fake Times") -> list[int]:
    """Store the chats and one story, and queue the story for every chat; the chat ids."""
    from storage.articles import NewArticle  # the checkout's, once ``use_checkout`` ran

    ids = fanout_chats(count)
    feed, _ = await db.feeds.add("https://news.example/rss.xml", now=NEVER, title=feed_title)
    for chat_id in ids:
        await db.chats.upsert(chat_id, "private" if chat_id > 0 else "channel", title=f"Chat {chat_id}", now=now)
    article_id = await db.articles.insert(NewArticle(
        feed_id=feed.id, url="https://news.example/dam", canonical_url="https://news.example/dam", guid=None,
        title="Dam gates open after repairs", text=text, summary=text[:200], language="en", author="",
        published_at=now, from_feed=False, related=(), fingerprint=None, bands=None,
        title_terms="dam gates open after repairs", body_terms=text.lower()), now=now)
    await db.deliveries.enqueue_article(article_id, ids, now=now)
    return ids
