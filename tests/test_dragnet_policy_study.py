"""The Dragnet gold-policy study in bench/ (issue #11): ``ours+lines`` and ``ours+bylines`` in
``bench_extraction.py`` (ours with the line cleaner keeping bylines, date lines and label
lines, or bylines only) and the line policy of
``bench/study_dragnet_policy.py``.

The bot does not ship either: they measure how much of Dragnet's gap is lines the product drops
on purpose. Synthetic HTML only; no shared data is read.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))

from bench_extraction import ours, ours_bylines, ours_lines  # noqa: E402
from study_dragnet_policy import _headline_of, policy_lines, recall_loss, under_policy  # noqa: E402

from bot.news import clean  # noqa: E402

BYLINE = "By Jane Doe and John Roe"
DATE = "November 6th, 2012 3:10 pm"
BODY = [
    "The council voted on Tuesday to close the old bridge to cars from March, after engineers "
    "found cracks in two of its piers during a routine inspection last autumn.",
    "Buses and bicycles will still be allowed to cross, the mayor said, and the work should take "
    "about eighteen months if the weather is kind to the builders and the steel arrives on time.",
    "Residents on the east bank asked for a ferry in the meantime; the council said it would look "
    "at the cost of one and report back before the end of the year, as the law requires it to.",
    "Engineers first saw the cracks in October, a report published on Monday by the city shows, "
    "and they have been watching them with sensors fixed to the piers ever since that day.",
]
PAGE = (
    "<html><head><title>Council closes the old bridge</title></head><body><article>"
    "<h1>Council closes the old bridge</h1>"
    f"<p>{BYLINE}</p><p>{DATE}</p>" + "".join(f"<p>{p}</p>" for p in BODY) + "</article></body></html>"
)


def test_ours_drops_the_byline_and_date_line_and_ours_lines_keeps_them() -> None:
    plain, kept = ours(PAGE, "https://example.com/bridge"), ours_lines(PAGE, "https://example.com/bridge")
    assert BYLINE not in plain and DATE not in plain
    assert BYLINE in kept and DATE in kept
    assert all(p[:40] in plain and p[:40] in kept for p in BODY)


def test_ours_bylines_keeps_the_byline_only() -> None:
    kept = ours_bylines(PAGE, "https://example.com/bridge")
    assert BYLINE in kept and DATE not in kept


def test_ours_lines_puts_the_cleaners_tests_back_after_its_call() -> None:
    before = (clean._is_dateline, clean._is_byline, clean._is_meta_line)
    ours_lines(PAGE, "https://example.com/bridge")
    ours_bylines(PAGE, "https://example.com/bridge")
    assert (clean._is_dateline, clean._is_byline, clean._is_meta_line) == before
    assert clean.is_junk_line(BYLINE) and clean.is_junk_line(DATE)


def test_the_policy_takes_the_headline_byline_and_date_from_a_gold_text() -> None:
    gold = "\n".join(["Council closes the old bridge", BYLINE, DATE, *BODY])
    assert policy_lines(gold, "Council closes the old bridge") == ["Council closes the old bridge", BYLINE, DATE]
    assert under_policy(gold, "Council closes the old bridge").split("\n") == BODY


def test_recall_loss_counts_a_missed_byline_as_policy_and_missed_prose_by_who_has_it() -> None:
    gold = "\n".join([BYLINE, *BODY])
    ours_text = "\n".join(BODY[:3])
    loss = recall_loss(gold, "", {"ours": ours_text, "trafilatura": "\n".join(BODY), "readability": ""})
    assert set(loss) == {"policy line", "prose another has"}
    loss_none = recall_loss(gold, "", {"ours": ours_text, "trafilatura": "", "readability": ""})
    assert set(loss_none) == {"policy line", "prose none has"}
    assert recall_loss(gold, "", {"ours": gold, "trafilatura": "", "readability": ""}) == {}


def test_the_headline_is_read_back_from_the_titled_row() -> None:
    assert _headline_of("Body text.", "Council closes the old bridge\n\nBody text.") == "Council closes the old bridge"
    assert _headline_of("", "Council closes the old bridge") == "Council closes the old bridge"
    assert _headline_of("Body text.", "Something else") == ""
