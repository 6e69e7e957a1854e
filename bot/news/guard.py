"""The faithfulness guard: whether an LLM's answer may be posted as a story's summary.

Article text is untrusted: it may say "ignore previous instructions", carry spam, or simply
lead a model to invent. So every answer is checked before it is used, and one that fails is
discarded for the extractive summary, with the reason counted:

* ``empty`` / ``refusal``: nothing usable ("I'm sorry, I can't ...");
* ``link`` / ``markup`` / ``mention`` / ``command``: not plain text (a URL or domain, HTML or
  Markdown, an @mention, a /command, a #hashtag);
* ``too_long``: over the summary's character budget;
* ``language``: not in the language asked for (the offline detector decides);
* ``number``: a number (in digits, or a number word) that the article does not contain;
* ``name``: a name (a capitalized word inside a sentence, or an acronym) that the article
  does not contain, compared across scripts (``bot.news.translit``).

The name check skips the first word of each sentence (capitalized anyway) and is a heuristic:
it can reject a faithful answer that uses an exonym the table lacks (then the extractive
summary is posted, which is safe), and it cannot catch an invented fact made of words the
article contains.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.news.lang import detect_language
from bot.news.sentences import split_sentences
from bot.news.translit import same_name, skeleton

__all__ = ["Verdict", "check_answer", "clean_answer", "is_refusal"]

_REFUSAL = re.compile(
    r"^\W*(?:i'?m sorry|i am sorry|sorry,|i can(?:no|')t|i cannot|i am unable|i'm unable|i won'?t|"
    r"as an ai|unfortunately,? i|вибачте|на жаль,? (?:я )?не можу|я не можу|извините|"
    r"к сожалению,? (?:я )?не могу|я не могу)",
    re.IGNORECASE,
)
_URL = re.compile(r"(?:[a-z][a-z0-9+.-]*://|www\.|\bt\.me/|\btg:)", re.IGNORECASE)
_DOMAIN = re.compile(r"\b[a-z0-9][a-z0-9-]*(?:\.[a-z0-9-]+)*\.[a-z]{2,12}\b(?!\.\w)", re.IGNORECASE)
_MARKUP = re.compile(
    r"<\s*/?\s*[a-z][^>]*>|&[a-z]+;|\*\*|__|`|\[[^\]]*\]\([^)]*\)|^\s*#{1,6}\s|^\s*[-*•]\s|(?<![\w&])#\w",
    re.IGNORECASE | re.MULTILINE,
)
_MENTION = re.compile(r"(?<![\w@])@[A-Za-z0-9_]{3,}")
_COMMAND = re.compile(r"(?<![\w/])/[A-Za-z][A-Za-z0-9_]*")
_NUMBER = re.compile(r"\d+(?:[ \u00a0\u202f]\d{3})+(?!\d)|\d+(?:[.,]\d+)*")
_WORD = re.compile(r"[^\W\d_][\w'’ʼ-]*")
_SPACES = re.compile(r"\s+")

# Number words (stems) and their values; "one" is left out: it is as often a pronoun.
_NUMBER_WORDS: tuple[tuple[int, tuple[str, ...]], ...] = (
    (2, ("two", "два", "дві", "двох", "двом", "двома", "двух")),
    (3, ("three", "три", "трьох", "трьом", "трьома", "трех", "трём", "тремя")),
    (4, ("four", "чотир", "четыр")), (5, ("five", "п'ят", "пять", "пяти")), (6, ("six", "шіст", "шест")),
    (7, ("seven", "сім", "сема", "семь", "семи")), (8, ("eight", "вісім", "вісьм", "восем", "восьм")),
    (9, ("nine", "дев'ят", "девят")),
    (10, ("ten", "десят")), (11, ("eleven", "одинадцят", "одиннадцат")), (12, ("twelve", "дванадцят", "двенадцат")),
    (15, ("fifteen", "п'ятнадцят", "пятнадцат")), (20, ("twenty", "двадцят", "двадцат")),
    (30, ("thirty", "тридцят", "тридцат")), (40, ("forty", "сорок")), (50, ("fifty", "п'ятдесят", "пятьдесят")),
    (100, ("hundred", "сто", "сотн")), (1000, ("thousand", "тисяч", "тысяч")),
    (1_000_000, ("million", "мільйон", "миллион")),
)
_EXACT_NUMBER_WORDS = {"сто", "сім", "ten", "two", "три", "два", "дві", "six"}  # no endings allowed
_NOT_NUMBER_WORDS = ("п'ятниц", "пятниц")  # Friday
# Longest stem first: "п'ятнадцят" (15) before "п'ят" (5).
_STEMS = sorted(((stem, value) for value, stems in _NUMBER_WORDS for stem in stems), key=lambda p: -len(p[0]))


@dataclass(frozen=True, slots=True)
class Verdict:
    ok: bool
    reason: str = ""  # why not, one of the names in the module docstring
    detail: str = ""  # the offending piece, for the log


def clean_answer(text: str) -> str:
    """The answer as we would post it: whitespace collapsed, wrapping quotes removed."""
    text = _SPACES.sub(" ", text).strip()
    if len(text) >= 2 and text[0] in "\"«“'" and text[-1] in "\"»”'":
        text = text[1:-1].strip()
    return text


def is_refusal(text: str) -> bool:
    return bool(_REFUSAL.match(text))


def check_answer(answer: str, *, article: str, language: str, max_chars: int) -> Verdict:
    """Whether ``answer`` (already ``clean_answer``-ed) may be posted as the summary of
    ``article`` (its title and text) in ``language`` ("" : any)."""
    if not answer:
        return Verdict(False, "empty")
    if is_refusal(answer):
        return Verdict(False, "refusal", answer[:80])
    for reason, pattern in (("link", _URL), ("link", _DOMAIN), ("markup", _MARKUP),
                            ("mention", _MENTION), ("command", _COMMAND)):
        if found := pattern.search(answer):
            return Verdict(False, reason, found.group(0))
    if len(answer) > max_chars:
        return Verdict(False, "too_long", f"{len(answer)} > {max_chars} characters")
    if language:
        detected = detect_language(answer)
        if detected and detected != language:
            return Verdict(False, "language", f"{detected}, asked {language}")
    known_numbers = _numbers(article) | _word_numbers(article)
    for number in _answer_numbers(answer):
        if number not in known_numbers:
            return Verdict(False, "number", number)
    vocabulary = _vocabulary(article)
    for name in _names(answer, language):
        if not _known_name(name, vocabulary):
            return Verdict(False, "name", name)
    return Verdict(True)


def _numbers(text: str) -> set[str]:
    """Every number in ``text``, whole ("1 000" → "1000", "3,5" → "35") and by its parts."""
    found: set[str] = set()
    for match in _NUMBER.finditer(text):
        raw = match.group(0)
        found.add(_digits(raw))
        found.update(_digits(part) for part in re.split(r"[.,\s\u00a0\u202f]", raw) if part)
    return found


def _digits(raw: str) -> str:
    return re.sub(r"\D", "", raw).lstrip("0") or "0"


def _word_numbers(text: str) -> set[str]:
    found: set[str] = set()
    for word in _WORD.findall(text):
        value = _word_value(word)
        if value is not None:
            found.add(str(value))
    return found


def _word_value(word: str) -> int | None:
    lowered = word.casefold().replace("’", "'").replace("ʼ", "'")
    if lowered.startswith(_NOT_NUMBER_WORDS):
        return None
    for stem, value in _STEMS:
        if lowered == stem or (stem not in _EXACT_NUMBER_WORDS and len(stem) >= 4 and lowered.startswith(stem)):
            return value
    return None


def _answer_numbers(answer: str) -> list[str]:
    """The numbers an answer states: every one in digits (whole), and every number word."""
    numbers = [_digits(match.group(0)) for match in _NUMBER.finditer(answer)]
    numbers += [str(value) for word in _WORD.findall(answer) if (value := _word_value(word)) is not None]
    return numbers


def _vocabulary(article: str) -> dict[str, list[str]]:
    """The article's words, grouped by the first two letters of their skeleton."""
    groups: dict[str, list[str]] = {}
    for word in set(_WORD.findall(article)):
        groups.setdefault(skeleton(word)[:2], []).append(word)
    return groups


def _known_name(name: str, vocabulary: dict[str, list[str]]) -> bool:
    candidates = vocabulary.get(skeleton(name)[:2], [])
    if any(same_name(name, word) for word in candidates):
        return True
    # Exonyms ("Росія" for "Russia", "понеділок" for "Monday") start differently.
    return any(same_name(name, word) for words in vocabulary.values() for word in words)


def _names(answer: str, language: str) -> list[str]:
    """Capitalized words inside sentences, and acronyms anywhere: what is likely a name."""
    names: list[str] = []
    for sentence in split_sentences(answer, language):
        words = _WORD.findall(sentence)
        for position, word in enumerate(words):
            acronym = len(word) >= 2 and word.isupper()
            if acronym or (position > 0 and len(word) >= 2 and word[0].isupper()):
                names.append(word)
    return names
