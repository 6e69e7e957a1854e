"""The whole article as a Telegram rich message (Bot API 10.1, ``sendRichMessage``).

``render_rich_article`` turns an extracted article into the ``html`` of an InputRichMessage:
headline, lead image, the paragraphs (a paragraph of "- item" lines as a list, a paragraph
that is one quotation as a quote), source and time, a link to the original and "Read also".

Limits, from core.telegram.org/bots/api/rich-messages.md ("Rich Message Limits"): up to
32768 characters of text (UTF-16 code units, as Telegram counts every text length: an emoji is
two), up to 500 blocks (nested blocks, list items and quotations
included), up to 16 levels of nesting, up to 50 media. Over the limits the body is cut at a
paragraph boundary and ends with "Continue on <source>", a link to the original. Every piece
of text is escaped; only http(s) URLs become links or images. RTL languages set ``is_rtl``.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.news.render import Link
from bot.news.urls import is_http_url
from bot.news.utf16 import cut_units, utf16_len

__all__ = ["RichArticle", "RichLabels", "RichLimits", "RichMessage", "is_rtl_language", "render_rich_article"]

RTL_LANGUAGES = frozenset({"ar", "he", "iw", "fa", "ur", "yi", "ps", "sd", "ug", "dv", "ckb"})
_QUOTE_PAIRS = (("“", "”"), ("«", "»"), ('"', '"'), ("„", "“"), ("„", "”"))
_TAG = re.compile(r"<[^>]*>")


@dataclass(frozen=True, slots=True)
class RichLimits:
    """Telegram's documented limits (see the module docstring)."""

    max_chars: int = 32768
    max_blocks: int = 500
    max_depth: int = 16
    max_media: int = 50


@dataclass(frozen=True, slots=True)
class RichLabels:
    read_also: str = "Read also"
    original: str = "Original: {source}"
    continue_on: str = "Continue on {source}"


@dataclass(frozen=True, slots=True)
class RichArticle:
    title: str
    url: str
    paragraphs: Sequence[str]
    source: str = ""
    when: datetime | None = None
    language: str = ""
    image_url: str = ""
    related: Sequence[Link] = ()


@dataclass(frozen=True, slots=True)
class RichMessage:
    """An InputRichMessage's content, with what was measured against the limits."""

    html: str
    is_rtl: bool = False
    truncated: bool = False
    chars: int = 0
    blocks: int = 0
    media: int = 0

    def as_input(self) -> dict[str, object]:
        """The ``rich_message`` parameter of sendRichMessage (an InputRichMessage)."""
        value: dict[str, object] = {"html": self.html}
        if self.is_rtl:
            value["is_rtl"] = True
        return value


@dataclass(slots=True)
class _Block:
    html: str
    chars: int
    blocks: int = 1
    media: int = 0


@dataclass(slots=True)
class _Budget:
    limits: RichLimits
    chars: int = 0
    blocks: int = 0
    media: int = 0
    parts: list[str] = field(default_factory=list)

    def fits(self, block: _Block, reserve: _Block | None = None) -> bool:
        extra_chars = reserve.chars if reserve else 0
        extra_blocks = reserve.blocks if reserve else 0
        return (self.chars + block.chars + extra_chars <= self.limits.max_chars
                and self.blocks + block.blocks + extra_blocks <= self.limits.max_blocks
                and self.media + block.media <= self.limits.max_media)

    def add(self, block: _Block) -> None:
        self.chars += block.chars
        self.blocks += block.blocks
        self.media += block.media
        self.parts.append(block.html)


def is_rtl_language(language: str) -> bool:
    return language.split("-")[0].lower() in RTL_LANGUAGES


def render_rich_article(
    article: RichArticle, *, zone: ZoneInfo | None = None, labels: RichLabels = RichLabels(),
    limits: RichLimits = RichLimits(),
) -> RichMessage:
    """The article as rich-message HTML that stays within ``limits``."""
    budget = _Budget(limits)
    source = article.source.strip() or _host(article.url)
    # A headline takes at most a quarter of the room, so the body and the source line still fit.
    head = [_text_block("h1", _cut(article.title.strip() or article.url, limits.max_chars // 4))]
    if is_http_url(article.image_url):
        head.append(_Block(f'<img src="{_attr(article.image_url)}">', 0, media=1))
    tail = _tail(article, source, zone, labels)
    more = _link_block(labels.continue_on.format(source=source), article.url)
    for block in head:
        budget.add(block)
    reserve = _Block("", sum(b.chars for b in tail) + more.chars, sum(b.blocks for b in tail) + more.blocks)
    body = [b for b in (_body_block(p) for p in _join_list_items(article.paragraphs)) if b is not None]
    truncated = False
    for index, block in enumerate(body):
        if budget.fits(block, reserve):
            budget.add(block)
            continue
        truncated = True
        if index == 0:  # one giant first paragraph: keep what fits of it, cut at a word
            room = limits.max_chars - budget.chars - reserve.chars - 1
            if room > 0 and budget.blocks + 1 + reserve.blocks <= limits.max_blocks:
                budget.add(_text_block("p", _cut(_plain(block.html), room)))
        break
    if truncated:
        budget.add(more)
    for block in tail:
        if budget.fits(block):
            budget.add(block)
    return RichMessage("".join(budget.parts), is_rtl_language(article.language), truncated,
                       budget.chars, budget.blocks, budget.media)


def _tail(article: RichArticle, source: str, zone: ZoneInfo | None, labels: RichLabels) -> list[_Block]:
    blocks: list[_Block] = []
    meta = [source] if source else []
    if article.when is not None:
        meta.append((article.when.astimezone(zone) if zone else article.when).strftime("%d.%m.%Y %H:%M"))
    if meta:
        text = " · ".join(meta)
        blocks.append(_Block(f"<p><i>{_esc(text)}</i></p>", utf16_len(text)))
    blocks.append(_link_block(labels.original.format(source=source), article.url))
    links = [item for item in article.related if item.title.strip()][:5]
    if links:
        items = "".join(f"<li>{_link(item.title.strip()[:300], item.url)}</li>" for item in links)
        chars = utf16_len(labels.read_also) + sum(utf16_len(item.title.strip()[:300]) for item in links)
        blocks.append(_Block(f"<h2>{_esc(labels.read_also)}</h2><ul>{items}</ul>", chars, 2 + len(links)))
    return blocks


_BULLETS = ("- ", "• ", "* ")


def _join_list_items(paragraphs: Sequence[str]) -> list[str]:
    """Consecutive one-line bullet paragraphs as one paragraph, so they render as one list.

    The extractor writes each list item as a paragraph of its own (``- item``), since a reader
    of the plain text sees them apart; a rich message shows them as one ``<ul>``.
    """
    joined: list[str] = []
    for paragraph in paragraphs:
        text = paragraph.strip()
        is_item = text.startswith(_BULLETS) and "\n" not in text
        if is_item and joined and all(line.strip().startswith(_BULLETS) for line in joined[-1].split("\n")):
            joined[-1] += "\n" + text
        else:
            joined.append(text)
    return joined


def _body_block(paragraph: str) -> _Block | None:
    text = paragraph.strip()
    if not text:
        return None
    lines = [line.strip() for line in text.split("\n") if line.strip()]
    if len(lines) > 1 and all(line.startswith(_BULLETS) for line in lines):
        items = [line[2:].strip() for line in lines]
        html_items = "".join(f"<li>{_esc(item)}</li>" for item in items)
        return _Block(f"<ul>{html_items}</ul>", sum(utf16_len(i) for i in items), 1 + len(items))
    if text.startswith("> "):
        return _text_block("blockquote", text[2:].strip())
    if any(text.startswith(o) and text.endswith(c) and len(text) > 2 and text.count(c) <= 2 for o, c in _QUOTE_PAIRS):
        return _text_block("blockquote", text)
    return _text_block("p", " ".join(lines))


def _text_block(tag: str, text: str) -> _Block:
    return _Block(f"<{tag}>{_esc(text)}</{tag}>", utf16_len(text))


def _link_block(text: str, url: str) -> _Block:
    return _Block(f"<p>{_link(text, url)}</p>", utf16_len(text))


def _link(text: str, url: str) -> str:
    if not is_http_url(url):
        return _esc(text)
    return f'<a href="{_attr(url)}">{_esc(text)}</a>'


def _esc(text: str) -> str:
    return html.escape(text, quote=False)


def _attr(text: str) -> str:
    return html.escape(text, quote=True)


def _plain(markup: str) -> str:
    return html.unescape(_TAG.sub("", markup))


def _cut(text: str, room: int) -> str:
    """``text`` in at most ``room`` UTF-16 code units, cut at a word and marked."""
    if utf16_len(text) <= room:
        return text
    cut = cut_units(text, max(0, room - 1))
    if " " in cut[len(cut) // 2 :]:
        cut = cut[: cut.rindex(" ")]
    return cut.rstrip() + "…"


def _host(url: str) -> str:
    return re.sub(r"^https?://(www\.)?", "", url).split("/")[0]
