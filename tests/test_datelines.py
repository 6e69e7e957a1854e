"""One recogniser of a line that only dates the story, for the extractor's line cleaner and the
summary's page furniture (``bot.news.datelines``; it used to be two, with separate month lists)."""

from __future__ import annotations

import pytest

from bot.news.clean import is_junk_line
from bot.news.datelines import is_date_line
from bot.news.page_lines import is_timestamp

# Lines each of the two old recognisers knew and the other did not, from the shared sets' pages.
DATE_LINES = [
    "Updated July 24, 2012, 8:38 a.m. ET",  # the summary's: a time zone
    "July 24, 2012 8:10 AM PDT",
    "Thursday, Aug 9, 2012, 1:10 PM EDT",
    "August 15th, 2012 at 3:46 pm",  # the summary's: an ordinal
    "Sunday, October 21, 2012 at 8:02AM",
    "Posted Aug 9th 2012 2:15PM",
    "(Dec. 22, 2004)",  # the cleaner's
    "2012-10-29",
    "November 5, 2012 · 9:20 AM",
    "Posted: 08/09/2012 4:03 pm Updated: 08/09/2012 4:25 pm",
    "Friday, 26 October 2012",
    "24 July 2012 Last updated at 02:28 ET",  # neither's
    "updated 1:30 PM EST, Wed November 7, 2012",
    "Опубліковано 5 травня 2024 р., 10:15",
    "Обновлено: 1 декабря 2024 г. в 10.15",
    "12 листопада 2022",
    "1 лют. 2024",
    "15.06.2023 12:40",
]
# Words the cleaner's month list took for months by their first letters ("Mar…", "May…", "Sep…").
NOT_DATES = ["Margaret", "Maybe.", "Mario", "Jane", "Octopart", '"Separator"', "- Mark T.", "Червоний", "10 p.m."]


@pytest.mark.parametrize("line", DATE_LINES)
def test_both_consumers_know_every_date_line_either_knew(line: str) -> None:
    assert is_date_line(line)
    assert is_timestamp(line)
    assert is_junk_line(line)


@pytest.mark.parametrize("line", NOT_DATES)
def test_a_word_that_starts_like_a_month_is_no_date(line: str) -> None:
    assert not is_date_line(line)
    assert not is_timestamp(line)
    assert not is_junk_line(line)


@pytest.mark.parametrize(
    "line",
    ["On 5 May 2024 the government approved the plan.", "The council met on July 24, 2012, at 8:38 a.m. to vote."],
)
def test_a_sentence_with_a_date_in_it_is_no_date_line(line: str) -> None:
    assert not is_date_line(line)
    assert not is_junk_line(line)
