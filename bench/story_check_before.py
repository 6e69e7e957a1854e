"""The document-frequency cache of ``storage.stories`` as it was before per-entry expiry, kept
to time it beside the new one (``bench_story_check_cache.py``).

Until then ``StoryRepo`` held one dict for all counts and dropped it whole every
``DF_CACHE_SECONDS`` (and when it held more than ``DF_CACHE_TERMS``): the check after a drop
read every one of its terms again.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from storage.stories import DF_CACHE_SECONDS, DF_CACHE_TERMS, StoryRepo


class DropAllStoryRepo(StoryRepo):
    """``StoryRepo`` with the old cache (reads only: the benchmark adds nothing while timing)."""

    def __init__(self, db: object, *, clock: Callable[[], float]) -> None:
        super().__init__(db, clock=clock)  # type: ignore[arg-type]
        self._clock = clock
        self._old: dict[str, int] = {}
        self._old_since = clock()

    async def document_frequencies(self, terms: Iterable[str]) -> tuple[dict[str, int], int]:
        if self._clock() - self._old_since > DF_CACHE_SECONDS or len(self._old) > DF_CACHE_TERMS:
            self._old.clear()
            self._old_since = self._clock()
        wanted = list(dict.fromkeys(("", *terms)))
        cache = self._old
        missing = [t for t in wanted if t not in cache]
        if missing:
            found = {r[0]: int(r[1]) for r in await self._db.fetchall(*self._df_query(missing))}
            for term in missing:
                cache[term] = found.get(term, 0)
        return {t: df for t in wanted[1:] if (df := cache.get(t, 0))}, cache.get("", 0)
