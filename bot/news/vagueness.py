"""Does a sentence name anyone or anything? The summary's test for giving a place away.

Highlights of news (the CNN/DailyMail set in ``bench/bench_summarize.py``) retell names and
numbers. A summary's last sentence that names almost nothing ("The agreement was designed to
provide uniformity of public holidays across the nation.") tells the reader less than the next
one that does ("If Easter, Christmas, Australia Day … fall on a weekend, a holiday is granted
on a weekday."). Names are told by capital letters,
so the test holds for scripts with case (English, Russian, Ukrainian, …); a text in a script
without case (Japanese) is never vague. German capitalizes every noun: its sentences read as
full of names and are never vague either, which leaves its summaries as they were.

The thresholds were chosen on the even half of the CNN/DailyMail set only (see
``bot.news.summarize``); nothing here was measured on Russian or Ukrainian text.
"""

from __future__ import annotations

import re

__all__ = ["VAGUE_SHARE", "NAMED_SHARE", "is_vague", "welcomes"]

VAGUE_SHARE = 0.10  # under this share of capitalized words (and with no digit): vague
NAMED_SHARE = 0.05  # over this share of capitalized words (or with a digit): names something
_OPENERS = "\"'«„“‘(["
_CLOSERS = "\"'»”’)]"
_DIGIT_RE = re.compile(r"\d")
_QUOTE_RE = re.compile(r"[\"“”«»„]|(?<!\w)['‘]|['’](?!\w)")  # a quotation, not "don't"
# Someone else's account of the news ("…, Dr. Kuhar told Fox 8.", "The study was published in
# Nature."): what highlights leave out.
_ATTRIBUTION_RE = re.compile(
    r"\b(?:said|says|told|according to|published|reported|reports"
    r"|сказал[аи]?|заявил[аи]?|сообщил[аи]?|по словам|сказав|сказала|заявив|заявила|повідомив|повідомила"
    r"|за словами)\b",
    re.IGNORECASE,
)


def capitalized_share(text: str) -> float:
    """Share of the words after the first that start with a capital letter (names, mostly)."""
    words = text.split()[1:]
    if not words:
        return 0.0
    return sum(1 for word in words if (bare := word.lstrip(_OPENERS))[:1].isupper() and bare != "I") / len(words)


def is_vague(text: str) -> bool:
    """True for a sentence in a cased script with no digit and almost no name."""
    return not _DIGIT_RE.search(text) and text.upper() != text and capitalized_share(text) < VAGUE_SHARE


def welcomes(text: str) -> bool:
    """True for a sentence worth a vague one's place: it has a number or names, and is told,
    not quoted, attributed ("… told Fox 8") or exclaimed."""
    if text.rstrip(_CLOSERS).endswith("!"):
        return False  # a call to the reader ("Choose the best food blogger of the year!")
    names = bool(_DIGIT_RE.search(text)) or capitalized_share(text) > NAMED_SHARE
    return names and not _QUOTE_RE.search(text) and not _ATTRIBUTION_RE.search(text)
