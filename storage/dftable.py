"""Every document frequency of ``term_df`` in memory, as a sorted array of term hashes and counts.

A same-story check needs the counts of about 230 terms; read from the table they cost ~1 ms a
check at 100,000 stories (about 100 rows missed by any cache: the phrases are mostly new). Held
here, a check's lookup is one ``searchsorted`` of its terms' hashes: some 30 µs.

A term is held by its 64-bit ``hash()`` (this process's own: the table is built in the process
that reads it), 8 bytes, and its count, 4, sorted by hash, with a directory of where each of
2**20 hash prefixes starts, so a lookup reads one bucket of ~3.4 hashes instead of binary
searching 3.55 million (22 reads, most of them cache misses once the check's other work has
evicted the arrays: 210 µs a check against ~50). At 100,000 stories: 42.6 MB of terms and
counts and 4.2 MB of directory, where a dict of the strings would take ~400 MB. Two stored terms with one hash are seen at load
and read from the table instead (``ambiguous``); a term no profile holds whose hash equals a
stored term's would get that term's count (or, counted later, add to it), a chance of
3.55e6 / 2**64 = 2e-13 a term.

Terms first counted after the load go to a dict (``_extra``), merged into the arrays once it
holds ``MERGE_AT`` of them (one pass over the arrays, ~30 ms at 3.55 million).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from itertools import islice

import numpy as np

MERGE_AT = 65_536  # terms added since the load kept in a dict before they join the arrays
BUILD_CHUNK = 65_536  # rows hashed at a time while loading


class DfTable:
    """term -> number of stored profiles holding it (0 for a term none holds)."""

    def __init__(self, hashes: np.ndarray, counts: np.ndarray, ambiguous: frozenset[int] = frozenset()) -> None:
        self._hashes = hashes  # uint64, sorted, distinct
        self._counts = counts  # int32, beside each hash
        self._starts = _directory(hashes)
        self._extra: dict[int, int] = {}
        self.ambiguous = ambiguous  # hashes of more than one stored term: read those from the table

    @classmethod
    def build(cls, rows: Iterable[tuple[str, int]]) -> DfTable:
        """The table of ``term_df`` rows (term, df), in any order."""
        parts_h: list[np.ndarray] = []
        parts_c: list[np.ndarray] = []
        rows = iter(rows)
        while chunk := list(islice(rows, BUILD_CHUNK)):  # a chunk at a time: no list of millions of ints
            parts_h.append(_keys([hash(term) for term, _ in chunk]))
            parts_c.append(np.array([int(df) for _, df in chunk], dtype=np.int32))
        h = np.concatenate(parts_h) if parts_h else np.zeros(0, dtype=np.uint64)
        c = np.concatenate(parts_c) if parts_c else np.zeros(0, dtype=np.int32)
        del parts_h, parts_c
        order = np.argsort(h, kind="stable")
        h, c = h[order], c[order]
        del order
        if len(h) > 1 and (same := h[1:] == h[:-1]).any():
            ambiguous = frozenset(_signed(int(x)) for x in h[1:][same])
            keep = np.concatenate(([True], ~same))
            h, c = h[keep], c[keep]
        else:
            ambiguous = frozenset()
        return cls(h, c, ambiguous)

    def __len__(self) -> int:
        return len(self._hashes) + len(self._extra)

    @property
    def nbytes(self) -> int:
        """The memory the arrays take (the dict of recent terms: ~100 bytes a term more)."""
        return int(self._hashes.nbytes + self._counts.nbytes + self._starts.nbytes)

    def counts(self, terms: Sequence[str]) -> list[int] | None:
        """Each term's count, in order; None when one of them must be read from the table."""
        hashes = [hash(t) for t in terms]
        if self.ambiguous and not self.ambiguous.isdisjoint(hashes):
            return None
        found = self._find(_keys(hashes))
        out = np.where(found >= 0, self._counts[np.maximum(found, 0)], 0).tolist() if len(self._counts) else [0] * len(hashes)
        if self._extra:
            extra = self._extra
            for i, key in enumerate(hashes):
                if found[i] < 0 and key in extra:
                    out[i] = extra[key]
        return out

    def apply(self, deltas: Mapping[str, int]) -> None:
        """Profiles added or removed changed these terms' counts by these amounts; as in the
        table, a count never goes below 0."""
        if not deltas:
            return
        terms = list(deltas)
        hashes = [hash(t) for t in terms]
        found = self._find(_keys(hashes))
        counts, extra = self._counts, self._extra
        for i, term in enumerate(terms):
            delta = deltas[term]
            if found[i] >= 0:
                counts[found[i]] = max(0, int(counts[found[i]]) + delta)
            else:
                extra[hashes[i]] = max(0, extra.get(hashes[i], 0) + delta)
        if len(extra) >= MERGE_AT:
            self._merge()

    def _find(self, keys: np.ndarray) -> np.ndarray:
        """Each key's index in the arrays, -1 where it is not there: its bucket's few hashes
        (``BUCKET_BITS``) compared all at once, a read or two of memory a key."""
        bucket = (keys >> _SHIFT).astype(np.intp)
        lo, sizes = self._starts[bucket], self._starts[bucket + 1] - self._starts[bucket]
        total = int(sizes.sum())
        found = np.full(len(keys), -1, dtype=np.int64)
        if not total:
            return found
        owner = np.repeat(np.arange(len(keys)), sizes)
        offsets = np.arange(total) - np.repeat(np.cumsum(sizes) - sizes, sizes)
        at = np.repeat(lo, sizes) + offsets
        hit = self._hashes[at] == keys[owner]
        found[owner[hit]] = at[hit]
        return found

    def _merge(self) -> None:
        keys = np.array(sorted(_keys(list(self._extra)).tolist()), dtype=np.uint64)
        values = np.array([self._extra[_signed(int(k))] for k in keys], dtype=np.int32)
        at = np.searchsorted(self._hashes, keys)
        self._hashes = np.insert(self._hashes, at, keys)
        self._counts = np.insert(self._counts, at, values)
        self._starts = _directory(self._hashes)
        self._extra = {}


BUCKET_BITS = 20  # the directory: where each of 2**20 hash prefixes starts (4 MB; ~3.4 terms a bucket)
_SHIFT = np.uint64(64 - BUCKET_BITS)


def _keys(hashes: list[int]) -> np.ndarray:
    """``hash()`` values (signed) as the unsigned keys the arrays hold."""
    return np.array(hashes, dtype=np.int64).view(np.uint64)


def _signed(key: int) -> int:
    return key - (1 << 64) if key >= 1 << 63 else key


def _directory(hashes: np.ndarray) -> np.ndarray:
    """Where each bucket's hashes start in ``hashes`` (sorted), and where the last ends."""
    sizes = np.bincount((hashes >> _SHIFT).astype(np.intp), minlength=1 << BUCKET_BITS)
    return np.concatenate(([0], np.cumsum(sizes))).astype(np.int32)
