"""Build RSS 2.0 and Atom documents and simple article pages for the fake news site."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from email.utils import format_datetime
from xml.sax.saxutils import escape, quoteattr

__all__ = ["FakeItem", "render_article", "render_atom", "render_rss"]


@dataclass(frozen=True, slots=True)
class FakeItem:
    """One published article: what the feed lists and what its page shows."""

    title: str
    url: str  # absolute
    guid: str
    published: datetime  # aware
    summary: str = ""  # HTML allowed; escaped into the feed
    body: str = ""  # the article page's paragraphs, blank-line separated
    author: str = ""
    canonical: str = ""  # the page declares this address as its own (rel=canonical)
    feed_image: str = ""  # an image the feed gives the item (<media:content medium="image">)
    page_image: str = ""  # the page's og:image
    categories: tuple[str, ...] = ()


def render_rss(title: str, link: str, items: list[FakeItem]) -> bytes:
    """An RSS 2.0 document listing ``items`` newest first, as real feeds do."""
    parts = [
        '<?xml version="1.0" encoding="utf-8"?>\n'
        '<rss version="2.0" xmlns:media="http://search.yahoo.com/mrss/"><channel>',
        f"<title>{escape(title)}</title><link>{escape(link)}</link><description>fake</description>",
    ]
    for item in _newest_first(items):
        parts.append(
            "<item>"
            f"<title>{escape(item.title)}</title><link>{escape(item.url)}</link>"
            f'<guid isPermaLink="false">{escape(item.guid)}</guid>'
            f"<pubDate>{format_datetime(item.published)}</pubDate>"
            f"<description>{escape(item.summary)}</description>"
            + (f"<author>{escape(item.author)}</author>" if item.author else "")
            + "".join(f"<category>{escape(c)}</category>" for c in item.categories)
            + (f'<media:content url={quoteattr(item.feed_image)} medium="image"/>' if item.feed_image else "")
            + "</item>"
        )
    parts.append("</channel></rss>")
    return "".join(parts).encode("utf-8")


def render_atom(title: str, link: str, items: list[FakeItem]) -> bytes:
    """An Atom 1.0 document listing ``items`` newest first."""
    updated = max((i.published for i in items), default=None)
    parts = [
        '<?xml version="1.0" encoding="utf-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom">',
        f"<title>{escape(title)}</title><link href={quoteattr(link)}/><id>{escape(link)}</id>",
        f"<updated>{(updated.isoformat() if updated else '2026-01-01T00:00:00+00:00')}</updated>",
    ]
    for item in _newest_first(items):
        parts.append(
            "<entry>"
            f"<title>{escape(item.title)}</title><link rel=\"alternate\" href={quoteattr(item.url)}/>"
            f"<id>{escape(item.guid)}</id><updated>{item.published.isoformat()}</updated>"
            f"<published>{item.published.isoformat()}</published>"
            f'<summary type="html">{escape(item.summary)}</summary>'
            + (f"<author><name>{escape(item.author)}</name></author>" if item.author else "")
            + "</entry>"
        )
    parts.append("</feed>")
    return "".join(parts).encode("utf-8")


def render_article(item: FakeItem) -> bytes:
    """A plain article page, with the paragraphs of ``item.body`` (or its summary)."""
    paragraphs = [p for p in (item.body or item.summary).split("\n\n") if p.strip()]
    body = "".join(f"<p>{escape(p)}</p>" for p in paragraphs)
    return (
        '<!DOCTYPE html><html><head><meta charset="utf-8">'
        + (f'<meta property="og:image" content={quoteattr(item.page_image)}>' if item.page_image else "")
        + f"<title>{escape(item.title)}</title>"
        + (f'<link rel="canonical" href={quoteattr(item.canonical)}>' if item.canonical else "")
        + "</head><body><article>"
        f"<h1>{escape(item.title)}</h1>{body}</article></body></html>"
    ).encode()


def _newest_first(items: list[FakeItem]) -> list[FakeItem]:
    return sorted(items, key=lambda i: i.published, reverse=True)
