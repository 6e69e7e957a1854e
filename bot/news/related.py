"""The links a page lists as related stories: after a "Read also" marker, or in an obvious
related-articles block (class or id "related", "read-also", "see-also").

The markers are the line cleaner's (``clean.py``), in English, Ukrainian and Russian.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from urllib.parse import urldefrag

from lxml import etree

from bot.news.charset import detect_encoding
from bot.news.clean import MARKER_PUNCTUATION, MAX_JUNK_LINE, is_read_also_marker, line_marker
from bot.news.htmltree import parse_html
from bot.news.models import RelatedLink
from bot.news.urls import canonical_url, is_http_url, resolve

__all__ = ["find_related_links", "related_links_from_tree"]

log = logging.getLogger(__name__)

_WS = re.compile(r"\s+")

# --- related links ---------------------------------------------------------------------------

_MAX_RELATED = 20
_MARKER_TAGS = ("p", "div", "span", "strong", "b", "em", "i", "h2", "h3", "h4", "h5", "h6", "li", "dt")
_INLINE_TAGS = ("span", "strong", "b", "em", "i", "u", "font", "small")
# Class or id of a block of links to related stories (not "popular" or "latest": site-wide).
_RELATED_CLASS = re.compile(r"(?<![a-z])(?:related|read[-_]?also|see[-_]?also|also[-_]?read)(?![a-z])", re.I)


def find_related_links(html: str | bytes, base_url: str) -> tuple[RelatedLink, ...]:
    """The stories the page itself recommends ("Read also", "Читайте також", a related block).

    URLs are absolute, deduplicated, and never the page itself.
    """
    if isinstance(html, bytes):
        html = html.decode(detect_encoding(html), errors="replace")
    try:
        tree = parse_html(html)
    except (ValueError, TypeError, etree.LxmlError) as exc:
        log.debug("cannot parse page for related links %s: %s", base_url, exc)
        return ()
    return related_links_from_tree(tree, base_url) if tree is not None else ()


def related_links_from_tree(
    tree: etree._Element, base_url: str, *, canonical: str = ""
) -> tuple[RelatedLink, ...]:
    """Like ``find_related_links``, for a page already parsed with lxml.

    ``canonical``, the address the page declares for itself, is not a related story either.
    """
    pages = {canonical_url(base_url), canonical_url(canonical)}
    found: dict[str, tuple[tuple[bool, int], RelatedLink]] = {}
    for anchor in _related_anchors(tree):
        title = _WS.sub(" ", anchor.text_content()).strip(MARKER_PUNCTUATION)
        url = urldefrag(resolve(base_url, anchor.get("href") or "")).url
        if len(title) < 12 or line_marker(title) or not is_http_url(url):
            continue
        key = canonical_url(url)
        if key in pages:
            continue
        # A story card links its picture (with a category and a comment count: "Интересное 0")
        # and its headline to the same address: the headline is the link without a picture.
        quality = (anchor.find(".//img") is None, len(title))
        if key in found:
            if quality > found[key][0]:
                found[key] = (quality, RelatedLink(title=title, url=found[key][1].url))
        elif len(found) < _MAX_RELATED:
            found[key] = (quality, RelatedLink(title=title, url=url))
    return tuple(link for _, link in found.values())


def _related_anchors(tree: etree._Element) -> Iterator[etree._Element]:
    """Links after "Read also" markers, then links in blocks whose class/id says "related"."""
    for el in tree.iter(*_MARKER_TAGS):
        own = el.text
        if not own or len(own) > MAX_JUNK_LINE:
            continue
        found = line_marker(own)
        if found is None or found[0] in ("tags", "section"):
            continue
        block = el
        while block.tag in _INLINE_TAGS and block.getparent() is not None:
            block = block.getparent()
        if len(block.text_content()) > 500:  # a marker loose in the article's container
            anchors = _following_inline_links(el)
        else:
            anchors = block.findall(".//a")
        if not anchors and is_read_also_marker(own):  # a heading: links are in what follows
            for sibling in block.itersiblings():
                if isinstance(sibling.tag, str):
                    anchors = [sibling] if sibling.tag == "a" else sibling.findall(".//a")
                    if anchors:
                        break
        yield from anchors[:10]
    for el in tree.iter("div", "section", "aside", "ul", "ol"):
        if _RELATED_CLASS.search(f"{el.get('class', '')} {el.get('id', '')}"):
            yield from el.findall(".//a")[:20]  # a story card links its picture and its headline


def _following_inline_links(el: etree._Element) -> list[etree._Element]:
    """The links right after ``el`` in the same run of inline content (at most three)."""
    links: list[etree._Element] = []
    for sibling in el.itersiblings():
        if not isinstance(sibling.tag, str) or sibling.tag not in (*_INLINE_TAGS, "a", "br"):
            break
        links.extend([sibling] if sibling.tag == "a" else sibling.findall(".//a"))
        if len(links) >= 3:
            break
    return links[:3]
