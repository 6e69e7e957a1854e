"""The learned keep/drop decision over the union of a page's readings, in pure Python.

A study, not part of the bot: on the held-out halves it did not beat the bot's choice of
one whole reading (see ``paragraph_refine.py``). The model is gradient-boosted trees
(``bench/paragraph_model.json``, written by ``bench/train_paragraph_model.py --write`` from the
dragnet set's even half only): each tree is a
list of nodes ``[feature, threshold, left, right, value]`` (a leaf has feature -1); a row goes
left when its feature is at most the threshold. The probability that a paragraph is article
text is the logistic of the base score plus the leaves' values; it is kept at ``threshold``
or above. No numpy, as it would run in the bot.
"""

from __future__ import annotations

import json
import math
from functools import lru_cache
from pathlib import Path

from paragraph_units import FEATURES

__all__ = ["Model", "load_model"]

_PATH = Path(__file__).with_name("paragraph_model.json")


class Model:
    __slots__ = ("base", "threshold", "trees")

    def __init__(self, data: dict) -> None:
        if list(data.get("features", [])) != list(FEATURES):
            raise ValueError("the paragraph model was trained on other features; retrain it")
        self.base = float(data["base"])
        self.threshold = float(data.get("threshold", 0.5))
        # Each tree as tuples (feature, threshold, left, right, value) with int indexes.
        self.trees = tuple(tuple((int(f), float(t), int(left), int(right), float(v)) for f, t, left, right, v in nodes)
                           for nodes in data["trees"])

    def probability(self, row: list[float]) -> float:
        score = self.base
        for nodes in self.trees:
            feature, threshold, left, right, value = nodes[0]
            while feature >= 0:
                feature, threshold, left, right, value = nodes[left if row[feature] <= threshold else right]
            score += value
        return 1.0 / (1.0 + math.exp(-score))

    def keep(self, rows: list[list[float]]) -> list[bool]:
        return [self.probability(row) >= self.threshold for row in rows]


@lru_cache(maxsize=1)
def load_model(path: Path = _PATH) -> Model:
    return Model(json.loads(path.read_text(encoding="utf-8")))
