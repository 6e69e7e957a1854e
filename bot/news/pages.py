"""Replies that always fit Telegram: one message at most 4096 UTF-16 code units, long lists
split into messages or pages at line boundaries, never inside a tag or an entity.

Pure values in and out (HTML strings and lists of lines), so handlers, jobs and notices share
it and property tests can throw any text at it.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from dataclasses import dataclass

from bot.news.render import MAX_MESSAGE, telegram_length

MORE = "…"
_TAG = re.compile(r"<[^>]*>")


def fit_message(text: str, limit: int = MAX_MESSAGE) -> str:
    """``text`` (Telegram HTML) cut to ``limit``: whole lines first, then one line's plain text."""
    if telegram_length(text) <= limit:
        return text
    kept: list[str] = []
    for line in text.split("\n"):
        if telegram_length("\n".join([*kept, line, MORE])) > limit:
            break
        kept.append(line)
    if kept:
        return "\n".join([*kept, MORE])
    return clip_line(text.split("\n", 1)[0], limit)


def clip_line(line: str, limit: int) -> str:
    """One line of HTML cut to ``limit``: its markup dropped, its text cut and escaped again."""
    if telegram_length(line) <= limit:
        return line
    plain = html.unescape(_TAG.sub("", line))
    out: list[str] = []
    used = telegram_length(MORE)
    for char in plain:
        piece = html.escape(char, quote=False)
        size = telegram_length(piece)
        if used + size > limit:
            break
        out.append(piece)
        used += size
    return "".join(out) + MORE


def split_messages(lines: Sequence[str], limit: int = MAX_MESSAGE) -> list[str]:
    """Lines grouped into as few messages as fit ``limit`` each (a too-long line is clipped)."""
    messages: list[str] = []
    current: list[str] = []
    size = 0
    for line in lines:
        line = clip_line(line, limit)
        extra = telegram_length(line) + (1 if current else 0)
        if current and size + extra > limit:
            messages.append("\n".join(current))
            current, size, extra = [], 0, telegram_length(line)
        current.append(line)
        size += extra
    if current:
        messages.append("\n".join(current))
    return messages


@dataclass(frozen=True, slots=True)
class Page:
    number: int  # 0-based, clamped into range
    count: int  # how many pages there are (at least 1)
    start: int  # index of the first item on this page
    stop: int

    @property
    def has_previous(self) -> bool:
        return self.number > 0

    @property
    def has_next(self) -> bool:
        return self.number + 1 < self.count


def page_of(total: int, number: int, per_page: int) -> Page:
    """Page ``number`` of ``total`` items, ``per_page`` a page; a number out of range is clamped
    (a button pressed on an old message after the list shrank still shows something)."""
    count = max(1, -(-total // per_page))
    number = min(max(number, 0), count - 1)
    start = number * per_page
    return Page(number, count, start, min(total, start + per_page))
