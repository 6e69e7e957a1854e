"""Contradiction evidence and story-level join rules for the ingest path, on held-out halves.

    python bench/bench_story_evidence.py [--repeats 10] [--fresh 10] [--data ...ecbplus-dev.jsonl]

The question (#12): through the ingest path the shipped rule (join the story whose sources score
best on average, at ``JOIN_THRESHOLD``) meets the goal (F1 >= 0.85 at P >= 0.90) on the mean of
20 held-out halves but on only half of them, and one arrival order of a parity half falls to
P 0.86. The false joins come from a few topics whose two events look alike (two Internet
Explorer patches, 2008 and 2013; two Chargers players' DUI arrests). Is there evidence of a new
kind that keeps those apart, or a story-level rule that makes arrival order matter less?

Each rule decides, for an arriving article and each stored story, whether the story may be
joined; the article joins the eligible story with the best mean score, as ``stories.decide``
does. The rules, each with one fixed parameter chosen by reading the false joins of the parity
half 0 under the shipped weights (the half those weights were fitted on; never on a held-out
half, never on the random halves below):

* ``mean``: the shipped rule, mean >= T;
* ``min``: and every one of the story's sources scores at least ``MIN_SHARE`` x T (an article
  that one source flatly disagrees with does not join, so a story that took in a stray source
  does not grow on its strength);
* ``share``: and at least half of the story's sources score >= T on their own;
* ``cohesion``: and the mean is at least ``COHESION`` x the story's own cohesion (the mean score
  among its sources): another event of the kind scores well under a tight story's own level;
* ``years``: contradiction evidence as a discount: the mean minus ``DISCOUNT`` x T x the share of
  the story's sources whose years contradict the article's (both name years, none in common:
  2008 against 2013);
* ``quantities``: the same discount for a contradicting key quantity (both give a number before
  the same word, "6.1 magnitude" / "7.3 magnitude", "12 killed" / "30 killed", and no such
  number-word pair agrees);
* ``names``: the same discount when the subjects differ (each side's most frequent name, named at
  least twice, is absent from the other's names: Jackson against Williams);
* ``any``: the three discounts as one (any of them contradicts).

T is fitted on the training half for every rule (best mean F1 over ``ORDERS`` arrival orders at
mean P >= ``MIN_PRECISION``), after the weights and pair threshold are fitted pair by pair on that
half (``bench_stories.fit``); the other half is scored. Splits: the parity halves both ways, the
random splits of ``bench_stories.py --repeats`` (seeds 0..repeats-1) and ``--fresh`` splits
(seeds from 200, used by no earlier study nor while choosing anything here). Per held-out half:
mean P and F1 over the arrival orders and the worst order's P; then, over the halves, the
differences to ``mean`` paired by half.

No dates in the data: no time window. Document frequencies over all articles, as in
``bench_stories.py``. The quantities and the subject names are read from the text here; the
bot's stored vectors do not hold them (shipping either would add a stored field).
"""

from __future__ import annotations

import argparse
import itertools
import random
import re
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_stories as bs  # noqa: E402

from bot.news import stories  # noqa: E402
from bot.news.textsearch import stem_terms  # noqa: E402

ORDERS = 5
MIN_PRECISION = 0.91
GRID = np.round(np.arange(0.15, 0.60, 0.01), 3)
FRESH_SEED = 200
# The fixed parameters, chosen on parity half 0 under the shipped weights (see the docstring).
MIN_SHARE = 0.45  # at T 0.33: a floor of 0.15 on every source
COHESION = 0.6
DISCOUNT = 0.3  # at T 0.33: 0.1 off the mean when every source contradicts
_QTOKEN_RE = re.compile(r"\d+(?:[.,]\d+)?|[^\W\d_][\w'’-]*")
_QNUMBER_RE = re.compile(r"\d+(?:[.,]\d+)?$")

# (article, stored indexes, their stories, their scores, counts by story, means by story, T) -> eligible
Rule = Callable[[int, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, float], np.ndarray]


def quantities(title: str, text: str) -> dict[str, set[str]]:
    """word stem -> the numbers written just before it (years left out: ``dates`` has them)."""
    found: dict[str, set[str]] = defaultdict(set)
    for sentence in stories._SENTENCE_RE.split(f"{title}\n{text}"):
        tokens = _QTOKEN_RE.findall(sentence)
        for token, after in zip(tokens, tokens[1:]):
            if _QNUMBER_RE.match(token) and not _QNUMBER_RE.match(after) and not (
                    len(token) == 4 and token[:2] in ("19", "20")):
                if stem := stem_terms(after):
                    found[stem[0]].add(token)
    return found


def subject(profile: stories.StoryProfile) -> str | None:
    names = [(c, t) for t, c in profile.names.items() if not t.startswith("0") and c >= 2]
    return min(names, key=lambda ct: (-ct[0], ct[1]))[1] if names else None


def contradiction_matrices(rows, profiles, features) -> dict[str, np.ndarray]:
    n = len(rows)
    qs = [quantities(r["title"], r["text"]) for r in rows]
    subjects = [subject(p) for p in profiles]
    q = np.zeros((n, n), bool)
    names = np.zeros((n, n), bool)
    for a, b in itertools.combinations(range(n), 2):
        units = qs[a].keys() & qs[b].keys()
        if units and not any(qs[a][u] & qs[b][u] for u in units):
            q[a, b] = q[b, a] = True
        sa, sb = subjects[a], subjects[b]
        if sa and sb and sa not in profiles[b].names and sb not in profiles[a].names:
            names[a, b] = names[b, a] = True
    years = features[:, :, 6] < 0
    return {"years": years, "quantities": q, "names": names, "any": years | q | names}


def make_rules(contra: dict[str, np.ndarray]) -> dict[str, Callable[[np.ndarray], Rule]]:
    """name -> (pair score matrix) -> rule."""
    n = next(iter(contra.values())).shape[0]

    def mean(score):
        return lambda i, idx, labels, s, counts, means, t: means >= t

    def floor(score):
        def rule(i, idx, labels, s, counts, means, t):
            low = np.full(n, np.inf)
            np.minimum.at(low, labels, s)
            return (means >= t) & (low >= MIN_SHARE * t)
        return rule

    def share(score):
        def rule(i, idx, labels, s, counts, means, t):
            return (means >= t) & (np.bincount(labels, s >= t, minlength=n) >= 0.5 * counts)
        return rule

    def cohesion(score):
        def rule(i, idx, labels, s, counts, means, t):
            ok = means >= t
            for story in np.nonzero(ok & (counts >= 2))[0]:
                members = idx[labels == story]
                inner = score[np.ix_(members, members)]
                if means[story] < COHESION * (inner.sum() - np.trace(inner)) / (len(members) * (len(members) - 1)):
                    ok[story] = False
            return ok
        return rule

    def discount(matrix):
        def per_score(score):
            def rule(i, idx, labels, s, counts, means, t):
                contradicting = np.bincount(labels, matrix[i, idx], minlength=n) / np.maximum(counts, 1)
                return means - DISCOUNT * t * contradicting >= t
            return rule
        return per_score

    return {"mean": mean, "min": floor, "share": share, "cohesion": cohesion,
            **{name: discount(m) for name, m in contra.items()}}


def stories_of(score: np.ndarray, members: list[int], rule: Rule, t: float, seed: int) -> np.ndarray:
    """The story of each of ``members`` (an article index) as the ingest path makes them in
    ``seed``'s order."""
    n = score.shape[0]
    order = list(members)
    random.Random(seed).shuffle(order)  # the orders of bench_stories.clustered
    story = np.full(n, -1)
    stored: list[int] = []
    for i in order:
        story[i] = i
        if stored:
            idx = np.array(stored)
            labels, s = story[idx], score[i, idx]
            counts = np.bincount(labels, minlength=n)
            means = np.where(counts > 0, np.bincount(labels, s, minlength=n) / np.maximum(counts, 1), -np.inf)
            eligible = np.where(rule(i, idx, labels, s, counts, means, t) & (means > 0), means, -np.inf)
            best = int(np.argmax(eligible))
            if np.isfinite(eligible[best]):
                story[i] = best
        stored.append(i)
    return story


def simulate(score: np.ndarray, members: list[int], same: np.ndarray, rule: Rule, t: float, seed: int,
             ) -> tuple[float, float, float]:
    """(P, R, F1) of the stories the ingest path makes of ``members`` in ``seed``'s order."""
    story = stories_of(score, members, rule, t, seed)
    m = np.array(members)
    upper = np.triu_indices(len(m), 1)
    said, truth = (story[m][:, None] == story[m][None, :])[upper], same[np.ix_(m, m)][upper]
    return bs.prf(int((said & truth).sum()), int((said & ~truth).sum()), int((truth & ~said).sum()))


def ingest(score, members, same, rule, t) -> np.ndarray:
    return np.array([simulate(score, members, same, rule, t, seed) for seed in range(ORDERS)])


def fit_join(score, members, same, rule) -> float:
    best_t, best_f1 = float(GRID[-1]), -1.0
    for t in GRID:
        runs = ingest(score, members, same, rule, float(t))
        if runs[:, 0].mean() >= MIN_PRECISION and runs[:, 2].mean() > best_f1:
            best_t, best_f1 = float(t), float(runs[:, 2].mean())
    return best_t


def false_pairs_by_topic(score, members, same, topics, rule, t) -> Counter[str]:
    """The false joins' pairs over the arrival orders, by topic ("across" for two topics)."""
    found: Counter[str] = Counter()
    m = np.array(members)
    upper = np.triu_indices(len(m), 1)
    for seed in range(ORDERS):
        story = stories_of(score, members, rule, t, seed)
        wrong = (story[m][:, None] == story[m][None, :])[upper] & ~same[np.ix_(m, m)][upper]
        for a, b in zip(m[upper[0][wrong]], m[upper[1][wrong]]):
            found[topics[a] if topics[a] == topics[b] else "across"] += 1
    return found


def held_out(features, same, rules, splits, label, topics, false_topics: Counter[str]) -> dict[str, np.ndarray]:
    """rule -> one row per held-out half: mean P, mean F1, worst order's P, worst order's F1, T;
    ``false_topics`` gathers the shipped rule's false pairs by topic."""
    out: dict[str, list] = {name: [] for name in rules}
    for name_of_split, halves in splits:
        for h in (0, 1):
            train, test = halves[h], halves[1 - h]
            pairs = np.array(list(itertools.combinations(train, 2)))
            w, _ = bs.fit(features[pairs[:, 0], pairs[:, 1]], same[pairs[:, 0], pairs[:, 1]], bs.STARTS)
            score = features @ np.array(w)
            line = f"    {label} {name_of_split}, held out half {1 - h}:"
            for name, make in rules.items():
                rule = make(score)
                t = fit_join(score, train, same, rule)
                runs = ingest(score, test, same, rule, t)
                out[name].append((runs[:, 0].mean(), runs[:, 2].mean(), runs[:, 0].min(), runs[:, 2].min(), t))
                if name == "mean":
                    false_topics.update(false_pairs_by_topic(score, test, same, topics, rule, t))
                line += f" {name} {t:.2f} P {runs[:, 0].mean():.3f}/{runs[:, 0].min():.3f} F1 {runs[:, 2].mean():.3f};"
            print(line, flush=True)
    return {name: np.array(rows) for name, rows in out.items()}


def summary(results: dict[str, np.ndarray]) -> None:
    base = results["mean"]
    for name, r in results.items():
        met = int(((r[:, 0] >= bs.GOAL_PRECISION) & (r[:, 1] >= bs.GOAL_F1)).sum())
        line = (f"  {name:<10} P {r[:, 0].mean():.3f} (sd {r[:, 0].std():.3f}, min {r[:, 0].min():.3f}) "
                f"F1 {r[:, 1].mean():.3f} (sd {r[:, 1].std():.3f}); worst order P {r[:, 2].mean():.3f} "
                f"(min {r[:, 2].min():.3f}); goal met on {met} of {len(r)}")
        if name != "mean":
            dp, df1 = r[:, 0] - base[:, 0], r[:, 1] - base[:, 1]
            line += (f"; vs mean per half: P {dp.mean():+.4f} (sd {dp.std():.4f}), F1 {df1.mean():+.4f} "
                     f"(sd {df1.std():.4f}, higher on {(df1 > 0).sum()})")
        print(line, flush=True)


def random_halves(n: int, seed: int) -> list[list[int]]:
    side = np.random.default_rng(seed).permutation(n) % 2
    return [[i for i in range(n) if side[i] == h] for h in (0, 1)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=bs.DEFAULT_DATA)
    parser.add_argument("--repeats", type=int, default=10, help="random splits of bench_stories --repeats (seeds 0..)")
    parser.add_argument("--fresh", type=int, default=10, help=f"random splits from seed {FRESH_SEED}, chosen on nothing")
    parser.add_argument("--rules", default="", help="comma-separated subset of the rules (mean is always scored)")
    args = parser.parse_args()
    rows = bs.load(args.data)
    n = len(rows)
    started = time.perf_counter()
    profiles, df, vectors, features = bs.all_pair_features(rows)
    clusters = np.array([r["cluster"] for r in rows])
    topics = [r["topic"] for r in rows]
    titles = {r["topic"]: r["title"][:40] for r in sorted(rows, key=lambda r: r["id"])}
    same = clusters[:, None] == clusters[None, :]
    contra = contradiction_matrices(rows, profiles, features)
    rules = make_rules(contra)
    if args.rules:
        rules = {name: rules[name] for name in ["mean", *args.rules.split(",")] if name in rules}
    print(f"{n} articles, pair features in {time.perf_counter() - started:.0f}s; join threshold fitted at mean P >= "
          f"{MIN_PRECISION} over {ORDERS} arrival orders; MIN_SHARE {MIN_SHARE}, COHESION {COHESION}, DISCOUNT {DISCOUNT}")
    upper = np.triu_indices(n, 1)
    near = (features @ np.array(stories.WEIGHTS))[upper] >= stories.JOIN_THRESHOLD  # the shipped rule's joins
    truth = same[upper]
    print(f"  of the {int(near.sum())} pairs the shipped weights score >= JOIN_THRESHOLD ({int((near & truth).sum())} "
          f"same story, {int((near & ~truth).sum())} not), each contradiction fires on:")
    for name, m in contra.items():
        hits = m[upper] & near
        print(f"    {name}: {int((hits & truth).sum())} same-story pairs, {int((hits & ~truth).sum())} others")
    parity = [[i for i in range(n) if bs.half_of(rows[i]) == h] for h in (0, 1)]
    for label, splits in (("parity", [("parity", parity)]),
                          (f"{args.repeats} random splits (seeds 0-{args.repeats - 1})",
                           [(f"seed {s}", random_halves(n, s)) for s in range(args.repeats)]),
                          (f"{args.fresh} fresh splits (seeds {FRESH_SEED}-{FRESH_SEED + args.fresh - 1})",
                           [(f"seed {s}", random_halves(n, s)) for s in range(FRESH_SEED, FRESH_SEED + args.fresh)])):
        if not splits:
            continue
        print(f"\n{label}:", flush=True)
        started = time.perf_counter()
        false_topics: Counter[str] = Counter()
        summary(held_out(features, same, rules, splits, label.split(" ")[0], topics, false_topics))
        total = sum(false_topics.values()) or 1
        print(f"  the shipped rule's false pairs ({total} over the halves and orders), by topic: " + ", ".join(
            f"{topic} {count / total:.0%} ({titles[topic]})" if topic in titles else f"{topic} {count / total:.0%}"
            for topic, count in false_topics.most_common(6)))
        print(f"  ({time.perf_counter() - started:.0f}s)")


if __name__ == "__main__":
    main()
