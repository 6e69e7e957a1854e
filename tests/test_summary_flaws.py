"""Flaws the reading check still found after issue #11's first round, one test each.

Hand-written texts shaped like the ones that showed the flaw (no shared data is read), in
English and, where the rule is not English-only, Ukrainian and Russian.
"""

from __future__ import annotations

import pytest

from bot.news.summarize import summarize_text

VERDICTS = [
    # The label above the verdict, the verdict in lower case: split_lines joins the two into one
    # line ("Rating mostly false"), which has no closing punctuation and was dropped.
    ("en", "Claim\nThe senator voted against the bill twelve times last year.\nRating\nmostly false\n"
     "The senator voted against the bill twice, records show, and once for it in March.",
     "Rating: mostly false."),
    # "Rating: mostly false" on one line: the lower-case verdict hid the label.
    ("en", "Claim: The senator voted against the bill twelve times last year.\nRating: mostly false\n"
     "The senator voted against the bill twice, records show, and once for it in March.",
     "Rating: mostly false."),
    ("uk", "Твердження\nСенатор голосував проти законопроєкту дванадцять разів минулого року.\nОцінка\n"
     "переважно неправда\nСенатор голосував проти законопроєкту двічі, свідчать записи Ради.",
     "Оцінка: переважно неправда."),
    ("ru", "Утверждение\nСенатор голосовал против законопроекта двенадцать раз в прошлом году.\n"
     "Оценка: скорее ложь\nСенатор голосовал против законопроекта дважды, показывают записи Думы.",
     "Оценка: скорее ложь."),
]


@pytest.mark.parametrize(("language", "text", "verdict"), VERDICTS)
def test_a_lower_case_fact_check_verdict_keeps_its_label(language: str, text: str, verdict: str) -> None:
    summary = summarize_text(text, language)
    assert verdict in summary
    assert summary.index(verdict) > 0  # after the claim it rates
