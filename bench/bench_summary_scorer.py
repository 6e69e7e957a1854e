"""Would a small learned sentence scorer pick better summaries than the summarizer's rules?

usage: python bench/bench_summary_scorer.py [--data DIR] [--folds N] [--swap]

An experiment, not a shipped component: it fits a logistic regression over simple features of
the summarizer's own units (position among the candidates, length, digits, capitalized
words, quotation, first/second person, a leaning opening, overlap with the title and with
the lead, the unit's place in the text) on the EVEN half of the summarization benchmark
only, by N-fold cross-validation over its articles (the odd half is never read), and scores
the summaries it would choose against the rules' own summaries (``summarize_text``) and
Lead-3 on the same held-out articles, all under the default budget (3 units, 600 characters).

The label of a unit is whether it is in the article's best subset (of at most 3 of its first
6 candidate units within the budget, by ROUGE-1 + ROUGE-2 against the highlights). Two ways
to turn the fitted probabilities into a summary are scored:

- ``subset t=…``: the feasible subset (budget, at most 3, a leaning unit only with the unit
  it leans on, no repeat) with the largest sum of (p − t);
- ``lead+top2``: the rules' first candidate, then the two others with the highest p that
  fit, in document order.

- ``rules+swap``: the rules' own summary, its last unit (after the lead) given up for the
  candidate with the highest p that fits its room, leans on nothing skipped, and beats the last
  unit's p by ``SWAP_MARGIN``: the scorer as a judge of the third sentence only.

With --swap the halves are used as the issue asks of a learned component: the scorer is fitted
on the whole EVEN half and scored on the ODD half, then fitted on the ODD half and scored on the
EVEN half; both directions are printed (no cross-validation then). This is the only mode that
reads the odd half.

Needs numpy (in the bench extra) and rouge-score.
"""

from __future__ import annotations

import argparse
import itertools
import math
import random
import re
import sys
from pathlib import Path
from types import ModuleType

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bench_summarize import DEFAULT_DATA, MAX_CHARS, MAX_SENTENCES, is_tuning_half, lead3, load_items, load_scorer, ours  # noqa: E402

from bot.news.summarize import _is_question, _is_speech, _repeats  # noqa: E402
from bot.news.summary_units import Unit, summary_units  # noqa: E402
from bot.news.textsearch import stem_terms  # noqa: E402

CANDIDATES = 6
SWAP_MARGIN = 0.1  # how much likelier (fitted p) a candidate must be than the rules' last unit
_CAPITALIZED = re.compile(r"(?<=\s)[A-Z][a-z]+")
_QUOTE = re.compile(r"[\"“”‘’']")
FEATURES = (
    "bias", "pos1", "pos2", "pos3", "pos4", "pos5+", "log words", "chars/300", "digits", "capitalized share",
    "quotation", "1st/2nd person", "leaning opening", "share in title", "title's share", "share in lead",
    "index/20",
)


def candidates(text: str, title: str) -> list[Unit]:
    """The units a summary may be made of: usable, not weak, not a question; the first few."""
    found = []
    for unit in summary_units(text, "en", title):
        if unit.usable and not unit.weak and not _is_question(unit.text):
            found.append(unit)
            if len(found) == CANDIDATES:
                break
    return found


def features(units: list[Unit], title: str) -> np.ndarray:
    title_terms = set(stem_terms(title, "en"))
    lead_terms = set(stem_terms(units[0].text, "en"))
    rows = []
    for position, unit in enumerate(units):
        terms = set(stem_terms(unit.text, "en"))
        words = max(len(unit.text.split()), 1)
        rows.append([
            1.0, *(float(position == k) for k in range(1, 5)), float(position >= 5),
            math.log1p(words) / 4, len(unit.text) / 300, float(any(c.isdigit() for c in unit.text)),
            len(_CAPITALIZED.findall(unit.text)) / words, float(bool(_QUOTE.search(unit.text))),
            float(_is_speech(unit.text, "en")), float(unit.leans),
            len(terms & title_terms) / len(terms) if terms else 0.0,
            len(terms & title_terms) / len(title_terms) if title_terms else 0.0,
            len(terms & lead_terms) / len(terms) if terms and position else 0.0,
            min(unit.index, 20) / 20,
        ])
    return np.array(rows)


def feasible(units: list[Unit]) -> list[tuple[int, ...]]:
    """Index subsets that a summary may be: within the budget, leaning units with their antecedent."""
    terms = [frozenset(stem_terms(unit.text, "en")) for unit in units]
    found = []
    for size in range(1, MAX_SENTENCES + 1):
        for subset in itertools.combinations(range(len(units)), size):
            if sum(len(units[i].text) for i in subset) + size - 1 > MAX_CHARS:
                continue
            chosen = {units[i].index for i in subset}
            if any(units[i].leans and units[i].antecedent not in chosen and i != 0 for i in subset):
                continue
            if any(_repeats(terms[j], [terms[i] for i in subset if i < j]) for j in subset):
                continue
            found.append(subset)
    return found


def fit_logistic(x: np.ndarray, y: np.ndarray, l2: float = 1.0, steps: int = 30) -> np.ndarray:
    """L2-regularized logistic regression by Newton's method (the bias unpenalized)."""
    w = np.zeros(x.shape[1])
    penalty = l2 * np.diag(np.r_[0.0, np.ones(x.shape[1] - 1)])
    for _ in range(steps):
        p = 1 / (1 + np.exp(-x @ w))
        gradient = x.T @ (p - y) + penalty @ w
        hessian = (x.T * (p * (1 - p))) @ x + penalty
        w -= np.linalg.solve(hessian, gradient)
    return w


def prepare(items: list[dict]) -> list[tuple]:
    """(item, candidate units, features, labels, feasible subsets) for every article."""
    from rouge_score import rouge_scorer

    rouge = rouge_scorer.RougeScorer(["rouge1", "rouge2"], use_stemmer=True)
    prepared = []
    for item in items:
        units = candidates(item["text"], item["title"])
        if not units:
            prepared.append((item, units, None, None, []))
            continue
        subsets = feasible(units)
        reference = "\n".join(item["ref_sents"])

        def gain(subset: tuple[int, ...]) -> float:
            result = rouge.score(reference, "\n".join(units[i].text for i in subset))
            return result["rouge1"].fmeasure + result["rouge2"].fmeasure

        best = max(subsets, key=gain) if subsets else ()
        labels = np.array([float(i in best) for i in range(len(units))])
        prepared.append((item, units, features(units, item["title"]), labels, subsets))
    return prepared


DECODERS = ("subset t=0.3", "subset t=0.4", "lead+top2", "rules+swap")


def predict(prepared: list[tuple], w: np.ndarray, predictions: dict[str, dict[str, str]]) -> None:
    """Every decoder's summary of every prepared article under the weights ``w``."""
    for item, units, x, _, subsets in prepared:
        rules = ours(item["text"], item["title"])
        predictions["rules"][item["id"]] = rules
        predictions["lead3"][item["id"]] = lead3(item["text"], item["title"])
        if x is None or not subsets:
            for name in DECODERS:
                predictions[name][item["id"]] = rules
            continue
        p = 1 / (1 + np.exp(-x @ w))
        for name, threshold in (("subset t=0.3", 0.3), ("subset t=0.4", 0.4)):
            subset = max(subsets, key=lambda s: sum(p[j] - threshold for j in s))
            predictions[name][item["id"]] = " ".join(units[j].text for j in subset)
        picked, used = [0], len(units[0].text)
        for j in sorted(range(1, len(units)), key=lambda j: -p[j]):
            if len(picked) < MAX_SENTENCES and used + len(units[j].text) + 1 <= MAX_CHARS:
                if not units[j].leans or units[j].antecedent in {units[k].index for k in picked}:
                    picked.append(j)
                    used += len(units[j].text) + 1
        predictions["lead+top2"][item["id"]] = " ".join(units[j].text for j in sorted(picked))
        predictions["rules+swap"][item["id"]] = _swap_last(rules, units, p)


def _swap_last(rules: str, units: list[Unit], p: np.ndarray) -> str:
    """The rules' summary with its last unit given up for a likelier candidate (see the docstring)."""
    shown = [j for j, unit in enumerate(units) if unit.text in rules]
    if len(shown) < 2 or " ".join(units[j].text for j in shown) != rules:
        return rules  # the rules showed a unit that is no candidate (a fallback, a cut lead)
    last = shown[-1]
    kept = shown[:-1]
    room = MAX_CHARS - sum(len(units[j].text) + 1 for j in kept)
    indexes = {units[j].index for j in kept}
    terms = [frozenset(stem_terms(units[j].text, "en")) for j in kept]
    best = None
    for j in range(len(units)):
        unit = units[j]
        if j in shown or len(unit.text) > room or (unit.leans and unit.antecedent not in indexes):
            continue
        if _repeats(frozenset(stem_terms(unit.text, "en")), terms) or p[j] < p[last] + SWAP_MARGIN:
            continue
        if best is None or p[j] > p[best]:
            best = j
    if best is None:
        return rules
    return " ".join(units[j].text for j in sorted([*kept, best]))


def _print(scorer: ModuleType, items: list[dict], predictions: dict[str, dict[str, str]]) -> None:
    print(f"{'system':14} {'ROUGE-1':>8} {'ROUGE-2':>8} {'ROUGE-Lsum':>10}")
    for name in ("rules", "lead3", *DECODERS):
        m = scorer.evaluate(items, predictions[name], resamples=200)
        print(f"{name:14} {m['rouge1']:8.1f} {m['rouge2']:8.1f} {m['rougeLsum']:10.1f}"
              f"   (± {m['rouge1_se']:.1f} / {m['rouge2_se']:.1f} / {m['rougeLsum_se']:.1f})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--swap", action="store_true", help="fit on one half, score on the other, both ways")
    args = parser.parse_args()
    scorer = load_scorer(args.data)
    everything = load_items(args.data)
    if args.swap:
        halves = {
            "even": prepare([item for item in everything if is_tuning_half(item["id"])]),
            "odd": prepare([item for item in everything if not is_tuning_half(item["id"])]),
        }
        for fit, test in (("even", "odd"), ("odd", "even")):
            train = [p for p in halves[fit] if p[2] is not None]
            w = fit_logistic(np.vstack([p[2] for p in train]), np.concatenate([p[3] for p in train]))
            predictions: dict[str, dict[str, str]] = {name: {} for name in (*DECODERS, "rules", "lead3")}
            predict(halves[test], w, predictions)
            print(f"fitted on the {fit} half ({len(halves[fit])} articles), scored on the {test} half "
                  f"({len(halves[test])}); budget {MAX_SENTENCES} units / {MAX_CHARS} characters")
            _print(scorer, [p[0] for p in halves[test]], predictions)
            print("weights: " + ", ".join(f"{n} {v:+.2f}" for n, v in zip(FEATURES, w, strict=True)))
        return
    items = [item for item in everything if is_tuning_half(item["id"])]  # never the odd half
    prepared = prepare(items)
    order = list(range(len(prepared)))
    random.Random(0).shuffle(order)
    folds = [order[k :: args.folds] for k in range(args.folds)]
    predictions = {name: {} for name in (*DECODERS, "rules", "lead3")}
    for fold in folds:
        train = [prepared[i] for i in order if i not in fold and prepared[i][2] is not None]
        w = fit_logistic(np.vstack([p[2] for p in train]), np.concatenate([p[3] for p in train]))
        predict([prepared[i] for i in fold], w, predictions)

    print(f"even half only: {len(items)} articles, {args.folds}-fold cross-validation over articles, "
          f"budget {MAX_SENTENCES} units / {MAX_CHARS} characters; ROUGE on the held-out folds")
    _print(scorer, items, predictions)
    usable = [p for p in prepared if p[2] is not None]
    w = fit_logistic(np.vstack([p[2] for p in usable]), np.concatenate([p[3] for p in usable]))
    print("weights fitted on the whole even half: " + ", ".join(f"{n} {v:+.2f}" for n, v in zip(FEATURES, w, strict=True)))


if __name__ == "__main__":
    main()
