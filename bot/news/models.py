"""Plain values that cross the news core's module boundaries."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True, slots=True)
class FetchResult:
    """One HTTP response, already size-checked and decoded where it is text."""

    url: str  # final URL, after redirects
    status: int
    content: bytes
    content_type: str = ""  # media type only, lower case, e.g. "text/html"
    encoding: str | None = None  # charset used for ``text``; None for binary
    etag: str | None = None
    last_modified: str | None = None
    not_modified: bool = False  # True on 304: content is empty, keep the stored copy

    @property
    def text(self) -> str:
        """The body decoded with ``encoding`` (replacement characters for bad bytes)."""
        return self.content.decode(self.encoding or "utf-8", errors="replace")


@dataclass(frozen=True, slots=True)
class FeedEntry:
    """One item of a feed, normalized across RSS, Atom, RDF and JSON Feed."""

    guid: str  # the entry's id, or its link when it has none
    url: str  # absolute link to the article page ("" if the entry has none)
    title: str  # plain text
    summary: str = ""  # plain text (HTML stripped) of the entry's description/content
    published: datetime | None = None  # timezone-aware UTC
    author: str = ""
    image: str = ""  # absolute http(s) URL of the picture the feed gives the item ("" if none)
    categories: tuple[str, ...] = ()  # the item's categories/tags, as the feed names them


@dataclass(frozen=True, slots=True)
class ParsedFeed:
    title: str
    link: str  # the site's home page, if the feed names one
    entries: tuple[FeedEntry, ...]
    problem: str = ""  # why the document was only partly readable ("" when it was well-formed)


@dataclass(frozen=True, slots=True)
class RelatedLink:
    """A link the page itself lists as related ("Read also: ...")."""

    title: str
    url: str


@dataclass(frozen=True, slots=True)
class Article:
    """An article's own content, as extracted from its page (or from the feed as fallback)."""

    url: str
    title: str
    # Paragraphs separated by a blank line, none containing a line break (a heading, a list
    # item, a subtitle is a paragraph of its own); no menus, "Read also", subscribe lines.
    text: str
    canonical_url: str = ""
    author: str = ""
    published: datetime | None = None
    language: str = ""  # ISO 639-1 ("en", "uk", "ru", ...) or "" when unknown
    related: tuple[RelatedLink, ...] = field(default_factory=tuple)
    from_feed: bool = False  # True when the page failed and ``text`` is the feed's description

    @property
    def paragraphs(self) -> list[str]:
        return [p for p in self.text.split("\n\n") if p.strip()]
