"""Which stories come first in a list: the ones more outlets carried, unless they are old.

A story reported by three outlets matters more than one reported by one, but not a day later.
``hot_score`` weighs the number of sources by the story's age, halving every ``HALF_LIFE``:
a three-source story six hours old (1.5) ranks above a one-source story just out (1.0), and a
day-old one (0.19) below it. Pure: plain values in, an order out (``/latest`` uses it).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import TypeVar

__all__ = ["HALF_LIFE", "hot_score", "rank_by_sources_and_recency"]

HALF_LIFE = timedelta(hours=6)

T = TypeVar("T")


def hot_score(sources: int, age: timedelta, *, half_life: timedelta = HALF_LIFE) -> float:
    """``sources`` halved for every ``half_life`` of ``age`` (a story from the future counts as new)."""
    return max(1, sources) * 0.5 ** (max(age, timedelta(0)) / half_life)


def rank_by_sources_and_recency(
    items: Sequence[T], *, now: datetime, sources: Callable[[T], int], when: Callable[[T], datetime],
    half_life: timedelta = HALF_LIFE,
) -> list[T]:
    """``items`` best first by ``hot_score``; equal scores keep the newer first."""
    return sorted(items, key=lambda item: (-hot_score(sources(item), now - when(item), half_life=half_life),
                                           -when(item).timestamp()))
