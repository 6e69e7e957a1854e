"""Lengths as Telegram counts them: UTF-16 code units (an emoji or any character beyond U+FFFF
is two), the unit of its message, caption and rich-message limits and of entity offsets.

``len()`` counts code points, so a text full of emoji measured with it can be twice over a
limit it seems to meet; these helpers count and cut in Telegram's unit, never inside a
surrogate pair.
"""

from __future__ import annotations

__all__ = ["cut_units", "utf16_len"]


def utf16_len(text: str) -> int:
    """``text``'s length in UTF-16 code units (a lone surrogate counts one, as it would be sent)."""
    if text.isascii():
        return len(text)
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def cut_units(text: str, units: int) -> str:
    """The longest start of ``text`` that is at most ``units`` UTF-16 code units long."""
    if units <= 0:
        return ""
    if utf16_len(text) <= units:
        return text
    used = 0
    for index, char in enumerate(text):
        used += 2 if ord(char) > 0xFFFF else 1
        if used > units:
            return text[:index]
    return text
