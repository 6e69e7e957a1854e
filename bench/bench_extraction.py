"""Article-extraction benchmark: ours against plain trafilatura and readability-lxml.

usage: python bench/bench_extraction.py [--shared DIR] [--sets NAME ...] [--repeat N]
                                        [--per-page] [--no-pipeline] [--half even|odd]

Reads both shared sets next to the repository (``shared/data/extraction-benchmark``, 181
pages, and ``shared/data/dragnet-benchmark``, 1,381 pages; or --shared DIR), runs every
extractor over every page in this one process, scores them with the sets' own ``score.py``
and prints, per set and per half (even and odd page ids; the last character of an id read
as a hex digit), F1 / precision / recall for each extractor, pages per CPU-second and the
speed of ours (and of the bot's whole per-page pipeline) relative to plain trafilatura, and
the pages where ours returns nothing and plain trafilatura returns something. The row
"ours+title" scores ours' headline put above ours' text (what a channel post is made from; the
text itself leaves the headline out); it is not an extractor of its own and costs no time.
The row "ours+model" is ours with the learned paragraph drops of ``bench/paragraph_refine.py``
(a study the bot does not ship; model trained on the dragnet even half by
``bench/train_paragraph_model.py``). The rows "ours+lines" and "ours+bylines", run only when
named in ``--only``: "ours+lines" is ours with the line cleaner keeping bylines, date lines
and "Label: value" lines, which dragnet's gold keeps and the bot drops on purpose;
"ours+bylines" keeps bylines only (studies of the gold's policy, nothing fitted; see
``bench/study_dragnet_policy.py``). Speed ratios are printed for the fastest passes and for
each round (the extractors alternate on the same pages, so the spread between rounds
shows the machine's noise).

Thresholds in ``bot/news/choose.py`` were set looking at the even halves; the odd halves
are the check; ``--half even`` runs and scores only the even pages (for tuning, so the odd
half stays unseen until the check). With --repeat N the extractors take turns N times and
each keeps its fastest pass. Predictions are written to ``bench/out/<set>-<extractor>.json``
(``-even`` / ``-odd`` added with --half).
"""

from __future__ import annotations

import argparse
import gzip
import importlib.util
import json
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(1, str(ROOT / "bench"))

DEFAULT_SHARED = ROOT.parent / "shared" / "data"
SETS = {"extraction": "extraction-benchmark", "dragnet": "dragnet-benchmark"}
SCORER = "extraction-benchmark/score.py"  # both sets are scored by the same script
OUT_DIR = ROOT / "bench" / "out"


@dataclass(frozen=True)
class Page:
    id: str
    url: str
    html: str


@dataclass(frozen=True)
class RunResult:
    name: str
    predictions: dict[str, dict[str, str]]
    seconds: float
    failures: int

    @property
    def pages_per_second(self) -> float:
        return len(self.predictions) / self.seconds if self.seconds else 0.0


Extractor = Callable[[str, str], str]


def load_pages(data: Path) -> list[Page]:
    """The set's pages with their original URLs (dragnet has none), in a stable order."""
    truth = json.loads((data / "ground-truth.json").read_text(encoding="utf-8"))
    pages = []
    for path in sorted((data / "html").glob("*.html.gz")):
        page_id = path.name.removesuffix(".html.gz")
        html = gzip.decompress(path.read_bytes()).decode("utf-8")
        pages.append(Page(page_id, truth.get(page_id, {}).get("url", ""), html))
    return pages


def parity(page_id: str) -> int:
    """0 for an even id, 1 for an odd one: the last character read as a hex digit."""
    return int(page_id[-1], 16) % 2


def run_extractor(name: str, fn: Extractor, pages: list[Page], *, warmup: int = 3) -> RunResult:
    """Run ``fn(html, url) -> text`` over all pages, timing the whole pass on one core.

    Time is this process's CPU time, so other work on a shared machine does not count
    against the extractor. A few warm-up calls first, so one-off costs (model loading,
    regex compilation) are not counted as throughput. An exception on a page counts as an
    empty prediction.
    """
    for page in pages[:warmup]:
        _safe(fn, page)
    predictions: dict[str, dict[str, str]] = {}
    failures = 0
    start = time.process_time()
    for page in pages:
        text, failed = _safe(fn, page)
        failures += failed
        predictions[page.id] = {"articleBody": text}
    return RunResult(name, predictions, time.process_time() - start, failures)


def _safe(fn: Extractor, page: Page) -> tuple[str, bool]:
    try:
        return fn(page.html, page.url) or "", False
    except Exception:  # noqa: BLE001 -- a benchmark scores failures, it does not stop on them
        return "", True


def load_scorer(path: Path) -> ModuleType:
    """The sets' own score.py, imported from where it lies (not copied)."""
    spec = importlib.util.spec_from_file_location("extraction_benchmark_score", path)
    if spec is None or spec.loader is None:
        raise SystemExit(f"cannot import {path}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# --- the extractors ----------------------------------------------------------------------------

def plain_trafilatura(html: str, url: str) -> str:
    import trafilatura

    return trafilatura.extract(html, include_comments=False) or ""


def plain_readability(html: str, url: str) -> str:
    """readability-lxml as a user would run it: ``Document(html).summary()``, its text nodes
    one per line (how the figures in the sets' READMEs were measured)."""
    import lxml.html
    from readability import Document

    return "\n".join(lxml.html.fromstring(Document(html).summary(html_partial=True)).itertext())


# The headline ours found for each page (keyed by the page's HTML object), for the "ours+title"
# row: computed in the same pass as "ours", so that row costs no extraction of its own.
_OUR_TITLES: dict[int, str] = {}


def ours(html: str, url: str) -> str:
    from bot.news.errors import ExtractionError
    from bot.news.extract import extract_article

    try:
        article = extract_article(html, url)
    except ExtractionError:
        return ""
    _OUR_TITLES[id(html)] = article.title
    return article.text


def ours_model(html: str, url: str) -> str:
    """Ours with the paragraph model's drops (``bench/paragraph_refine.py``, a study the bot
    does not ship) applied to the chosen reading, timed in the same process as ours. The
    precision reading it needs is the choice itself on most pages and is made again only
    where another reading won (the bot would keep it from the choice)."""
    from bot.news import extract
    from bot.news.candidates import trafilatura_paragraphs
    from bot.news.choose import Choice
    from paragraph_refine import refine

    real = extract.choose_paragraphs

    def refined(page, *, json_ld_body: str = "") -> Choice:
        choice = real(page, json_ld_body=json_ld_body)
        first = choice.paragraphs if choice.source == "precision" else trafilatura_paragraphs(
            page, fast=True, precision=True)
        return Choice(refine(page, choice.paragraphs, first), choice.source, choice.doubted)

    extract.choose_paragraphs = refined
    try:
        return ours(html, url)
    finally:
        extract.choose_paragraphs = real


# The line tests of ``bot.news.clean`` that ``ours+lines`` switches off: the kinds of line the
# product drops on purpose (a post shows no byline or date line) and dragnet's gold keeps.
_KEPT_LINE_TESTS = ("_is_dateline", "_is_byline", "_is_meta_line")


def _ours_keeping(tests: tuple[str, ...], html: str, url: str) -> str:
    """Ours with these line tests of ``bot.news.clean`` answering "not junk", put back after."""
    from bot.news import clean

    real = {name: getattr(clean, name) for name in tests}
    for name in tests:
        setattr(clean, name, lambda text: False)
    try:
        return ours(html, url)
    finally:
        for name, fn in real.items():
            setattr(clean, name, fn)


def ours_lines(html: str, url: str) -> str:
    """Ours with the line cleaner keeping bylines, date lines and "Label: value" lines (a study
    of dragnet's gold policy, ``bench/study_dragnet_policy.py``; the bot does not do it: the
    text feeds the summary, the fingerprint and the story profile, whose names and lead would
    take a reporter's name or a date for evidence)."""
    return _ours_keeping(_KEPT_LINE_TESTS, html, url)


def ours_bylines(html: str, url: str) -> str:
    """Ours with the line cleaner keeping bylines only (and reading times, the same test)."""
    return _ours_keeping(("_is_byline",), html, url)


def pipeline(html: str, url: str) -> str:
    """The bot's whole per-page work: extract, clean, detect language, summarize, fingerprint
    and index terms (``process_page``); scored on its extracted text."""
    from bot.news.errors import ExtractionError
    from bot.news.pipeline import process_page

    try:
        return process_page(html, url).article.text
    except ExtractionError:
        return ""


EXTRACTORS: dict[str, Extractor] = {
    "trafilatura": plain_trafilatura, "readability": plain_readability, "ours": ours,
    "ours+model": ours_model, "ours+lines": ours_lines, "ours+bylines": ours_bylines,
    "pipeline": pipeline,
}
COMPARED = ("ours", "ours+model", "ours+lines", "ours+bylines", "trafilatura", "readability")
OPT_IN = ("ours+lines", "ours+bylines")  # run only when named in --only


# --- one set -----------------------------------------------------------------------------------

def bench_set(name: str, data: Path, scorer: ModuleType, names: list[str], repeat: int, per_page: bool,
              half: str = "") -> None:
    gold = json.loads((data / "ground-truth.json").read_text(encoding="utf-8"))
    pages = load_pages(data)
    if half:
        keep = 0 if half == "even" else 1
        pages = [p for p in pages if parity(p.id) == keep]
        gold = {i: g for i, g in gold.items() if parity(i) == keep}
    print(f"\n=== {name}: {len(pages)} pages from {data}")
    runs: dict[str, RunResult] = {}
    rounds: list[dict[str, float]] = []
    for round_ in range(max(1, repeat)):
        # Taking turns, in alternating order, so a busy spell on a shared machine hits all.
        rounds.append({})
        for extractor in names if round_ % 2 == 0 else names[::-1]:
            run = run_extractor(extractor, EXTRACTORS[extractor], pages)
            rounds[-1][extractor] = run.pages_per_second
            if extractor not in runs or run.seconds < runs[extractor].seconds:
                runs[extractor] = run
    if "ours" in runs:
        # What a channel post is made from: the headline above the text's summary. Not what
        # the extractor's text holds (the post shows the headline already, so the text and
        # its summary leave it out); dragnet's gold keeps the headline, the other set's not.
        titled = {p.id: {"articleBody": "\n\n".join(filter(None, (_OUR_TITLES.get(id(p.html), ""),
                                                                   runs["ours"].predictions[p.id]["articleBody"])))}
                  for p in pages}
        runs["ours+title"] = RunResult("ours+title", titled, runs["ours"].seconds, runs["ours"].failures)
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    for extractor, run in runs.items():
        (OUT_DIR / f"{name}-{extractor}{'-' + half if half else ''}.json").write_text(json.dumps(run.predictions, ensure_ascii=False), "utf-8")

    halves = {"all": sorted(gold), "even": [i for i in sorted(gold) if parity(i) == 0],
              "odd": [i for i in sorted(gold) if parity(i) == 1]}
    halves = {h: ids for h, ids in halves.items() if ids}
    print(f"{'extractor':12} " + " ".join(f"{h + f' ({len(ids)})':>22}" for h, ids in halves.items())
          + f" {'pages/s':>8} {'failures':>8}")
    for extractor in [n for n in COMPARED + ("ours+title", "pipeline") if n in runs]:
        run = runs[extractor]
        cells = []
        for ids in halves.values():
            rows = [scorer.counts(gold[i]["articleBody"], run.predictions[i]["articleBody"]) for i in ids]
            m = scorer.aggregate(rows)
            cells.append(f"{m['f1']:.3f}/{m['precision']:.3f}/{m['recall']:.3f}")
        print(f"{extractor:12} " + " ".join(f"{c:>22}" for c in cells)
              + f" {run.pages_per_second:8.1f} {run.failures:8d}")
    print("(cells: F1/P/R; ours+title: the headline ours found, then ours' text, as a post shows them)")
    if "trafilatura" in runs:
        base = runs["trafilatura"].pages_per_second
        for extractor in ("ours", "ours+model", "ours+lines", "ours+bylines", "pipeline", "readability"):
            if extractor in runs:
                per_round = [r[extractor] / r["trafilatura"] for r in rounds if extractor in r and r.get("trafilatura")]
                print(f"speed {extractor}/plain trafilatura: {runs[extractor].pages_per_second / base:.2f}"
                      f" (best passes; per round {', '.join(f'{x:.2f}' for x in per_round)})")
        if "ours" in runs and "ours+model" in runs:
            per_round = [r["ours+model"] / r["ours"] for r in rounds if "ours" in r and "ours+model" in r]
            print(f"speed ours+model/ours (the paragraph model's cost): "
                  f"{runs['ours+model'].pages_per_second / runs['ours'].pages_per_second:.2f}"
                  f" (per round {', '.join(f'{x:.2f}' for x in per_round)})")
        if "ours" in runs:
            empty = [i for i in sorted(gold) if not runs["ours"].predictions[i]["articleBody"].strip()
                     and runs["trafilatura"].predictions[i]["articleBody"].strip()]
            print(f"pages where ours is empty and plain trafilatura is not: {len(empty)}"
                  + (f" ({', '.join(e[:12] for e in empty[:10])})" if empty else ""))
    if per_page and "ours" in runs:
        m = scorer.evaluate(gold, runs["ours"].predictions, resamples=2)
        print("\nours: pages, worst first")
        for page_id, (p, r) in sorted(m["pages"].items(), key=lambda x: sum(x[1]))[:40]:
            print(f"  {page_id[:16]}  P {p:.3f}  R {r:.3f}  {gold[page_id].get('url', '')[:70]}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--shared", type=Path, default=DEFAULT_SHARED, help="folder holding both sets")
    parser.add_argument("--sets", nargs="+", choices=sorted(SETS), default=list(SETS), help="which sets")
    parser.add_argument("--only", nargs="+", choices=sorted(EXTRACTORS), help="run only these extractors")
    parser.add_argument("--no-pipeline", action="store_true", help="skip the whole-pipeline speed run")
    parser.add_argument("--per-page", action="store_true", help="print ours' worst pages")
    parser.add_argument("--repeat", type=int, default=1, help="timed passes per extractor (best counts)")
    parser.add_argument("--half", choices=("even", "odd"), default="", help="only the pages of this half")
    args = parser.parse_args(argv)
    scorer_path = args.shared / SCORER
    if not scorer_path.is_file():
        raise SystemExit(f"benchmark data not found in {args.shared} (expected {SCORER}); use --shared DIR")
    scorer = load_scorer(scorer_path)
    names = args.only or [n for n in EXTRACTORS if not (args.no_pipeline and n == "pipeline") and n not in OPT_IN]
    for name in args.sets:
        data = args.shared / SETS[name]
        if not (data / "ground-truth.json").is_file():
            raise SystemExit(f"{data} has no ground-truth.json")
        bench_set(name, data, scorer, names, args.repeat, args.per_page, args.half)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
