"""The in-memory cache of document frequencies same-story detection reads (``storage.stories``).

The counts are split by a hash of the term into ``SHARDS`` parts, and the parts are dropped one
at a time, in turn, one every ``ttl / SHARDS`` seconds: each part, so each count, is dropped
``ttl`` after the last time that part was, so no count is kept longer than ``ttl``, and a check
finds at most one part newly gone (about 230 / 64 of its terms) to read again. A part past its
share of ``capacity`` is dropped early (only that part).

Before, the whole cache was dropped every five minutes, so the next check read all of its ~230
terms again instead of the ~100 it usually misses (p99.9 of the check at 100,000 stories). A
count's own expiry time was tried first and dropped: the time kept with each count, and an
ordered dict to evict from, cost 0.3 ms a check instead of 0.05, and its resizes 25-60 ms
once in a while.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

SHARDS = 64  # a power of two


class DfCache:
    """term -> document frequency (0 for a term no profile holds), bounded, dropped part by part."""

    def __init__(self, *, ttl: float, capacity: int, clock: Callable[[], float]) -> None:
        self._step = ttl / SHARDS
        self._per_shard = max(1, capacity // SHARDS)
        self._clock = clock
        self._shards: list[dict[str, int]] = [{} for _ in range(SHARDS)]
        self._next = 0  # the part dropped next...
        self._due = clock() + self._step  # ...at this time

    def __len__(self) -> int:
        return sum(map(len, self._shards))

    @staticmethod
    def shard(term: str) -> int:
        """Which part ``term``'s count is kept in."""
        return hash(term) & (SHARDS - 1)

    def lookup(self, terms: Iterable[str]) -> tuple[dict[str, int], list[str]]:
        """The counts held for ``terms``, and the terms to read (not held)."""
        self._expire()
        shards = self._shards
        found: dict[str, int] = {}
        wanted: list[str] = []
        for term in terms:
            df = shards[hash(term) & (SHARDS - 1)].get(term)
            if df is None:
                wanted.append(term)
            else:
                found[term] = df
        return found, wanted

    def store(self, counts: dict[str, int]) -> None:
        """Counts just read from the table."""
        shards, limit = self._shards, self._per_shard
        for term, df in counts.items():
            shard = shards[hash(term) & (SHARDS - 1)]
            if len(shard) >= limit and term not in shard:
                shard.clear()  # this part only
            shard[term] = df

    def add(self, terms: Iterable[str], delta: int) -> None:
        """This process changed the counts of ``terms`` by ``delta``: keep the cached ones exact
        (terms not cached are read when asked for; a count never goes below 0)."""
        shards = self._shards
        for term in terms:
            shard = shards[hash(term) & (SHARDS - 1)]
            df = shard.get(term)
            if df is not None:
                shard[term] = max(0, df + delta)

    def clear(self) -> None:
        for shard in self._shards:
            shard.clear()

    def _expire(self) -> None:
        now = self._clock()
        if now < self._due:
            return
        if now - self._due >= self._step * SHARDS:  # a whole turn passed unasked: all are old
            self.clear()
            self._due = now + self._step
            return
        while now >= self._due:
            self._shards[self._next].clear()
            self._next = (self._next + 1) & (SHARDS - 1)
            self._due += self._step
