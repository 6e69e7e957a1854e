"""The shapes of stored stories as the rest of the bot sees them (``storage.articles`` stores
and reads them; its callers import them from there), and how an ``articles`` row becomes one."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from datetime import datetime

from storage._time import from_db

__all__ = ["COLUMNS", "FROM", "NewArticle", "StoredArticle", "StorySource", "article_from_row"]


@dataclass(frozen=True, slots=True)
class NewArticle:
    """What the ingest pipeline hands over to store one new story."""

    feed_id: int | None
    url: str
    canonical_url: str
    guid: str | None
    title: str
    text: str
    summary: str
    language: str
    author: str
    published_at: datetime | None
    from_feed: bool
    related: tuple[tuple[str, str], ...]  # (title, url) links the page lists
    fingerprint: int | None  # signed 64-bit
    bands: tuple[int, int, int, int] | None
    title_terms: str  # normalized stems for the FTS index
    body_terms: str


@dataclass(frozen=True, slots=True)
class StoredArticle:
    id: int
    feed_id: int | None
    url: str
    canonical_url: str
    title: str
    text: str
    summary: str
    language: str
    author: str
    published_at: datetime | None
    fetched_at: datetime
    from_feed: bool
    related: tuple[tuple[str, str], ...]
    fingerprint: int | None
    source_count: int
    feed_title: str = ""
    image_url: str = ""  # lead image, checked at ingest ("" when the story has none)
    categories: tuple[str, ...] = ()  # the feed's categories of the item

    @property
    def when(self) -> datetime:
        """The story's time: published if the source said, else when we fetched it."""
        return self.published_at or self.fetched_at


@dataclass(frozen=True, slots=True)
class StorySource:
    """One feed entry or URL that carried a story."""

    url: str
    feed_id: int | None
    feed_title: str
    entry_hash: str | None


# What ``article_from_row`` reads, from ``FROM`` (a story with its feed's title).
COLUMNS = (
    "a.id, a.feed_id, a.url, a.canonical_url, a.title, a.text, a.summary, a.language, a.author, "
    "a.published_at, a.fetched_at, a.from_feed, a.related_json, a.fingerprint, a.source_count, "
    "a.image_url, a.categories_json, COALESCE(NULLIF(f.title, ''), f.url, '') AS feed_title"
)
FROM = "FROM articles a LEFT JOIN feeds f ON f.id = a.feed_id"


def article_from_row(row: sqlite3.Row) -> StoredArticle:
    """The story of a row read with ``COLUMNS`` (its JSON columns decoded)."""
    return StoredArticle(
        id=row["id"],
        feed_id=row["feed_id"],
        url=row["url"],
        canonical_url=row["canonical_url"],
        title=row["title"],
        text=row["text"],
        summary=row["summary"],
        language=row["language"],
        author=row["author"],
        published_at=from_db(row["published_at"]),
        fetched_at=from_db(row["fetched_at"]),  # type: ignore[arg-type]
        from_feed=bool(row["from_feed"]),
        related=tuple((t, u) for t, u in json.loads(row["related_json"] or "[]")),
        fingerprint=row["fingerprint"],
        source_count=row["source_count"],
        feed_title=row["feed_title"] or "",
        image_url=row["image_url"] or "",
        categories=tuple(json.loads(row["categories_json"] or "[]")),
    )
