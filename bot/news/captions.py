"""What Telegram counts in a caption or text, and the #tags a post may carry.

Telegram counts a caption's 0-1024 characters (a message's 1-4096) *after entities
parsing*: the text a reader sees, without the HTML markup, in UTF-16 code units
(core.telegram.org/bots/api#sendphoto, #sendmessage). ``visible_length`` counts that, so a
post whose markup is long but whose text fits still goes out as a photo with its caption.
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Iterable

from bot.news.utf16 import utf16_len

MAX_CAPTION = 1024
MAX_TAGS = 5
_TAG = re.compile(r"<[^>]*>")
_NOT_WORD = re.compile(r"[^\w]+", re.UNICODE)


def visible_length(html_text: str) -> int:
    """Length of Telegram-HTML text as Telegram counts it: tags removed, entities decoded,
    UTF-16 code units. Only for HTML we rendered ourselves (well-formed, escaped)."""
    return utf16_len(html.unescape(_TAG.sub("", html_text)))


def fits_caption(text: str, *, html: bool = True) -> bool:
    """True when ``text`` (Telegram HTML, or plain when ``html`` is False) fits a caption."""
    length = visible_length(text) if html else utf16_len(text)
    return length <= MAX_CAPTION


def hashtags(categories: Iterable[str], limit: int) -> list[str]:
    """Up to ``limit`` valid Telegram hashtags from a feed's categories.

    A hashtag is "#" and letters, digits or underscores; "World News" becomes #WorldNews,
    "covid-19" #Covid19. A category of digits only is no hashtag (Telegram does not link
    "#2026"), one longer than 32 characters is skipped, duplicates are folded.
    """
    tags: dict[str, str] = {}
    if limit <= 0:
        return []
    for category in categories:
        words = [w for w in _NOT_WORD.split(unicodedata.normalize("NFKC", category)) if w]
        if not words:
            continue
        tag = words[0] if len(words) == 1 else "".join(w[:1].upper() + w[1:] for w in words)
        tag = tag.strip("_")
        if not tag or tag.isdigit() or len(tag) > 32:
            continue
        tags.setdefault(tag.lower(), f"#{tag}")
        if len(tags) >= min(limit, MAX_TAGS):
            break
    return list(tags.values())
