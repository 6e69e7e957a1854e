"""Same-story detection on the story benchmark (ECB+ development half), cross-validated.

    python bench/bench_stories.py [--data ../shared/data/story-benchmark/ecbplus-dev.jsonl]

The benchmark's measure (its README): over all pairs of articles, a pair is "same story" when
both are in one ``cluster``; precision, recall and F1 of the pairs a system calls the same.

This script is also the training script of ``bot.news.stories``: it fits the seven weights and
the threshold (coordinate ascent from fixed starting points, best pair F1 at precision >=
``MIN_PRECISION``) on one half of the articles (split by the parity of the article's number) and
scores them on the other half, both ways round: a two-fold cross-validation, whose two held-out
halves are also pooled into one figure. Figures on a fitted half are labelled "fitted on"; only
the "held out" ones say how well the rule generalizes. The shipped weights and threshold are the
fit on half 0 (so half 0 is "fitted on" for them, half 1 held out for them; the features
"shared" and "dates" were chosen by looking at half 1's errors, so half 1 is not held out for
that choice). The fit asks for precision 0.91 on its half (``MIN_PRECISION``), a margin over the
goal's 0.90. It prints, in the same run:

* the TF-IDF cosine baseline (one threshold, fitted the same way);
* the rule before "shared" and "dates" (five features, 150 phrases a profile), fitted the same
  way, so before and now are compared in one run;
* the shipped rule (``bot.news.stories`` constants) pair by pair;
* the shipped rule through the ingest path (articles arrive one by one and join the
  best-scoring stored story, as ``decide`` does), in three arrival orders, with a story scored
  by the mean of its sources' scores (average link, shipped) and by its best source's;
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

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.news import stories  # noqa: E402
from bot.news.fingerprint import fingerprint, is_near_duplicate  # noqa: E402

DEFAULT_DATA = Path(__file__).resolve().parents[2] / "shared/data/story-benchmark/ecbplus-dev.jsonl"
# Starting points of the fit, one weight per feature (cosine, names, numbers, lead, phrases,
# shared, dates); the fifth is the four-feature rule shipped before phrases.
STARTS = tuple(start + (0.5, 0.5) for start in (
    (0.5, 0.5, 0.5, 0.5, 0.5), (0.5, 1.0, 1.0, 0.5, 0.5), (1.0, 0.5, 0.5, 0.0, 0.5),
    (0.0, 1.0, 1.0, 0.5, 1.0), (1.0, 1.0, 0.5, 1.0, 0.0), (0.75, 0.75, 1.0, 0.25, 0.0)))
BEFORE_STARTS = tuple(start[:5] for start in STARTS)  # the five-feature rule shipped before shared and dates
BEFORE_PHRASES = 150
STEPS = (0.5, 0.25, 0.1, 0.05)
# The fit picks the best F1 at this precision on its half. At exactly the goal's 0.90 the
# held-out half landed at 0.88-0.89 (a threshold fitted to the edge of one half overshoots it
# on the other), so the fit keeps a margin.
MIN_PRECISION = 0.91
GOAL_PRECISION = 0.90
GOAL_F1 = 0.85


def load(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def half_of(row: dict) -> int:
    match = re.match(r"\d+_(\d+)", row["id"])
    return int(match.group(1)) % 2 if match else 0


def prf(tp: int, fp: int, fn: int) -> tuple[float, float, float]:
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def best_threshold(scores: np.ndarray, truth: np.ndarray) -> tuple[float, float]:
    """(threshold, F1) of the best pair F1 at precision >= MIN_PRECISION; (inf, 0) if none."""
    order = np.argsort(-scores, kind="stable")
    ranked, hits = scores[order], truth[order]
    tp, fp = np.cumsum(hits), np.cumsum(~hits)
    precision, recall = tp / (tp + fp), tp / max(1, truth.sum())
    f1 = 2 * precision * recall / np.maximum(precision + recall, 1e-12)
    usable = np.r_[ranked[1:] != ranked[:-1], True] & (precision >= MIN_PRECISION)  # cut between distinct scores
    if not usable.any():
        return float("inf"), 0.0
    best = int(np.argmax(np.where(usable, f1, -1.0)))
    return float(ranked[best]), float(f1[best])


def fit(features: np.ndarray, truth: np.ndarray, starts=STARTS) -> tuple[tuple[float, ...], float]:
    """Weights and threshold with the best pair F1 at precision >= MIN_PRECISION: coordinate
    ascent over each weight in shrinking steps, from each of ``starts`` (deterministic)."""
    best_f1, best_w = -1.0, np.array(starts[0])
    for start in starts:
        w = np.array(start, dtype=float)
        f1 = best_threshold(features @ w, truth)[1]
        for step in STEPS:
            improved = True
            while improved:
                improved = False
                for i in range(len(w)):
                    for delta in (step, -step):
                        trial = w.copy()
                        trial[i] = max(0.0, trial[i] + delta)
                        score = best_threshold(features @ trial, truth)[1]
                        if score > f1 + 1e-9:
                            w, f1, improved = trial, score, True
        if f1 > best_f1:
            best_f1, best_w = f1, w
    scale = float(best_w.max()) or 1.0  # the largest weight 1.0: the same rule, readable numbers
    best_w = best_w / scale
    return tuple(round(float(x), 3) for x in best_w), best_threshold(features @ best_w, truth)[0]


def counts(features: np.ndarray, truth: np.ndarray, weights, threshold: float) -> tuple[int, int, int]:
    said = features @ np.array(weights) >= threshold
    return int((said & truth).sum()), int((said & ~truth).sum()), int((~said & truth).sum())


def pair_scores(features: np.ndarray, truth: np.ndarray, weights, threshold: float) -> tuple[float, float, float]:
    return prf(*counts(features, truth, weights, threshold))


def clustered(rows, profiles, indexes, df, n, weights, threshold, seed, link="max") -> tuple[float, float, float]:
    """Articles arrive one by one (shuffled by ``seed``) and join a story as ``decide`` says."""
    order = list(indexes)
    random.Random(seed).shuffle(order)
    story_of: dict[int, int] = {}
    candidates: list[stories.Candidate] = []
    moment = datetime(2026, 1, 1, tzinfo=UTC)
    for i in order:
        decision = stories.decide(profiles[i], candidates, df, n, now=moment, window=None,
                                  threshold=threshold, weights=tuple(weights), link=link)  # type: ignore[arg-type]
        story_of[i] = i if decision.story_id is None else decision.story_id
        # Every source's text keys its story, as the bot stores them.
        candidates.append(stories.Candidate(story_of[i], stories.story_vectors(profiles[i], df, n), moment))
    tp = fp = fn = 0
    for a, b in itertools.combinations(indexes, 2):
        said, truth = story_of[a] == story_of[b], rows[a]["cluster"] == rows[b]["cluster"]
        tp += said and truth
        fp += said and not truth
        fn += (not said) and truth
    return prf(tp, fp, fn)


def doc_frequencies(profiles: list[stories.StoryProfile]) -> Counter[str]:
    df: Counter[str] = Counter()
    for p in profiles:
        df.update(set(p.terms) | set(p.names) | p.numbers | set(p.lead) | set(p.phrases))  # as bot.storyflow counts them
    return df


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
    df = doc_frequencies(profiles)
    vectors = [stories.story_vectors(p, df, n) for p in profiles]
    baseline_vectors = [stories._unit(p.terms, df, n, 1.0) for p in profiles]
    # The rule before "shared" and "dates", with its 150 phrases a profile (its own frequencies).
    before_profiles = [stories.story_profile(r["title"], r["text"], max_phrases=BEFORE_PHRASES) for r in rows]
    before_df = doc_frequencies(before_profiles)
    before_vectors = [stories.story_vectors(p, before_df, n) for p in before_profiles]
    print(f"{n} articles, {len(set(r['cluster'] for r in rows))} events; profiles in {time.perf_counter() - started:.1f}s")
    halves = [[i for i in range(n) if half_of(rows[i]) == h] for h in (0, 1)]
    feats, before, base, truth = [], [], [], []
    for h in (0, 1):
        pairs = list(itertools.combinations(halves[h], 2))
        truth.append(np.array([rows[a]["cluster"] == rows[b]["cluster"] for a, b in pairs]))
        feats.append(np.array([stories._features(vectors[a], vectors[b]) for a, b in pairs]))
        before.append(np.array([stories._features(before_vectors[a], before_vectors[b])[:5] for a, b in pairs]))
        base.append(np.array([[stories._dot(baseline_vectors[a], baseline_vectors[b])] for a, b in pairs]))
    shipped = (stories.WEIGHTS, stories.SAME_STORY_THRESHOLD)
    print(f"\nfeatures (cosine, names, numbers, lead, phrases, shared, dates); shipped rule: weights {shipped[0]}, "
          f"threshold {shipped[1]}")
    print(f"before: the first five, {BEFORE_PHRASES} phrases a profile; now: all seven, {stories.MAX_PHRASES} phrases")
    verdict = lambda f: "met" if f[2] >= GOAL_F1 and f[0] >= GOAL_PRECISION else "NOT met"  # noqa: E731
    systems = (("TF-IDF cosine baseline", base, ((1.0,),)), ("rule before", before, BEFORE_STARTS),
               ("rule now", feats, STARTS))
    for name, f, starts in systems:
        pooled, held = [0, 0, 0], {}
        print(f"\n{name}:")
        for h in (0, 1):
            other = 1 - h
            w, t = fit(f[h], truth[h], starts)
            held[other] = pair_scores(f[other], truth[other], w, t)
            print(f"  fit on half {h} ({len(halves[h])} articles), weights {w} threshold {t:.3f}: "
                  f"fitted on {fmt(pair_scores(f[h], truth[h], w, t))}; held out half {other} {fmt(held[other])}")
            pooled = [x + y for x, y in zip(pooled, counts(f[other], truth[other], w, t))]
        print(f"  cross-validated (2 folds by parity, held-out pairs pooled): {fmt(prf(*pooled))}")
        print(f"  goal F1 >= {GOAL_F1} at P >= {GOAL_PRECISION}: half 0->1 {verdict(held[1])}, "
              f"half 1->0 {verdict(held[0])}, cross-validated {verdict(prf(*pooled))}")
    print("\nshipped rule, pair by pair (weights and threshold fitted on half 0: half 0 is 'fitted on'; half 1 held out "
          "for them, but 'shared' and 'dates' were chosen looking at half 1's errors):")
    for h in (0, 1):
        print(f"  half {h}: {fmt(pair_scores(feats[h], truth[h], *shipped))}")
    print("shipped rule through the ingest path, 3 arrival orders; a story scored by the mean of its sources' "
          f"scores (shipped, LINK={stories.LINK!r}) and by its best source's (single link):")
    for link in ("mean", "max"):
        for h in (0, 1):
            runs = [clustered(rows, profiles, halves[h], df, n, shipped[0], shipped[1], seed, link) for seed in range(3)]
            print(f"  {link:<4} half {h}: " + "; ".join(fmt(r) for r in runs))
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
