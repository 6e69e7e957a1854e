"""Stored story vectors kept decoded between same-story checks (``bot.storyflow.find_story``).

A check scores the vectors of 20 stored profiles, and decoding each one's JSON (orjson, ~200
weights in five dicts) was a fifth of its cost. Some profiles are candidates again and again
(those keyed by stems many stories share): on the 100,000-story bench 43% of the candidates of
2,000 checks had been a candidate of one of the 4,096 most recently used before. So the decoded
form is kept, by profile id, with the text it was decoded from: a profile is used again only
while its stored text is the very same string (compared whole), so a corrected profile, or one
another replica rewrote, is decoded afresh, and an answer never differs from decoding each time.

Bounded to ``capacity`` profiles, the least recently used dropped first (about 19 KB each with
its text at these sizes: 4,096 hold ~75 MB).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Generic, TypeVar

T = TypeVar("T")


class DecodedCache(Generic[T]):
    """profile id -> (stored text, its decoded form), least recently used dropped first."""

    def __init__(self, capacity: int) -> None:
        self._capacity = capacity
        self._entries: dict[int, tuple[str, T]] = {}

    def __len__(self) -> int:
        return len(self._entries)

    def decoded(self, profile_id: int, text: str, decode: Callable[[str], T]) -> T:
        """``decode(text)``, or what it gave last time for this profile's very same text."""
        entries = self._entries
        held = entries.pop(profile_id, None)  # popped and put back: now the most recently used
        if held is not None and held[0] == text:
            entries[profile_id] = held
            return held[1]
        value = decode(text)
        if len(entries) >= self._capacity and entries:
            del entries[next(iter(entries))]  # the least recently used
        entries[profile_id] = (text, value)
        return value

    def clear(self) -> None:
        self._entries.clear()
