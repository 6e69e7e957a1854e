"""Openings that lean on what came before, and the ones a summary can mend.

``leans`` tells a sentence that opens pointing back ("But …", "He …", "This …", "In addition,
…", "Це …", "Однако …"; not "This week …", a time), ``opens_with_pronoun`` one whose pointer
is a personal pronoun (a text's first sentence may use one for the headline's subject), and
``leans_back`` a paragraph that cannot open a story.

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

__all__ = [
    "answers_question", "definite_reference", "drop_connective", "is_teaser", "leans", "leans_back",
    "opens_with_pronoun", "pronoun_before_name",
]

# Words that make a sentence lean on the one before it ("But …", "He …", "Це …").
_LEANING_WORDS = frozenset(
    """
    but also however he she they this that these those it its his her their them him
    and so yet still meanwhile moreover furthermore instead then there such both
    nevertheless nonetheless besides otherwise hence thus therefore
    але однак проте втім він вона вони воно це цей ця ці цього його її їх їхній тому також
    ще теж тоді там отже зате і й та а
    но однако он она они оно это этот эта эти этого его ее её их поэтому также тоже
    тогда там итак зато впрочем и а
    """.split()
)
# Personal pronouns: the text's very first sentence may use one for the headline's subject.
_PRONOUNS = frozenset(
    "he she they it his her their its him them він вона вони воно його її їх он она они оно его ее её их".split()
)
# Openings that point back though their first word does not ("In addition, …", "Крім того").
_LEANING_PHRASES = (
    "in addition,", "as a result", "for example", "for instance", "on the other hand",
    "at the same time", "because of that", "because of this", "despite this", "despite that",
    "after that", "even so", "in that case", "in other words", "крім того", "через це",
    "при цьому", "до того ж", "водночас", "кроме того", "из-за этого", "при этом",
    "в то же время", "тем не менее", "к тому же",
    "rather,", "натомість", "вместо этого",  # "Rather, the temptation arises …" (not "Rather than …")
)
# "This week …", "Цього року …", "Этим летом …": a time, not a pointer to the sentence before.
_THIS_TIME = tuple(
    f"this {when}"  # "That year …" does point back: to a year told before
    for when in "week year month morning afternoon evening weekend summer spring autumn fall winter season".split()
) + tuple(
    "цього тижня,цього року,цього місяця,цієї весни,цього літа,цієї осені,цієї зими,цього ранку,"
    "этим летом,этой весной,этой осенью,этой зимой,этим утром,этим вечером".split(",")
)
# Openings that continue a story already begun ("In addition to the three fatalities, …").
# Not leaning for a summary's first sentence, which may continue the headline.
_CONTINUING_PHRASES = ("in addition to ", "на додачу до ", "в дополнение к ")
_FIRST_WORD_RE = re.compile(r"^[\"'«„“‘(\[—–-]*\s*([^\W\d_]+)")

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
    if len(words) < 4 or leans(rest):
        return None  # "But he …", "And this …", "But also …": the rest still points back
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


def leans_back(text: str) -> bool:
    """True when ``text`` opens with a word or phrase that points back to something before it
    ("But …", "This comes after …", "In addition to …", "Однако …"): it cannot be the first
    paragraph of a story. A personal pronoun does not count: a story may open "It was the shot
    heard round the world" or "He was 88 when …", naming its subject later or in the headline."""
    if text[:40].casefold().startswith(_CONTINUING_PHRASES):
        return True
    return leans(text) and not opens_with_pronoun(text)


def leans(text: str) -> bool:
    """True when the unit opens with a word that points back to the sentence before ("This
    week …", "Цього року …" name a time, not something said before)."""
    match = _FIRST_WORD_RE.match(text)
    if not match:
        return False
    head = text[match.start(1) : match.start(1) + 40].casefold()  # the longest opening phrase is shorter
    if head.startswith(_THIS_TIME):
        return False
    return match.group(1).casefold() in _LEANING_WORDS or head.startswith(_LEANING_PHRASES)


def opens_with_pronoun(text: str) -> bool:
    """True when the unit opens with a personal pronoun ("He …", "Вона …")."""
    match = _FIRST_WORD_RE.match(text)
    return bool(match) and match.group(1).casefold() in _PRONOUNS
