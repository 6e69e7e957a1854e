"""A forum topic's name as Telegram takes it: 1-128 characters, cut where a reader sees a cut.

The Bot API's createForumTopic says "1-128 characters"; the Bot API server (TDLib) counts them
in Unicode code points (``MAX_FORUM_TOPIC_TITLE_LENGTH = 128`` applied by ``clean_name`` ->
``utf8_truncate``, "in Unicode characters"), not in UTF-16 units as message lengths are, and
it cuts a longer name itself, anywhere. Cut here first, at 128 code points or fewer, never
inside what shows as one character: a flag (two regional indicators), an emoji sequence
joined by ZWJ or with a skin tone or variation selector, a letter and its combining marks.
Python strings hold code points, so a surrogate pair is never split.
"""

from __future__ import annotations

import unicodedata

__all__ = ["MAX_TOPIC_NAME", "cut_at_character", "topic_name"]

MAX_TOPIC_NAME = 128  # code points (see the module)
_ZWJ = "\u200d"


def _continues(ch: str) -> bool:
    """Whether ``ch`` belongs to the character before it (it cannot start a cut-off piece)."""
    code = ord(ch)
    return (
        unicodedata.category(ch) in ("Mn", "Me", "Mc")  # combining marks
        or ch == _ZWJ
        or 0xFE00 <= code <= 0xFE0F or 0xE0100 <= code <= 0xE01EF  # variation selectors
        or 0x1F3FB <= code <= 0x1F3FF  # emoji skin tones
        or 0xE0020 <= code <= 0xE007F  # tags (subdivision flags)
    )


def _regional(ch: str) -> bool:
    return 0x1F1E6 <= ord(ch) <= 0x1F1FF


def cut_at_character(text: str, limit: int) -> str:
    """At most ``limit`` code points of ``text``, ending where a whole character ends."""
    if len(text) <= limit:
        return text
    end = limit
    while end > 0 and (_continues(text[end]) or text[end - 1] == _ZWJ):
        end -= 1
    # Flags pair regional indicators from the left: an odd run before the cut ends in half a flag.
    run = 0
    while run < end and _regional(text[end - 1 - run]):
        run += 1
    if run % 2 == 1 and _regional(text[end]):
        end -= 1
    return text[:end]


def topic_name(text: str) -> str:
    """The name to create a topic with: trimmed, at most MAX_TOPIC_NAME code points."""
    return cut_at_character(text.strip(), MAX_TOPIC_NAME).strip()
