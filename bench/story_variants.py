"""Variants of the same-story score tried on the story benchmark and not shipped (see
``bench/bench_stories.py --variants``): kept so the finding can be checked again, not used by
the bot.

Each variant is a function of two stored vectors (``bot.news.stories.StoryVectors``), as cheap
as the shipped features (nothing is looked up), or a change of how the vectors are made:

* ``shared``: the smaller of the two shares of each side's name weight the other side names
  too (a write-up's protagonists are in every write-up of its event; another event of the same
  kind shares the setting but has protagonists of its own);
* ``dates``: -1 when both texts give years (19xx, 20xx) and no year is in both, else 0;
* fewer phrases a profile than 150 (100, 60, 40: each phrase is a document-frequency lookup
  of the check);
* a phrase's document frequency taken as its commoner word's (no phrase lookups at all).

Chosen by looking at the errors of half 1 (odd article numbers) only; what they do on half 0 is
in the README's figures.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping

from bot.news import stories

_YEAR_RE = re.compile(r"(?:19|20)\d\d")


def _share(a: Mapping[str, float], b: Mapping[str, float]) -> float:
    total = sum(a.values())
    return sum(w for t, w in a.items() if t in b) / total if total > 0 else 0.0


def shared(a: stories.StoryVectors, b: stories.StoryVectors) -> float:
    if not a.names or not b.names:
        return 0.0
    return min(_share(a.names, b.names), _share(b.names, a.names))


def dates(a: stories.StoryVectors, b: stories.StoryVectors) -> float:
    years_a = {n for n in a.numbers if _YEAR_RE.fullmatch(n)}
    years_b = {n for n in b.numbers if _YEAR_RE.fullmatch(n)}
    return -1.0 if years_a and years_b and not years_a & years_b else 0.0


def first_phrases(profile: stories.StoryProfile, keep: int) -> dict[str, int]:
    """The ``keep`` first of a profile's phrases (they are kept most frequent first, then first seen)."""
    return dict(list(profile.phrases.items())[:keep])


def phrase_frequencies_from_words(phrases: Mapping[str, int], df: Mapping[str, int]) -> dict[str, int]:
    """Each phrase's document frequency as its commoner word's (an upper bound, exact for a name)."""
    found: dict[str, int] = {}
    for phrase in phrases:
        first, _, second = phrase.partition(" ")
        found[phrase] = min(df.get(first, 0), df.get(second, 0))
    return found


def phrase_vector(phrases: Mapping[str, int], df: Mapping[str, int], documents: int) -> dict[str, float]:
    """Phrases weighted as ``story_vectors`` weighs them (IDF squared, the heaviest kept)."""
    return stories._unit(phrases, df, documents, 2.0, keep=stories.MAX_VECTOR)


def phrase_df(phrase_sets: list[Mapping[str, int]]) -> Counter[str]:
    counted: Counter[str] = Counter()
    for phrases in phrase_sets:
        counted.update(set(phrases))
    return counted
