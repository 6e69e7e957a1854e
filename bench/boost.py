"""A small gradient-boosted tree classifier in numpy, for the paragraph model's training.

Logistic loss, weighted rows, depth-limited trees on quantile bins, shrinkage; no
randomness, so a fit is reproducible. Trees are exported as plain lists (feature, threshold,
left, right, value) that ``bench/paragraph_model.py`` walks in pure Python.
"""

from __future__ import annotations

import numpy as np

__all__ = ["fit_boosted", "predict_boosted"]


def _bins(x: np.ndarray, n_bins: int) -> list[np.ndarray]:
    """Candidate thresholds per feature: midpoints between distinct quantiles."""
    out = []
    for j in range(x.shape[1]):
        values = np.unique(np.quantile(x[:, j], np.linspace(0, 1, n_bins + 1)))
        out.append((values[:-1] + values[1:]) / 2 if len(values) > 1 else np.array([]))
    return out


def fit_boosted(x: np.ndarray, y: np.ndarray, w: np.ndarray, *, trees: int = 150, depth: int = 3,
                rate: float = 0.1, l2: float = 1.0, min_weight: float = 1e-3, n_bins: int = 32) -> dict:
    """Trees and base score, as a JSON-able dict."""
    thresholds = _bins(x, n_bins)
    codes = np.stack([np.searchsorted(t, x[:, j], side="left") if len(t) else np.zeros(len(x), int)
                      for j, t in enumerate(thresholds)], axis=1)
    # searchsorted(left): code c means x <= t[c] (x < t[c] or equal): "x <= threshold goes left"
    mean = float(np.clip((w * y).sum() / w.sum(), 1e-6, 1 - 1e-6))
    base = float(np.log(mean / (1 - mean)))
    score = np.full(len(y), base)
    forest = []
    for _ in range(trees):
        p = 1 / (1 + np.exp(-score))
        g, h = w * (p - y), w * p * (1 - p)
        nodes: list[list] = []
        _grow(nodes, np.arange(len(y)), codes, thresholds, g, h, depth, l2, min_weight, rate)
        forest.append(nodes)
        score += _predict_tree(nodes, x)
    return {"base": base, "trees": forest}


def _grow(nodes: list[list], rows: np.ndarray, codes: np.ndarray, thresholds: list[np.ndarray], g: np.ndarray,
          h: np.ndarray, depth: int, l2: float, min_weight: float, rate: float) -> int:
    index = len(nodes)
    G, H = g[rows].sum(), h[rows].sum()
    nodes.append([-1, 0.0, -1, -1, float(-rate * G / (H + l2))])
    if depth == 0 or len(rows) < 2:
        return index
    best = (0.0, -1, -1)
    parent = G * G / (H + l2)
    for j, t in enumerate(thresholds):
        if not len(t):
            continue
        gl = np.cumsum(np.bincount(codes[rows, j], weights=g[rows], minlength=len(t) + 1))[:-1]
        hl = np.cumsum(np.bincount(codes[rows, j], weights=h[rows], minlength=len(t) + 1))[:-1]
        gr, hr = G - gl, H - hl
        gain = gl * gl / (hl + l2) + gr * gr / (hr + l2) - parent
        gain[(hl < min_weight) | (hr < min_weight)] = 0.0
        c = int(np.argmax(gain))
        if gain[c] > best[0] + 1e-12:
            best = (float(gain[c]), j, c)
    if best[1] < 0:
        return index
    _, j, c = best
    go_left = codes[rows, j] <= c
    left = _grow(nodes, rows[go_left], codes, thresholds, g, h, depth - 1, l2, min_weight, rate)
    right = _grow(nodes, rows[~go_left], codes, thresholds, g, h, depth - 1, l2, min_weight, rate)
    nodes[index][:4] = [j, float(thresholds[j][c]), left, right]
    return index


def _predict_tree(nodes: list[list], x: np.ndarray) -> np.ndarray:
    out = np.zeros(len(x))
    stack = [(0, np.arange(len(x)))]
    while stack:
        k, rows = stack.pop()
        feature, threshold, left, right, value = nodes[k]
        if feature < 0:
            out[rows] = value
            continue
        go_left = x[rows, feature] <= threshold
        stack.append((left, rows[go_left]))
        stack.append((right, rows[~go_left]))
    return out


def predict_boosted(model: dict, x: np.ndarray) -> np.ndarray:
    score = np.full(len(x), model["base"])
    for nodes in model["trees"]:
        score += _predict_tree(nodes, x)
    return 1 / (1 + np.exp(-score))
