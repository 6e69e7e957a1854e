"""Summary benchmark: our extractive summarizer against Lead-3 on CNN/DailyMail highlights.

usage: python bench/bench_summarize.py [--data DIR] [--per-item] [--variants] [--speed-rounds N] [--dump FILE]
                                      [--baseline FILE]

Reads ``shared/data/summarization-benchmark`` (next to the repository, or --data), summarizes
every article with ``summarize_text`` (the slug-made title passed in, as the bot passes the
headline) and with Lead-3 (the first sentences of our own splitter while they fit), both
under the bot's default budget of 3 sentences and 600 characters, and scores both with the
dataset's own ``score.py`` (ROUGE-1/2/Lsum F1, Porter stemmer).

With --variants, variants of our own units are scored too: two content-chosen ones (the
lead, then the two of the next four units best by title overlap, or by TF-IDF centrality),
"fill" (ours, then a later unit that fits the room a too-long sentence left unused), and the
one-change variants of ``summary_variants.py`` (budget use, vague or quoted sentences giving
way, the position prior's reach, the repeat test): they are what the summarizer does not do,
and why. The first line gives each system's mean length, against the budget and the
highlights'.

The set is split by id parity: the summarizer's rules were tuned on the EVEN half only; the
ODD half is held out. Figures are printed for each half and the whole, in this one run. Each
half's "Δ L3" line gives ours − Lead-3 as a per-article paired mean ± its standard error (the
mean of the article-by-article differences, ± their standard deviation / √n); with --baseline
FILE (an earlier run's --dump), the same paired difference of ours against that run's ours,
which is how a change to the rules is measured.

Speed: summaries per CPU-second of 3,000-character articles (each benchmark article's whole
sentences up to 3,000 characters, topped up from the next articles), ours and Lead-3, one
core, the best of --speed-rounds passes.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import math
import os
import statistics
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.news.sentences import split_sentences  # noqa: E402
from bot.news.summarize import _is_question, _repeats, summarize_text  # noqa: E402
from bot.news.summary_units import summary_units  # noqa: E402
from bot.news.textsearch import stem_terms  # noqa: E402

sys.path.insert(0, str(ROOT / "bench"))
from summary_variants import variants  # noqa: E402

DEFAULT_DATA = ROOT.parent / "shared" / "data" / "summarization-benchmark"
MAX_SENTENCES = 3
MAX_CHARS = 600
SPEED_CHARS = 3000

Summarize = Callable[[str, str], str]


def load_items(data: Path) -> list[dict]:
    lines = (data / "cnndm-dev.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def load_scorer(data: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location("summarization_score", data / "score.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def is_tuning_half(item_id: str) -> bool:
    """The half the rules were tuned on: ids whose last hex digit is even."""
    return int(item_id[-1], 16) % 2 == 0


def lead3(text: str, title: str) -> str:
    """The first sentences while they fit the budget (the baseline)."""
    del title
    chosen: list[str] = []
    used = 0
    for sentence in split_sentences(text, "en"):
        if len(chosen) == MAX_SENTENCES:
            break
        cost = len(sentence) + (1 if chosen else 0)
        if used + cost > MAX_CHARS:
            if chosen:
                break
            continue
        chosen.append(sentence)
        used += cost
    return " ".join(chosen)


def ours(text: str, title: str) -> str:
    return summarize_text(text, "en", title=title, max_sentences=MAX_SENTENCES, max_chars=MAX_CHARS)


def content_choice(feature: str) -> Summarize:
    """Our units, the lead, then the two of the next four usable units that score best on
    ``feature`` ("title": share of the title's stems; "central": TF-IDF similarity to the
    whole text), in document order: what a content score adds over position (--variants)."""

    def summarize(text: str, title: str) -> str:
        units = [unit for unit in summary_units(text, "en", title) if unit.usable and not unit.weak]
        if not units:
            return ""
        terms = [Counter(stem_terms(unit.text, "en")) for unit in units]
        title_terms = set(stem_terms(title, "en"))
        frequency = Counter(term for counts in terms for term in counts)
        idf = {term: math.log((len(units) + 1) / count) for term, count in frequency.items()}
        centroid = {term: total * idf[term] for term, total in sum(terms, Counter()).items() if total > 1}

        def score(i: int) -> float:
            if feature == "title":
                return len(set(terms[i]) & title_terms) / (len(title_terms) or 1)
            vector = {term: count * idf[term] for term, count in terms[i].items()}
            norm = math.sqrt(sum(v * v for v in vector.values())) or 1.0
            return sum(v * centroid.get(term, 0.0) for term, v in vector.items()) / norm

        picked = sorted(range(1, min(5, len(units))), key=lambda i: (-score(i), i))[:2]
        chosen, used = [units[0].text], len(units[0].text)
        for i in sorted(picked):
            if used + len(units[i].text) + 1 <= MAX_CHARS:
                chosen.append(units[i].text)
                used += len(units[i].text) + 1
        return " ".join(chosen)

    return summarize


def fill_room(text: str, title: str) -> str:
    """Ours, then, while it has fewer than 3 units, the next later unit that fits the room
    left (usable, not weak, not leaning, not a question, not a repeat, at most 4 units on):
    whether the room a sentence too long to fit leaves unused is worth filling (--variants)."""
    summary = ours(text, title)
    units = summary_units(text, "en", title)
    chosen = [unit for unit in units if unit.text in summary]
    if not chosen or len(chosen) >= MAX_SENTENCES:
        return summary
    used = len(summary)
    terms = [frozenset(stem_terms(unit.text, "en")) for unit in chosen]
    last = chosen[-1].index
    for unit in units[last + 1 : last + 1 + 4]:
        if len(chosen) >= MAX_SENTENCES:
            break
        if not unit.usable or unit.weak or unit.leans or _is_question(unit.text):
            continue
        unit_terms = frozenset(stem_terms(unit.text, "en"))
        if used + len(unit.text) + 1 <= MAX_CHARS and not _repeats(unit_terms, terms):
            chosen.append(unit)
            terms.append(unit_terms)
            used += len(unit.text) + 1
    return " ".join(unit.text for unit in chosen)


def paired(first: dict[str, dict], second: dict[str, dict]) -> str:
    """Per-article paired difference first − second of ROUGE-1/2/Lsum (×100): mean ± standard error."""
    cells = []
    for kind, width in (("rouge1", 8), ("rouge2", 8), ("rougeLsum", 10)):
        deltas = [100 * (first[item][kind] - second[item][kind]) for item in first]
        error = statistics.stdev(deltas) / math.sqrt(len(deltas)) if len(deltas) > 1 else 0.0
        cells.append(f"{statistics.mean(deltas):+{width}.2f} ± {error:.2f}")
    return " ".join(cells)


def _mean_length(predictions: dict[str, str], items: list[dict]) -> str:
    """Mean characters and sentences (by our splitter) of a system's summaries."""
    summaries = [predictions[item["id"]] for item in items]
    chars = sum(map(len, summaries)) / len(summaries)
    sentences = sum(len(split_sentences(summary, "en")) for summary in summaries) / len(summaries)
    return f"{chars:.0f} / {sentences:.2f}"


def speed_texts(items: list[dict]) -> list[str]:
    """One text per article of whole sentences up to 3,000 characters.

    Each starts with the article's own sentences; a shorter article is topped up with the
    sentences of the articles after it, so every text is close to 3,000 characters.
    """
    sentence_lists = [split_sentences(item["text"], "en") for item in items]
    texts = []
    for start in range(len(items)):
        kept: list[str] = []
        used = 0
        for sentences in sentence_lists[start:] + sentence_lists[:start]:
            for sentence in sentences:
                if used + len(sentence) + 1 > SPEED_CHARS:
                    break
                kept.append(sentence)
                used += len(sentence) + 1
            else:
                continue
            break
        texts.append(" ".join(kept))
    return texts


def summaries_per_second(fn: Summarize, texts: list[str], titles: list[str], rounds: int) -> float:
    best = float("inf")
    for _ in range(rounds):
        start = time.process_time()
        for text, title in zip(texts, titles, strict=True):
            fn(text, title)
        best = min(best, time.process_time() - start)
    return len(texts) / best if best else 0.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--per-item", action="store_true", help="print each item's ROUGE-1, ours and Lead-3")
    parser.add_argument("--speed-rounds", type=int, default=3)
    parser.add_argument("--dump", type=Path, help="write ours/lead3 summaries to this JSON file")
    parser.add_argument("--variants", action="store_true",
                        help="also score content-chosen variants (title overlap, centrality) of our units")
    parser.add_argument("--baseline", type=Path,
                        help="an earlier run's --dump: print ours' paired difference against its ours per half")
    args = parser.parse_args()
    baseline = json.loads(args.baseline.read_text(encoding="utf-8"))["ours"] if args.baseline else None

    items = load_items(args.data)
    scorer = load_scorer(args.data)
    systems: dict[str, Summarize] = {"ours": ours, "lead3": lead3}
    if args.variants:
        systems |= {"title": content_choice("title"), "tfidf": content_choice("central"), "fill": fill_room}
        systems |= variants()
    predictions = {
        name: {item["id"]: fn(item["text"], item["title"]) for item in items} for name, fn in systems.items()
    }
    halves = {
        "even (tuned on)": [item for item in items if is_tuning_half(item["id"])],
        "odd (held out)": [item for item in items if not is_tuning_half(item["id"])],
        "whole": items,
    }
    print(f"{len(items)} articles, budget {MAX_SENTENCES} sentences / {MAX_CHARS} characters")
    highlights = sum(len(" ".join(item["ref_sents"])) for item in items) / len(items)
    print(f"budget use (mean characters / sentences of {MAX_CHARS} / {MAX_SENTENCES}): highlights {highlights:.0f}; "
          + "; ".join(f"{name} {_mean_length(predictions[name], items)}" for name in systems))
    print(f"{'half':16} {'system':9} {'n':>4} {'ROUGE-1':>8} {'ROUGE-2':>8} {'ROUGE-Lsum':>10}")
    results: dict[tuple[str, str], dict] = {}
    for half, subset in halves.items():
        for name in systems:
            m = scorer.evaluate(subset, predictions[name], resamples=200)
            results[(half, name)] = m
            print(
                f"{half:16} {name:9} {len(subset):4} {m['rouge1']:8.1f} {m['rouge2']:8.1f} {m['rougeLsum']:10.1f}"
                f"   (± {m['rouge1_se']:.1f} / {m['rouge2_se']:.1f} / {m['rougeLsum_se']:.1f})"
            )
        ours_m, lead_m = results[(half, "ours")], results[(half, "lead3")]  # Δ: ours − Lead-3
        print(f"{'':16} {'Δ L3':9} {'':4} " + paired(ours_m["items"], lead_m["items"]))
        if baseline is not None:
            before = scorer.evaluate(subset, baseline, resamples=2)
            print(f"{'':16} {'Δ before':9} {'':4} " + paired(ours_m["items"], before["items"])
                  + f"   ({sum(predictions['ours'][item['id']] != baseline.get(item['id']) for item in subset)}"
                  " summaries changed)")
    if args.per_item:
        ours_items = results[("whole", "ours")]["items"]
        lead_items = results[("whole", "lead3")]["items"]
        for item_id in sorted(ours_items, key=lambda i: ours_items[i]["rouge1"] - lead_items[i]["rouge1"]):
            print(
                f"{item_id[8:24]}  ours R1 {100 * ours_items[item_id]['rouge1']:5.1f}"
                f"  lead3 R1 {100 * lead_items[item_id]['rouge1']:5.1f}"
            )
    if args.dump:
        args.dump.write_text(json.dumps(predictions, ensure_ascii=False, indent=1), encoding="utf-8")

    texts = speed_texts(items)
    titles = [item["title"] for item in items]
    mean_chars = sum(map(len, texts)) / len(texts)
    speeds = {
        name: summaries_per_second(fn, texts, titles, args.speed_rounds)
        for name, fn in systems.items()
        if name in ("ours", "lead3")
    }
    load = ", ".join(f"{value:.2f}" for value in os.getloadavg())
    print(
        f"speed (load average {load} on {os.cpu_count()} cores), "
        f"{len(texts)} articles of ~{mean_chars:,.0f} characters, one core: "
        f"ours {speeds['ours']:,.0f} summaries/s, Lead-3 {speeds['lead3']:,.0f} summaries/s "
        f"(ours ×{speeds['ours'] / speeds['lead3']:.2f} of Lead-3's speed)"
    )


if __name__ == "__main__":
    main()
