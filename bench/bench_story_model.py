"""A learned pair model for same-story detection, against the shipped rule, on held-out halves.

    python bench/bench_story_model.py [--repeats 10] [--fresh 10] [--data ...ecbplus-dev.jsonl]

The question (#12): the seven hand-weighted features of ``bot.news.stories`` plateau at a
held-out pair F1 of about 0.85, precision about 0.89, meeting the goal (F1 >= 0.85 at P >= 0.90)
on a few of 20 held-out halves. Does another model family over a richer feature set do better?

The model tried is a logistic regression (Newton's method, L2 1.0, features standardized on the
training half), fitted on the pairs of one half of the articles; its threshold is the best pair
F1 at precision >= ``MIN_PRECISION`` (0.91, the same margin the rule's fit keeps) on that half.
Features, per pair of articles:

* the rule's seven (cosine, names, numbers, lead, phrases, shared, dates: ``stories._features``);
* eleven more read off the same stored vectors, so they would cost the check no lookups: the
  number of shared names, phrases and numbers (log 1 + n), the smaller share of each side's
  word weight on shared stems and on shared phrases, the lead of one against the words of the
  other, whether both have names and both numbers, the shorter vector's size, the cosine of the
  cross-script name keys alone, whether a year is shared;
* nine from the text, which the stored vectors do not hold (new stored fields, more lookups):
  the TF-IDF cosine of character 4-grams, the title-to-title cosine, months and weekdays that
  contradict (both name some, none in common), a month in common, and overlaps of stem
  trigrams (the share of the smaller side's, their number, of 4-grams, of rare trigrams);
* "+ curves": the square roots of the first five and three products (cosine x names,
  names x phrases, cosine x phrases), which let a linear model bend.

Both sides are fitted and scored on exactly the same random splits as ``bench_stories.py
--repeats`` (split ``seed`` puts article ``i`` in half ``permutation(n)[i] % 2``): seeds
0..repeats-1, each half fitted, the other scored. ``--fresh N`` scores on N more splits (seeds
from 100) that no variant below was chosen on: the variants were picked while looking at seeds
0-9, so on those the best of them is flattered by the choice; the fresh splits are not.
Per half, the difference to the rule is printed too (paired: the same held-out half).

Document frequencies are counted over all 496 articles, as ``bench_stories.py`` counts them
(no labels are involved). Nothing here is shipped: the verdict and figures are in the README.
"""

from __future__ import annotations

import argparse
import itertools
import math
import re
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_stories as bs  # noqa: E402

from bot.news import stories  # noqa: E402
from bot.news.stories import StoryVectors, _dot, _shared, _years  # noqa: E402
from bot.news.textsearch import stem_terms  # noqa: E402

MIN_PRECISION = bs.MIN_PRECISION
FRESH_SEED = 100  # fresh splits start here, far from the seeds the variants were chosen on
_MONTH_RE = re.compile(r"\b(Jan(?:uary)?|Feb(?:ruary)?|March|Mar\.|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|"
                       r"Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\b")
_WEEKDAY_RE = re.compile(r"\b(monday|tuesday|wednesday|thursday|friday|saturday|sunday)\b", re.IGNORECASE)
RULE = list(range(7))
STORED = list(range(18))  # the rule's seven and the eleven read off the stored vectors
ALL = list(range(27))


def stored_extras(a: StoryVectors, b: StoryVectors) -> tuple[float, ...]:
    keys_a = {k: v for k, v in a.names.items() if k.startswith("0")}
    keys_b = {k: v for k, v in b.names.items() if k.startswith("0")}
    return (
        math.log1p(len(a.names.keys() & b.names.keys())), math.log1p(len(a.phrases.keys() & b.phrases.keys())),
        math.log1p(len(a.numbers.keys() & b.numbers.keys())), _shared(a.terms, b.terms),
        max(_dot(a.lead, b.terms), _dot(a.terms, b.lead)), float(bool(a.names) and bool(b.names)),
        float(bool(a.numbers) and bool(b.numbers)), min(len(a.terms), len(b.terms)) / stories.MAX_VECTOR,
        _dot(keys_a, keys_b), float(bool(_years(a.numbers) & _years(b.numbers))), _shared(a.phrases, b.phrases),
    )


def _unit_tfidf(counts: Counter[str], df: Counter[str], n: int) -> dict[str, float]:
    w = {t: (1 + math.log(c)) * (math.log((n + 1) / (df[t] + 1)) + 1) for t, c in counts.items()}
    norm = math.sqrt(sum(x * x for x in w.values())) or 1.0
    return {t: x / norm for t, x in w.items()}


class TextSide:
    """What the nine text features need of one article."""

    def __init__(self, rows: list[dict], df: Counter[str]) -> None:
        n = len(rows)
        grams = [Counter(t[i:i + 4] for i in range(len(t) - 3))
                 for t in (re.sub(r"\s+", " ", (r["title"] + " " + r["text"]).lower()) for r in rows)]
        gram_df: Counter[str] = Counter()
        for g in grams:
            gram_df.update(g.keys())
        self.chars = [_unit_tfidf(g, gram_df, n) for g in grams]
        self.titles = [stories._unit(dict(Counter(stem_terms(r["title"]))), df, n, 1.0) for r in rows]
        both = [r["title"] + "\n" + r["text"] for r in rows]
        self.months = [{m.group(1)[:3].lower() for m in _MONTH_RE.finditer(t)} for t in both]
        self.weekdays = [{w.lower() for w in _WEEKDAY_RE.findall(t)} for t in both]
        self.tri = [self._shingles(t, 3) for t in both]
        self.quad = [self._shingles(t, 4) for t in both]
        self.tri_df: Counter[str] = Counter()
        for s in self.tri:
            self.tri_df.update(s)

    @staticmethod
    def _shingles(text: str, k: int) -> set[str]:
        out: set[str] = set()
        for sentence in stories._SENTENCE_RE.split(text):
            st = stem_terms(sentence)
            out.update(" ".join(st[i:i + k]) for i in range(len(st) - k + 1))
        return out

    def features(self, a: int, b: int) -> tuple[float, ...]:
        ma, mb, wa, wb = self.months[a], self.months[b], self.weekdays[a], self.weekdays[b]
        common = self.tri[a] & self.tri[b]
        return (
            _dot(self.chars[a], self.chars[b]), _dot(self.titles[a], self.titles[b]),
            -1.0 if ma and mb and not ma & mb else 0.0, float(bool(ma & mb)),
            -1.0 if wa and wb and not wa & wb else 0.0,
            len(common) / max(1, min(len(self.tri[a]), len(self.tri[b]))), math.log1p(len(common)),
            math.log1p(len(self.quad[a] & self.quad[b])), math.log1p(sum(1 for t in common if self.tri_df[t] <= 10)),
        )


def curves(z: np.ndarray) -> np.ndarray:
    return np.c_[z, np.sqrt(np.clip(z[:, :5], 0, None)), z[:, 0] * z[:, 1], z[:, 1] * z[:, 4], z[:, 0] * z[:, 4]]


def logistic(z: np.ndarray, y: np.ndarray, l2: float = 1.0, iters: int = 40) -> np.ndarray:
    """Weights (the last the intercept) of an L2-regularized logistic regression, by Newton."""
    z1 = np.c_[z, np.ones(len(z))]
    w = np.zeros(z1.shape[1])
    ridge = l2 * np.r_[np.ones(len(w) - 1), 0.0]
    for _ in range(iters):
        p = 1 / (1 + np.exp(-(z1 @ w)))
        step = np.linalg.solve((z1 * (p * (1 - p))[:, None]).T @ z1 + np.diag(ridge), z1.T @ (p - y) + ridge * w)
        w -= step
        if np.abs(step).max() < 1e-8:
            break
    return w


def threshold_at(scores: np.ndarray, truth: np.ndarray, min_precision: float) -> float:
    saved, bs.MIN_PRECISION = bs.MIN_PRECISION, min_precision
    try:
        return bs.best_threshold(scores, truth)[0]
    finally:
        bs.MIN_PRECISION = saved


def figures(said: np.ndarray, truth: np.ndarray) -> tuple[float, float, float]:
    return bs.prf(int((said & truth).sum()), int((said & ~truth).sum()), int((~said & truth).sum()))


Scorer = Callable[[np.ndarray, np.ndarray, np.ndarray], np.ndarray]  # (train X, train y, test X) -> said


def rule_scorer(x: np.ndarray, y: np.ndarray, test: np.ndarray) -> np.ndarray:
    w, t = bs.fit(x[:, RULE], y, bs.STARTS)
    return test[:, RULE] @ np.array(w) >= t


def model_scorer(cols: list[int], bend: bool) -> Scorer:
    def score(x: np.ndarray, y: np.ndarray, test: np.ndarray) -> np.ndarray:
        z, zt = x[:, cols], test[:, cols]
        if bend:
            z, zt = curves(z), curves(zt)
        mu, sd = z.mean(0), z.std(0) + 1e-9
        w = logistic((z - mu) / sd, y.astype(float))
        s = np.c_[(z - mu) / sd, np.ones(len(z))] @ w
        return np.c_[(zt - mu) / sd, np.ones(len(zt))] @ w >= threshold_at(s, y, MIN_PRECISION)
    return score


def halves_of(seed: int, n: int, pairs: np.ndarray) -> list[np.ndarray]:
    side = np.random.default_rng(seed).permutation(n) % 2
    return [(side[pairs[:, 0]] == h) & (side[pairs[:, 1]] == h) for h in (0, 1)]


def held_out(scorer: Scorer, x: np.ndarray, y: np.ndarray, pairs: np.ndarray, seeds: range, n: int) -> np.ndarray:
    out = []
    for seed in seeds:
        masks = halves_of(seed, n, pairs)
        for h in (0, 1):
            train, test = masks[h], masks[1 - h]
            out.append(figures(scorer(x[train], y[train], x[test]), y[test]))
    return np.array(out)


def report(name: str, r: np.ndarray, rule: np.ndarray | None) -> None:
    met = int(((r[:, 2] >= bs.GOAL_F1) & (r[:, 0] >= bs.GOAL_PRECISION)).sum())
    line = (f"  {name:<44} P {r[:, 0].mean():.3f} (sd {r[:, 0].std():.3f}) R {r[:, 1].mean():.3f} "
            f"F1 {r[:, 2].mean():.3f} (sd {r[:, 2].std():.3f}); goal met on {met} of {len(r)}")
    if rule is not None:
        d_f1, d_p = r[:, 2] - rule[:, 2], r[:, 0] - rule[:, 0]
        line += (f"; vs rule per half: F1 {d_f1.mean():+.4f} (sd {d_f1.std():.4f}, higher on {(d_f1 > 0).sum()}), "
                 f"P {d_p.mean():+.4f} (sd {d_p.std():.4f})")
    print(line, flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=bs.DEFAULT_DATA)
    parser.add_argument("--repeats", type=int, default=10, help="random splits the variants were chosen on")
    parser.add_argument("--fresh", type=int, default=10, help="random splits no variant was chosen on")
    args = parser.parse_args()
    rows = bs.load(args.data)
    n = len(rows)
    started = time.perf_counter()
    profiles = [stories.story_profile(r["title"], r["text"]) for r in rows]
    df = bs.doc_frequencies(profiles)
    vectors = [stories.story_vectors(p, df, n) for p in profiles]
    text = TextSide(rows, df)
    pairs = np.array(list(itertools.combinations(range(n), 2)))
    x = np.array([stories._features(vectors[a], vectors[b]) + stored_extras(vectors[a], vectors[b])
                  + text.features(a, b) for a, b in pairs])
    y = np.array([rows[a]["cluster"] == rows[b]["cluster"] for a, b in pairs])
    print(f"{n} articles, {len(pairs)} pairs ({int(y.sum())} same story), {x.shape[1]} features, "
          f"in {time.perf_counter() - started:.0f}s")
    variants = [
        ("logistic, the rule's 7 features", model_scorer(RULE, False)),
        ("logistic, 18 stored features", model_scorer(STORED, False)),
        ("logistic, 18 stored features + curves", model_scorer(STORED, True)),
        ("logistic, all 27 features", model_scorer(ALL, False)),
        ("logistic, all 27 features + curves", model_scorer(ALL, True)),
    ]
    for label, seeds in (("chosen on", range(args.repeats)), ("fresh", range(FRESH_SEED, FRESH_SEED + args.fresh))):
        if not len(seeds):
            continue
        print(f"\n{len(seeds)} random splits ({label}: seeds {seeds.start}-{seeds.stop - 1}), "
              f"{2 * len(seeds)} held-out halves, fit at P >= {MIN_PRECISION}:")
        started = time.perf_counter()
        rule = held_out(rule_scorer, x, y, pairs, seeds, n)
        report("shipped rule's family (7 weights, refitted)", rule, None)
        for name, scorer in variants:
            report(name, held_out(scorer, x, y, pairs, seeds, n), rule)
        print(f"  ({time.perf_counter() - started:.0f}s)")


if __name__ == "__main__":
    main()
