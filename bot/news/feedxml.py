"""XML feeds (RSS 0.9x/1.0/2.0, RDF, Atom) read with feedparser, guarded against XML bombs.

feedparser already drops most DOCTYPE entity declarations, and expat limits entity
amplification, but an entity declared with a long plain value and referenced many times
still costs seconds of CPU in feedparser's fallback parser. A feed has no reason to declare
entities other than single characters, so any other declaration is refused before parsing.
"""

from __future__ import annotations

import calendar
import codecs
import io
import logging
import re
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import feedparser
from feedparser.exceptions import ThingsNobodyCaresAboutButMe

from bot.news.charset import detect_encoding, normalize_encoding
from bot.news.errors import FeedError
from bot.news.htmltext import html_to_text, normalize_space, tidy_text
from bot.news.images import feed_categories, feed_entry_image
from bot.news.limits import markup_heavy_feed
from bot.news.models import FeedEntry

__all__ = ["RawFeed", "check_xml_safety", "parse_xml_feed"]

log = logging.getLogger(__name__)

_DOCTYPE = re.compile(rb"<!DOCTYPE", re.IGNORECASE)
_ENTITY = re.compile(rb"<!ENTITY")
# One named character, e.g. <!ENTITY nbsp "&#160;">: expands to one character, never more.
_SAFE_ENTITY = re.compile(rb"""<!ENTITY\s+[A-Za-z_][\w.-]*\s+(["'])&#(?:[0-9]+|x[0-9A-Fa-f]+);\1\s*>""")
_XML_ENCODING = re.compile(rb"""\s*<\?xml[^>]*?encoding\s*=""")
_BOMS = (codecs.BOM_UTF8, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)


@dataclass(frozen=True, slots=True)
class RawFeed:
    """A feed as read, before links are made absolute and entries ordered."""

    title: str
    link: str
    entries: list[FeedEntry]
    is_feed: bool  # False when nothing in the document looked like a feed
    problem: str = ""  # why the XML was not well-formed, if it was not


def check_xml_safety(content: bytes, url: str) -> None:
    """Raise ``FeedError`` if the document declares entities that could expand out of bounds."""
    view = content.replace(b"\x00", b"") if b"\x00" in content[:4] else content  # UTF-16/32
    doctype = _DOCTYPE.search(view)
    if doctype is None:
        return  # without a DOCTYPE, no parser expands declared entities
    for match in _ENTITY.finditer(view, doctype.start()):
        if not _SAFE_ENTITY.match(view, match.start()):
            raise FeedError(f"{url} declares XML entities, which are refused as unsafe")


def parse_xml_feed(content: bytes, url: str, content_type: str) -> RawFeed:
    """Read an XML feed with feedparser; links come back resolved against ``url`` and xml:base."""
    check_xml_safety(content, url)
    headers = {"content-location": url}
    charset = _charset_hint(content, content_type)
    if charset:
        headers["content-type"] = f"application/xml; charset={charset}"
    # A BytesIO, never raw bytes or str: feedparser would take those for a file name or URL
    # to open. sanitize_html strips scripts and event handlers from embedded HTML.
    full = not markup_heavy_feed(content)  # hostile nesting costs seconds in both passes
    result = feedparser.parse(io.BytesIO(content), response_headers=headers,
                              sanitize_html=full, resolve_relative_uris=full)
    problem = ""
    if result.get("bozo") and not isinstance(result.get("bozo_exception"), ThingsNobodyCaresAboutButMe):
        problem = str(result.get("bozo_exception", "not well-formed"))
    feed = result.get("feed", {})
    entries = [_entry(item) for item in result.get("entries", [])]
    return RawFeed(
        title=_text(feed, "title"),
        link=str(feed.get("link", "")),
        entries=entries,
        is_feed=bool(result.get("version")) or bool(entries),
        problem=problem,
    )


def _charset_hint(content: bytes, content_type: str) -> str | None:
    """The charset to tell feedparser, or None to let it read the XML declaration.

    An HTTP charset outranks the declaration (RFC 7303). Without either, feedparser would
    try UTF-8 and then read anything else as windows-1252, garbling koi8-r feeds; a
    statistical guess does better.
    """
    _media, _, params = content_type.partition(";")
    for param in params.split(";"):
        name, _, value = param.partition("=")
        if name.strip().lower() == "charset" and normalize_encoding(value):
            return normalize_encoding(value)
    if _XML_ENCODING.match(content) or content.startswith(_BOMS):
        return None
    return detect_encoding(content)


def _entry(item: Any) -> FeedEntry:
    title = _text(item, "title")
    summary = _summary(item)
    return FeedEntry(
        guid=normalize_space(str(item.get("id", ""))),
        url=str(item.get("link", "")).strip(),
        title=title,
        summary=summary,
        published=_published(item),
        author=_author(item),
        image=feed_entry_image(item, str(item.get("link", "")).strip()),
        categories=feed_categories(item),
    )


def _text(item: Any, key: str) -> str:
    """A text construct as plain text: HTML stripped when the feed says it is HTML."""
    value = item.get(key)
    if not isinstance(value, str):
        return ""
    detail = item.get(f"{key}_detail") or {}
    if detail.get("type") == "text/plain":
        return normalize_space(value)
    return normalize_space(html_to_text(value))


def _summary(item: Any) -> str:
    """The description (RSS) or summary (Atom); the full content when there is none."""
    summary = item.get("summary")
    if isinstance(summary, str) and summary.strip():
        detail = item.get("summary_detail") or {}
        return _as_text(summary, detail.get("type", ""))
    for content in item.get("content") or []:
        value = content.get("value")
        if isinstance(value, str) and value.strip():
            return _as_text(value, content.get("type", ""))
    return ""


def _as_text(value: str, media_type: str) -> str:
    # Only an explicit text/plain is trusted: feedparser leaves the type out in some paths.
    return tidy_text(value) if media_type == "text/plain" else html_to_text(value)


def _author(item: Any) -> str:
    detail = item.get("author_detail") or {}
    name = detail.get("name") or item.get("author") or ""
    return normalize_space(name) if isinstance(name, str) else ""


def _published(item: Any) -> datetime | None:
    """When the entry was published, else last updated; None when neither is readable."""
    for key in ("published_parsed", "updated_parsed", "created_parsed"):
        parsed = item.get(key)
        if isinstance(parsed, time.struct_time):
            try:
                return datetime.fromtimestamp(calendar.timegm(parsed), UTC)
            except (OverflowError, ValueError, OSError):
                continue
    return None
