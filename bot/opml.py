"""OPML, the feed-list format every feed reader imports and exports."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from xml.etree.ElementTree import Element, SubElement, tostring

from defusedxml import ElementTree as SafeET
from defusedxml.common import DefusedXmlException

from bot.news.urls import is_http_url

MAX_OPML_BYTES = 2_000_000


class OpmlError(ValueError):
    """The document is not a readable OPML feed list."""


@dataclass(frozen=True, slots=True)
class OpmlFeed:
    url: str
    title: str = ""


def export_opml(feeds: Sequence[OpmlFeed], *, title: str = "newsbot feeds") -> bytes:
    root = Element("opml", version="2.0")
    head = SubElement(root, "head")
    SubElement(head, "title").text = title
    body = SubElement(root, "body")
    for feed in feeds:
        SubElement(body, "outline", type="rss", text=feed.title or feed.url, title=feed.title or feed.url, xmlUrl=feed.url)
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + tostring(root, encoding="utf-8")


def import_opml(data: bytes) -> list[OpmlFeed]:
    """Feeds listed in an OPML document (nested outlines included), in order, without repeats."""
    if len(data) > MAX_OPML_BYTES:
        raise OpmlError("the file is larger than 2 MB; an OPML feed list is far smaller")
    try:
        root = SafeET.fromstring(data)
    except (SafeET.ParseError, DefusedXmlException, ValueError) as exc:
        raise OpmlError(f"this is not a readable OPML file ({exc})") from None
    if root.tag.lower() != "opml":
        raise OpmlError(f"this is not an OPML file (its root element is <{root.tag}>)")
    feeds: dict[str, OpmlFeed] = {}
    for outline in root.iter("outline"):
        url = (outline.get("xmlUrl") or outline.get("xmlurl") or "").strip()
        if url and is_http_url(url) and url not in feeds:
            feeds[url] = OpmlFeed(url, (outline.get("title") or outline.get("text") or "").strip())
    return list(feeds.values())
