"""Names as the Bot API server cleans them before Telegram sees them (TDLib's ``clean_name``).

createForumTopic's ``name`` goes to TDLib unchecked by the Bot API server
(telegram-bot-api ``Client::process_create_forum_topic_query``), and TDLib's
``ForumTopicManager::create_forum_topic`` runs ``clean_name(title, MAX_FORUM_TOPIC_TITLE_LENGTH
= 128)`` on it (td/telegram/misc.cpp). That function:

1. replaces the "empty" space characters (U+1680, U+180E, U+2000-U+200A, U+202F, U+205F,
   U+2800, U+3000, U+FFFC; U+202E only when asked, never for titles) and the tag characters
   U+E0000-U+E007F (4-byte sequences F3 A0 80/81 ..) by a plain space;
2. trims, keeps the first 128 *code points* (``utf8_truncate``: wherever that falls, even
   inside a flag or an emoji sequence), trims again;
3. returns "" if nothing but spaces, newlines, U+200B-U+200F, U+202E, U+FEFF and U+00A0 is left;
4. folds every run of spaces, newlines and no-break spaces into one space, and trims.

An empty result is refused with TDLib's "Title must be non-empty", which the Bot API server
sends as "Bad Request: title must be non-empty" (its ``fail_query_with_error`` lower-cases the
first letter). A longer name is never refused: it is cut silently.
"""

from __future__ import annotations

import re

__all__ = ["TITLE_EMPTY", "clean_name"]

TITLE_EMPTY = "Bad Request: title must be non-empty"

_SPACES = frozenset("\u1680\u180e\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a"
                    "\u202f\u205f\u2800\u3000\ufffc")
_EMPTY = frozenset(" \n\u200b\u200c\u200d\u200e\u200f\u202e\ufeff\u00a0")
_TRIM = " \t\r\n\v\f\0"  # td::trim strips what td::is_space calls a space
_RUNS = re.compile("[ \n\u00a0]+")


def _is_space_like(ch: str) -> bool:
    return ch in _SPACES or 0xE0000 <= ord(ch) <= 0xE007F


def clean_name(text: str, max_length: int) -> str:
    """``text`` as TDLib's ``clean_name(text, max_length)`` leaves it ("" when nothing is left)."""
    spaced = "".join(" " if _is_space_like(ch) else ch for ch in text)
    cut = spaced.strip(_TRIM)[:max_length].strip(_TRIM)
    if all(ch in _EMPTY for ch in cut):
        return ""
    return _RUNS.sub(" ", cut).strip(_TRIM)
