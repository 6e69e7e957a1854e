"""Keyword filters of a subscription: which stories a chat wants from a feed."""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import cached_property

from bot.news.textsearch import stem_terms

_WORD = re.compile(r"\w+", re.UNICODE)


class StoryText:
    """A story's words two ways: as typed (for prefixes) and as search stems (for inflections)."""

    def __init__(self, text: str) -> None:
        self._text = text

    @cached_property
    def words(self) -> str:
        return " " + " ".join(_WORD.findall(self._text.lower().replace("ё", "е"))) + " "

    @cached_property
    def stems(self) -> str:
        return " " + " ".join(stem_terms(self._text)) + " "

    def has(self, keyword: str) -> bool:
        """"war" matches "wars" (word start) and "elections" matches "election" (same stem),
        but "war" does not match "software"; a phrase must appear in order."""
        needle = " ".join(_WORD.findall(keyword.lower().replace("ё", "е")))
        if needle and f" {needle}" in self.words:
            return True
        stems = " ".join(stem_terms(keyword))
        return bool(stems) and f" {stems} " in self.stems


def matches(include: Iterable[str], exclude: Iterable[str], *texts: str | StoryText) -> bool:
    """True if any include keyword (or no include rule) and no exclude keyword is in the texts.

    Pass a prepared ``StoryText`` when checking one story against many subscriptions.
    """
    include = [k for k in include if k.strip()]
    exclude = [k for k in exclude if k.strip()]
    if not include and not exclude:
        return True
    if len(texts) == 1 and isinstance(texts[0], StoryText):
        story = texts[0]
    else:
        story = StoryText(" ".join(str(t) for t in texts))
    if include and not any(story.has(k) for k in include):
        return False
    return not any(story.has(k) for k in exclude)
