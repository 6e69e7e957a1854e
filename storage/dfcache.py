"""The in-memory cache of document frequencies same-story detection reads (``storage.stories``).

Each count is kept until its own expiry, at most ``ttl`` seconds after it was read, and the
counts read longest ago go first when more than ``capacity`` are held: a count in use is read
again within ``ttl``, so that is least recently used at the grain of ``ttl`` (once the cache
holds more than a ``ttl`` of reads, what goes has expired anyway), without reordering on every
hit (a check has ~130 of them; moving each cost 50 µs a check). Before, the whole
cache was dropped every five minutes, so the next check read all of its ~230 terms again
instead of the ~100 it usually misses (p99.9 of the check at 100,000 stories); and a cache
past its size was dropped whole too.

Counts read together (by one check) expire at different times: each term's life is between
three quarters and all of ``ttl``, by a hash of the term, so one lookup never finds them all
stale at once. (Half to all was tried first: counts then live shorter on average, and a check
read 86 terms at the median against the old cache's 81, 0.3 s apart in
``bench/bench_story_check_cache.py``.) The hash is the term's own, not random, so tests (with an injected clock) know which
terms expire when.
"""

from __future__ import annotations

import zlib
from collections import OrderedDict
from collections.abc import Callable, Iterable


def lifetime(term: str, ttl: float) -> float:
    """How long ``term``'s count is kept after it was read: between ``0.75 * ttl`` and ``ttl``."""
    return ttl * (0.75 + 0.25 * (zlib.crc32(term.encode("utf-8", "surrogatepass")) / 0xFFFFFFFF))


class DfCache:
    """term -> document frequency (0 for a term no profile holds), bounded, expiring per entry."""

    def __init__(self, *, ttl: float, capacity: int, clock: Callable[[], float]) -> None:
        self._ttl = ttl
        self._capacity = capacity
        self._clock = clock
        self._entries: OrderedDict[str, tuple[int, float]] = OrderedDict()  # term -> (df, expires at)

    def __len__(self) -> int:
        return len(self._entries)

    def __contains__(self, term: object) -> bool:
        return term in self._entries

    def lookup(self, terms: Iterable[str]) -> tuple[dict[str, int], list[str]]:
        """The counts held and fresh for ``terms``, and the terms to read (missing or expired)."""
        now = self._clock()
        entries = self._entries
        found: dict[str, int] = {}
        wanted: list[str] = []
        for term in terms:
            entry = entries.get(term)
            if entry is None or entry[1] <= now:
                wanted.append(term)
            else:
                found[term] = entry[0]
        return found, wanted

    def store(self, counts: dict[str, int]) -> None:
        """Counts just read from the table (each term's expiry starts now)."""
        now = self._clock()
        entries = self._entries
        for term, df in counts.items():
            if term in entries:
                entries.move_to_end(term)
            entries[term] = (df, now + lifetime(term, self._ttl))
        while len(entries) > self._capacity:
            entries.popitem(last=False)

    def add(self, terms: Iterable[str], delta: int) -> None:
        """This process changed the counts of ``terms`` by ``delta``: keep the cached ones exact
        (terms not cached are read when asked for; a count never goes below 0)."""
        entries = self._entries
        for term in terms:
            entry = entries.get(term)
            if entry is not None:
                entries[term] = (max(0, entry[0] + delta), entry[1])

    def clear(self) -> None:
        self._entries.clear()
