"""JSON Feed 1.0 and 1.1 (https://jsonfeed.org/version/1.1), read with the json module.

Every field is checked for its type: a feed is untrusted input, and a number where a string
belongs must cost one entry's field, not the whole feed.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from typing import Any

from bot.news.errors import FeedError
from bot.news.feedxml import RawFeed
from bot.news.htmltext import html_to_text, normalize_space, tidy_text
from bot.news.images import feed_categories, feed_entry_image
from bot.news.models import FeedEntry

__all__ = ["looks_like_json", "parse_json_feed"]

log = logging.getLogger(__name__)

_VERSION_PREFIX = "https://jsonfeed.org/version/"


def looks_like_json(content: bytes) -> bool:
    """True when the document starts like a JSON object (media types are too often wrong)."""
    return content.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] == b"{"


def parse_json_feed(content: bytes, url: str) -> RawFeed:
    """Read a JSON Feed; raise ``FeedError`` if the document is not JSON or not a JSON Feed."""
    try:
        document = json.loads(content)
    except (ValueError, RecursionError) as exc:  # JSONDecodeError and bad bytes are ValueErrors
        raise FeedError(f"{url} is not valid JSON ({_short(exc)})") from None
    if not isinstance(document, dict):
        raise FeedError(f"{url} is JSON but not a JSON Feed")
    version = document.get("version")
    items = document.get("items")
    if not (isinstance(version, str) and version.startswith(_VERSION_PREFIX)) or not isinstance(items, list):
        raise FeedError(f"{url} is JSON but not a JSON Feed (no version or items)")
    entries = [_entry(item) for item in items if isinstance(item, dict)]
    return RawFeed(
        title=normalize_space(_str(document, "title")),
        link=_str(document, "home_page_url"),
        entries=entries,
        is_feed=True,
    )


def _entry(item: dict[str, Any]) -> FeedEntry:
    raw_id = item.get("id")
    guid = str(raw_id) if isinstance(raw_id, str | int) and not isinstance(raw_id, bool) else ""
    return FeedEntry(
        guid=normalize_space(guid),
        url=_str(item, "url") or _str(item, "external_url"),
        title=normalize_space(_str(item, "title")),
        summary=_summary(item),
        published=_date(item, "date_published") or _date(item, "date_modified"),
        author=_author(item),
        image=feed_entry_image(item, _str(item, "url")),
        categories=feed_categories(item),
    )


def _summary(item: dict[str, Any]) -> str:
    if summary := _str(item, "summary"):
        return tidy_text(summary)
    if text := _str(item, "content_text"):
        return tidy_text(text)
    return html_to_text(_str(item, "content_html"))


def _author(item: dict[str, Any]) -> str:
    """The first author's name: ``authors`` (1.1) or ``author`` (1.0)."""
    authors = item.get("authors")
    candidates = authors if isinstance(authors, list) else [item.get("author")]
    for author in candidates:
        if isinstance(author, dict) and (name := _str(author, "name")):
            return normalize_space(name)
    return ""


def _date(item: dict[str, Any], key: str) -> datetime | None:
    """An RFC 3339 date as aware UTC; a date without a zone is taken as UTC."""
    value = _str(item, key)
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.strip())
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=UTC)
        return parsed.astimezone(UTC)
    except (ValueError, OverflowError):
        log.debug("unreadable JSON Feed date %r", value[:40])
        return None


def _str(obj: dict[str, Any], key: str) -> str:
    value = obj.get(key)
    return value.strip() if isinstance(value, str) else ""


def _short(exc: Exception) -> str:
    return str(exc)[:80] or type(exc).__name__
