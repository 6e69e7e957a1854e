"""Split news text into sentences (English, Ukrainian, Russian), without dependencies.

The summarizer picks whole sentences, so a wrong split shows up in a post as a summary cut
after "Mr." or "т.д.". A full tokenizer (punkt, razdel) would need models and a dependency;
news prose is regular enough for a rule set: a sentence ends at ``.``, ``!``, ``?`` or ``…``
(plus closing quotes and brackets), followed by whitespace and something that can start a
sentence (a capital letter or a digit, possibly behind an opening quote, bracket or dash),
unless the word before the period is an abbreviation or an initial. A blank line always ends
a sentence.

The abbreviation tables of the three languages are written in different scripts and do not
collide, so they are always all active: mixed-language text and text of unknown language
split the same way.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

__all__ = ["iter_sentences", "split_lines", "split_paragraphs", "split_sentences"]

# A terminator run ("." "?!" "..." "…") and the closing quotes/brackets glued to it, before
# whitespace. Periods inside "3.5", "24.02.2022" or "bbc.com" have no whitespace after them and
# are never candidates.
_BOUNDARY_RE = re.compile(r"[.!?…]+[\"'»”“’)\]]*(?=\s)")
_PARAGRAPH_RE = re.compile(r"\n[ \t\r\f\v]*\n\s*")
_CLOSERS = "\"'»”“’)]"
_LINE_ENDS = tuple(".!?…:;") + tuple(_CLOSERS)
_TOKEN_STRIP = "\"'«„“‘([»”’)],;:"
# The next sentence's first word, behind whitespace, opening quotes, brackets and dashes
# (a dash may stand alone: "— Ми готові, — сказав він.").
_NEXT_WORD_RE = re.compile(r"[\s\"'«„“‘(\[—–-]*(\S*)")

# Abbreviations followed by a name or a number, never ending a sentence ("Mr. Smith",
# "e.g. Paris", "вул. Хрещатик", "им. Пушкина").
_NEVER_END = frozenset(
    """
    mr mrs ms dr prof st gen sen rep gov lt col capt sgt maj cmdr adm rev hon pres supt
    vs cf viz approx fig figs vol pp ch art sec dept est nos
    e.g i.e a.k.a et.al
    им ім ул вул пл просп пр пров бул наб ген проф акад доц св гр тов пан пані
    см див напр рис табл стор гл разд розд пп т.е т.к т.н т.ч т.зв т.с обл
    """.split()
)
# Abbreviations that often end a sentence ("... and so on, etc.", "... 5 млн.", "XIX ст.");
# they end one only before a capital letter: "5 млн. гривень" goes on, "etc. The" stops; so do
# month abbreviations ("on Nov. 15, 2019" goes on, "since Nov. The" stops).
_MAY_END = frozenset(
    """
    etc no a.m p.m
    jan feb mar apr jun jul aug sep sept oct nov dec
    т.д т.п т.ін т.др и.т.д і.т.д ін др
    ст кв ч грн млн млрд трлн тис тыс руб коп дол долл км кг га мин мес
    """.split()
)
# "р."/"г." after a number is a year. "у 2022 р. Росія почала" goes on, "у 2022 р. Тоді" does
# not: the sentence ends only before a word that commonly starts one. Elsewhere "г."/"м." is a
# town or street ("г. Москва") and never ends a sentence. When unsure we do not split: two
# sentences kept together still read whole, a sentence cut in two does not.
_YEAR_UNITS = frozenset("р рр г гг".split())
_CYRILLIC_STARTERS = frozenset(
    """
    тоді тогда це это цей этот ця эта ці эти тут там в у на з із с за до по при після после
    як как але но однако проте та и і а також также крім кроме вже уже ще еще коли когда
    якщо если згодом позже потім потом зараз сейчас наразі нині ныне отже итак водночас
    он она они він вона вони ми мы його его їх их нагадаємо напомним відтоді
    """.split()
)
# Usually followed by a capitalized name ("U.S. President Joe Biden", "Apple Inc. CEO Tim
# Cook"): they end a sentence only before a word that commonly starts one ("... in the U.S.
# The company ...").
_BEFORE_NAMES = frozenset("u.s u.k u.n e.u u.s.a d.c inc ltd corp co plc llc jr sr bros".split())
_SENTENCE_STARTERS = frozenset(
    """
    the a an it its he she they we i you his her their our this that these those there here
    but and so yet however meanwhile in on at for after before when while if as since
    """.split()
)
_INITIALS_RE = re.compile(r"^(?:[^\W\d_]\.){0,3}[^\W\d_]$")
_LOOKBEHIND = 80  # characters searched for the two words before a period: keeps splitting linear


def split_sentences(text: str, language: str = "") -> list[str]:
    """Return the sentences of ``text`` in order, each stripped and with whitespace collapsed.

    Every word of ``text`` ends up in exactly one sentence, in its original order: joining the
    result with spaces gives ``text`` with its whitespace collapsed. ``language`` (ISO 639-1) is
    accepted for a uniform core API; the rules for en/uk/ru are always active together (see the
    module docstring).
    """
    del language  # the rule tables are script-disjoint; see the module docstring
    sentences: list[str] = []
    for paragraph in split_paragraphs(text):
        sentences.extend(_split_paragraph(paragraph))
    return sentences


def split_paragraphs(text: str) -> list[str]:
    """Return the non-blank paragraphs of ``text`` (separated by blank lines), stripped.

    ``split_sentences(text)`` equals the concatenation of ``split_sentences(p)`` over these,
    so callers that need paragraph positions can split in two steps and stay consistent.
    """
    return [stripped for paragraph in _PARAGRAPH_RE.split(text) if (stripped := paragraph.strip())]


def split_lines(text: str) -> list[str]:
    """Return the non-blank lines of ``text``, stripped, with a soft-wrapped line rejoined.

    Extracted text puts a heading, a subtitle or a caption on a line of its own, often with
    no blank line around it, so for a summary every line is a paragraph. The exception is a
    line that starts in lower case after a line with no closing punctuation: that is one
    paragraph wrapped in two ("Second\nline of it"), and the two are joined with a space.
    """
    lines: list[str] = []
    for raw in text.splitlines():
        line = " ".join(raw.split())
        if not line:
            continue
        if lines and line[0].islower() and not lines[-1].endswith(_LINE_ENDS):
            lines[-1] = f"{lines[-1]} {line}"
        else:
            lines.append(line)
    return lines


def iter_sentences(paragraph: str) -> Iterator[str]:
    """``split_sentences`` of one paragraph, one sentence at a time (a summary of the lead
    need not split the rest of a long paragraph)."""
    start = 0
    for match in _BOUNDARY_RE.finditer(paragraph):
        if _is_boundary(paragraph, match.start(), match.group()):
            if cleaned := " ".join(paragraph[start : match.end()].split()):
                yield cleaned
            start = match.end()
    if cleaned := " ".join(paragraph[start:].split()):
        yield cleaned


def _split_paragraph(paragraph: str) -> list[str]:
    """Split one paragraph (no blank lines inside) at every real sentence boundary."""
    return list(iter_sentences(paragraph))


def _is_boundary(text: str, term_start: int, terminator: str) -> bool:
    """Decide whether the terminator run starting at ``term_start`` ends a sentence."""
    next_word = _NEXT_WORD_RE.match(text, term_start + len(terminator)).group(1)
    if not next_word or not (next_word[0].isupper() or next_word[0].isdigit()):
        return False  # lower case goes on: "«Так!» — сказав він", "5 млн. гривень"
    if terminator != ".":
        return True  # "?!", "…", or a closing quote/bracket after the period
    words = text[max(0, term_start - _LOOKBEHIND) : term_start].rsplit(None, 2)
    if not words or text[term_start - 1].isspace():
        return True
    token = words[-1].strip(_TOKEN_STRIP)
    before = words[-2] if len(words) > 1 else ""
    return bool(token) and _period_ends_sentence(token, before, next_word)


def _period_ends_sentence(token: str, before: str, next_word: str) -> bool:
    """Whether a period glued to ``token`` ends the sentence; ``before`` is the word before."""
    key = token.lower()
    spaced = _spaced_abbreviation(before, key)  # "т. е." is "т.е"
    for candidate in (spaced, key) if spaced else (key,):
        if candidate in _NEVER_END:
            return False
        if candidate in _MAY_END:
            return next_word[0].isupper()
        if candidate in _BEFORE_NAMES:
            return next_word.strip(_TOKEN_STRIP + ".!?").lower() in _SENTENCE_STARTERS
    if key in _YEAR_UNITS:
        after_number = any(char.isdigit() for char in before)
        return after_number and next_word.strip(_TOKEN_STRIP).lower() in _CYRILLIC_STARTERS
    if _INITIALS_RE.match(token) and token.isupper():
        return False  # "J. K. Rowling", "В. Зеленський", "В.В. Путин"
    if len(token) == 1 and token.isalpha() and token.islower():
        return False  # "с. Мощун", "м. Київ", "p. 5": one-letter abbreviations
    return True


def _spaced_abbreviation(before: str, key: str) -> str:
    """Join "т." and "е" into "т.е" when the word before is a one- or two-letter abbreviation."""
    head = before.strip(_TOKEN_STRIP)
    if head.endswith(".") and 1 <= len(head) - 1 <= 2 and head[:-1].isalpha():
        return f"{head[:-1].lower()}.{key}"
    return ""
