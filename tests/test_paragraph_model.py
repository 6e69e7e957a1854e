"""The union of readings, each paragraph's evidence, and the learned keep/drop (issue #11).

Synthetic HTML and paragraph lists only; no shared data is read.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from bot.news.htmltree import parse_html
from bot.news.paragraph_model import Model, load_model
from bot.news.units import FEATURES, DomIndex, merge_units, unit_features

STORY = [
    "The council voted on Tuesday to close the old bridge to cars from March, after engineers "
    "found cracks in two of its piers during a routine inspection last autumn.",
    "Buses and bicycles will still be allowed to cross, the mayor said, and the work should take "
    "about eighteen months if the weather is kind to the builders.",
]
COMMENT = ("I have crossed that bridge every day for thirty years and never once felt unsafe, "
           "this is a waste of our money.")


def feature(rows: list[list[float]], k: int, name: str) -> float:
    return rows[k][FEATURES.index(name)]


def test_merge_puts_another_readings_paragraph_after_its_neighbour_in_page_order() -> None:
    lead = "Engineers first saw the cracks in October, a report published on Monday by the city shows."
    readings = {"choice": STORY, "readability": [STORY[0], lead, STORY[1]]}
    units = merge_units(readings)
    assert [p for p, _ in units] == [STORY[0], lead, STORY[1]]
    assert [src for _, src in units] == ["choice", "readability", "choice"]


def test_merge_does_not_repeat_a_paragraph_two_readings_share() -> None:
    units = merge_units({"choice": STORY, "precision": STORY, "full": [*STORY, COMMENT]})
    assert [p for p, _ in units] == [*STORY, COMMENT]


def test_features_count_which_readings_hold_a_paragraph() -> None:
    readings = {"choice": STORY, "precision": STORY, "balanced": STORY, "readability": [*STORY, COMMENT]}
    units = merge_units(readings)
    rows = unit_features(units, readings, None)
    assert all(len(row) == len(FEATURES) for row in rows)
    assert feature(rows, 0, "votes") == 3  # precision, balanced, readability
    assert feature(rows, 2, "votes") == 1  # the comment: readability only
    assert feature(rows, 2, "in_first") == 0
    assert feature(rows, 2, "inside_first_span") == 0
    assert feature(rows, 0, "inside_first_span") == 1


def test_features_see_bylines_dates_and_captions() -> None:
    lines = ["By Jane Smith, Staff Writer", "November 12, 2012", "The bridge at dusk (Photo: AP)"]
    readings = {"choice": lines}
    rows = unit_features(merge_units(readings), readings, None)
    assert feature(rows, 0, "byline") == 1 and feature(rows, 1, "byline") == 0
    assert feature(rows, 1, "dateline") == 1 and feature(rows, 0, "dateline") == 0
    assert feature(rows, 2, "credit") == 1 and feature(rows, 0, "credit") == 0


def test_dom_index_finds_a_paragraph_and_reads_its_ancestors() -> None:
    html = (f"<html><body><div class='article-body'><p>{STORY[0]}</p></div>"
            f"<div id='comments' class='comment-list'><p>{COMMENT}</p></div>"
            "<ul class='menu'><li><a href='/a'>A long link text that names another story of the day</a></li></ul>"
            "</body></html>")
    dom = DomIndex(parse_html(html))
    story, comment = DomIndex.describe(dom.find(STORY[0])), DomIndex.describe(dom.find(COMMENT))
    linked = DomIndex.describe(dom.find("- A long link text that names another story of the day"))
    names = FEATURES[FEATURES.index("found"):FEATURES.index("found") + 12]
    story_f, comment_f, linked_f = (dict(zip(names, d)) for d in (story, comment, linked))
    assert story_f["found"] == comment_f["found"] == linked_f["found"] == 1
    assert story_f["pos_tokens"] >= 1 and story_f["neg_tokens"] == 0
    assert comment_f["neg_tokens"] >= 1
    assert linked_f["tag_li"] == 1 and linked_f["link_share"] == 1
    assert story_f["link_share"] == 0
    assert DomIndex.describe(dom.find("A paragraph that is nowhere on this page at all, not one word.")) == [0.0] * 12


def _model(tmp_path: Path, trees: list, base: float = 0.0, threshold: float = 0.5) -> Model:
    path = tmp_path / "m.json"
    path.write_text(json.dumps({"features": list(FEATURES), "base": base, "threshold": threshold, "trees": trees}))
    return Model(json.loads(path.read_text()))


def test_model_walks_each_tree_to_a_leaf_and_sums_them(tmp_path: Path) -> None:
    votes = FEATURES.index("votes")
    stump = [[votes, 1.5, 1, 2, 0.0], [-1, 0.0, -1, -1, -2.0], [-1, 0.0, -1, -1, 1.0]]
    model = _model(tmp_path, [stump, stump], base=0.5)
    row_low, row_high = [0.0] * len(FEATURES), [0.0] * len(FEATURES)
    row_low[votes], row_high[votes] = 1.0, 3.0
    assert model.probability(row_low) == pytest.approx(1 / (1 + math.exp(-(0.5 - 4.0))))
    assert model.probability(row_high) == pytest.approx(1 / (1 + math.exp(-(0.5 + 2.0))))
    assert model.keep([row_low, row_high]) == [False, True]
    row_edge = [0.0] * len(FEATURES)
    row_edge[votes] = 1.5  # "at most the threshold" goes left
    assert model.probability(row_edge) == model.probability(row_low)


def test_a_model_for_other_features_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="retrain"):
        Model({"features": ["bias"], "base": 0.0, "trees": []})


def test_the_shipped_model_matches_the_features() -> None:
    model = load_model()
    assert model.trees and 0 < model.threshold < 1
    assert 0.0 < model.probability([0.0] * len(FEATURES)) < 1.0
