"""The relevance floor of "Read also" and /related, calibrated on the story benchmark.

    python bench/bench_related_floor.py [--data ../shared/data/story-benchmark/ecbplus-dev.jsonl]

Each article asks for its three most related stories among the other articles of its half
(split by the parity of the article's number), ranked by ``bot.news.stories.relatedness`` —
the measure the floor applies to (in the bot, FTS5 finds the candidates and the floor then
filters them). Two figures per floor:

* on topic: the share of returned links of the query's topic (ECB+ topic: the same kind of
  event), the goal being >= 0.9;
* nothing related: the query's whole topic removed from the store, the share of queries that
  still return something, the goal being <= 0.2 (no "Read also" section at all).

The floor is the lowest one meeting both goals on the fit half; the other half is held out.
Also printed, for comparison, the bot before the floor (no floor at all).
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_stories import DEFAULT_DATA, half_of, load  # noqa: E402

from bot.news import stories  # noqa: E402

FLOORS = [round(0.02 * i, 2) for i in range(0, 21)]
LINKS = 3


def figures(rows, vectors, half, floor) -> tuple[float, float, float]:
    """(on-topic share, share of 'nothing related' queries returning something, links per query)."""
    on, total, leaks = 0, 0, 0
    for q in half:
        scored = sorted(((stories._dot(vectors[q], vectors[d]), d) for d in half if d != q), reverse=True)
        top = [d for s, d in scored if s >= floor][:LINKS]
        on += sum(rows[d]["topic"] == rows[q]["topic"] for d in top)
        total += len(top)
        foreign = [d for s, d in scored if s >= floor and rows[d]["topic"] != rows[q]["topic"]]
        leaks += bool(foreign)
    return (on / total if total else 1.0), leaks / len(half), total / len(half)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    args = parser.parse_args()
    rows = load(args.data)
    n = len(rows)
    profiles = [stories.story_profile(r["title"], r["text"]) for r in rows]
    df: Counter[str] = Counter()
    for p in profiles:
        df.update(set(p.terms) | set(p.names) | p.numbers)
    vectors = [stories._unit(p.terms, df, n, 1.0) for p in profiles]
    halves = [[i for i in range(n) if half_of(rows[i]) == h] for h in (0, 1)]
    table = {h: {f: figures(rows, vectors, halves[h], f) for f in FLOORS} for h in (0, 1)}
    print("floor | half 0: on topic, nothing-related returning, links/query | half 1: same")
    for f in FLOORS:
        a, b = table[0][f], table[1][f]
        print(f"{f:5.2f} | {a[0]:.3f} {a[1]:.3f} {a[2]:.2f} | {b[0]:.3f} {b[1]:.3f} {b[2]:.2f}")
    for h in (0, 1):
        ok = [f for f in FLOORS if table[h][f][0] >= 0.9 and table[h][f][1] <= 0.2]
        if not ok:
            print(f"fit on half {h}: no floor meets both goals")
            continue
        f = ok[0]
        held = table[1 - h][f]
        print(f"fit on half {h}: floor {f:.2f} (fitted on: on topic {table[h][f][0]:.3f}, nothing-related "
              f"returning {table[h][f][1]:.3f}); held out half {1 - h}: on topic {held[0]:.3f}, "
              f"nothing-related returning {held[1]:.3f}, {held[2]:.2f} links/query")
    shipped = stories.RELATED_FLOOR
    for h in (0, 1):
        s = figures(rows, vectors, halves[h], shipped)
        z = figures(rows, vectors, halves[h], 0.0)
        print(f"shipped floor {shipped:.2f}, half {h}: on topic {s[0]:.3f}, nothing-related returning {s[1]:.3f}, "
              f"{s[2]:.2f} links/query (no floor: {z[0]:.3f}, {z[1]:.3f}, {z[2]:.2f})")


if __name__ == "__main__":
    main()
