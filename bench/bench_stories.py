"""Same-story detection on the story benchmark (ECB+ development half), cross-validated.

    python bench/bench_stories.py [--data ../shared/data/story-benchmark/ecbplus-dev.jsonl]

The benchmark's measure (its README): over all pairs of articles, a pair is "same story" when
both are in one ``cluster``; precision, recall and F1 of the pairs a system calls the same.

This script is also the training script of ``bot.news.stories``: it fits the weights and the
threshold on one half of the articles (split by the parity of the article's number) and scores
them on the other half, both ways round. Figures on a fitted half are labelled "fitted on";
only the "held out" ones say how well the rule generalizes. It prints, in the same run:

* the TF-IDF cosine baseline (one threshold, fitted the same way);
* the shipped rule (``bot.news.stories`` constants) pair by pair;
* the shipped rule through the ingest path (articles arrive one by one and join the
  best-scoring stored story, as ``decide`` does), in three arrival orders;
* the SimHash near-duplicate test the bot had before;
* boilerplate: how many benchmark articles are taken for boilerplate (should be none).

No dates in the data: the time window is switched off.
"""

from __future__ import annotations

import argparse
import itertools
import json
import random
import re
import sys
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.news import stories  # noqa: E402
from bot.news.fingerprint import fingerprint, is_near_duplicate  # noqa: E402

DEFAULT_DATA = Path(__file__).resolve().parents[2] / "shared/data/story-benchmark/ecbplus-dev.jsonl"
GRID_COSINE = (0.5, 1.0)
GRID_NAMES = (0.0, 0.25, 0.5, 1.0)
GRID_NUMBERS = (0.0, 0.25, 0.5)
MIN_PRECISION = 0.90


def load(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def half_of(row: dict) -> int:
    match = re.match(r"\d+_(\d+)", row["id"])
    return int(match.group(1)) % 2 if match else 0


def prf(tp: int, fp: int, fn: int) -> tuple[float, float, float]:
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def fit(pairs: list[tuple[tuple[float, ...], bool]], grid: list[tuple[float, ...]]) -> tuple[tuple[float, ...], float]:
    """Weights and threshold with the best pair F1 at precision >= MIN_PRECISION."""
    positives = sum(y for _, y in pairs)
    best: tuple[float, tuple[float, ...], float] = (-1.0, grid[0], 1.0)
    for weights in grid:
        scored = sorted(((sum(w * x for w, x in zip(weights, f)), y) for f, y in pairs), reverse=True)
        tp = fp = 0
        for index, (score, y) in enumerate(scored):
            tp += y
            fp += not y
            if index + 1 < len(scored) and scored[index + 1][0] == score:
                continue
            p, r, f1 = prf(tp, fp, positives - tp)
            if p >= MIN_PRECISION and f1 > best[0]:
                best = (f1, weights, score)
    return best[1], best[2]


def pair_scores(pairs, weights, threshold) -> tuple[float, float, float]:
    tp = fp = fn = 0
    for f, y in pairs:
        said = sum(w * x for w, x in zip(weights, f)) >= threshold
        tp += said and y
        fp += said and not y
        fn += (not said) and y
    return prf(tp, fp, fn)


def clustered(rows, profiles, indexes, df, n, weights, threshold, seed) -> tuple[float, float, float]:
    """Articles arrive one by one (shuffled by ``seed``) and join a story as ``decide`` says."""
    order = list(indexes)
    random.Random(seed).shuffle(order)
    story_of: dict[int, int] = {}
    candidates: list[stories.Candidate] = []
    moment = datetime(2026, 1, 1, tzinfo=UTC)
    for i in order:
        decision = stories.decide(profiles[i], candidates, df, n, now=moment, window=None,
                                  threshold=threshold, weights=weights)  # type: ignore[arg-type]
        story_of[i] = i if decision.story_id is None else decision.story_id
        # Every source's text keys its story, as the bot stores them (max-link).
        candidates.append(stories.Candidate(story_of[i], stories.story_vectors(profiles[i], df, n), moment))
    tp = fp = fn = 0
    for a, b in itertools.combinations(indexes, 2):
        said, truth = story_of[a] == story_of[b], rows[a]["cluster"] == rows[b]["cluster"]
        tp += said and truth
        fp += said and not truth
        fn += (not said) and truth
    return prf(tp, fp, fn)


def fmt(figures: tuple[float, float, float]) -> str:
    return "P %.3f R %.3f F1 %.3f" % figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    args = parser.parse_args()
    rows = load(args.data)
    n = len(rows)
    started = time.perf_counter()
    profiles = [stories.story_profile(r["title"], r["text"]) for r in rows]
    df: Counter[str] = Counter()
    for p in profiles:
        df.update(set(p.terms) | set(p.names) | p.numbers)
    vectors = [stories.story_vectors(p, df, n) for p in profiles]
    baseline_vectors = [stories._unit(p.terms, df, n, 1.0) for p in profiles]
    print(f"{n} articles, {len(set(r['cluster'] for r in rows))} events; profiles in {time.perf_counter() - started:.1f}s")
    halves = [[i for i in range(n) if half_of(rows[i]) == h] for h in (0, 1)]
    pairs = []
    base = []
    for h in (0, 1):
        pairs.append([(stories._features(vectors[a], vectors[b]), rows[a]["cluster"] == rows[b]["cluster"])
                      for a, b in itertools.combinations(halves[h], 2)])
        base.append([((stories._dot(baseline_vectors[a], baseline_vectors[b]),), y)
                     for (a, b), (_, y) in zip(itertools.combinations(halves[h], 2), pairs[h])])
    grid = list(itertools.product(GRID_COSINE, GRID_NAMES, GRID_NUMBERS))
    shipped = (stories.WEIGHTS, stories.SAME_STORY_THRESHOLD)
    print(f"\nshipped rule: weights {shipped[0]}, threshold {shipped[1]}")
    for h in (0, 1):
        other = 1 - h
        bw, bt = fit(base[h], [(1.0,)])
        w, t = fit(pairs[h], grid)
        print(f"\nfit on half {h} ({len(halves[h])} articles), held out: half {other} ({len(halves[other])})")
        print(f"  TF-IDF cosine baseline, threshold {bt:.3f}: fitted on {fmt(pair_scores(base[h], bw, bt))}; "
              f"held out {fmt(pair_scores(base[other], bw, bt))}")
        print(f"  scoring rule, weights {w} threshold {t:.3f}: fitted on {fmt(pair_scores(pairs[h], w, t))}; "
              f"held out {fmt(pair_scores(pairs[other], w, t))}")
    print("\nshipped rule, pair by pair (its threshold was chosen on half 0, so half 0 is 'fitted on'):")
    for h in (0, 1):
        print(f"  half {h}: {fmt(pair_scores(pairs[h], *shipped))}")
    print("shipped rule through the ingest path (join the best stored story), 3 arrival orders:")
    for h in (0, 1):
        runs = [clustered(rows, profiles, halves[h], df, n, shipped[0], shipped[1], seed) for seed in range(3)]
        print(f"  half {h}: " + "; ".join(fmt(r) for r in runs))
    fps = [fingerprint(r["text"]) for r in rows]
    sim = [(is_near_duplicate(fps[a], fps[b]), rows[a]["cluster"] == rows[b]["cluster"])
           for h in (0, 1) for a, b in itertools.combinations(halves[h], 2)]
    tp = sum(s and y for s, y in sim)
    print(f"\nSimHash near-duplicate test (distance <= 10), both halves: "
          f"{fmt(prf(tp, sum(s and not y for s, y in sim), sum(y and not s for s, y in sim)))}")
    flagged = [r["id"] for r, p in zip(rows, profiles) if p.boilerplate]
    print(f"benchmark articles taken for boilerplate: {len(flagged)} of {n} {flagged[:8]}")


if __name__ == "__main__":
    main()
