"""One search key for a name in Latin and Cyrillic letters: Putin/Путин/Путін,
Kyiv/Київ/Киев, Zelensky/Зеленский/Зеленський, Moscow/Москва, Kharkiv/Харьков.

Stems (``bot.news.textsearch``) unify the forms of a word within one script; they cannot make
"Putin" meet "Путин". A name key does, lossily: a Latin word is stemmed as for the index; a
Cyrillic one loses only its case ending (``_CASE_ENDING_RE``: "-ого", "-ом", "-ою", ...), not
the Russian stemmer's cut, which takes "-ів"/"-ов" for an ending and makes "Харків" and
"Харьков" "харк" but "Харкові" "харков" (while "Kharkiv" keeps its "v"). The word is then
written in Latin letters (a plain transliteration shared by Ukrainian and Russian), spelling
variants are folded (kh → h, g → h as Ukrainian writes Russian "г", c/q → k, w → v, ph → f,
x → ks, a leading "y"/"i" before a vowel dropped), then the vowels after the first letter are
dropped and doubled letters merged — transliterations disagree mostly on vowels (Kyiv and
Kiev, Zelensky and Zelenskyy, Odesa and Odessa), and Cyrillic case endings are mostly vowels.
"Putin" → "0ptn", "Київ" → "0kv", "Харкові" → "0hrkv". A few names no transliteration links
(Kremlin/Кремль, Zaporizhzhia/Запорожье) come from ``_ALIASES``.

Keys start with "0", which no stem of a word starts with, so a key never meets a stem. The
index holds the keys of capitalized words only (names: ``name_keys``), so a common word whose
skeleton happens to equal a name's ("cave" and "Kyiv") rarely meets it; a query word carries
its key when it is the query's only word, looks like a name (capitalized, and not a short key
at the start of the query) or has a long key (``query_groups``); another word's key is
offered to the caller (``query_terms``), which keeps it when the archive shows the word used
as a name (a lower-case "putin" in "putin visit": ``bot.related``).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from bot.news.textsearch import MAX_QUERY_TERMS, index_terms, normalized_stem, query_words

__all__ = ["QueryWord", "index_text", "name_key", "name_keys", "query_groups", "query_terms", "word_groups"]

_CYR_TO_LAT = {
    "а": "a", "б": "b", "в": "v", "г": "g", "ґ": "g", "д": "d", "е": "e", "є": "e", "ё": "e",
    "ж": "zh", "з": "z", "и": "i", "і": "i", "ї": "i", "й": "i", "к": "k", "л": "l", "м": "m",
    "н": "n", "о": "o", "п": "p", "р": "r", "с": "s", "т": "t", "у": "u", "ф": "f", "х": "h",
    "ц": "ts", "ч": "ch", "ш": "sh", "щ": "shch", "ъ": "", "ы": "i", "ь": "", "э": "e", "ю": "iu",
    "я": "ia", "'": "",
}  # fmt: skip
_FOLDS = (("kh", "h"), ("ph", "f"), ("ck", "k"), ("x", "ks"), ("q", "k"), ("w", "v"), ("c", "k"), ("g", "h"))
# Noun and adjective case endings of Ukrainian and Russian that hold a consonant (the vowel
# endings vanish with the vowels anyway); "-ов"/"-ів"/"-ев" are left: they end many names.
# "-им"/"-ым" only after н, в, к (Путиным, Івановим, Зеленським): "Максим" keeps its own.
_CASE_ENDING_RE = re.compile("(?:ами|ями|ими|ыми|ого|его|ому|ему|ом|ем|(?<=[нвк])(?:ым|им)|ам|ям|ах|ях|ых|их|ою|ею|ой|ей)$")
_LEADING_GLIDE_RE = re.compile("^[yji](?=[aeiou])")  # Yanukovych/Янукович, Yevhen/Євген
# Skeletons of names whose spellings no transliteration links, mapped to one of them.
_ALIASES = {"krml": "krmln", "zprzh": "zprzhzh"}  # Кремль/Kremlin, Запорожье/Zaporizhzhia
_VOWELS_RE = re.compile("[aeiouy]")
_REPEATS_RE = re.compile(r"(.)\1+")
_CYRILLIC_RE = re.compile(r"[\u0400-\u04ff]")
_NON_LETTERS_RE = re.compile(r"[^a-z]")
_WORD_RE = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)?")
_NAME_RE = re.compile(r"\b[A-ZА-ЯЁІЇЄҐ][^\W\d_]+(?:['’][^\W\d_]+)?")
PREFIX = "0"
MIN_SKELETON = 2


@lru_cache(maxsize=32768)
def name_key(word: str) -> str:
    """The cross-script key of one word ("" for a stop word, a number or too short a word)."""
    stem = normalized_stem(word)
    if not stem or stem.isdigit():
        return ""
    lowered = word.lower()
    if _CYRILLIC_RE.search(lowered):
        base = _CASE_ENDING_RE.sub("", lowered)
        skeleton = _skeleton(base if len(base) >= 3 else lowered)
    else:
        skeleton = _skeleton(stem)
        if len(skeleton) < MIN_SKELETON:
            skeleton = _skeleton(lowered)
    skeleton = _ALIASES.get(skeleton, skeleton)
    return PREFIX + skeleton if len(skeleton) >= MIN_SKELETON else ""


def _skeleton(word: str) -> str:
    latin = "".join(_CYR_TO_LAT.get(ch, ch) for ch in word) if _CYRILLIC_RE.search(word) else word
    latin = _NON_LETTERS_RE.sub("", latin.replace("’", "").replace("'", ""))
    for old, new in _FOLDS:
        latin = latin.replace(old, new)
    latin = _LEADING_GLIDE_RE.sub("", latin)
    if not latin:
        return ""
    skeleton = latin[0] + _VOWELS_RE.sub("", latin[1:])
    return _REPEATS_RE.sub(r"\1", skeleton)


def name_keys(text: str) -> list[str]:
    """Keys of the capitalized words of ``text`` (names, places), in order."""
    return [key for word in _NAME_RE.findall(text) if (key := name_key(word))]


def index_text(text: str, language: str = "") -> str:
    """What the search index stores for ``text``: its stems, then the keys of its names."""
    stems = index_terms(text, language)
    keys = " ".join(dict.fromkeys(name_keys(text)))
    return f"{stems} {keys}" if stems and keys else stems or keys


@dataclass(frozen=True)
class QueryWord:
    """One word of a query: the stems it may appear under and its cross-script key ("" if it
    has none); ``sure`` says whether the key counts on the word's looks alone (``query_groups``).
    A key that is not sure counts only when the archive shows the word is used as a name
    (``bot.related``: a lower-case "putin" in "putin visit")."""

    variants: tuple[str, ...]
    key: str
    sure: bool

    def group(self, *, with_key: bool) -> tuple[str, ...]:
        """The stems a story may hold for this word, its key among them when ``with_key``."""
        return tuple(dict.fromkeys((*self.variants, self.key))) if with_key and self.key else self.variants


def query_terms(words: str) -> list[QueryWord]:
    """Each distinct word of a query with its stems and key, at most ``MAX_QUERY_TERMS``: a
    key is sure when the word is the query's only word, looks like a name
    (``_name_like_keys``) or has a long key."""
    pairs = query_words(words)
    names = _name_like_keys(words) if len(pairs) > 1 else None
    terms = []
    for word, variants in pairs:
        key = name_key(word)
        sure = bool(key) and (names is None or key in names or len(key) - len(PREFIX) >= DISTINCTIVE_SKELETON)
        terms.append(QueryWord(variants, key, sure))
    return terms[:MAX_QUERY_TERMS]


def word_groups(terms: Sequence[QueryWord], names: frozenset[str] = frozenset()) -> list[tuple[str, ...]]:
    """The distinct stem groups of ``terms`` (``query_terms``), a word's group also holding its
    name key when the key is sure or among ``names`` (keys the caller found used as names)."""
    return list(dict.fromkeys(w.group(with_key=w.sure or w.key in names) for w in terms))[:MAX_QUERY_TERMS]


def query_groups(words: str) -> list[tuple[str, ...]]:
    """Like ``textsearch.query_groups``, a word's group also holding its name key when the key
    is sure (``query_terms``), so a query in one script finds names written in the other."""
    return word_groups(query_terms(words))


DISTINCTIVE_SKELETON = 4  # a key of this many consonants rarely meets another word's
FIRST_WORD_SKELETON = 3  # a capitalized first word ("Jury convicts woman") may be any word


def _name_like_keys(words: str) -> set[str]:
    """Keys of the words of a query of several words that look like names: capitalized, and
    the first word only if its key is not a short one (a sentence starts with a capital).

    Keys are lossy: "Wasilla Bible Church" has the keys "0vsl", "0bl", "0hrkh", and "0bl" is
    "Bill", "Bell" and "ball" too; a common word's key in a query of several words (a title
    typed in) made a basketball story match two words of three it holds none of. A one-word
    query keeps its key whatever its case (it is a name search: "путін" finds "Putin")."""
    keys = set()
    for position, word in enumerate(_WORD_RE.findall(words)):
        if not word[0].isupper():
            continue
        key = name_key(word)
        if key and (position > 0 or len(key) - len(PREFIX) >= FIRST_WORD_SKELETON):
            keys.add(key)
    return keys
