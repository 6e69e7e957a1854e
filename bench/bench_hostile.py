"""Cost of hostile pages and feeds: peak memory and CPU time of each, in its own process.

usage: python bench/bench_hostile.py [--case NAME]

Each case builds one hostile input and runs what the poll job runs on it (``parse_feed``
for feeds, ``process_page`` for pages, then the stored form of the article), in a fresh
subprocess so that ``ru_maxrss`` is that case's peak alone. Goal: every case under 200 MB.
Printed beside it: the same process with a small ordinary page, for the baseline.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

GOAL_MB = 200
WORDS = "The council approved the budget for the new bridge after a long debate on costs. "


def _page(body: str) -> bytes:
    return f"<html><head><title>Hostile</title></head><body>{body}</body></html>".encode()


def build(case: str) -> tuple[str, bytes]:
    """(kind, content) of a case: kind 'page' or 'feed'."""
    if case == "baseline":
        return "page", _page("<article><h1>Bridge</h1>" + f"<p>{WORDS * 5}</p>" * 8 + "</article>")
    if case == "single-line-5mb":
        return "page", _page("<p>" + (WORDS * 65_000)[:4_990_000] + "</p>")
    if case == "links-60000":
        return "page", _page("<article><p>" + WORDS * 20 + "</p>" + "".join(
            f'<a href="https://x.example/{i}">link number {i}</a> ' for i in range(60_000)) + "</article>")
    if case == "nested-feed-description-4.9mb":
        nested = "<div>" * 445_000 + "deep" + "</div>" * 445_000
        item = f"<item><title>Deep</title><link>https://x.example/d</link><description><![CDATA[{nested}]]></description></item>"
        return "feed", f"<?xml version='1.0'?><rss version='2.0'><channel><title>T</title>{item}</channel></rss>".encode()
    if case == "title-750kb":
        title = ("Breaking " * 90_000)[:750_000]
        item = f"<item><title>{title}</title><link>https://x.example/t</link><description>{WORDS * 5}</description></item>"
        return "feed", f"<?xml version='1.0'?><rss version='2.0'><channel><title>T</title>{item}</channel></rss>".encode()
    raise SystemExit(f"unknown case {case}")


CASES = ("baseline", "single-line-5mb", "links-60000", "nested-feed-description-4.9mb", "title-750kb")


def run_case(case: str) -> dict[str, object]:
    """In this process: build, process, report peak RSS and CPU (called in a child)."""
    from bot.ingest import stored_form
    from bot.news.errors import ExtractionError
    from bot.news.feeds import parse_feed
    from bot.news.pipeline import process_page
    from storage.articles import NewArticle

    kind, content = build(case)
    before = resource.getrusage(resource.RUSAGE_SELF)
    start = time.process_time()
    stored_title = -1
    if kind == "feed":
        parsed = parse_feed(content, "https://x.example/rss", "application/rss+xml")
        entry = parsed.entries[0]
        item = process_page(None, entry.url, entry=entry)
    else:
        try:
            item = process_page(content, "https://x.example/page")
        except ExtractionError as exc:  # refused: a bounded cost too, report it
            return {"case": case, "input_mb": len(content) / 1e6,
                    "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                    "baseline_mb": before.ru_maxrss / 1024, "cpu_s": time.process_time() - start,
                    "text_chars": 0, "links": 0, "title_chars": 0, "refused": str(exc)[:60]}
    article = item.article
    stored = stored_form(NewArticle(
        feed_id=None, url=article.url, canonical_url=item.canonical_url, guid=None, title=article.title,
        text=article.text, summary=item.summary, language=article.language, author=article.author,
        published_at=None, from_feed=article.from_feed, related=tuple((r.title, r.url) for r in article.related),
        fingerprint=item.fingerprint, bands=item.bands, title_terms=item.title_terms, body_terms=item.body_terms))
    stored_title = len(stored.title)
    cpu = time.process_time() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"case": case, "input_mb": len(content) / 1e6, "peak_mb": peak,
            "baseline_mb": before.ru_maxrss / 1024, "cpu_s": cpu, "text_chars": len(article.text),
            "links": len(article.related), "title_chars": stored_title}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--case", choices=CASES)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(run_case(args.case)))
        return 0
    print(f"{'case':32}{'input MB':>10}{'peak MB':>10}{'of which imports':>18}{'CPU s':>8}{'text chars':>12}"
          f"{'links':>7}{'title':>7}  goal <{GOAL_MB} MB")
    worst = 0.0
    for case in [args.case] if args.case else CASES:
        out = subprocess.run([sys.executable, __file__, "--child", "--case", case], capture_output=True, text=True,
                             cwd=ROOT, timeout=600)
        if out.returncode != 0:
            print(f"{case:32} FAILED: {out.stderr.strip().splitlines()[-1] if out.stderr else out.returncode}")
            continue
        r = json.loads(out.stdout)
        worst = max(worst, float(r["peak_mb"]))
        ok = "ok" if r["peak_mb"] < GOAL_MB else "OVER"
        print(f"{case:32}{r['input_mb']:>10.2f}{r['peak_mb']:>10.0f}{r['baseline_mb']:>18.0f}{r['cpu_s']:>8.2f}"
              f"{r['text_chars']:>12}{r['links']:>7}{r['title_chars']:>7}  {ok}"
              + (f" (refused: {r['refused']})" if r.get("refused") else ""))
    print(f"worst peak: {worst:.0f} MB (goal < {GOAL_MB} MB)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
