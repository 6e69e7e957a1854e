"""The fitters of bench/bench_stories.py (the training script of bot.news.stories' weights):
the coordinate ascent shipped and the logistic regression compared with it, and the ceiling
that says whether any threshold could meet the goal on a half."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))

import bench_stories as bs  # noqa: E402


def _pairs(seed: int, n: int = 2000) -> tuple[np.ndarray, np.ndarray]:
    """Seven features per pair: same-story pairs score higher on names and phrases, with noise,
    and the word cosine is above the logistic fitter's floor for most of them."""
    rng = np.random.default_rng(seed)
    truth = rng.random(n) < 0.2
    x = rng.random((n, 7)) * 0.3
    x[truth, 1] += 0.5 + rng.normal(0, 0.15, truth.sum())
    x[truth, 4] += 0.3 + rng.normal(0, 0.15, truth.sum())
    x[:, 0] += 0.06
    x[:, 6] = 0.0
    return np.clip(x, 0, 1), truth


def test_the_logistic_fitter_learns_the_informative_features_and_holds_on_other_pairs() -> None:
    x, truth = _pairs(0)
    score, threshold = bs.logistic_fit(x, truth)
    said = score(x) >= threshold
    assert (said & truth).sum() / said.sum() >= bs.MIN_PRECISION  # the fitted half's precision
    other_x, other_truth = _pairs(1)
    said = score(other_x) >= threshold
    p, r, f1 = bs.prf(int((said & other_truth).sum()), int((said & ~other_truth).sum()),
                      int((~said & other_truth).sum()))
    assert p > 0.85 and r > 0.8 and f1 > 0.85
    shuffled = x.copy()
    shuffled[:, 1] = np.random.default_rng(2).permutation(shuffled[:, 1])  # names carry no signal now
    s2, _ = bs.logistic_fit(shuffled, truth)
    assert bs.ceiling(s2(other_x), other_truth) < bs.ceiling(score(other_x), other_truth)


def test_the_ceiling_is_the_best_f1_at_the_goals_precision_with_the_threshold_seen() -> None:
    scores = np.array([0.9, 0.8, 0.7, 0.6, 0.5, 0.4])
    truth = np.array([True, True, False, True, True, False])
    # At 0.8: P 1.0 R 0.5 (F1 0.667); at 0.6: P 0.75; at 0.5: P 0.8: none of those reach 0.90.
    assert abs(bs.ceiling(scores, truth) - 2 / 3) < 1e-9
    assert bs.ceiling(scores, ~truth) == 0.0  # the top pair is wrong: precision never reaches 0.90
    assert bs.ceiling(scores, np.ones(6, bool)) == 1.0


def test_coordinate_ascent_and_logistic_agree_on_which_pairs_are_the_same_story() -> None:
    x, truth = _pairs(3)
    weights, threshold = bs.fit(x, truth, bs.STARTS[:1])
    score, t = bs.logistic_fit(x, truth)
    a, b = x @ np.array(weights) >= threshold, score(x) >= t
    assert (a == b).mean() > 0.95
