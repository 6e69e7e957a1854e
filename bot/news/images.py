"""A story's lead image and its feed categories, from plain page and feed values.

The page is asked first, because its metadata is the picture the publisher chose for sharing:
``og:image`` (``og:image:secure_url``, ``og:image:url``), then ``twitter:image``, then the
``image`` of a JSON-LD article (a URL, a list, an ImageObject, inside ``@graph`` too). Only
when the page names none is the feed asked: ``media:content`` and ``media:thumbnail``
(Media RSS), an image ``enclosure``, a JSON Feed ``image``/``banner_image``.

Every function here is pure: no network, no Telegram. What comes back is an absolute http(s)
URL or "". Whether the bot may hand that URL on (private addresses) is the caller's check,
the same ``check_url`` every fetched URL passes.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from typing import Any

from lxml import etree, html

from bot.news.htmltext import new_html_parser
from bot.news.urls import is_http_url, resolve

__all__ = ["feed_categories", "feed_entry_image", "lead_image", "page_image"]

_META_KEYS = ("og:image:secure_url", "og:image:url", "og:image", "twitter:image", "twitter:image:src")
_IMAGE_EXT = re.compile(r"\.(?:jpe?g|png|gif|webp|avif|bmp)(?:$|[?#])", re.IGNORECASE)
_MAX_PAGE = 2_000_000  # metadata sits in <head>; never parse more than this for it
MAX_URL = 2048


def lead_image(page_html: str | bytes | None, page_url: str, feed_image: str = "") -> str:
    """The story's picture: the page's own metadata first, then what the feed carried."""
    return (page_image(page_html, page_url) if page_html else "") or _clean(feed_image, page_url)


def page_image(page_html: str | bytes, page_url: str) -> str:
    """The image a page declares for sharing (og:image, twitter:image, JSON-LD), or ""."""
    try:
        data = page_html[:_MAX_PAGE]
        root = html.fromstring(data.encode("utf-8", "replace") if isinstance(data, str) else data,
                               parser=new_html_parser())
    except (etree.ParserError, ValueError):
        return ""
    found: dict[str, str] = {}
    for meta in root.iter("meta"):
        key = (meta.get("property") or meta.get("name") or "").strip().lower()
        if key in _META_KEYS and key not in found:
            found[key] = (meta.get("content") or "").strip()
    for key in _META_KEYS:
        if url := _clean(found.get(key, ""), page_url):
            return url
    for script in root.iter("script"):
        if (script.get("type") or "").strip().lower() != "application/ld+json":
            continue
        try:
            document = json.loads(script.text or "")
        except (ValueError, RecursionError):
            continue
        if url := _clean(_json_ld_image(document), page_url):
            return url
    return ""


def feed_entry_image(item: Mapping[str, Any], base_url: str = "") -> str:
    """The picture a feed item carries (feedparser's dict of an RSS/Atom item, or a JSON
    Feed item): media:content of an image, media:thumbnail, an image enclosure."""
    for key in ("image", "banner_image"):  # JSON Feed
        if isinstance(item.get(key), str) and (url := _clean(item[key], base_url)):
            return url
    for media in _dicts(item.get("media_content")):
        medium = str(media.get("medium") or "").lower()
        kind = str(media.get("type") or "").lower()
        url = str(media.get("url") or "")
        untyped = not medium and not kind
        is_image = medium == "image" or kind.startswith("image/") or (untyped and _IMAGE_EXT.search(url))
        if is_image and (url := _clean(url, base_url)):
            return url
    for thumb in _dicts(item.get("media_thumbnail")):
        if url := _clean(str(thumb.get("url") or ""), base_url):
            return url
    for link in _dicts(item.get("enclosures")) + [
        link for link in _dicts(item.get("links")) if link.get("rel") == "enclosure"
    ]:
        href = str(link.get("href") or link.get("url") or "")
        is_image = str(link.get("type") or "").lower().startswith("image/") or _IMAGE_EXT.search(href)
        if is_image and (url := _clean(href, base_url)):
            return url
    return ""


def feed_categories(item: Mapping[str, Any]) -> tuple[str, ...]:
    """The item's categories as the feed names them (RSS <category>, Atom category, JSON tags)."""
    names: list[str] = []
    for tag in _dicts(item.get("tags")):
        names.append(str(tag.get("term") or tag.get("label") or ""))
    tags = item.get("tags")
    if isinstance(tags, list):
        names.extend(t for t in tags if isinstance(t, str))  # JSON Feed: a list of strings
    seen: dict[str, str] = {}
    for name in names:
        name = " ".join(name.split())[:100]
        if name and name.lower() not in seen:
            seen[name.lower()] = name
    return tuple(seen.values())[:20]


def _json_ld_image(document: Any, depth: int = 0) -> str:
    """The first image URL a JSON-LD document gives its article (or any node, failing that)."""
    if depth > 6:
        return ""
    if isinstance(document, list):
        for node in document:
            if url := _json_ld_image(node, depth + 1):
                return url
        return ""
    if not isinstance(document, dict):
        return ""
    if "@graph" in document:
        nodes = document["@graph"] if isinstance(document["@graph"], list) else [document["@graph"]]
        articles = [n for n in nodes if isinstance(n, dict) and "Article" in str(n.get("@type", ""))]
        return _json_ld_image(articles + [n for n in nodes if n not in articles], depth + 1)
    return _image_value(document.get("image") or document.get("thumbnailUrl"), depth)


def _image_value(value: Any, depth: int) -> str:
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, list):
        for entry in value:
            if url := _image_value(entry, depth + 1):
                return url
        return ""
    if isinstance(value, dict) and depth <= 6:
        return _image_value(value.get("url") or value.get("contentUrl"), depth + 1)
    return ""


def _clean(url: str, base: str) -> str:
    """An absolute http(s) URL of sane length, or "" (data:, javascript:, relative junk)."""
    url = (url or "").strip()
    if not url or len(url) > MAX_URL or any(c.isspace() for c in url):
        return ""
    absolute = resolve(base, url) if base else url
    return absolute if is_http_url(absolute) else ""


def _dicts(value: Any) -> list[Mapping[str, Any]]:
    if isinstance(value, Mapping):
        return [value]
    if isinstance(value, Sequence) and not isinstance(value, str | bytes):
        return [v for v in value if isinstance(v, Mapping)]
    return []
