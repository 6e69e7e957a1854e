"""Openings that lean on what came before, and the ones a summary can mend.

A sentence opening with a pure discourse connective ("But Britt McHenry, a sports reporter for
ESPN, has been suspended …", "However, the council voted …", "Але уряд вирішив …", "Однако
суд …") leans on the sentence before it only through that word: the rest tells its own fact.
When the sentence it leans on is not in the summary (a teaser lead given away, a caption
skipped), ``drop_connective`` returns the sentence without the word, capitalized, so the
summary can show it instead of skipping a told fact. It refuses when the rest still leans:
it opens with a pronoun or a pointing word ("But he …", "And this …"), or uses a personal
pronoun before it names anyone ("However prosecutors insisted he had failed …": who is "he"?).

Connectives that carry meaning the rest needs ("So", "Then", "Instead", "Therefore", "Also"
after a list, "Тому", "Поэтому") are not dropped: without them the sentence says something else
or reads as a non sequitur.
"""

from __future__ import annotations

import re

__all__ = ["answers_question", "definite_reference", "drop_connective", "is_teaser", "pronoun_before_name"]

# Connectives whose loss leaves the claim as it was: contrast or addition, not cause or order.
_DROPPABLE = frozenset(
    """
    but and however yet meanwhile moreover furthermore nevertheless nonetheless still
    але однак проте втім а і й та
    но однако впрочем а и
    """.split()
)
_OPENERS = frozenset("so well так ну отже итак".split())  # a first sentence's way in
_OPENING_RE = re.compile(r"^([^\W\d_]+)(,?)\s+(?=\S)")
# Words that still point back when they open the rest (the same list as a leaning opening,
# bot.news.summary_units, kept here as the few that can follow a connective).
_STILL_LEANING = frozenset(
    """
    he she they it its his her their them him this that these those there such both also then so
    він вона вони воно його її їх це цей ця ці цього там також тому тоді
    он она они оно его ее её их это этот эта эти этого там также поэтому тогда
    """.split()
)
_PERSONAL = frozenset(
    "he she they him her his their them він вона вони його її їх їхній он она они его ее её их".split()
)
_IMPERSONAL = frozenset("it its воно оно".split())
_WORD_RE = re.compile(r"[^\W\d_][\w'’-]*")
_TEASER_CLOSERS = "\"'»”’)"
# "The magazine …", "The new rules …": a definite noun phrase opening a sentence (English: Russian
# and Ukrainian have no article; their pointing "Этот журнал", "Цей закон" is a leaning word).
_DEFINITE_RE = re.compile(r"^[\"'“‘]?The ([a-z][a-z-]+)(?: ([a-z][a-z-]+))?\b")


def drop_connective(text: str, *, first: bool = False) -> str | None:
    """``text`` without its opening connective ("But X did Y." → "X did Y."), or None when it
    does not open with a droppable one or the rest still leans on what came before. A text's
    ``first`` sentence may also drop a "So" or "Well" (a writer's way in: "So Alexa Posny, the
    assistant secretary, is leaving …"), which later in a text says "therefore"."""
    match = _OPENING_RE.match(text)
    word = match.group(1).casefold() if match else ""
    if not word or (word not in _DROPPABLE and not (first and word in _OPENERS)):
        return None
    rest = text[match.end() :]
    words = _WORD_RE.findall(rest)
    if len(words) < 4 or words[0].casefold() in _STILL_LEANING or words[0].casefold() in _DROPPABLE:
        return None
    for position, word in enumerate(words):
        if word.casefold() in _PERSONAL:
            return None  # "he" before any name: the name it stands for was in the skipped sentence
        if position and word[:1].isupper():
            break  # a name came first: a later "he" is that name
    return rest[:1].upper() + rest[1:]


# Adjectives a definite noun phrase opens with, the noun coming next ("The new rules").
_ADJECTIVES = frozenset(
    "new former same latest other young old first second third last final local british american"
    " whole entire two three four five".split()
)


_NAMED_RE = re.compile(r"\s+[A-Z]")


def definite_reference(text: str) -> str:
    """The noun of a definite noun phrase opening ``text`` ("The magazine said …" → "magazine",
    "The new rules …" → "rules"), "" if it opens otherwise. A summary asks whether the sentence
    before, if it skipped it, introduced that noun: then "the magazine" is one the reader never met."""
    match = _DEFINITE_RE.match(text)
    if not match:
        return ""
    first, second = match.groups()
    if _NAMED_RE.match(text, match.end(1)):
        return ""  # "The superstorm Sandy …", "The rapper Drake …": the name says which
    return second if first in _ADJECTIVES and second else first


def pronoun_before_name(text: str) -> bool:
    """True when a personal pronoun comes before any name in ``text`` ("As he sat in Herod's
    prison …", "Well, it was given a fair chance and the British automaker …"): a sentence that
    cannot lead, since what the pronoun stands for is not in it."""
    for position, word in enumerate(_WORD_RE.findall(text)):
        if word.casefold() in _PERSONAL or word.casefold() in _IMPERSONAL:
            return True
        if position and word[:1].isupper():
            return False
    return False


# What a sentence answering a question says of it: "… to answer that question", "… might be forgiven
# for thinking so", "Unless we're …" (it goes on with the question), "Це питання …".
_ANSWERS_RE = re.compile(
    r"\b(?:that|this|the|your|my|such a) question\b|\b(?:think|thinking|thought|believe|say|guess|hope)s? so\b"
    r"|^(?:unless|if|because|although|though|while|since|whereas|except|or)\b"
    r"|\b(?:этот|на этот|такой) вопрос|\b(?:це|на це|таке) питання|^(?:если|хотя|потому|якщо|хоча|бо)\b",
    re.IGNORECASE,
)


def answers_question(text: str) -> bool:
    """True for a sentence that leans on a question before it: it names the question ("to answer
    that question"), agrees with it ("thinking so") or goes on with it ("Unless …")."""
    return bool(_ANSWERS_RE.search(text))


TEASER_WORDS = 20  # a longer sentence ending in "?" tells something, often a quoted title's question


def is_teaser(text: str) -> bool:
    """True for a short lead that asks instead of telling ("Think it's hard to redeem your
    miles?"), not a sentence ending with a title's question mark ("Mike Volpe apologized for
    the post in an update to it now called Is Newsjacking Hurricane Sandy Right or Wrong?")."""
    return text.rstrip(_TEASER_CLOSERS).endswith("?") and len(text.split()) <= TEASER_WORDS
