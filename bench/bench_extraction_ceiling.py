"""How far article extraction can go by choosing among our readings, whole or paragraph by paragraph.

usage: python bench/bench_extraction_ceiling.py [--shared DIR] [--sets NAME ...] [--limit N]

Reads only the EVEN half (even page ids) of each shared set: it is a study for tuning, so
the odd halves stay unseen. For every page it makes the readings ``extract_article``
chooses among (trafilatura's precision and balanced modes, its full mode with the fallback
comparison, readability-lxml; each cleaned the same way) and the choice itself, and prints F1 / precision / recall of:

- each reading, and ours (the choice);
- the per-page oracle: for each page, whichever whole reading scores best against the gold;
- the paragraph-union oracle: the union of all readings' paragraphs (merged in page order),
  keeping exactly those whose shingles are mostly in the gold: the ceiling of any
  keep/drop rule over our readings' paragraphs;
- two rules over that union: a paragraph kept when at least 2 (or 3) readings have it;
- a learned keep/drop (logistic regression over per-paragraph evidence: which readings have
  it, length, sentence punctuation, list item, capitalised words, place in the page relative
  to the chosen reading), trained and scored by 5-fold cross-validation over the pages;
  also as a refinement (the choice's paragraphs dropped only when it is sure, others added
  only when it is sure);
- where ours loses recall, by the kind of gold line it misses: prose (80+ characters ending
  like a sentence) or other lines (headlines, bylines, dates, labels, short lines), and the
  score with the page's headline put in front of the text (a diagnostic of the gold's
  policy only: the product never does it, the post shows the headline already).
"""

from __future__ import annotations

import argparse
import json
import math
import random
import re
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType

import numpy as np
from lxml import etree

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(1, str(ROOT / "bench"))

from bench_extraction import DEFAULT_SHARED, SCORER, SETS, load_pages, load_scorer, parity  # noqa: E402
from bot.news import extract as _extract  # noqa: E402
from bot.news.candidates import PageText, readability_paragraphs, trafilatura_paragraphs  # noqa: E402
from bot.news.choose import choose_paragraphs  # noqa: E402
from bot.news.errors import ExtractionError  # noqa: E402
from bot.news.pageclean import drop_inline_cards  # noqa: E402
from bot.news.paragraphs import link_texts_of, normalize_paragraphs  # noqa: E402

READINGS = ("precision", "balanced", "full", "readability")
_WORD = re.compile(r"\w+")
_SENTENCE_END = ".!?…\"'»”’)"
_FOLDS = 5


@dataclass
class PageReadings:
    id: str
    gold: str
    title: str
    readings: dict[str, list[str]]
    choice: list[str]
    units: list[tuple[str, str]] = field(default_factory=list)  # (paragraph, reading), page order
    features: np.ndarray | None = None
    labels: np.ndarray | None = None
    weights: np.ndarray | None = None


def shingles(text: str) -> Counter[tuple[str, ...]]:
    """The scorer's 4-token shingles (case kept), so "mostly in the gold" means what it scores."""
    tokens = _WORD.findall(text)
    return Counter(tuple(tokens[i:i + 4]) for i in range(max(1, len(tokens) - 3)) if tokens)


def share_in(part: Counter, whole: Counter) -> float:
    total = sum(part.values())
    return sum((part & whole).values()) / total if total else 0.0


def readings_of(html: str, url: str) -> tuple[str, dict[str, list[str]], list[str]]:
    """(headline, readings, choice) exactly as ``extract_article`` prepares and chooses them."""
    tree = _extract._parse(html, url)
    meta = _extract._page_metadata(tree, url)
    etree.strip_elements(tree, *_extract._NEVER_TEXT, with_tail=False)
    drop_inline_cards(tree)
    normalize_paragraphs(tree)
    page = PageText(tree, url, link_texts_of(tree), meta.title, meta.headlines)
    readings = {
        "precision": trafilatura_paragraphs(page, fast=True, precision=True),
        "balanced": trafilatura_paragraphs(page, fast=True, precision=False),
        "full": trafilatura_paragraphs(page, fast=False, precision=False),
        "readability": readability_paragraphs(page),
    }
    return meta.title, readings, choose_paragraphs(page, json_ld_body=meta.json_ld_body).paragraphs


def merged_units(page: PageReadings) -> list[tuple[str, str]]:
    """The union of the readings' paragraphs: the choice's, then each other reading's that the
    union lacks, inserted after the last paragraph of that reading which the union has."""
    units = [(p, "choice") for p in page.choice]
    have = shingles("\n".join(page.choice))
    for name in READINGS:
        anchor = -1
        for p in page.readings[name]:
            sh = shingles(p)
            if share_in(sh, have) >= 0.5:
                anchor = next((k for k, (q, _) in enumerate(units) if q == p), anchor)
                continue
            anchor += 1
            units.insert(anchor, (p, name))
            have += sh
    return units


def unit_features(page: PageReadings) -> np.ndarray:
    reading_sh = {n: shingles("\n".join(ps)) for n, ps in page.readings.items()}
    reading_sh["choice"] = shingles("\n".join(page.choice))
    chosen = [k for k, (_, src) in enumerate(page.units) if src == "choice"]
    rows = []
    n = max(1, len(page.units))
    for k, (p, src) in enumerate(page.units):
        sh = shingles(p)
        has = {name: float(share_in(sh, s) >= 0.6) for name, s in reading_sh.items()}
        votes = has["precision"] + has["balanced"] + has["readability"]
        words = p.split()
        ends = float(p.rstrip()[-1:] in _SENTENCE_END)
        gap = min((abs(k - c) for c in chosen), default=n) / n
        rows.append([
            1.0, has["choice"], has["precision"], has["balanced"], has["readability"], votes,
            has["choice"] * votes, math.log1p(len(p)), ends, ends * math.log1p(len(p)), float(len(p) < 40),
            float(p.startswith("- ")), sum(1 for w in words if w[:1].isupper()) / max(1, len(words)),
            k / n, gap, float(bool(chosen) and chosen[0] <= k <= chosen[-1]),
        ])
    return np.array(rows, dtype=float).reshape(len(rows), 16)


def label(page: PageReadings) -> None:
    gold = shingles(page.gold)
    page.units = merged_units(page)
    page.features = unit_features(page)
    sizes = np.array([sum(shingles(p).values()) for p, _ in page.units], dtype=float)
    page.labels = np.array([float(share_in(shingles(p), gold) >= 0.5) for p, _ in page.units])
    page.weights = sizes / sizes.sum() if sizes.sum() else sizes  # each page weighs the same


def fit(x: np.ndarray, y: np.ndarray, w: np.ndarray, l2: float = 1e-3) -> tuple[np.ndarray, ...]:
    """Weighted L2 logistic regression by Newton steps, on standardised features."""
    mu, sd = x.mean(0), x.std(0) + 1e-9
    mu[0], sd[0] = 0.0, 1.0
    z = (x - mu) / sd
    beta = np.zeros(x.shape[1])
    for _ in range(50):
        p = 1 / (1 + np.exp(-z @ beta))
        grad = z.T @ (w * (p - y)) + l2 * beta
        hess = (z * (w * p * (1 - p))[:, None]).T @ z + l2 * np.eye(len(beta))
        step = np.linalg.solve(hess, grad)
        beta -= step
        if np.abs(step).max() < 1e-8:
            break
    return beta, mu, sd


def predict(model: tuple[np.ndarray, ...], x: np.ndarray) -> np.ndarray:
    beta, mu, sd = model
    return 1 / (1 + np.exp(-((x - mu) / sd) @ beta))


def score_texts(scorer: ModuleType, pages: list[PageReadings], texts: dict[str, str]) -> str:
    m = scorer.aggregate([scorer.counts(p.gold, texts[p.id]) for p in pages])
    return f"{m['f1']:.3f}/{m['precision']:.3f}/{m['recall']:.3f}"


def page_f1(scorer: ModuleType, gold: str, text: str) -> float:
    tp, fp, fn = scorer.counts(gold, text)
    p, r = scorer.precision(tp, fp, fn), scorer.recall(tp, fp, fn)
    return 2 * p * r / (p + r) if p + r else 0.0


def recall_loss_by_kind(pages: list[PageReadings], texts: dict[str, str]) -> tuple[float, float, float]:
    """Mean share of gold shingles missed in prose lines, in other lines, and in the headline."""
    prose = other = head = 0.0
    for page in pages:
        gold = shingles(page.gold)
        total = sum(gold.values()) or 1
        missed = gold - shingles(texts[page.id])
        lines = [ln.strip() for ln in page.gold.split("\n")]
        prose_sh = shingles("\n".join(ln for ln in lines if len(ln) >= 80 and ln[-1:] in _SENTENCE_END))
        prose += sum((missed & prose_sh).values()) / total
        other += sum((missed - prose_sh).values()) / total
        head += sum((missed & shingles(page.title)).values()) / total if page.title else 0.0
    n = len(pages) or 1
    return prose / n, other / n, head / n


def bench_set(name: str, data: Path, scorer: ModuleType, limit: int) -> None:
    gold = json.loads((data / "ground-truth.json").read_text(encoding="utf-8"))
    pages: list[PageReadings] = []
    start = time.monotonic()
    for page in [p for p in load_pages(data) if parity(p.id) == 0][: limit or None]:
        try:
            title, readings, choice = readings_of(page.html, page.url)
        except ExtractionError:
            title, readings, choice = "", {n: [] for n in READINGS}, []
        pages.append(PageReadings(page.id, gold[page.id]["articleBody"], title, readings, choice))
    for page in pages:
        label(page)
    print(f"\n=== {name}: the even half, {len(pages)} pages ({time.monotonic() - start:.0f} s)")
    texts: dict[str, dict[str, str]] = {n: {p.id: "\n".join(p.readings[n]) for p in pages} for n in READINGS}
    texts["ours"] = {p.id: "\n".join(p.choice) for p in pages}
    for reading in (*READINGS, "ours"):
        print(f"{reading:44} {score_texts(scorer, pages, texts[reading])}")
    best = {p.id: max((texts[n][p.id] for n in (*READINGS, "ours")), key=lambda t, g=p.gold: page_f1(scorer, g, t))
            for p in pages}
    print(f"{'oracle: best whole reading per page':44} {score_texts(scorer, pages, best)}")
    print(f"{'oracle: union paragraphs kept by gold':44} "
          + score_texts(scorer, pages, {p.id: _kept(p, p.labels >= 0.5) for p in pages}))
    for need in (2, 3):
        print(f"{f'union paragraphs in >= {need} readings':44} "
              + score_texts(scorer, pages, {p.id: _kept(p, p.features[:, 5] >= need) for p in pages}))
    probabilities = _cross_validated(pages)
    for threshold in (0.3, 0.5, 0.7):
        kept = {p.id: _kept(p, probabilities[p.id] >= threshold) for p in pages}
        print(f"{f'learned keep/drop, 5-fold CV, p >= {threshold}':44} {score_texts(scorer, pages, kept)}")
    for drop, add in ((0.1, 0.9), (0.2, 0.8)):
        kept = {}
        for p in pages:
            chosen = p.features[:, 1] > 0
            q = probabilities[p.id]
            kept[p.id] = _kept(p, np.where(chosen, q >= drop, q >= add))
        print(f"{f'learned refinement (drop < {drop}, add >= {add})':44} {score_texts(scorer, pages, kept)}")
    prose, other, head = recall_loss_by_kind(pages, texts["ours"])
    print(f"ours' missed gold (mean share per page): prose lines {prose:.3f}, other lines {other:.3f}"
          f" (of which the headline {head:.3f})")
    with_head = {p.id: f"{p.title}\n{texts['ours'][p.id]}" for p in pages}
    print(f"{'diagnostic only: ours with the headline':44} {score_texts(scorer, pages, with_head)}")
    print("(cells: F1/P/R)")


def _kept(page: PageReadings, mask: np.ndarray) -> str:
    return "\n".join(p for (p, _), keep in zip(page.units, mask) if keep)


def _cross_validated(pages: list[PageReadings]) -> dict[str, np.ndarray]:
    """Each page's paragraph probabilities from a model fitted on the other folds' pages."""
    order = [p for p in pages if len(p.units)]
    random.Random(0).shuffle(order)
    out = {p.id: np.zeros(len(p.units)) for p in pages}
    for fold in range(_FOLDS):
        test = order[fold::_FOLDS]
        train = [p for p in order if p not in test]
        model = fit(np.vstack([p.features for p in train]), np.concatenate([p.labels for p in train]),
                    np.concatenate([p.weights for p in train]))
        for p in test:
            out[p.id] = predict(model, p.features)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--shared", type=Path, default=DEFAULT_SHARED, help="folder holding both sets")
    parser.add_argument("--sets", nargs="+", choices=sorted(SETS), default=list(SETS), help="which sets")
    parser.add_argument("--limit", type=int, default=0, help="only the first N even pages of each set")
    args = parser.parse_args(argv)
    scorer_path = args.shared / SCORER
    if not scorer_path.is_file():
        raise SystemExit(f"benchmark data not found in {args.shared} (expected {SCORER}); use --shared DIR")
    scorer = load_scorer(scorer_path)
    for name in args.sets:
        bench_set(name, args.shared / SETS[name], scorer, args.limit)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
