"""Train the paragraph keep/drop model on the dragnet set's EVEN half; score it on every half.

usage: python bench/train_paragraph_model.py [--shared DIR] [--write] [--trees N] [--depth D]

For every page of both shared sets it makes the readings ``extract_article`` chooses among
(the choice itself, trafilatura's precision / balanced / full modes, readability-lxml, the
JSON-LD ``articleBody``; cached in ``bench/out/readings-<set>.pkl``, rebuilt when missing),
merges their paragraphs (``paragraph_units.merge_units``) and describes each
(``unit_features``). A paragraph's label is whether most of its 4-word shingles are in the
gold text. The model is fitted on the dragnet even half only; every half of both sets is
then scored (F1 / P / R of the kept paragraphs) beside the current choice, so the odd halves
are held out. ``--write`` saves the model as ``bench/paragraph_model.json`` (read by
``bench_extraction.py``'s "ours+model" row).
Deterministic: the same data gives the same file.
"""

from __future__ import annotations

import argparse
import json
import pickle
import sys
import time
from pathlib import Path

import numpy as np
from lxml import etree

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(1, str(ROOT / "bench"))

from bench_extraction import DEFAULT_SHARED, SCORER, SETS, load_pages, load_scorer, parity  # noqa: E402
from boost import fit_boosted, predict_boosted  # noqa: E402
from bot.news import extract as _extract  # noqa: E402
from bot.news.candidates import PageText, json_ld_paragraphs, readability_paragraphs, trafilatura_paragraphs  # noqa: E402
from bot.news.choose import choose_paragraphs  # noqa: E402
from bot.news.errors import ExtractionError  # noqa: E402
from bot.news.pageclean import drop_inline_cards  # noqa: E402
from bot.news.paragraphs import link_texts_of, normalize_paragraphs  # noqa: E402
from paragraph_units import FEATURES, DomIndex, merge_units, unit_features  # noqa: E402

CHEAP: tuple[str, ...] = ()  # only these readings (the ones made on every page anyway)
FIRST = FEATURES.index("in_first")
MODEL_PATH = ROOT / "bench" / "paragraph_model.json"
OUT = ROOT / "bench" / "out"


def prepared(html: str, url: str) -> tuple[PageText, object]:
    tree = _extract._parse(html, url)
    meta = _extract._page_metadata(tree, url)
    etree.strip_elements(tree, *_extract._NEVER_TEXT, with_tail=False)
    drop_inline_cards(tree)
    normalize_paragraphs(tree)
    return PageText(tree, url, link_texts_of(tree), meta.title, meta.headlines), meta


def readings_of(html: str, url: str) -> dict[str, list[str]]:
    page, meta = prepared(html, url)
    return {
        "choice": choose_paragraphs(page, json_ld_body=meta.json_ld_body).paragraphs,
        "precision": trafilatura_paragraphs(page, fast=True, precision=True),
        "balanced": trafilatura_paragraphs(page, fast=True, precision=False),
        "full": trafilatura_paragraphs(page, fast=False, precision=False),
        "readability": readability_paragraphs(page),
        "jsonld": json_ld_paragraphs(page, meta.json_ld_body) if meta.json_ld_body else [],
    }


def cached_readings(name: str, pages: list) -> dict[str, dict[str, list[str]] | None]:
    path = OUT / f"readings-{name}.pkl"
    if path.is_file():
        return pickle.loads(path.read_bytes())
    out: dict[str, dict[str, list[str]] | None] = {}
    for page in pages:
        try:
            out[page.id] = readings_of(page.html, page.url)
        except ExtractionError:
            out[page.id] = None
    OUT.mkdir(parents=True, exist_ok=True)
    path.write_bytes(pickle.dumps(out))
    return out


def scorer_shingles(scorer, text: str):
    return scorer.shingles(text)


def page_rows(scorer, page, readings, gold: str):
    """(units, features, labels, weights) of one page."""
    if readings is None:
        return [], np.zeros((0, len(FEATURES))), np.zeros(0), np.zeros(0)
    try:
        pt, _ = prepared(page.html, page.url)
        dom = DomIndex(pt.tree)
    except ExtractionError:
        dom = None
    if CHEAP:
        readings = {k: readings[k] for k in CHEAP}
    units = merge_units(readings)
    x = np.array(unit_features(units, readings, dom), dtype=float).reshape(len(units), len(FEATURES))
    g = scorer.shingles(gold)
    gold_tokens = f" {' '.join(scorer.tokens(gold))} "
    labels, sizes = [], []
    for p, _ in units:
        sh, tokens = scorer.shingles(p), scorer.tokens(p)
        total = sum(sh.values())
        # A short line is one shingle of its own (the scorer's rule for texts under 4 tokens),
        # never in the gold's 4-token shingles; in the text it joins its neighbours' shingles.
        # It is article text when its words stand in the gold in that order.
        short = len(tokens) < 8 and f" {' '.join(tokens)} " in gold_tokens
        labels.append(float(bool(tokens) and (short or sum((sh & g).values()) / total >= 0.5)))
        sizes.append(max(total, len(tokens)))
    sizes_a = np.array(sizes, dtype=float)
    w = sizes_a / sizes_a.sum() if sizes_a.sum() else sizes_a
    return units, x, np.array(labels), w


def score(scorer, gold: dict, texts: dict[str, str], ids: list[str]) -> str:
    m = scorer.aggregate([scorer.counts(gold[i]["articleBody"], texts[i]) for i in ids])
    return f"{m['f1']:.3f}/{m['precision']:.3f}/{m['recall']:.3f}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--shared", type=Path, default=DEFAULT_SHARED)
    parser.add_argument("--write", action="store_true", help="save the model to bench/paragraph_model.json")
    parser.add_argument("--trees", type=int, default=150)
    parser.add_argument("--depth", type=int, default=3)
    parser.add_argument("--rate", type=float, default=0.1)
    parser.add_argument("--threshold", type=float, default=0.4)
    parser.add_argument("--reuse-rows", action="store_true", help="reuse bench/out/rows-<set>.pkl (features unchanged)")
    parser.add_argument("--sets", nargs="+", default=["dragnet", "extraction"], choices=sorted(SETS))
    parser.add_argument("--all-readings", action="store_true",
                        help="study: features from every reading (the bot makes only the choice and precision on most pages)")
    args = parser.parse_args(argv)
    global CHEAP
    CHEAP = () if args.all_readings else ("choice", "precision")
    scorer = load_scorer(args.shared / SCORER)
    data: dict[str, dict] = {}
    for name in args.sets:
        start = time.monotonic()
        folder = args.shared / SETS[name]
        gold = json.loads((folder / "ground-truth.json").read_text(encoding="utf-8"))
        pages = load_pages(folder)
        readings = cached_readings(name, pages)
        rows_path = OUT / f"rows-{name}{'-cheap' if CHEAP else ''}.pkl"
        if args.reuse_rows and rows_path.is_file():
            rows = pickle.loads(rows_path.read_bytes())
        else:
            rows = {p.id: page_rows(scorer, p, readings[p.id], gold[p.id]["articleBody"]) for p in pages}
            rows_path.write_bytes(pickle.dumps(rows))
        data[name] = {"gold": gold, "readings": readings, "rows": rows}
        print(f"{name}: {len(pages)} pages, {sum(len(r[0]) for r in rows.values())} paragraphs"
              f" ({time.monotonic() - start:.0f} s)")
    train = [r for i, r in data["dragnet"]["rows"].items() if parity(i) == 0 and len(r[0])]
    x = np.vstack([r[1] for r in train])
    y = np.concatenate([r[2] for r in train])
    w = np.concatenate([r[3] for r in train])
    start = time.monotonic()
    model = fit_boosted(x, y, w, trees=args.trees, depth=args.depth, rate=args.rate)
    print(f"fitted {args.trees} trees of depth {args.depth} on {len(y)} paragraphs of "
          f"{len(train)} dragnet even pages ({time.monotonic() - start:.0f} s)")
    for name, d in data.items():
        gold = d["gold"]
        kept, oracle = {}, {}
        for i, (units, xx, yy, _) in d["rows"].items():
            q = predict_boosted(model, xx) if len(units) else np.zeros(0)
            # Drop-only: the choice's paragraphs the model doubts go; nothing is added.
            mask = (xx[:, FIRST] > 0) & (q >= args.threshold) if len(units) else np.zeros(0, bool)
            if len(units) and not mask.any():
                mask = xx[:, FIRST] > 0  # never an empty page: the choice stands
            kept[i] = "\n".join(p for (p, _), keep in zip(units, mask) if keep)
            oracle[i] = "\n".join(p for (p, _), keep in zip(units, yy) if keep)
        texts = {r: {i: "\n".join((d["readings"][i] or {}).get(r, [])) for i in gold}
                 for r in ("choice", "precision", "full", "readability")}
        texts["learned"], texts["oracle"] = kept, oracle
        halves = {h: [i for i in sorted(gold) if parity(i) == k] for h, k in (("even", 0), ("odd", 1))}
        print(f"\n{name:12} " + " ".join(f"{h:>20}" for h in halves))
        for r, t in texts.items():
            print(f"{r:12} " + " ".join(f"{score(scorer, gold, t, ids):>20}" for ids in halves.values()))
        empty = [i for i in gold if not kept[i].strip() and texts["choice"][i].strip()]
        print(f"pages the learned keep leaves empty where the choice is not: {len(empty)}")
    if args.write:
        MODEL_PATH.write_text(json.dumps({"features": list(FEATURES), "threshold": args.threshold, **model},
                                         separators=(",", ":")) + "\n", encoding="utf-8")
        print(f"wrote {MODEL_PATH}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
