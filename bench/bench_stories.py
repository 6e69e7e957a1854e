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
fit on half 0 (so half 0 is "fitted on" for them, half 1 held out for them). The features
"shared" and "dates" were chosen by looking at half 1's errors, and shipping them with 40 phrases
a profile was decided after seeing half 0 and ``--repeats`` (see the README): no figure here is
untouched by that choice. The fit asks for precision 0.91 on its half (``MIN_PRECISION``), a
margin over the goal's 0.90. It prints, in the same run:

* the TF-IDF cosine baseline (one threshold, fitted the same way);
* the rule before (five features, 150 phrases a profile) and the rule now, fitted the same way;
* the shipped rule (``bot.news.stories`` constants) pair by pair;
* the shipped rule through the ingest path (articles arrive one by one and join the
  best-scoring stored story, as ``decide`` does), in three arrival orders, with a story scored
  by the mean of its sources' scores (average link, shipped) at the join threshold (shipped)
  and at the pair threshold, and by its best source's;
* the SimHash near-duplicate test the bot had before;
* boilerplate: how many benchmark articles are taken for boilerplate (should be none);
* with ``--repeats N``: before and now fitted on N random splits of all articles into two
  halves, each half scored by the other's fit: the spread of the held-out figures, which says
  how much of a difference between two rules on the parity split is chance;
* with each held-out half, its ceiling: the best F1 at the goal's precision with the threshold
  picked on that half itself (a bound, not a score): under 0.85 no threshold can meet the goal
  with that ranking, so the limit is the features, not the fit;
* with ``--logistic``: a second fitter over the same features, an L2-regularised logistic
  regression (``logistic_fit``), both ways on the parity halves and, paired, on the random ones;
  ``--first-seed`` moves the random splits (300 on: fresh splits no study has looked at);
* with ``--quarter``: the rule fitted on half of each fitted half (a quarter of the articles),
  scored on the same held-out half: how the held-out figures move with the training data;
* with ``--variants``: the variants tried on the way (the phrase cut alone, the two features
  alone, phrase frequencies taken from their words'), each both ways with cross-validation.

No dates in the data: the time window is switched off.
"""

from __future__ import annotations

import argparse
import dataclasses
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
BEFORE_STARTS = ((0.5, 0.5, 0.5, 0.5, 0.5), (0.5, 1.0, 1.0, 0.5, 0.5), (1.0, 0.5, 0.5, 0.0, 0.5),
                 (0.0, 1.0, 1.0, 0.5, 1.0), (1.0, 1.0, 0.5, 1.0, 0.0), (0.75, 0.75, 1.0, 0.25, 0.0))
STARTS = tuple(start + (0.5, 0.5) for start in BEFORE_STARTS)
BEFORE_PHRASES = 150  # phrases a profile kept before (stories.MAX_PHRASES now)
STEPS = (0.5, 0.25, 0.1, 0.05)
# The fit picks the best F1 at this precision on its half. At exactly the goal's 0.90 the
# held-out half landed at 0.88-0.89 (a threshold fitted to the edge of one half overshoots it
# on the other), so the fit keeps a margin.
MIN_PRECISION = 0.91
GOAL_PRECISION = 0.90
GOAL_F1 = 0.85
LOGISTIC_L2 = 1.0  # the logistic fitter's ridge (``logistic_fit``), on standardized inputs
LOGISTIC_FLOOR = 0.05  # it is fitted on the pairs whose word cosine exceeds this


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


def curves(features: np.ndarray) -> np.ndarray:
    """The seven features, the square roots of the first six and four products: what lets the
    logistic model bend (``logistic_fit``)."""
    x = features
    roots = np.sqrt(np.clip(x[:, :6], 0.0, None))
    return np.c_[x, roots, x[:, 0] * x[:, 1], x[:, 1] * x[:, 4], x[:, 0] * x[:, 4], x[:, 1] * x[:, 5]]


def logistic_fit(features: np.ndarray, truth: np.ndarray, l2: float = LOGISTIC_L2):
    """A fitter compared with ``fit``: L2-regularised logistic regression (Newton's method, the
    inputs ``curves`` standardized) fitted on the pairs whose word cosine exceeds
    ``LOGISTIC_FLOOR`` (the rest are easy negatives that would dominate the loss), its threshold
    the best F1 at precision >= MIN_PRECISION on the same pairs as ``fit``'s. Returns (score
    function of a feature matrix, threshold)."""
    keep = features[:, 0] > LOGISTIC_FLOOR
    x, y = curves(features[keep]), truth[keep].astype(float)
    mean, sd = x.mean(0), x.std(0) + 1e-9
    z = np.c_[np.ones(len(x)), (x - mean) / sd]
    penalty = l2 * np.eye(z.shape[1])
    penalty[0, 0] = 0.0  # the intercept is not shrunk
    w = np.zeros(z.shape[1])
    for _ in range(50):
        p = 1.0 / (1.0 + np.exp(-z @ w))
        step = np.linalg.solve((z * (p * (1 - p))[:, None]).T @ z + penalty, z.T @ (p - y) + penalty @ w)
        w -= step
        if np.abs(step).max() < 1e-9:
            break

    def score(f: np.ndarray) -> np.ndarray:
        return np.c_[np.ones(len(f)), (curves(f) - mean) / sd] @ w

    return score, best_threshold(score(features), truth)[0]


def ceiling(scores: np.ndarray, truth: np.ndarray) -> float:
    """The best pair F1 at precision >= the goal's 0.90 with the threshold picked on the scored
    half itself: not a score (it sees the labels it is scored on) but a bound. Where it is under
    0.85 no threshold, however calibrated, meets the goal with these scores."""
    order = np.argsort(-scores, kind="stable")
    hits = truth[order]
    tp, fp = np.cumsum(hits), np.cumsum(~hits)
    precision, recall = tp / (tp + fp), tp / max(1, truth.sum())
    f1 = 2 * precision * recall / np.maximum(precision + recall, 1e-12)
    usable = np.r_[scores[order][1:] != scores[order][:-1], True] & (precision >= GOAL_PRECISION)
    return float(f1[usable].max()) if usable.any() else 0.0


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


def all_pair_features(rows) -> tuple[list, Counter[str], list, np.ndarray]:
    """Every article's profile and vectors, the set's document frequencies, and the rule's
    features of every pair as an n x n x features array (symmetric), as the join studies read them."""
    n = len(rows)
    profiles = [stories.story_profile(r["title"], r["text"]) for r in rows]
    df = doc_frequencies(profiles)
    vectors = [stories.story_vectors(p, df, n) for p in profiles]
    features = np.zeros((n, n, len(stories.WEIGHTS)))
    for a, b in itertools.combinations(range(n), 2):
        features[a, b] = features[b, a] = stories._features(vectors[a], vectors[b])
    return profiles, df, vectors, features


def pair_matrix(vectors, indexes, pair_features) -> np.ndarray:
    return np.array([pair_features(vectors[a], vectors[b]) for a, b in itertools.combinations(indexes, 2)])


def truth_of(rows, indexes) -> np.ndarray:
    return np.array([rows[a]["cluster"] == rows[b]["cluster"] for a, b in itertools.combinations(indexes, 2)])


def cross_validate(name: str, feats: list[np.ndarray], truth: list[np.ndarray], starts=STARTS) -> None:
    """Fit on each half, score the other (both directions), and pool the held-out pairs."""
    pooled, held = [0, 0, 0], {}
    print(f"  {name}:")
    for h in (0, 1):
        w, t = fit(feats[h], truth[h], starts)
        held[1 - h] = pair_scores(feats[1 - h], truth[1 - h], w, t)
        print(f"    fit on half {h}, weights {w} threshold {t:.3f}: fitted on {fmt(pair_scores(feats[h], truth[h], w, t))}"
              f"; held out half {1 - h}: {fmt(held[1 - h])} (ceiling F1 "
              f"{ceiling(feats[1 - h] @ np.array(w), truth[1 - h]):.3f})")
        pooled = [x + y for x, y in zip(pooled, counts(feats[1 - h], truth[1 - h], w, t))]
    verdict = lambda f: "met" if f[2] >= GOAL_F1 and f[0] >= GOAL_PRECISION else "NOT met"  # noqa: E731
    print(f"    cross-validated (held-out pairs pooled): {fmt(prf(*pooled))}; goal F1 >= {GOAL_F1} at P >= "
          f"{GOAL_PRECISION}: 0->1 {verdict(held[1])}, 1->0 {verdict(held[0])}, cross-validated {verdict(prf(*pooled))}")


def repeated_splits(name: str, rows, vectors, pair_features, starts, repeats: int, first_seed: int = 0,
                    logistic: bool = False, quarter: bool = False) -> None:
    """``repeats`` random splits of all articles into two halves (seeds from ``first_seed``), each
    half fitted and the other scored. Only reported (nothing is chosen by it): the spread of
    held-out figures, the ceiling (``ceiling``: the goal reachable at all with the fitted
    weights' ranking) and, with ``logistic``, the logistic fitter on the same halves, paired."""
    held, ceilings, lr_held, lr_ceilings, q_held, n = [], [], [], [], [], len(rows)
    for seed in range(first_seed, first_seed + repeats):
        side = np.random.default_rng(seed).permutation(n) % 2
        halves = [[i for i in range(n) if side[i] == h] for h in (0, 1)]
        feats = [pair_matrix(vectors, half, pair_features) for half in halves]
        truth = [truth_of(rows, half) for half in halves]
        for h in (0, 1):
            w, t = fit(feats[h], truth[h], starts)
            held.append(pair_scores(feats[1 - h], truth[1 - h], w, t))
            ceilings.append(ceiling(feats[1 - h] @ np.array(w), truth[1 - h]))
            if quarter:  # the same rule fitted on half the fitted half: what more training data buys
                mine = np.array(halves[h])
                part = list(mine[np.random.default_rng(1000 + seed).permutation(len(mine)) % 2 == 0])
                w, t = fit(pair_matrix(vectors, part, pair_features), truth_of(rows, part), starts)
                q_held.append(pair_scores(feats[1 - h], truth[1 - h], w, t))
            if logistic:
                score, t = logistic_fit(feats[h], truth[h])
                s = score(feats[1 - h])
                lr_held.append(prf(int((s >= t)[truth[1 - h]].sum()), int((s >= t)[~truth[1 - h]].sum()),
                                   int((s < t)[truth[1 - h]].sum())))
                lr_ceilings.append(ceiling(s, truth[1 - h]))
    seeds = f"seeds {first_seed}-{first_seed + repeats - 1}"
    spread(f"{name} ({seeds})", held, ceilings)
    if quarter:
        p, r, f1 = np.array(q_held).T
        dp, df1 = np.array(held)[:, 0] - p, np.array(held)[:, 2] - f1
        print(f"    fitted on a quarter of the articles (half the fitted half) instead: P {p.mean():.3f} (sd {p.std():.3f}) "
              f"R {r.mean():.3f} F1 {f1.mean():.3f} (sd {f1.std():.3f}), goal met on "
              f"{int(((f1 >= GOAL_F1) & (p >= GOAL_PRECISION)).sum())}; the half's fit minus the quarter's, per half: "
              f"P {dp.mean():+.4f} F1 {df1.mean():+.4f} (sd {df1.std():.4f})")
    if logistic:
        spread(f"{name}, logistic fitter ({seeds})", lr_held, lr_ceilings)
        d = np.array(lr_held)[:, 2] - np.array(held)[:, 2]
        dp = np.array(lr_held)[:, 0] - np.array(held)[:, 0]
        print(f"    logistic minus coordinate ascent, per half: F1 {d.mean():+.4f} (sd {d.std():.4f}, higher on "
              f"{(d > 0).sum()} of {len(d)}), P {dp.mean():+.4f}")


def spread(name: str, held: list, ceilings: list) -> None:
    p, r, f1 = np.array(held).T
    met = int(((f1 >= GOAL_F1) & (p >= GOAL_PRECISION)).sum())
    c = np.array(ceilings)
    print(f"  {name}: P {p.mean():.3f} (sd {p.std():.3f}, min {p.min():.3f}) R {r.mean():.3f} F1 {f1.mean():.3f} "
          f"(sd {f1.std():.3f}, {f1.min():.3f}-{f1.max():.3f}); goal met on {met} of {len(f1)}; ceiling (threshold "
          f"picked on the held-out half itself) F1 {c.mean():.3f}, goal reachable on {(c >= GOAL_F1).sum()} of {len(c)}")


def phrase_frequencies_from_words(phrases, df) -> dict[str, int]:
    """A variant tried (no phrase lookups): each phrase's frequency its commoner word's."""
    return {ph: min(df.get(a, 0), df.get(b, 0)) for ph in phrases for a, _, b in [ph.partition(" ")]}


def fmt(figures: tuple[float, float, float]) -> str:
    return "P %.3f R %.3f F1 %.3f" % figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--repeats", type=int, default=0, help="also fit before and now on this many random splits")
    parser.add_argument("--first-seed", type=int, default=0, help="seed of the first random split (fresh splits: 300)")
    parser.add_argument("--logistic", action="store_true", help="with --repeats: also the logistic fitter, paired")
    parser.add_argument("--quarter", action="store_true", help="with --repeats: also the rule fitted on a quarter")
    parser.add_argument("--variants", action="store_true", help="also fit and score the variants tried on the way")
    args = parser.parse_args()
    rows = load(args.data)
    n = len(rows)
    started = time.perf_counter()
    profiles = [stories.story_profile(r["title"], r["text"]) for r in rows]
    df = doc_frequencies(profiles)
    vectors = [stories.story_vectors(p, df, n) for p in profiles]
    baseline_vectors = [stories._unit(p.terms, df, n, 1.0) for p in profiles]
    # The rule before: five features, 150 phrases a profile (with their own frequencies).
    before_profiles = [stories.story_profile(r["title"], r["text"], max_phrases=BEFORE_PHRASES) for r in rows]
    before_df = doc_frequencies(before_profiles)
    before_vectors = [stories.story_vectors(p, before_df, n) for p in before_profiles]
    five = lambda a, b: stories._features(a, b)[:5]  # noqa: E731
    print(f"{n} articles, {len(set(r['cluster'] for r in rows))} events; profiles in {time.perf_counter() - started:.1f}s")
    halves = [[i for i in range(n) if half_of(rows[i]) == h] for h in (0, 1)]
    truth = [truth_of(rows, half) for half in halves]
    feats = [pair_matrix(vectors, half, stories._features) for half in halves]
    before = [pair_matrix(before_vectors, half, five) for half in halves]
    base = [pair_matrix(baseline_vectors, half, lambda a, b: (stories._dot(a, b),)) for half in halves]
    shipped = (stories.WEIGHTS, stories.SAME_STORY_THRESHOLD)
    print(f"\nfeatures (cosine, names, numbers, lead, phrases, shared, dates); shipped rule: weights {shipped[0]}, "
          f"threshold {shipped[1]}; {stories.MAX_PHRASES} phrases a profile (before: the first five features, "
          f"{BEFORE_PHRASES} phrases)")
    print(f"halves by article number parity: half 0 {len(halves[0])} articles, half 1 {len(halves[1])}")
    cross_validate("TF-IDF cosine baseline", base, truth, ((1.0,),))
    cross_validate("rule before", before, truth, BEFORE_STARTS)
    cross_validate("rule now", feats, truth, STARTS)
    if args.logistic:
        pooled = [0, 0, 0]
        print("  rule now's features, logistic fitter (logistic_fit):")
        for h in (0, 1):
            score, t = logistic_fit(feats[h], truth[h])
            s, y = score(feats[1 - h]), truth[1 - h]
            c = (int((s >= t)[y].sum()), int((s >= t)[~y].sum()), int((s < t)[y].sum()))
            pooled = [a + b for a, b in zip(pooled, c)]
            print(f"    fit on half {h}: held out half {1 - h}: {fmt(prf(*c))} (ceiling F1 {ceiling(s, y):.3f})")
        print(f"    cross-validated (held-out pairs pooled): {fmt(prf(*pooled))}")
    print("\nshipped rule, pair by pair (weights and threshold fitted on half 0: half 0 is 'fitted on', half 1 held out "
          "for them, not for the choice of features):")
    for h in (0, 1):
        print(f"  half {h}: {fmt(pair_scores(feats[h], truth[h], *shipped))}")
    print("shipped rule through the ingest path, 3 arrival orders; a story scored by the mean of its sources' "
          f"scores (shipped, LINK={stories.LINK!r}) and by its best source's (single link), joined at the join "
          f"threshold {stories.JOIN_THRESHOLD} (shipped; fitted on half 0 by bench_story_join.py) and at the pair "
          f"threshold {stories.SAME_STORY_THRESHOLD}:")
    for link, threshold in (("mean", stories.JOIN_THRESHOLD), ("mean", shipped[1]), ("max", shipped[1])):
        for h in (0, 1):
            runs = [clustered(rows, profiles, halves[h], df, n, shipped[0], threshold, seed, link) for seed in range(3)]
            print(f"  {link:<4} at {threshold} half {h}: " + "; ".join(fmt(r) for r in runs))
    if args.repeats:
        print(f"\nrandom splits of all articles in two halves ({args.repeats} splits, {2 * args.repeats} held-out halves;"
              " only reported, nothing is chosen by it):")
        repeated_splits("rule before", rows, before_vectors, five, BEFORE_STARTS, args.repeats, args.first_seed)
        repeated_splits("rule now", rows, vectors, stories._features, STARTS, args.repeats, args.first_seed,
                        args.logistic, args.quarter)
    if args.variants:
        print("\nvariants tried on the way:")
        cross_validate(f"five features, {stories.MAX_PHRASES} phrases (the phrase cut alone)",
                       [f[:, :5] for f in feats], truth, BEFORE_STARTS)
        cross_validate(f"seven features, {BEFORE_PHRASES} phrases (shared and dates alone)",
                       [pair_matrix(before_vectors, half, stories._features) for half in halves], truth, STARTS)
        from_words = [dataclasses.replace(v, phrases=stories._unit(
            p.phrases, phrase_frequencies_from_words(p.phrases, df), n, 2.0, keep=stories.MAX_VECTOR))
            for v, p in zip(before_vectors, before_profiles)]
        cross_validate(f"seven features, {BEFORE_PHRASES} phrases, a phrase's frequency its commoner word's (no phrase "
                       "lookups)", [pair_matrix(from_words, half, stories._features) for half in halves], truth, STARTS)
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
