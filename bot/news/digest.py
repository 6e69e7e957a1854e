"""Digest messages in Telegram HTML, from plain values: a title line with the period, then
numbered linked titles with their source and, optionally, one sentence of summary each.

Everything from a feed is escaped; a message never exceeds Telegram's 4096 UTF-16 units.
No "Read also" lists: a digest is already a list of links.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.news.render import MAX_MESSAGE, _clip, escape, link, telegram_length
from bot.news.sentences import split_sentences

MAX_SUMMARY = 220
MAX_HEADING = 200
PART_RESERVE = 12  # room for " (12/12)" after a heading


@dataclass(frozen=True, slots=True)
class DigestItem:
    title: str
    url: str
    source: str = ""
    summary: str = ""
    language: str = ""


def item_line(number: int, item: DigestItem, *, summaries: bool, with_link: bool = True) -> str:
    """'3. <a href=…>Title</a> — Source', and the summary's first sentence under it if asked."""
    line = f"{number}. {link(item.title, item.url if with_link else '')}"
    if item.source:
        line += f" — <i>{escape(_clip(item.source, 100))}</i>"
    if summaries and item.summary:
        sentences = split_sentences(item.summary, item.language)
        if sentences:
            line += "\n" + escape(_clip(sentences[0], MAX_SUMMARY))
    return line


def render_digest_message(
    heading: str, items: Sequence[DigestItem], *, summaries: bool = False,
    more: Callable[[int], str] | None = None, limit: int = MAX_MESSAGE,
) -> tuple[str, int]:
    """One message: the heading, then as many items as fit, then ``more(n)`` for the rest.

    Returns the text and how many items it shows (the first ones: pass them ranked).
    """
    head = _heading(heading)
    separator = "\n\n" if summaries else "\n"
    reserve = telegram_length("\n\n" + escape(more(len(items)))) if more else 0
    body: list[str] = []
    used = telegram_length(head)
    for number, item in enumerate(items, start=1):
        line = item_line(number, item, summaries=summaries)
        cost = telegram_length(("\n\n" if not body else separator) + line)
        room = limit - (reserve if number < len(items) else 0)
        if used + cost > room:
            break
        body.append(line)
        used += cost
    text = head + ("\n\n" + separator.join(body) if body else "")
    if len(body) < len(items) and more:
        text += "\n\n" + escape(more(len(items) - len(body)))
    return text, len(body)


def render_digest_parts(
    heading: str, items: Sequence[DigestItem], *, summaries: bool = False, limit: int = MAX_MESSAGE,
) -> list[str]:
    """Every item, in as few messages as fit; headings get "(2/3)" when there are several.

    For the overflow digest, which must hold every story over the cap, however many.
    """
    chunks: list[list[str]] = []
    current: list[str] = []
    used = 0
    separator = "\n\n" if summaries else "\n"
    base = telegram_length(_heading(heading)) + PART_RESERVE
    for number, item in enumerate(items, start=1):
        line = item_line(number, item, summaries=summaries)
        if base + telegram_length("\n\n" + line) > limit:  # a monstrous URL: the title alone
            line = item_line(number, item, summaries=False, with_link=False)
        cost = telegram_length(("\n\n" if not current else separator) + line)
        if current and base + used + cost > limit:
            chunks.append(current)
            current, used = [], 0
        current.append(line)
        used += cost
    if current:
        chunks.append(current)
    parts = []
    for index, chunk in enumerate(chunks, start=1):
        title = heading if len(chunks) == 1 else f"{heading} ({index}/{len(chunks)})"
        parts.append(_heading(title, MAX_HEADING + PART_RESERVE) + "\n\n" + separator.join(chunk))
    return parts


def period_text(since: datetime, until: datetime, zone: ZoneInfo) -> str:
    """'01.01.2026 08:00–20:00', or '31.12 20:00 – 01.01.2026 08:00' across days, in local time."""
    start, end = since.astimezone(zone), until.astimezone(zone)
    if start.date() == end.date():
        return f"{end:%d.%m.%Y} {start:%H:%M}–{end:%H:%M}"
    return f"{start:%d.%m %H:%M} – {end:%d.%m.%Y %H:%M}"


def _heading(text: str, limit: int = 0) -> str:
    return f"<b>{escape(_clip(text, limit or MAX_HEADING))}</b>"
