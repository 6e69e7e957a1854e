"""Near-duplicate detection: the same story reached through two sources or two URLs.

``fingerprint`` is a 64-bit SimHash (Charikar) over overlapping three-word shingles of the
text. Texts that share most of their shingles get fingerprints that differ in few bits, so
"same story?" becomes ``hamming(a, b) <= max_distance`` on two integers stored with the
article.

Normalization: lower case, punctuation and whitespace ignored, apostrophes dropped inside
words, "ё" read as "е"; letters of every script are kept (Ukrainian "і", "ї", "є", "ґ"
included). Paragraphs shorter than ``MIN_PARAGRAPH_WORDS`` words are left out when longer ones
exist: captions, credits, "Read also" and "Subscribe" lines, "This article was originally
published by our partner agency." are where two copies of a story differ, and they say
nothing about the story. (Dropping a short real paragraph from both copies costs nothing.)

Tuning (``NEAR_DUPLICATE_DISTANCE``), measured on en/uk/ru news of 150-500 words over 100
hash seeds: different boilerplate or whitespace gives distance 0; a dateline added a median
of 3; one paragraph added, inserted or removed a median of 4-7, 91-97% at 10 or less;
independently written stories on the same topic and day were never closer than 20 (median
32, as for unrelated text); two rewrites of one press release sit around 20 and are not
caught. Hence 10. The classic threshold of 3 misses about three in four one-paragraph edits.

Finding candidates: ``fingerprint_bands`` splits a fingerprint into four 16-bit bands for
indexed lookups; that finds every pair within distance 3 (the boilerplate cases) but only
some of those at 4-10, so compare with the recent articles as well (a day or two of
fingerprints is a few thousand integers: ``hamming`` on all of them takes milliseconds).

Values are stored in SQLite INTEGER columns, which are signed 64-bit: ``fingerprint`` returns
the signed reading of the 64 bits (``to_signed64``); ``to_unsigned64`` gives the bits back.
The hash is BLAKE2b, identical in every process (Python's ``hash()`` is salted per process).
Changing anything here (shingle size, normalization, hash) changes every fingerprint: stored
ones then need recomputing.
"""

from __future__ import annotations

import hashlib
import re

from bot.news.sentences import split_paragraphs

__all__ = [
    "MIN_PARAGRAPH_WORDS",
    "NEAR_DUPLICATE_DISTANCE",
    "fingerprint",
    "fingerprint_bands",
    "hamming",
    "is_near_duplicate",
    "to_signed64",
    "to_unsigned64",
]

NEAR_DUPLICATE_DISTANCE = 10
MIN_PARAGRAPH_WORDS = 12
SHINGLE_WORDS = 3

_BITS = 64
_MASK64 = (1 << _BITS) - 1
_HASH_PERSON = b"newsbot-fp-v1"  # BLAKE2b personalization: names this scheme and version
_WORD_RE = re.compile(r"[^\W_]+")
_FOLD = str.maketrans({"'": None, "’": None, "ʼ": None, "`": None, "ё": "е"})
# _BIT_OF[b] maps every byte value to its bit b (as a byte 0 or 1), for bytes.translate.
_BIT_OF = [bytes((value >> bit) & 1 for value in range(256)) for bit in range(8)]


def fingerprint(text: str) -> int:
    """Return the 64-bit SimHash of ``text`` as a signed integer (0 for text without words).

    Two copies of a story differing in boilerplate, whitespace, case or punctuation get the
    same value; one paragraph more or less moves it by a few bits (see the module docstring).
    """
    words = _content_words(text)
    if not words:
        return 0
    count = max(1, len(words) - SHINGLE_WORDS + 1)
    digests = b"".join(
        _digest(" ".join(words[start : start + SHINGLE_WORDS])) for start in range(count)
    )
    return to_signed64(_majority_bits(digests, count))


def hamming(a: int, b: int) -> int:
    """Number of differing bits between two fingerprints (signed or unsigned readings)."""
    return ((a ^ b) & _MASK64).bit_count()


def is_near_duplicate(a: int, b: int, max_distance: int = NEAR_DUPLICATE_DISTANCE) -> bool:
    """True when fingerprints ``a`` and ``b`` are of the same story (see module docstring).

    0 is the fingerprint of a text without words and matches nothing, not even another 0.
    """
    if a == 0 or b == 0:
        return False
    return hamming(a, b) <= max_distance


def fingerprint_bands(fp: int, bands: int = 4) -> list[int]:
    """Split ``fp`` into ``bands`` equal bit ranges, lowest bits first, as unsigned integers.

    Pigeonhole: fingerprints within distance ``bands - 1`` agree on at least one band, so an
    indexed lookup ``WHERE band0 = ? OR band1 = ? ...`` finds every such pair. Pairs further
    apart (up to ``NEAR_DUPLICATE_DISTANCE``) share a band only sometimes: look them up among
    recent articles too. Each band of the default 16 bits fits any SQLite INTEGER.
    """
    if bands < 2 or _BITS % bands:
        raise ValueError(f"bands must divide 64 and be at least 2, got {bands}")
    width = _BITS // bands
    unsigned = to_unsigned64(fp)
    mask = (1 << width) - 1
    return [(unsigned >> (width * index)) & mask for index in range(bands)]


def to_signed64(value: int) -> int:
    """Read the low 64 bits of ``value`` as a signed integer, as SQLite INTEGER stores it."""
    value &= _MASK64
    return value - (1 << _BITS) if value >> (_BITS - 1) else value


def to_unsigned64(value: int) -> int:
    """Read the low 64 bits of ``value`` (e.g. a stored signed fingerprint) as unsigned."""
    return value & _MASK64


def _content_words(text: str) -> list[str]:
    """Normalized words of the paragraphs long enough to be content (all if none is)."""
    paragraphs = [_WORD_RE.findall(p.lower().translate(_FOLD)) for p in split_paragraphs(text)]
    long_enough = [words for words in paragraphs if len(words) >= MIN_PARAGRAPH_WORDS]
    return [word for words in (long_enough or paragraphs) for word in words]


def _digest(shingle: str) -> bytes:
    """8-byte BLAKE2b of a shingle: fast, and the same in every process and version."""
    return hashlib.blake2b(shingle.encode(), digest_size=8, person=_HASH_PERSON).digest()


def _majority_bits(digests: bytes, count: int) -> int:
    """SimHash vote: bit i is set when more than half of the 64-bit digests have it set.

    Counted one bit position at a time over all digests with ``bytes.translate``, so the
    work per shingle stays in C.
    """
    result = 0
    for byte_index in range(8):
        column = digests[byte_index::8]  # this byte of every digest (big-endian order)
        for bit in range(8):
            if 2 * column.translate(_BIT_OF[bit]).count(1) > count:
                result |= 1 << ((7 - byte_index) * 8 + bit)
    return result
