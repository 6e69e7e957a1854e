"""A line that only dates the story: the one recogniser the extractor's line cleaner and the
summary's page-furniture test share.

"21 March 2024, 14:30", "15.06.2023 12:40", "Updated July 24, 2012, 8:38 a.m. ET", "Posted on
5 травня 2024, 10:15", "Опубликовано 1 декабря 2024 г.": a date (a month's name or a numeric
date) and nothing but words that go with one (weekdays, times, "updated", "posted", "on", "at",
time zones, "року"). Not "10 p.m." alone (no date), nor a sentence with a date in it ("On 5 May
2024 the government approved the plan.").

It used to be two: ``bot.news.clean._is_dateline`` (a bag of date words, 60 characters at most,
whose months matched by their first letters, so "Margaret", "Maybe." and "Octopart" were dates)
and ``bot.news.page_lines.is_timestamp`` (a pattern of date, time and time-zone abbreviation, 80
characters), with separate month lists; only the second knew "ET" and "15th". This is the bag of
words with whole month and weekday names, both one's words and the second's length. Measured
(``bench/bench_extraction.py --no-pipeline``, ``bench/bench_summarize.py``): the extraction
benchmark and every summary unchanged; on Dragnet F1 0.914 → 0.913, since its gold keeps the 29
date lines ("24 July 2012 Last updated at 06:50 ET") now dropped, while 6 lines of text the old
month test dropped are kept.
"""

from __future__ import annotations

import re

__all__ = ["DATE_WORD", "MAX_DATE_LINE", "is_date_line"]

MAX_DATE_LINE = 80  # characters: a longer line says something besides its date

_NUMERIC_DATE = re.compile(r"\b(?:\d{1,2}[./]\d{1,2}[./]\d{2,4}|\d{4}-\d{2}-\d{2})\b")
# Months and weekdays as whole words ("Mar.", "March", "травня", "дек."), not as the start of one:
# "Margaret", "Maybe.", "Separator", "Octopart", "червоний" are no dates.
_MONTHS = (
    r"jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sept?(?:ember)?"
    r"|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?"
    r"|(?:січ|груд)(?:ень|ня)?|лют(?:ий|ого)?|(?:берез|квіт|трав|черв|лип|серп|верес|жовт)(?:ень|ня)"
    r"|листопада?|квіт|трав|черв|серп|верес|жовт|лист"
    r"|(?:январ|феврал|апрел|июн|июл|сентябр|октябр|ноябр|декабр)[ья]|марта?|ма[йя]|августа?"
    r"|янв|фев|апр|авг|сент?|окт|нояб?|дек"
)
_WEEKDAYS = (
    r"mon(?:day)?|tue(?:s(?:day)?)?|wed(?:nesday)?|thu(?:r(?:s(?:day)?)?)?|fri(?:day)?|sat(?:urday)?|sun(?:day)?"
)
_MONTH = re.compile(rf"(?<!\w)(?:{_MONTHS})(?!\w)", re.IGNORECASE)
# A word that may stand in a date line: a number ("15th", "9:15AM" read as "15AM"), a letter
# ("a.m.", "г."), a month or weekday, a label ("Updated", "Опубліковано"), a time zone.
DATE_WORD = re.compile(
    rf"\d+(?:st|nd|rd|th|am|pm)?|\w|{_MONTHS}|{_WEEKDAYS}"
    r"|updated|published|posted|modified|last|at|on|am|pm|utc|gmt|et|est|edt|ct|cst|cdt|pt|pst|pdt|mt|mst"
    r"|mdt|bst|cet|cest|eet|eest|msk|ist|оновлено|опубліковано|обновлено|опубликовано|додано|добавлено"
    r"|року|года",
    re.IGNORECASE,
)
_WORD = re.compile(r"\w+")


def is_date_line(text: str) -> bool:
    """True for a line or sentence that is a date, perhaps with a time and a label, and nothing else."""
    if len(text) > MAX_DATE_LINE or not _NUMERIC_DATE.search(text) and not _MONTH.search(text):
        return False
    return all(DATE_WORD.fullmatch(word) for word in _WORD.findall(text))
