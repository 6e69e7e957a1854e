"""The extractor's speed against an earlier version of itself and plain trafilatura, and
whether its output changed.

usage: python bench/bench_extraction_speed.py [--before REF] [--shared DIR] [--sets NAME ...]
                                              [--rounds N] [--step K]

``--before REF`` (a git ref, default ``main``) is the tree to compare with: its ``bot/``
package is taken from git into a temporary folder as the package ``bot_before`` (its
``bot.`` imports renamed), so both versions run in this one process. Page by page, the
three extractors (plain trafilatura, ours before, ours now) take turns, in an order that
rotates from page to page, so a busy spell on the shared machine and trafilatura's own
caches favour none. Each round is one pass over the set's pages (every K-th with --step);
each prints the CPU-time (``time.process_time``) and wall-clock ratios, and the median of
the rounds closes the set.

The first round also compares every field of the two versions' ``Article`` (text, title,
author, date, canonical URL, language, related links) page by page: a speed change must
not change what the bot extracts. Pages whose text differs are listed.
"""

from __future__ import annotations

import argparse
import re
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from collections.abc import Callable
from io import BytesIO
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(1, str(ROOT / "bench"))

from bench_extraction import DEFAULT_SHARED, SETS, Page, load_pages, plain_trafilatura  # noqa: E402

_BOT_IMPORT = re.compile(r"^(\s*)(from|import) bot(?=[.\s])", re.M)

Outcome = tuple[object, ...]


def load_before(ref: str, into: Path) -> ModuleType:
    """``bot.news.extract`` as it is at git ``ref``, importable beside ours as ``bot_before``."""
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", "--format=tar", ref, "bot"],
                             check=True, capture_output=True).stdout
    with tarfile.open(fileobj=BytesIO(archive)) as tar:
        tar.extractall(into, filter="data")
    package = into / "bot_before"
    (into / "bot").rename(package)
    for path in package.rglob("*.py"):
        path.write_text(_BOT_IMPORT.sub(r"\1\2 bot_before", path.read_text("utf-8")), "utf-8")
    sys.path.insert(0, str(into))
    import importlib

    return importlib.import_module("bot_before.news.extract")


def outcome_of(module: ModuleType) -> Callable[[str, str], Outcome]:
    """A page's whole ``Article`` as a tuple (or the error's text), from one version."""

    def run(html: str, url: str) -> Outcome:
        try:
            a = module.extract_article(html, url)
        except Exception as exc:  # noqa: BLE001 -- an error is an outcome to compare too
            return ("error", type(exc).__name__, str(exc))
        return (a.text, a.title, a.author, a.published, a.canonical_url, a.language,
                tuple((r.url, r.title) for r in a.related))

    return run


def bench_set(name: str, pages: list[Page], runs: dict[str, Callable[[str, str], object]], rounds: int) -> None:
    names = list(runs)
    for page in pages[:3]:  # warm-up: models, regexes, caches
        for fn in runs.values():
            fn(page.html, page.url)
    print(f"\n=== {name}: {len(pages)} pages, {rounds} rounds")
    cpu_ratios: dict[str, list[float]] = {"now/trafilatura": [], "before/trafilatura": [], "now/before": []}
    wall_ratios: dict[str, list[float]] = {k: [] for k in cpu_ratios}
    for round_ in range(rounds):
        cpu = dict.fromkeys(names, 0.0)
        wall = dict.fromkeys(names, 0.0)
        same = text_same = 0
        changed: list[str] = []
        for i, page in enumerate(pages):
            shift = (i + round_) % len(names)
            results = {}
            for extractor in names[shift:] + names[:shift]:
                c, w = time.process_time(), time.perf_counter()
                results[extractor] = runs[extractor](page.html, page.url)
                cpu[extractor] += time.process_time() - c
                wall[extractor] += time.perf_counter() - w
            if round_ == 0:
                before, now = results["before"], results["now"]
                same += before == now
                text_same += before[0] == now[0]
                if before[0] != now[0]:
                    changed.append(page.id[:12])
        if round_ == 0:
            print(f"identical Article on {same}/{len(pages)} pages; identical text on {text_same}/{len(pages)}"
                  + (f" (text differs: {', '.join(changed[:20])})" if changed else ""))
        for table, spent in ((cpu_ratios, cpu), (wall_ratios, wall)):
            # speed ratios: pages/s of the first over pages/s of the second = time of the second / first
            table["now/trafilatura"].append(spent["trafilatura"] / spent["now"])
            table["before/trafilatura"].append(spent["trafilatura"] / spent["before"])
            table["now/before"].append(spent["before"] / spent["now"])
        print(f"round {round_ + 1}: CPU s " + ", ".join(f"{n} {cpu[n]:.2f}" for n in names)
              + " | speed " + ", ".join(f"{k} x{v[-1]:.2f} (wall x{wall_ratios[k][-1]:.2f})" for k, v in cpu_ratios.items()))
    print("median of rounds: " + ", ".join(
        f"{k} x{statistics.median(v):.2f} (wall x{statistics.median(wall_ratios[k]):.2f})" for k, v in cpu_ratios.items()))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--before", default="main", help="git ref of the version to compare with")
    parser.add_argument("--shared", type=Path, default=DEFAULT_SHARED, help="folder holding both sets")
    parser.add_argument("--sets", nargs="+", choices=sorted(SETS), default=list(SETS))
    parser.add_argument("--rounds", type=int, default=3, help="passes over each set")
    parser.add_argument("--step", type=int, default=1, help="every K-th page only (a quicker look)")
    args = parser.parse_args(argv)
    from bot.news import extract

    with tempfile.TemporaryDirectory(prefix="extract-before-") as tmp:
        before = load_before(args.before, Path(tmp))
        runs: dict[str, Callable[[str, str], object]] = {
            "trafilatura": plain_trafilatura, "before": outcome_of(before), "now": outcome_of(extract),
        }
        for name in args.sets:
            data = args.shared / SETS[name]
            if not (data / "html").is_dir():
                raise SystemExit(f"benchmark data not found in {data}; use --shared DIR")
            bench_set(name, load_pages(data)[:: max(1, args.step)], runs, max(1, args.rounds))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
