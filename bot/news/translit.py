"""Comparing names across scripts: "Коваленко" and "Kovalenko", "Каховського" and "Kakhovka".

The faithfulness guard checks that the names in an LLM's answer appear in the article, and a
translation writes them in another script. ``latin`` transliterates Ukrainian and Russian
Cyrillic to Latin (Ukraine's official 2010 table, Russian letters added); ``skeleton`` then
folds the spellings transliterations disagree on (kh/h/g, ye/ie/e, y/i/j, double letters), and
``same_name`` compares two words by their common stem, so Ukrainian and Russian case endings
match. Exonyms that no transliteration links (Russia/Росія, Moscow/Москва, weekdays, months)
come from a short table. Small on purpose: the search index has its own transliteration.
"""

from __future__ import annotations

import re

__all__ = ["latin", "same_name", "skeleton"]

_CYRILLIC_TO_LATIN = {
    "а": "a", "б": "b", "в": "v", "г": "h", "ґ": "g", "д": "d", "е": "e", "є": "ie", "ж": "zh",
    "з": "z", "и": "y", "і": "i", "ї": "i", "й": "i", "к": "k", "л": "l", "м": "m", "н": "n",
    "о": "o", "п": "p", "р": "r", "с": "s", "т": "t", "у": "u", "ф": "f", "х": "kh", "ц": "ts",
    "ч": "ch", "ш": "sh", "щ": "shch", "ь": "", "ю": "iu", "я": "ia", "'": "", "’": "", "ʼ": "",
    "ы": "y", "э": "e", "ё": "e", "ъ": "",
}
# Applied in order: spellings that different transliterations (and English) use for one sound.
_FOLDS = (
    ("shch", "sc"), ("kh", "h"), ("ch", "c"), ("sh", "s"), ("zh", "z"), ("ts", "c"), ("ph", "f"),
    ("ck", "k"), ("ye", "e"), ("ie", "e"), ("je", "e"), ("yu", "u"), ("iu", "u"), ("ju", "u"),
    ("ya", "a"), ("ia", "a"), ("ja", "a"), ("g", "h"), ("x", "ks"), ("q", "k"), ("w", "v"),
    ("y", "i"), ("j", "i"), ("z", "s"),
)
_DOUBLE = re.compile(r"(.)\1+")
_NOT_LETTER = re.compile(r"[^a-z0-9]")

# Names no transliteration links, as stems in English, Ukrainian and Russian (lower case).
_EXONYMS: tuple[tuple[str, ...], ...] = (
    ("ukrain", "україн", "украин"), ("russia", "росі", "росс", "рф"), ("moscow", "москв"),
    ("kyiv", "kiev", "київ", "києв", "киев"), ("lviv", "львів", "львов"),
    ("kharkiv", "харків", "харков", "харьков"), ("odes", "одес"), ("dnipro", "dniepr", "дніпр", "днепр"),
    ("poland", "polish", "польщ", "польськ", "польш", "польск"), ("german", "німеч", "німець", "герман", "немец"),
    ("franc", "french", "франц"), ("europ", "європ", "европ"), ("eu", "єс", "ес", "євросоюз", "евросоюз"),
    ("usa", "us", "united states", "сша", "америк", "american"), ("nato", "нато"), ("un", "оон"),
    ("britain", "british", "uk", "британ"), ("china", "chinese", "китай"), ("crimea", "крим", "крым"),
    ("belarus", "білорус", "беларус"),
    ("monday", "понеділ", "понедельн"), ("tuesday", "вівтор", "вторник"), ("wednesday", "серед", "сред"),
    ("thursday", "четвер", "четверг"), ("friday", "п'ятниц", "пятниц"), ("saturday", "субот"),
    ("sunday", "неділ", "воскресен"),
    ("january", "січн", "январ"), ("february", "лют", "феврал"), ("march", "берез", "март"),
    ("april", "квіт", "апрел"), ("may", "трав", "мая", "май"), ("june", "червн", "июн"),
    ("july", "липн", "июл"), ("august", "серпн", "август"), ("september", "верес", "сентябр"),
    ("october", "жовтн", "октябр"), ("november", "листопад", "ноябр"), ("december", "груд", "декабр"),
)
# Short stems ("us", "un", "uk", "ес") must be the whole word; longer ones may take endings.
_WHOLE_WORD = 3


def latin(word: str) -> str:
    """``word`` in lower-case Latin letters (Cyrillic transliterated, apostrophes dropped)."""
    return "".join(_CYRILLIC_TO_LATIN.get(ch, ch) for ch in word.casefold())


def skeleton(word: str) -> str:
    """A spelling-neutral key of ``word``: Latin, folded spellings, no doubled letters."""
    key = _NOT_LETTER.sub("", latin(word))
    for old, new in _FOLDS:
        key = key.replace(old, new)
    return _DOUBLE.sub(r"\1", key)


def _exonym(word: str) -> int | None:
    lowered = word.casefold().replace("’", "'").replace("ʼ", "'")
    for index, stems in enumerate(_EXONYMS):
        for stem in stems:
            if lowered == stem or (len(stem) >= _WHOLE_WORD and lowered.startswith(stem)):
                return index
    return None


def same_name(a: str, b: str) -> bool:
    """Whether two words are plausibly the same name, in any script and grammatical case.

    Same stem: the skeletons share a prefix of at least 4 letters that leaves at most 3
    letters of the shorter one (endings such as -ого, -ій, -а), or are equal when short.
    """
    ka, kb = skeleton(a), skeleton(b)
    if not ka or not kb:
        return False
    if ka == kb:
        return True
    shorter = min(len(ka), len(kb))
    common = 0
    for x, y in zip(ka, kb):
        if x != y:
            break
        common += 1
    if common >= 4 and common >= shorter - 3:
        return True
    group = _exonym(a)
    return group is not None and group == _exonym(b)
