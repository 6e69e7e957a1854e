"""Bounded cost per page and per feed: what extraction and feed parsing are given at most.

A hostile (or broken) site can send a 5 MB page on one line, 60,000 links, megabytes of
nested tags in a feed description, or a title the size of a book; the parsers' cost grows
with each (hundreds of MB, tens of CPU seconds per item). These caps sit at the boundary,
before the parsers see the input, and are far beyond any real article.
"""

from __future__ import annotations

import re

MAX_PAGE_CHARS = 600_000  # the largest of the 181 benchmark pages is 184 KB of HTML
MAX_PAGE_LINKS = 3_000  # a news page has a few hundred; the rest of a link farm is dropped
MAX_FRAGMENT_CHARS = 100_000  # an HTML fragment from a feed (description, content)
MAX_FEED_MARKUP = 100_000  # tags in one feed document (50 full-text items: ~25,000)

_ANCHOR = re.compile(rb"<a[\s>]", re.IGNORECASE)
_ANCHOR_TEXT = re.compile(r"<a[\s>]", re.IGNORECASE)
# Scripts and styles, except JSON-LD (extraction reads the article's date and author there).
_CODE = re.compile(rb"<(script|style)\b(?![^>]*application/ld\+json)[^>]*>.*?</\1\s*>", re.IGNORECASE | re.DOTALL)
_CODE_TEXT = re.compile(r"<(script|style)\b(?![^>]*application/ld\+json)[^>]*>.*?</\1\s*>",
                        re.IGNORECASE | re.DOTALL)


def bounded_page(html: str | bytes) -> str | bytes:
    """``html`` cut to ``MAX_PAGE_CHARS`` and before its ``MAX_PAGE_LINKS + 1``-th link.

    A page over the size loses its scripts and styles first (heavy sites inline hundreds of
    KB of them), then whatever is still beyond the cap. The parser repairs the open tags a
    cut leaves; what is lost is the tail of a page too large, or too full of links, to be
    an article. Pages within the caps are returned as they are.
    """
    if len(html) > MAX_PAGE_CHARS:
        html = (_CODE if isinstance(html, bytes) else _CODE_TEXT).sub(b"" if isinstance(html, bytes) else "", html)  # type: ignore[arg-type]
        html = html[:MAX_PAGE_CHARS]
    pattern = _ANCHOR if isinstance(html, bytes) else _ANCHOR_TEXT
    for count, match in enumerate(pattern.finditer(html), start=1):  # type: ignore[arg-type]
        if count > MAX_PAGE_LINKS:
            return html[: match.start()]
    return html


def bounded_fragment(fragment: str) -> str:
    """An HTML fragment from a feed cut to ``MAX_FRAGMENT_CHARS`` (nesting and size bounded
    together: a fragment that short cannot hold a tree deep enough to cost)."""
    return fragment[:MAX_FRAGMENT_CHARS]


def markup_heavy_feed(content: bytes) -> bool:
    """True for a feed document with more tags (raw or escaped) than any real feed: its
    embedded HTML is then not sanitized or rewritten by the feed parser (seconds of CPU per
    megabyte of nested tags); the bot makes plain text of it anyway, bounded per fragment."""
    return content.count(b"<") + content.count(b"&lt;") > MAX_FEED_MARKUP
