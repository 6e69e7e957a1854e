"""A caption run into the sentence after it with no restart word, cut off where that sentence starts.

Text that lost its line breaks (the CNN/DailyMail copy; pages whose captions are inline text)
glues a photo caption, which has no full stop, to the story sentence after it, and a caption
often restates that very sentence in the same words: "David Cameron will say that high taxes
are 'immoral' as 14 million working households receive a tax cut David Cameron will say today
that high taxes and wasteful government spending are 'immoral' …", "Holly Leonard, who was
homeless, now has a house … to get online Holly Leonard, a homeless woman from San Francisco …".
No word marks the restart (``bot.news.runons`` looks for "The", "He", "Police" …), but the
sentence's own opening words do: where they come again in mid-sentence after a word with no
closing punctuation, and the part before says some of what the part after says (two words or
more besides the opening), a new sentence starts there and the part before it is a caption. A
name said again in a sentence that goes on ("… beat Barcelona and Real Madrid fans …", "фанати
клубу Реал Мадрид святкували …") shares no such words and is left whole.

The other seam with no restart word is a quotation: "… saluting Sherwood and Ramsey 'I think
this is the biggest game …'", "… after finishing their volunteering course 'She said
everything was great …'". A quotation that opens in mid-sentence after a word with no comma or
colon and starts like speech (a pronoun or "It's", then a word in lower case) begins a new
sentence; a quoted title or name does not start that way ("Coldplay's 'Every Teardrop Is A
Waterfall'", "the group 'Women for Hillary'", "the caption 'Who is next boys?'"). Nor does a
count of people: "… lost his case at the Court of Appeal Millions of motorists face …" (the
restart words of ``bot.news.runons`` count only after a word in lower case, and "Appeal" is a name).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

from bot.news.quotes import open_quotes
from bot.news.runons import CAPTION

__all__ = ["cut_before_speech", "cut_restated"]

MIN_HEAD = 20  # characters before the restart: a caption is a clause, not a word or two
MIN_SHARED = 2  # words of four letters or more, past the opening, that caption and sentence share
_WORD_RE = re.compile(r"[^\W\d_]+")
MIN_SPEECH_WORDS = 6  # a shorter quotation is a slogan or a title
_CLOSING_RE = re.compile(r"[’'”»\"][,.!?;:]?$")
_OPENING_RE = re.compile(r"^[\"'“‘«]?([A-ZА-ЯІЇЄҐЁ][\w'’.-]*\s+[\w'’-]+)")  # two words, no comma between
_WORD_END = re.compile(r"[\w%’'\")»”]")  # a word ending the caption: no full stop, comma or colon
# Words a sentence goes on after ("… beat Barcelona and Real Madrid fans …"): the name that
# follows one is the sentence naming its subject again, not a new sentence.
_GOES_ON = frozenset(
    """
    and or but nor of to by with for than as that the a an in on at from into over about against
    between like after before while when where who which said says told
    и а но или в на с со по для что как о об от до из за к при чем
    і й та а але або в у на з із зі по для що як про від до за к при ніж
    """.split()
)


def cut_restated(sentences: Iterable[str]) -> Iterator[str]:
    """Split a sentence where its own two opening words come again after a word with no
    punctuation that the sentence could go on from ("and", "of", "said" …); the head is marked
    as a caption (``CAPTION``) and never shown."""
    for sentence in sentences:
        while not sentence.startswith(CAPTION) and (match := _OPENING_RE.match(sentence)):
            opening = match.group(1)  # "Holly Leonard" of "Holly Leonard, who …", found again as "Holly Leonard, a …"
            at = sentence.find(" " + opening, MIN_HEAD)
            end = at + 1 + len(opening)
            if at < 0 or not _WORD_END.match(sentence[at - 1]) or (end < len(sentence) and sentence[end].isalnum()):
                break
            head, tail = sentence[:at], sentence[at + 1 :]
            if head.rsplit(None, 1)[-1].casefold() in _GOES_ON or len(_words(head) & _words(tail)) < MIN_SHARED:
                break
            yield CAPTION + head
            sentence = tail
        yield sentence


def _words(text: str) -> set[str]:
    """The longer words of ``text`` after its two opening ones, in lower case."""
    return {word.casefold() for word in _WORD_RE.findall(text)[2:] if len(word) >= 4}


# An opening quote after a word, then a speaker's first words: "'I think …", "«Мы не …», "„Це …".
_SPEECH_AFTER_WORD_RE = re.compile(
    r"(?<=[a-z0-9а-яіїєґё%)]) (?=[‘'\"“«„](?:I|I'm|I’m|I've|I’ve|I'd|I’d|We|We're|We’re|It's|It’s|He|She|They|You"
    r"|Я|Мы|Ми|Вы|Ви|Он|Она|Они|Він|Вона|Вони|Это|Це) [a-zа-яіїєґё])"
)


# "Millions of motorists …" after any word, a name too ("… lost his case at the Court of Appeal
# Millions of motorists face …"): a count of people opening a sentence, never inside one.
_COUNTS = ("Millions", "Thousands", "Hundreds", "Dozens", "Scores")
_QUOTE_OPENS_RE = re.compile(r" [‘'\"“«„](?=[A-ZА-ЯІЇЄҐЁ])")
_COUNT_RE = re.compile(r"(?<=[\w%’'\")]) (?=(?:" + "|".join(_COUNTS) + r") of [a-z])")


def cut_before_speech(sentences: Iterable[str]) -> Iterator[str]:
    """Split a sentence where a quotation of speech opens after a word with no punctuation, or a
    count of people ("Millions of motorists …") opens after any word (a caption ran into it); the
    head, at least ``MIN_HEAD`` characters, is marked as a caption."""
    for sentence in sentences:
        if sentence.startswith(CAPTION):
            yield sentence
            continue
        if any(word in sentence for word in _COUNTS) and (match := _COUNT_RE.search(sentence, MIN_HEAD)):
            yield CAPTION + sentence[: match.start()]
            sentence = sentence[match.end() :]
        if match := _speech_after_word(sentence):
            head, tail = sentence[: match.start()], sentence[match.end() :]
            if head.rsplit(None, 1)[-1].casefold() not in _GOES_ON and not _open_quote(head) and _is_long_quote(tail):
                yield CAPTION + head
                sentence = tail
        yield sentence


def _speech_after_word(sentence: str) -> re.Match[str] | None:
    """``_SPEECH_AFTER_WORD_RE`` from ``MIN_HEAD`` on, tried only where a quotation opens before
    a capital (a cheap scan first: most sentences have none)."""
    for candidate in _QUOTE_OPENS_RE.finditer(sentence, MIN_HEAD):
        if match := _SPEECH_AFTER_WORD_RE.match(sentence, candidate.start()):
            return match
    return None


def _is_long_quote(tail: str) -> bool:
    """True when the quotation opening ``tail`` runs at least ``MIN_SPEECH_WORDS`` words before it
    closes: speech, not a slogan or title ("'We are here' was painted on the walls")."""
    for count, word in enumerate(tail.split(), 1):
        if _CLOSING_RE.search(word):
            return count >= MIN_SPEECH_WORDS
    return True


def _open_quote(text: str) -> bool:
    """True when a double, guillemet or low („…“) quotation is open at the end of ``text`` (speech
    inside speech), by the project's quote tracker: „…“ closes with “, which a count of “ against
    ” would take for an opener. An open single quote is left out: it may be an apostrophe."""
    return any(mark in "“«„\"" for mark in open_quotes(text))
