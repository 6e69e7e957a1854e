"""How much of the Dragnet gap is the gold's policy, not the extraction: a study, nothing shipped.

usage: python bench/study_dragnet_policy.py [--shared DIR] [--out DIR]

Reads the predictions ``bench/bench_extraction.py`` wrote (``bench/out/<set>-<extractor>.json``
for ours, ours+title, plain trafilatura and readability-lxml: run it first, whole sets, no
``--half``) and both sets' gold, and prints per set and per half (even / odd ids):

1. the scores as ``bench_extraction.py`` printed them (F1/P/R);
2. the scores under one line policy for every text: the gold and every extractor's text put
   through the line cleaner ours uses on its own readings (``bot.news.clean.clean_paragraphs``:
   bylines, date lines, "Label: value" lines, credits, share prompts, and copies of the
   headline near the top dropped; the headline is the one ours found). Ours' text is clean
   already, so this gives trafilatura and readability-lxml our cleaner and takes from the gold
   what the product leaves out on purpose (the post shows the headline; a summary must show
   no byline, date line or credit): what is left compares which body each extractor found;
3. "ours + policy lines": ours' text with the gold lines that cleaner drops added, the most any
   extractor could gain by keeping those lines (their shingles put in as the gold has them);
4. where ours' recall goes (shares of the gold's shingles ours misses): lines the cleaner
   drops; other short lines (under 8 words, no closing punctuation: headings, labels, captions
   without a stop, list items; one under 4 words, too short for a shingle, counts as missed
   when ours has no such line); prose that trafilatura or readability-lxml has; prose no
   extractor has (mostly untagged comment threads the gold keeps).

Nothing here is fitted: no threshold is set on any half, so both halves of both sets are
read the same way.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections import Counter
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(1, str(ROOT / "bench"))

from bench_extraction import DEFAULT_SHARED, OUT_DIR, SCORER, SETS, load_scorer, parity  # noqa: E402
from bot.news.clean import clean_paragraphs  # noqa: E402

EXTRACTORS = ("ours", "trafilatura", "readability")
_WORD = re.compile(r"\w+")
_SENTENCE_END = ".!?…\"'»”’):"
_SHORT_WORDS = 8


def _lines(text: str) -> list[str]:
    return [ln.strip() for ln in text.split("\n") if ln.strip()]


def under_policy(text: str, title: str) -> str:
    """``text`` with the lines ours' cleaner drops taken out (bylines, date lines, credits, the
    headline near the top, ...)."""
    return "\n".join(clean_paragraphs(_lines(text), title=title))


def policy_lines(text: str, title: str) -> list[str]:
    """The lines of ``text`` that ours' cleaner drops."""
    kept = Counter(ln for p in clean_paragraphs(_lines(text), title=title) for ln in p.split("\n"))
    dropped = []
    for ln in _lines(text):
        if kept[ln] > 0:
            kept[ln] -= 1
        else:
            dropped.append(ln)
    return dropped


def _shingles(text: str) -> Counter[tuple[str, ...]]:
    toks = _WORD.findall(text)
    return Counter(tuple(toks[i:i + 4]) for i in range(max(1, len(toks) - 3)) if toks)


def _is_short(line: str) -> bool:
    return len(line.split()) < _SHORT_WORDS and line.rstrip()[-1:] not in _SENTENCE_END


def recall_loss(gold: str, title: str, preds: dict[str, str]) -> dict[str, float]:
    """Shares of the gold's shingles ours misses, by the kind of gold line they are in."""
    total = sum(_shingles(gold).values())
    if not total:
        return {}
    dropped = Counter(policy_lines(gold, title))
    have = {name: _shingles(text) for name, text in preds.items()}
    ours_lines = {" ".join(_WORD.findall(ln)) for ln in _lines(preds["ours"])}
    loss: Counter[str] = Counter()
    for line in _lines(gold):
        sh = _shingles(line)
        words = _WORD.findall(line)
        if len(words) < 4:
            # Too short for a shingle of its own: missed when ours has no such line (its
            # weight, the shingles that start on its words, is its word count).
            missed = 0 if " ".join(words) in ours_lines else len(words)
        else:
            missed = sum((sh - have["ours"]).values())
        if not missed:
            continue
        if dropped[line] > 0:
            dropped[line] -= 1
            kind = "policy line"
        elif _is_short(line):
            kind = "other short line"
        elif any(sum((sh & have[n]).values()) >= 0.5 * sum(sh.values()) for n in ("trafilatura", "readability")):
            kind = "prose another has"
        else:
            kind = "prose none has"
        loss[kind] += missed / total
    return dict(loss)


def _headline_of(text: str, titled: str) -> str:
    """The headline ours found: the ``ours+title`` row is it, a blank line, then ours' text."""
    if not text:
        return titled.strip()
    return titled[: len(titled) - len(text)].strip() if titled.endswith(text) else ""


def study_set(name: str, data: Path, scorer: ModuleType, out_dir: Path) -> None:
    gold = json.loads((data / "ground-truth.json").read_text(encoding="utf-8"))
    preds = {}
    for extractor in (*EXTRACTORS, "ours+title"):
        path = out_dir / f"{name}-{extractor}.json"
        if not path.is_file():
            raise SystemExit(f"{path} is missing: run bench/bench_extraction.py --no-pipeline first (whole sets)")
        preds[extractor] = {i: v["articleBody"] for i, v in json.loads(path.read_text("utf-8")).items()}
    missing = [i for i in gold if i not in preds["ours"]]
    if missing:
        raise SystemExit(f"{len(missing)} pages of {name} have no prediction (was it run with --half?)")
    titles = {i: _headline_of(preds["ours"][i], preds["ours+title"][i]) for i in gold}
    halves = {"even": [i for i in sorted(gold) if parity(i) == 0], "odd": [i for i in sorted(gold) if parity(i) == 1]}
    print(f"\n=== {name}: {len(gold)} pages")

    def cell(ids: list[str], golds: dict[str, str], texts: dict[str, str]) -> str:
        m = scorer.aggregate([scorer.counts(golds[i], texts[i]) for i in ids])
        return f"{m['f1']:.4f}/{m['precision']:.3f}/{m['recall']:.3f}"

    raw_gold = {i: g["articleBody"] for i, g in gold.items()}
    policy_gold = {i: under_policy(raw_gold[i], titles[i]) for i in gold}
    policy_preds = {n: {i: under_policy(preds[n][i], titles[i]) for i in gold} for n in EXTRACTORS}
    with_lines = {i: "\n".join([preds["ours"][i], *policy_lines(raw_gold[i], titles[i])]) for i in gold}
    print(f"{'':34}" + "".join(f"{h + f' ({len(ids)})':>24}" for h, ids in halves.items()))
    for label, golds, texts in (
        *((f"{n} (as scored)", raw_gold, preds[n]) for n in EXTRACTORS),
        *((f"{n} (one line policy)", policy_gold, policy_preds[n]) for n in EXTRACTORS),
        ("ours + policy lines (oracle)", raw_gold, with_lines),
    ):
        print(f"{label:34}" + "".join(f"{cell(ids, golds, texts):>24}" for ids in halves.values()))
    for half, ids in halves.items():
        sums: Counter[str] = Counter()
        for i in ids:
            sums.update(recall_loss(raw_gold[i], titles[i], {n: preds[n][i] for n in EXTRACTORS}))
        parts = ", ".join(f"{k} {v / len(ids):.4f}" for k, v in sorted(sums.items(), key=lambda kv: -kv[1]))
        print(f"ours' recall loss, {half} half (share of gold shingles): total {sum(sums.values()) / len(ids):.4f}: {parts}")
    print("(cells: F1/P/R; 'one line policy': gold and text both through ours' line cleaner; "
          "'ours + policy lines': ours' text plus the gold lines that cleaner drops)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--shared", type=Path, default=DEFAULT_SHARED, help="folder holding both sets")
    parser.add_argument("--out", type=Path, default=OUT_DIR, help="bench_extraction.py's predictions")
    args = parser.parse_args(argv)
    scorer_path = args.shared / SCORER
    if not scorer_path.is_file():
        raise SystemExit(f"benchmark data not found in {args.shared} (expected {SCORER}); use --shared DIR")
    scorer = load_scorer(scorer_path)
    for name, folder in SETS.items():
        study_set(name, args.shared / folder, scorer, args.out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
