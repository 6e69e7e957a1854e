"""Untrusted text made valid before it is stored or sent.

Feeds and pages are written by anyone: JSON allows lone surrogates ("\\ud800"), XML parsers
let some control characters through, and a NUL or a surrogate makes SQLite's UTF-8 encoding
(or Telegram's JSON) fail, which once stalled a feed forever. ``valid_text`` keeps every real
character and drops or replaces only what no reader can see and no encoder takes.
"""

from __future__ import annotations

import dataclasses
import re
from html.parser import HTMLParser
from typing import Any, TypeVar

from bot.news.utf16 import utf16_len

_T = TypeVar("_T")

# C0 controls except tab, newline and carriage return; DEL; C1 controls; lone surrogates;
# the two noncharacters U+FFFE/U+FFFF.
_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufffe\uffff]")
_SURROGATE = re.compile("[\ud800-\udfff]")


def valid_text(text: str) -> str:
    """``text`` with control characters removed and lone surrogates replaced by U+FFFD.

    Pairs of surrogates that Python kept apart (from a JSON "\\ud83d\\ude00") are joined into the
    character they spell first, so an emoji written that way survives.
    """
    if text.isascii():
        return _INVALID.sub("", text) if _INVALID.search(text) else text
    if _SURROGATE.search(text):
        text = text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
        text = _SURROGATE.sub("\ufffd", text)
    return _INVALID.sub("", text)


def clip(text: str, limit: int, *, ellipsis: str = "…") -> str:
    """``text`` cut to at most ``limit`` characters, at a word boundary when one is near."""
    if len(text) <= limit:
        return text
    cut = text[: max(limit - len(ellipsis), 0)]
    space = cut.rfind(" ", max(len(cut) - 40, 0))
    return (cut[:space] if space > 0 else cut).rstrip() + ellipsis


def valid_fields(value: _T) -> _T:
    """A copy of a dataclass with ``valid_text`` applied to every string it holds (also
    inside tuples and lists), for records built from feed and page text."""
    changes = {}
    for field in dataclasses.fields(value):  # type: ignore[arg-type]
        current = getattr(value, field.name)
        cleaned = _clean(current)
        if cleaned is not current:
            changes[field.name] = cleaned
    return dataclasses.replace(value, **changes) if changes else value  # type: ignore[type-var]


def _clean(value: Any) -> Any:
    if isinstance(value, str):
        cleaned = valid_text(value)
        return value if cleaned == value else cleaned
    if isinstance(value, tuple | list):
        items = [_clean(item) for item in value]
        if all(a is b for a, b in zip(items, value, strict=True)):
            return value
        return type(value)(items)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return valid_fields(value)
    return value


class _PlainText(HTMLParser):
    """Telegram HTML to what a reader would see, each link's address after its words."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._href: list[str | None] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            self._href.append(dict(attrs).get("href"))
        elif tag == "br":
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag == "a" and self._href:
            href = self._href.pop()
            if href and href.startswith(("http://", "https://")):
                self.parts.append(f" ({href})")

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def plain_fallback(html_text: str, limit: int = 4096) -> str:
    """A safe plain-text form of a post Telegram refused (too long, or markup it could not
    parse): tags dropped, entities decoded, link addresses kept, clipped to ``limit`` UTF-16
    code units (Telegram's measure), never empty."""
    parser = _PlainText()
    try:
        parser.feed(html_text)
        parser.close()
        text = "".join(parser.parts)
    except Exception:  # noqa: BLE001 - the parser is lenient; this is the last safety net
        text = re.sub(r"<[^>]*>", "", html_text)
    text = valid_text(re.sub(r"\n{3,}", "\n\n", text)).strip() or "(empty message)"
    if utf16_len(text) <= limit:
        return text
    lo, hi = 0, len(text)
    while lo < hi:  # the longest clip that fits, ellipsis included
        mid = (lo + hi + 1) // 2
        if utf16_len(clip(text, mid)) <= limit:
            lo = mid
        else:
            hi = mid - 1
    return clip(text, lo)

