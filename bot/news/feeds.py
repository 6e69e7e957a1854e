"""Feeds (RSS, Atom, RDF, JSON Feed) to ``ParsedFeed``: plain text, absolute links, oldest first.

``parse_feed`` is the one entry point. It never raises anything but ``FeedError`` for a bad
document, so a poll job can store the message and move on to the next feed. When a user adds
a web page instead of its feed, the error lists the feeds the page advertises.

Normalization, the same for every format:
- ``guid``: the entry's id; else its link; else a hash of title and summary, stable across polls.
- ``url``: absolute (against xml:base, else the feed's URL); "" unless http(s).
- ``summary``: plain text, paragraphs separated by a blank line.
- ``published``: published date, else updated date, as aware UTC. A date more than a day
  ahead of ``now`` is dropped (set to None) rather than trusted: such a date would pin the
  entry to the top of every list. A day of slack absorbs time zone mistakes.
- entries with neither title, link nor summary are dropped.
- entries: oldest first; undated entries first, in reverse document order (feeds list the
  newest first); duplicates of a guid after its first appearance are dropped.
"""

from __future__ import annotations

import hashlib
import logging
import re
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from urllib.parse import urljoin, urlsplit

from lxml import etree, html

from bot.news.charset import detect_encoding
from bot.news.errors import FeedError
from bot.news.feedxml import RawFeed, parse_xml_feed
from bot.news.htmltext import new_html_parser
from bot.news.jsonfeed import looks_like_json, parse_json_feed
from bot.news.models import FeedEntry, ParsedFeed

__all__ = ["FEED_LINK_TYPES", "find_feed_links", "parse_feed"]

log = logging.getLogger(__name__)

FUTURE_SLACK = timedelta(days=1)
FEED_LINK_TYPES = frozenset({
    # Not plain application/json: WordPress links its REST API with it from every page.
    "application/rss+xml", "application/atom+xml", "application/rdf+xml", "application/feed+json",
})
_HTML_HINT = re.compile(rb"<(?:!doctype\s+html|html[\s>]|head[\s>]|body[\s>])", re.IGNORECASE)
_MIN_DATE = datetime.min.replace(tzinfo=UTC)


def parse_feed(content: bytes, url: str, content_type: str = "", *, now: datetime | None = None) -> ParsedFeed:
    """Parse a feed document fetched from ``url``; raise ``FeedError`` if it is not a usable feed.

    ``content_type`` is the response's Content-Type; its charset, if any, decides the encoding
    (e.g. ``f"{result.content_type}; charset={result.encoding}"`` from a ``FetchResult``).
    ``now`` (aware UTC, default the current time) is the reference for dates in the future.
    """
    if not content.strip():
        raise FeedError(f"{url} is empty, not a feed")
    try:
        raw = _read(content, url, content_type)
    except FeedError:
        raise
    except Exception as exc:  # noqa: BLE001
        # feedparser and its sgmllib fallback face hostile input; a crash in them on one
        # feed must reach the poll job as that feed's FeedError, not as an unknown exception.
        log.exception("feed parser failed on %s", url)
        raise FeedError(f"{url} could not be read as a feed ({type(exc).__name__})") from exc
    parsed = _finish(raw, url, now or datetime.now(UTC))
    if raw.problem and not parsed.entries:
        # A damaged document whose only "entries" were fragments: an error the admin must see,
        # not a feed that quietly has nothing new.
        raise FeedError(f"{url} is a damaged feed with no readable entries ({raw.problem})")
    if raw.problem:  # counted after fragments are dropped: the number /feeds shows too
        kept = len(parsed.entries)
        log.warning("%s is a damaged feed (%s); keeping the %d %s read", url, raw.problem, kept,
                    "entry" if kept == 1 else "entries")
    return parsed


def _read(content: bytes, url: str, content_type: str) -> RawFeed:
    if looks_like_json(content):
        return parse_json_feed(content, url)
    raw = parse_xml_feed(content, url, content_type)
    if not raw.is_feed:
        raise _not_a_feed(content, url, raw.problem)
    if raw.problem and not raw.entries:
        raise FeedError(f"{url} is a damaged feed with no readable entries ({raw.problem})")
    return raw


def _not_a_feed(content: bytes, url: str, problem: str) -> FeedError:
    """The error for a document that is no feed, with the feeds it links to if it is a page."""
    if not _HTML_HINT.search(content[:4096]):
        detail = f" ({problem})" if problem else ""
        return FeedError(f"{url} is not a feed{detail}")
    alternates = find_feed_links(content.decode(detect_encoding(content), "replace"), url)
    if alternates:
        return FeedError(f"{url} is a web page, not a feed; the page names this feed: {alternates[0]}",
                         alternates=alternates)
    return FeedError(f"{url} is a web page, not a feed, and it names no feed")


def find_feed_links(html_text: str, base_url: str) -> tuple[str, ...]:
    """Absolute URLs of the feeds a page advertises with ``<link rel="alternate" type=...>``.

    Resolved against the page's ``<base href>`` if it has one, else ``base_url``; in page
    order, without duplicates, http(s) only.
    """
    try:
        root = html.fromstring(html_text.encode("utf-8", "replace"), parser=new_html_parser())
    except (etree.ParserError, ValueError):
        return ()
    base = base_url
    for element in root.iter("base"):
        if element.get("href"):
            base = urljoin(base_url, element.get("href", "").strip())
            break
    found: dict[str, None] = {}
    for element in root.iter("link"):
        rels = (element.get("rel") or "").lower().split()
        media_type = (element.get("type") or "").split(";")[0].strip().lower()
        href = (element.get("href") or "").strip()
        if "alternate" in rels and media_type in FEED_LINK_TYPES and href:
            absolute = absolute_http_url(href, base)
            if absolute:
                found[absolute] = None
    return tuple(found)


def absolute_http_url(link: str, base: str) -> str:
    """``link`` made absolute against ``base``; "" when empty or not http(s) (javascript:, data:)."""
    link = link.strip()
    if not link:
        return ""
    try:
        absolute = urljoin(base, link)
        scheme = urlsplit(absolute).scheme.lower()
    except ValueError:
        return ""
    return absolute if scheme in ("http", "https") else ""


def fallback_guid(title: str, summary: str) -> str:
    """A stable id for an entry with neither id nor link: same title and summary, same id."""
    digest = hashlib.sha256(f"{title}\n{summary}".encode()).hexdigest()
    return f"sha256:{digest[:32]}"


def _finish(raw: RawFeed, url: str, now: datetime) -> ParsedFeed:
    """Apply the normalization in the module docstring to everything the parsers read."""
    latest_allowed = now + FUTURE_SLACK
    entries: dict[str, FeedEntry] = {}
    for entry in raw.entries:
        if not (entry.title or entry.url or entry.summary):
            continue  # e.g. an item cut off at the end of a damaged document
        finished = _finish_entry(entry, url, latest_allowed)
        entries.setdefault(finished.guid, finished)
    ordered = sorted(reversed(list(entries.values())), key=lambda e: e.published or _MIN_DATE)
    return ParsedFeed(title=raw.title, link=absolute_http_url(raw.link, url), entries=tuple(ordered),
                      problem=raw.problem)


def _finish_entry(entry: FeedEntry, base: str, latest_allowed: datetime) -> FeedEntry:
    link = absolute_http_url(entry.url, base)
    published = entry.published
    if published is not None and published > latest_allowed:
        log.debug("dropping future date %s of %s", published.isoformat(), link or entry.title)
        published = None
    guid = entry.guid or link or fallback_guid(entry.title, entry.summary)
    return replace(entry, guid=guid, url=link, published=published)
