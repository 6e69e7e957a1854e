"""Reading check: the title and summary a channel reader would see, for 30 fixed real pages.

usage: python bench/bench_reading.py [--data DIR] [--ids ID ...] [--text]

Runs the real per-page pipeline (``process_page``: extract from the saved HTML, title,
language, summary under the default budget) over 30 fixed pages of
``shared/data/extraction-benchmark`` (next to the repository, or --data) and prints, for
each, the page id, the language, the title and the summary. Nothing is scored: the output is
meant to be read by a person, asking of each post "would a reader be misled, confused or
annoyed?". With --text the extracted text is printed too (to tell extraction faults from
summary faults).

The first 15 pages are those named in issue #11 (hover cards, fact checks, subtitles, raw
entities, repeated titles, skipped leads, "Summary:" lines, bylines, truncated headlines,
related links, sentences leaning on skipped context); the other 15 are fixed picks across
the set: the other two Russian pages, two Portuguese ones (one with a "Publicado por" line) and
every 18th page of the sorted ids (skipping pages already listed).
"""

from __future__ import annotations

import argparse
import gzip
import json
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.news.pipeline import process_page  # noqa: E402

DEFAULT_DATA = ROOT.parent / "shared" / "data" / "extraction-benchmark"

NAMED_IN_ISSUE = (
    "156770d676ce", "776a1c046798", "8380689f358c", "ecb46e3e489d", "dfd43bc0d46e",
    "c00962aabe7b", "b6906ca016bb", "4a44ab3e4c41", "65ce3a4577a0", "3ce1c8fdf6ad",
    "9a440270bf86", "8b1945303082", "c4a3637c6696", "042bb7b5feda", "7bb1ca903543",
)
FIXED_PICKS = (
    "3c6d3381ef52", "c82b3d1d540b", "23aaecd14171", "f6ac15a4d985", "04a6711caa7c",
    "1f765c487806", "374ac9a59a85", "57b4dafd18cf", "686bb170effe", "833caf3bdba5",
    "9e8c9f082a8d", "b6fb53e9fb04", "c90731f051d0", "e7994d550087", "ffc109d474fd",
)


def resolve(prefixes: tuple[str, ...], ids: list[str]) -> list[str]:
    """Full page ids for id prefixes; a prefix matching no page is an error."""
    resolved = []
    for prefix in prefixes:
        matches = [page_id for page_id in ids if page_id.startswith(prefix)]
        if not matches:
            raise SystemExit(f"no page id starts with {prefix!r}")
        resolved.append(matches[0])
    return resolved


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--ids", nargs="*", help="page id prefixes instead of the fixed 30")
    parser.add_argument("--text", action="store_true", help="also print the extracted text")
    args = parser.parse_args()
    truth = json.loads((args.data / "ground-truth.json").read_text(encoding="utf-8"))
    ids = sorted(truth)
    wanted = resolve(tuple(args.ids) if args.ids else NAMED_IN_ISSUE + FIXED_PICKS, ids)
    for number, page_id in enumerate(wanted, 1):
        html = gzip.decompress((args.data / "html" / f"{page_id}.html.gz").read_bytes())
        item = process_page(html, truth[page_id]["url"])
        print(f"── {number:2}. {page_id[:12]} [{item.article.language or '?'}] {truth[page_id]['url']}")
        print(f"TITLE:   {item.article.title}")
        print(textwrap.fill(item.summary or "(no summary)", 100, initial_indent="SUMMARY: ",
                            subsequent_indent="         "))
        if args.text:
            print("TEXT:\n" + textwrap.indent(item.article.text[:3000], "    | "))
        print()


if __name__ == "__main__":
    main()
