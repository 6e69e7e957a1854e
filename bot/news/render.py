"""Telegram HTML for posts and digests, from plain values.

Every piece of text that came from a feed, a page or a user is escaped here, and a message
never exceeds Telegram's 4096-character limit (UTF-16 code units, as Telegram counts): the summary is shortened by whole sentences,
then related links are dropped, so no tag or entity is ever cut. A photo's caption
(``caption=True``) is held to its own limit, 1,024 characters as the reader sees them, the
same way: its "Also:" line of sources stays, the summary makes room for it.
``render_caption``: a first photo post's caption, which never cuts the summary.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from bot.news.captions import MAX_CAPTION, visible_length
from bot.news.sentences import split_sentences
from bot.news.urls import strip_tracking
from bot.news.utf16 import cut_units, utf16_len

MAX_MESSAGE = 4096
MAX_CAPTION_TITLE = 300


@dataclass(frozen=True, slots=True)
class Link:
    title: str
    url: str
    source: str = ""
    when: datetime | None = None


@dataclass(frozen=True, slots=True)
class PostContent:
    title: str
    url: str
    summary: str
    source: str
    when: datetime | None
    language: str = ""


def telegram_length(text: str) -> int:
    """Length as Telegram counts it (UTF-16 code units); counted on the HTML, which is never shorter."""
    return utf16_len(text)


def escape(text: str) -> str:
    return html.escape(text, quote=False)


def link(title: str, url: str) -> str:
    """An HTML link; a URL that is not http(s) is shown as plain text, never as a link."""
    url = strip_tracking(url)
    title = escape(_clip(title.strip() or url, MAX_CAPTION_TITLE))
    if not url.lower().startswith(("http://", "https://")):
        return title
    return f'<a href="{html.escape(url, quote=True)}">{title}</a>'


def render_post(
    post: PostContent, *, related: Sequence[Link] = (), zone: ZoneInfo | None = None,
    read_also: str = "Read also:", limit: int = MAX_MESSAGE, tags: Sequence[str] = (), show_meta: bool = True,
    also: Sequence[Link] = (), also_label: str = "Also:", also_more: str = "and {count} more", caption: bool = False,
) -> str:
    """A post: bold linked title, summary, source and local time, the other outlets that
    reported the story ("Also: B, C"), then "Read also" links.

    ``tags`` (already valid "#tags") go on the source line; ``show_meta`` False leaves that
    line out (a channel's choice of parts). ``caption`` True renders a photo's caption: at
    most ``MAX_CAPTION`` characters after entities parsing (what Telegram counts there), the
    summary shortened first, at a sentence then a word boundary, so the sources keep showing;
    when the title and the source line leave too little room even without a summary, the
    "Also:" line names the sources that fit and counts the rest ("and 3 more")."""
    if caption:
        limit, measure = min(limit, MAX_CAPTION), visible_length
    else:
        measure = telegram_length
    head = f"<b>{link(post.title, post.url)}</b>"
    meta = _meta(post.source, post.when, zone) if show_meta else ""
    if tags:
        meta = " ".join([meta, *map(escape, tags)]) if meta else " ".join(map(escape, tags))
    budget = limit // 4
    sources = _also_line(also, also_label, also_more, budget, measure)
    sentences = split_sentences(post.summary, post.language) if post.summary else []
    links = list(related)
    while True:
        text = _assemble(head, " ".join(sentences), meta, links, read_also, sources)
        if measure(text) <= limit:
            return text
        if len(sentences) > 1:
            sentences.pop()
        elif links:
            links.pop()
        elif sentences:
            sentences = [_clip(sentences[0], max(0, utf16_len(sentences[0]) - (measure(text) - limit) - 1))]
            if not sentences[0].strip("…"):
                sentences = []
        elif sources and budget > 0:  # no summary left to shorten: fewer sources named
            budget = max(0, min(budget - 16, budget - (measure(text) - limit)))
            sources = _also_line(also, also_label, also_more, budget, measure)
        else:
            return _assemble(f"<b>{link(_clip(post.title, 200), post.url)}</b>", "", meta, [], read_also, sources)


def render_caption(post: PostContent, *, related: Sequence[Link] = (), **options: Any) -> str | None:
    """The post as a photo's caption (``render_post(caption=True)``) with its summary whole;
    the "Read also" links are left out when they do not fit beside it (the post's Related
    button still leads to them). None when even then the summary would have to be cut: a
    summary set long (SUMMARY_MAX_CHARS) keeps the text post, with the image shown above it."""
    whole = escape(" ".join(split_sentences(post.summary, post.language))) if post.summary else ""
    for links in ((related, ()) if related else ((),)):
        text = render_post(post, related=links, caption=True, **options)
        if whole in text:
            return text
    return None


def render_digest(
    title: str, items: Sequence[Link], *, zone: ZoneInfo | None = None, limit: int = MAX_MESSAGE
) -> str:
    """A digest: a heading, then one numbered line per story, as many as fit."""
    lines = [f"<b>{escape(title)}</b>", ""]
    for number, item in enumerate(items, start=1):
        line = f"{number}. {link(item.title, item.url)}"
        extra = _meta(item.source, item.when, zone)
        if extra:
            line += f" — {extra}"
        if telegram_length("\n".join([*lines, line])) > limit:
            break
        lines.append(line)
    return "\n".join(lines)


def render_links(heading: str, items: Sequence[Link], *, zone: ZoneInfo | None = None) -> str:
    """A list of linked stories with source and date (the /related answer)."""
    return render_digest(heading, items, zone=zone)


def _assemble(head: str, summary: str, meta: str, links: Sequence[Link], read_also: str, sources: str = "") -> str:
    parts = [head]
    if summary:
        parts.append(escape(summary))
    if meta:
        parts.append(f"<i>{meta}</i>" + (f"\n{sources}" if sources else ""))
    elif sources:
        parts.append(sources)
    if links:
        parts.append(escape(read_also) + "\n" + "\n".join(f"• {link(item.title, item.url)}" for item in links))
    return "\n\n".join(parts)


def _also_line(also: Sequence[Link], label: str, more: str, budget: int,
               measure: Callable[[str], int] = telegram_length) -> str:
    """ "Also: <a>B</a>, <a>C</a>" — as many sources as fit ``budget`` (counted by
    ``measure``), then "and N more"; at least the first one is always named."""
    if not also:
        return ""
    shown: list[str] = []
    for index, item in enumerate(also):
        piece = link(_clip(item.title, 60), item.url)
        rest = " " + escape(more.format(count=len(also) - index - 1)) if index < len(also) - 1 else ""
        if shown and measure(f"{escape(label)} {', '.join([*shown, piece])}{rest}") > budget:
            return f"{escape(label)} {', '.join(shown)} {escape(more.format(count=len(also) - index))}"
        shown.append(piece)
    return f"{escape(label)} {', '.join(shown)}"


def _meta(source: str, when: datetime | None, zone: ZoneInfo | None) -> str:
    bits = []
    if source:
        bits.append(escape(_clip(source, 100)))
    if when is not None:
        local = when.astimezone(zone) if zone else when
        bits.append(local.strftime("%d.%m.%Y %H:%M"))
    return " · ".join(bits)


def _clip(text: str, limit: int) -> str:
    """Cut to ``limit`` UTF-16 code units at a word boundary and mark the cut; only for text
    with no markup in it."""
    if utf16_len(text) <= limit:
        return text
    cut = cut_units(text, max(0, limit - 1))
    if " " in cut[len(cut) // 2 :]:
        cut = cut[: cut.rindex(" ")]
    return cut.rstrip(" ,;:-") + "…"
