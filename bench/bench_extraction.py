"""Article-extraction benchmark: plain trafilatura against our ``extract_article``.

usage: python bench/bench_extraction.py [--data DIR] [--per-page] [--repeat N] [--only NAME ...]

Reads the pages of ``shared/data/extraction-benchmark`` (next to the repository, or --data),
runs every extractor over all of them in this one process, writes each extractor's
predictions to ``bench/out/<name>.json``, scores them with the dataset's own ``score.py``
and prints F1 / precision / recall and pages per CPU-second, plus our speed relative to
plain trafilatura. With --repeat N the extractors take turns N times and each keeps its
fastest pass. ``run_extractor`` is reusable for
other pipelines (summarize, fingerprint...).
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

DEFAULT_DATA = ROOT.parent / "shared" / "data" / "extraction-benchmark"
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
    """The benchmark's pages with their original URLs, in a stable order."""
    truth = json.loads((data / "ground-truth.json").read_text(encoding="utf-8"))
    pages = []
    for path in sorted((data / "html").glob("*.html.gz")):
        page_id = path.name.removesuffix(".html.gz")
        html = gzip.decompress(path.read_bytes()).decode("utf-8")
        pages.append(Page(page_id, truth.get(page_id, {}).get("url", ""), html))
    return pages


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


def load_scorer(data: Path) -> ModuleType:
    """The dataset's own score.py, imported from where it lies (not copied)."""
    spec = importlib.util.spec_from_file_location("extraction_benchmark_score", data / "score.py")
    if spec is None or spec.loader is None:
        raise SystemExit(f"cannot import {data / 'score.py'}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def plain_trafilatura(html: str, url: str) -> str:
    import trafilatura

    return trafilatura.extract(html, include_comments=False) or ""


def ours(html: str, url: str) -> str:
    from bot.news.errors import ExtractionError
    from bot.news.extract import extract_article

    try:
        return extract_article(html, url).text
    except ExtractionError:
        return ""


def pipeline(html: str, url: str) -> str:
    """The bot's whole per-page work: extract, clean, detect language, summarize, fingerprint
    and index terms (``process_page``); scored on its extracted text."""
    from bot.news.errors import ExtractionError
    from bot.news.pipeline import process_page

    try:
        return process_page(html, url).article.text
    except ExtractionError:
        return ""


EXTRACTORS: dict[str, Extractor] = {"trafilatura": plain_trafilatura, "ours": ours, "pipeline": pipeline}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="benchmark directory")
    parser.add_argument("--per-page", action="store_true", help="print each page's P/R, worst first")
    parser.add_argument("--only", nargs="+", choices=sorted(EXTRACTORS), help="run only these")
    parser.add_argument("--repeat", type=int, default=1, help="timed passes per extractor (best counts)")
    args = parser.parse_args(argv)
    data: Path = args.data
    if not (data / "ground-truth.json").is_file() or not (data / "score.py").is_file():
        raise SystemExit(
            f"benchmark data not found in {data} (expected ground-truth.json, score.py, html/); use --data DIR"
        )

    scorer = load_scorer(data)
    gold = json.loads((data / "ground-truth.json").read_text(encoding="utf-8"))
    pages = load_pages(data)
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    print(f"{len(pages)} pages from {data}")

    names = args.only or list(EXTRACTORS)
    runs: dict[str, RunResult] = {}
    for round_ in range(max(1, args.repeat)):
        # Taking turns, in alternating order, so a busy spell on a shared machine hits both.
        for name in names if round_ % 2 == 0 else names[::-1]:
            run = run_extractor(name, EXTRACTORS[name], pages)
            if name not in runs or run.seconds < runs[name].seconds:
                runs[name] = run
    results: dict[str, tuple[RunResult, dict]] = {}
    for name, run in runs.items():
        out = OUT_DIR / f"{name}.json"
        out.write_text(json.dumps(run.predictions, ensure_ascii=False), encoding="utf-8")
        results[name] = (run, scorer.evaluate(gold, run.predictions))

    print(f"\n{'extractor':14} {'F1':>6} {'P':>6} {'R':>6} {'pages/s':>8} {'failures':>8}")
    for name, (run, m) in results.items():
        print(f"{name:14} {m['f1']:6.3f} {m['precision']:6.3f} {m['recall']:6.3f} "
              f"{run.pages_per_second:8.1f} {run.failures:8d}")
    if "trafilatura" in results and "ours" in results:
        ratio = results["ours"][0].pages_per_second / results["trafilatura"][0].pages_per_second
        print(f"\nspeed ours/plain: {ratio:.2f}")
    if "trafilatura" in results and "pipeline" in results:
        ratio = results["pipeline"][0].pages_per_second / results["trafilatura"][0].pages_per_second
        print(f"speed whole pipeline (extract+clean+summarize+fingerprint+terms)/plain extraction: {ratio:.2f}")
    if args.per_page:
        for name, (_, m) in results.items():
            print(f"\n{name}: pages, worst first")
            for page_id, (p, r) in sorted(m["pages"].items(), key=lambda x: sum(x[1])):
                print(f"  {page_id[:16]}  P {p:.3f}  R {r:.3f}  {gold[page_id].get('url', '')[:70]}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
