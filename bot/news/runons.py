"""Run-on text: captions and list numbers that lost their line breaks and ran into sentences.

Text whose paragraph breaks were lost (the CNN/DailyMail copy in the summarization benchmark,
some extracted pages) glues a photo caption, which has no full stop, to the sentence after it
("… a retirement income 13% higher than a colleague The cost of divorce can wreck …"), and a
numbered list into one line ("… the mega fight 1. Twizzlers are his favourite snacks 2.").
``cut_restarts`` splits a sentence where a new one plainly restarts and marks the head as a
caption; ``mark_unfinished`` marks a sentence without closing punctuation, or a list item
carrying the next item's number, as a caption. A caption is never shown in a summary
(``bot.news.summary_units``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

from bot.news.quotes import open_quotes

__all__ = ["CAPTION", "CLOSERS", "TERMINAL_ENDS", "cut_restarts", "mark_unfinished"]

TERMINAL_ENDS = tuple(".!?…。！？")
CLOSERS = "\"'»”’)]"
CAPTION = "\x00"  # marks the head cut off a run-on sentence: a caption, never shown
# A sentence restarting in mid-line: a lower-case word, then a word that opens sentences and
# never stands capitalized inside one ("The" only before a lower-case word: "The cost", not
# "The Times"; "has a taste Like the infamous scene", "Millions of motorists", "fled Police
# said", not "Police Scotland" or "Traffic Police serves").
_RESTART_RE = re.compile(
    r"(?<=[a-z0-9%’'\")])\s+(?=(?:(?:He|She|They|We|His|Her|Their|It|Its|But|However|Meanwhile"
    r"|Scroll)\b|(?:The|A|An|In|On|At|After|When|While|This|These|There)\s+[a-z0-9]"
    # sentence adverbs, never capitalized inside a sentence: "… other macaques Officially named …"
    r"|(?:Officially|Luckily|Unfortunately|Fortunately|Sadly|Tragically|Incredibly|Amazingly|Remarkably"
    r"|Surprisingly|Interestingly|Apparently|Reportedly|Allegedly|Previously|Recently|Eventually|Initially"
    r"|Ultimately|Finally),?\s+[a-z0-9]"
    # these only after a word in lower case: "Traffic Police serves" is a name, not a restart
    r"|(?P<late>Like|As|If|Although|Despite|During|Since|Before|According|Following|Many|Some|Most"
    r"|Several|Millions|Thousands|Hundreds|Dozens|Now|Today|Yesterday|Last|Earlier|Later|Police"
    r"|Officials|Experts|Researchers|Scientists|Witnesses|Fans)\s+[a-z0-9]))"
)
_LIST_NUMBER_END_RE = re.compile(r"(?<=[a-z] )(\d{1,2})\.$")  # "… the mega fight 1."


def cut_restarts(sentences: Iterable[str]) -> Iterator[str]:
    """Split a sentence where a new one plainly restarts in mid-line; the head is a caption.

    Text that lost its line breaks glues a caption (no full stop) to the next sentence:
    "… a retirement income 13% higher than a colleague The cost of divorce can wreck …". The
    head is marked as a caption and never shown.
    """
    for sentence in sentences:
        while True:  # a caption, then another: "… for video The macaque … other macaques Officially named …"
            match = next(
                (
                    m
                    for m in _RESTART_RE.finditer(sentence)
                    if (not m.group("late") or _lower_word_ends(sentence, m.start()))
                    and m.start() >= 20
                    and _quote_depth_ok(sentence[: m.start()])
                ),
                None,
            )
            if match is None:
                yield sentence
                break
            yield CAPTION + sentence[: match.start()]
            sentence = sentence[match.end() :]


def _lower_word_ends(text: str, at: int) -> bool:
    """True when the word ending at ``at`` starts in lower case or with a digit ("taste",
    "40%"), not a capitalized name ("Traffic")."""
    words = text[max(0, at - 40) : at].split()
    word = words[-1].lstrip("\"'“‘(") if words else ""
    return bool(word) and (word[0].islower() or word[0].isdigit())


def _quote_depth_ok(head: str) -> bool:
    """True when no quotation is open at the end of ``head`` (a restart inside one is speech)."""
    return not open_quotes(head)


def mark_unfinished(sentences: Iterable[str]) -> Iterator[str]:
    """Mark a sentence without closing punctuation as a caption (a heading, subtitle or hover card),
    and so a numbered list run into one line: "… in the build-up to the mega fight 1.",
    "Twizzlers are one of his favourite snacks 2.", "Ramen is his favourite meal 3." are a
    caption and list items each ending with the next one's number, not sentences."""
    previous: str | None = None
    earlier = -1  # the list number ending the previous sentence
    counted = -1  # the same, if that sentence was one in a run
    for sentence in sentences:
        if not sentence.startswith(CAPTION) and not sentence.rstrip(CLOSERS).endswith(TERMINAL_ENDS):
            sentence = CAPTION + sentence
        number = _list_number(sentence)
        if previous is not None:
            in_turn = (earlier == 1 and number == 2) or (counted > 0 and earlier == counted + 1)  # lists start at 1
            yield CAPTION + previous if in_turn and not previous.startswith(CAPTION) else previous
            counted = earlier if in_turn else -1
        previous, earlier = sentence, number
    if previous is not None:
        in_turn = counted > 0 and earlier == counted + 1
        yield CAPTION + previous if in_turn and not previous.startswith(CAPTION) else previous


def _list_number(sentence: str) -> int:
    """The list number a sentence ends with ("… favourite snacks 2." → 2), -1 if none."""
    if len(sentence) < 4 or not sentence[-2].isdigit() or sentence[-1] != ".":
        return -1  # the usual case, told without a regular expression
    match = _LIST_NUMBER_END_RE.search(sentence, len(sentence) - 6)
    return int(match[1]) if match else -1
