"""Digests: the day's top stories for a chat, ranked by how widely they were carried and how new."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from storage import Database
from storage.articles import StoredArticle


async def top_stories(
    db: Database, *, feed_ids: Sequence[int] | None, since: datetime, limit: int = 10
) -> list[StoredArticle]:
    """Top stories since ``since``: more sources first (a story many outlets carry matters more),
    then the newest."""
    return await db.articles.top(since=since, feed_ids=feed_ids, limit=limit)
