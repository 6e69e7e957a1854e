"""Normalized stems for SQLite FTS5 search over English, Ukrainian and Russian news.

FTS5's own tokenizers do not stem Cyrillic, so "Путіна", "Путину" and "Путина" would be three
different words. We store stems instead of raw text: documents go through ``index_terms`` into
the FTS5 columns, user words through ``query_groups`` into the stems storage quotes into a
MATCH expression (``storage.fulltext``), and both use the same normalization so they always meet.

Normalization, word by word (chosen by script, not by the document's language, because a
query's language is unknown and must still meet the document's stems):

* lower case; combining accents dropped (stress marks in "Пути́на");
* apostrophes: an English possessive goes ("Putin's" → "putin"), any other apostrophe joins
  its word ("п'ять" → "пять", "don't" → "dont");
* Cyrillic: Ukrainian letters fold to their Russian counterparts (і/ї → и, є → е, ґ → г) and
  ё → е, then the Russian Snowball stemmer (there is no Ukrainian one); in the stem ь and ъ
  are dropped, ы → и and э → е. The two languages share most roots, so this also unifies
  "України"/"Украины", "Зеленського"/"Зеленского", "вибори"/"выборы";
* other letters: the English Snowball stemmer; numbers as they are;
* small stop-word lists (en/uk/ru) are dropped.

A stem is made only of letters and digits, which the ``unicode61 remove_diacritics 2``
tokenizer of the FTS5 table keeps whole (it may still fold "й" to "и", identically on both
sides).
"""

from __future__ import annotations

import re
import threading
import unicodedata
from functools import lru_cache

import snowballstemmer

__all__ = [
    "MAX_QUERY_TERMS", "STOP_WORDS", "index_terms", "normalized_stem", "query_groups", "query_words",
    "stem_terms",
]

MAX_QUERY_TERMS = 32  # bounds the cost of one MATCH; a headline has far fewer

_APOSTROPHES_RE = re.compile("[’ʼ‘`´ʹ]")  # re.sub is ~10x faster here than str.translate
_WORD_RE = re.compile(r"[^\W_]+(?:'[^\W_]+)*")
# Combining diacritical marks (the blocks in use for Latin and Cyrillic text).
_COMBINING_RE = re.compile("[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]")
_CYRILLIC_RE = re.compile(r"[\u0400-\u04ff]")
_LATIN_POSSESSIVE_RE = re.compile(r"'s$")
_UK_TO_RU = str.maketrans({"і": "и", "ї": "и", "є": "е", "ґ": "г", "ё": "е"})
_STEM_FOLD = str.maketrans({"ь": None, "ъ": None, "ы": "и", "э": "е"})
_HARD_CONSONANTS = frozenset("бвгджзклмнпрстфхцчшщ")
_VOWELS_AND_SIGNS = "аеиоуыэюяйь"

STOP_WORDS: frozenset[str] = frozenset(
    # English
    """
    a an the and or but nor if then than so as at by for from in into of off on onto out over
    to up with without about after before under between through during against among is are
    was were be been being am do does did doing have has had having it its this that these
    those there here he she they we you i me him her them my your his their our what which
    who whom whose when where why how not no yes all any both each few more most other some
    such only own same too very can will just should would could may might must shall also
    said says say
    """
    # Ukrainian (already folded: і→и, є→е, ї→и)
    """
    и й та або але а в у на з зи из до по про для вид пид над при за через що щоб як це ця
    цей ци цього цих той та те ти ми ви вин вона воно вони його ии йому им ним нього ний був
    була було були бути е не ни так також вже ще лише тилки навить коли де чи бо то же ж ось
    тут там який яка яке яки якщо свий своя свои заявив сказав
    """
    # Russian (already folded: ё→е)
    """
    и в во не что он на я с со как а то все она так его но да ты к у же вы за бы по только ее
    мне было вот от меня еще нет о из ему теперь когда даже ну вдруг ли если уже или ни быть
    был него до вас нибудь опять уж вам ведь там потом себя ничего ей может они тут где есть
    надо ней для мы тебя их чем была сам чтоб без будто чего раз тоже себе под будет ж тогда
    кто этот того потому этого какой совсем ним здесь этом один почти мой тем чтобы нее сейчас
    были куда зачем всех никогда можно при наконец два об другой хоть после над больше тот
    через эти нас про всего них какая много разве три эту моя впрочем хорошо свою этой перед
    иногда лучше чуть том нельзя такой им более всегда конечно всю между это также заявил
    сказал
    """.split()
)

_stemmers = threading.local()  # Snowball stemmer objects keep state: one per thread


def stem_terms(text: str, language: str = "") -> list[str]:
    """Return the normalized stems of the words of ``text`` in order, stop words dropped.

    ``language`` is accepted for a uniform core API and ignored: the stemmer is picked per word
    by its script, so a query of unknown language still meets the document's stems.
    """
    del language
    return [stem for word in _words(text) if (stem := _normalized_stem(word))]


def index_terms(text: str, language: str = "") -> str:
    """Return ``text`` as space-separated stems, to store in an FTS5 column."""
    return " ".join(stem_terms(text, language))


def query_groups(words: str) -> list[tuple[str, ...]]:
    """For each distinct query word (stop words dropped, at most ``MAX_QUERY_TERMS``), the
    stems it may appear under in stored documents. The search repository quotes and joins
    them (``storage.fulltext.plan_parts``), weighing rare words against common ones."""
    groups = list(dict.fromkeys(filter(None, map(_query_variants, _words(words)))))
    return groups[:MAX_QUERY_TERMS]


def query_words(words: str) -> list[tuple[str, tuple[str, ...]]]:
    """Each distinct query word (lower case) with the stems it may appear under, stop words
    dropped, at most ``MAX_QUERY_TERMS``: for callers that add keys of their own to a word's
    group (``bot.news.namekeys``)."""
    pairs = [(word, _query_variants(word)) for word in dict.fromkeys(_words(words))]
    return [(word, variants) for word, variants in pairs if variants][:MAX_QUERY_TERMS]


@lru_cache(maxsize=16384)
def _query_variants(word: str) -> tuple[str, ...]:
    """The stems a query word may appear under in documents (empty for a stop word).

    Snowball's Russian stemmer cuts some forms too far ("визит" → "виз", "визите" → "виз",
    "Киев" → "ки") while others keep more ("визита" → "визит"). So a Cyrillic word also
    stands for its stem stemmed again, and for the stem of the genitive built on its
    consonant base ("визите" → "визит" + "а" → "визит").
    """
    stem = _normalized_stem(word)
    if not stem or not _CYRILLIC_RE.search(word):
        return (stem,) if stem else ()
    russian = _stemmer("russian")
    folded = _fold_cyrillic(word)
    variants = [stem, _fold_stem(russian.stemWord(russian.stemWord(folded)))]
    base = folded.rstrip(_VOWELS_AND_SIGNS)
    if base and base[-1] in _HARD_CONSONANTS:
        variants.append(_fold_stem(russian.stemWord(base + "а")))
    return tuple(variant for variant in dict.fromkeys(variants) if variant)


def _words(text: str) -> list[str]:
    """Lower-case words of ``text``, accents and apostrophes handled (see module docstring)."""
    text = _APOSTROPHES_RE.sub("'", text).lower()
    if not text.isascii():
        text = _strip_combining_marks(text)
    return _WORD_RE.findall(text)


def _strip_combining_marks(text: str) -> str:
    """Drop accents that are not part of a precomposed letter ("и́" → "и", "й" stays)."""
    if not unicodedata.is_normalized("NFC", text):
        text = unicodedata.normalize("NFC", text)
    return _COMBINING_RE.sub("", text)


@lru_cache(maxsize=65536)
def _normalized_stem(word: str) -> str:
    """Stem one lower-case word ("" for a stop word); cached, news vocabulary repeats a lot."""
    if _CYRILLIC_RE.search(word):
        folded = _fold_cyrillic(word)
        if folded in STOP_WORDS:
            return ""
        return _fold_stem(_stemmer("russian").stemWord(folded))
    word = _LATIN_POSSESSIVE_RE.sub("", word).replace("'", "")
    if word in STOP_WORDS:
        return ""
    if word.isdigit():
        return word
    return _stemmer("english").stemWord(word)


def normalized_stem(word: str) -> str:
    """The index stem of one word, as ``stem_terms`` makes it ("" for a stop word)."""
    words = _words(word)
    return _normalized_stem(words[0]) if words else ""


def _fold_cyrillic(word: str) -> str:
    """Ukrainian letters as their Russian counterparts, "ё" as "е", apostrophes dropped."""
    return word.replace("'", "").translate(_UK_TO_RU)


def _fold_stem(stem: str) -> str:
    """``stem`` without the spelling differences of Ukrainian and Russian.

    So "зеленськ" and "зеленск", "вибор" and "выбор", "обект" and "объект" meet.
    """
    return stem.translate(_STEM_FOLD)


def _stemmer(language: str) -> snowballstemmer.stemmer:
    """This thread's Snowball stemmer for ``language``."""
    stemmer = getattr(_stemmers, language, None)
    if stemmer is None:
        stemmer = snowballstemmer.stemmer(language)
        setattr(_stemmers, language, stemmer)
    return stemmer
