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

Then the same two figures through the bot's own path (``bot.related``), per half, at the
shipped constants: each half stored by the real ingest store (same-event articles join into
one story, as in the bot) into a SQLite file, and once more per topic with that topic left
out. "Read also" is ``related_to`` of each stored story; "/related words" is
``search_stories`` of three words of each article's title (the first three of four letters or
more, stop words aside: what a reader might type), with its words-matched and generic-word
rules. For /related words the floor on ``words_score`` (``WORDS_FLOOR``) is then swept on the
scores ``scored_stories`` gave: fitted (lowest floor meeting both goals) on one half, scored on
the other, both ways. ``--no-path`` skips this part (it takes two or three minutes).
"""

from __future__ import annotations

import argparse
import asyncio
import re
import sys
import tempfile
from collections import Counter
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_stories import DEFAULT_DATA, half_of, load  # noqa: E402

from bot.clock import FakeClock  # noqa: E402
from bot.ingest import Ingestor  # noqa: E402
from bot.news import stories  # noqa: E402
from bot.news.http import FetchPolicy, Fetcher  # noqa: E402
from bot.news.models import Article  # noqa: E402
from bot.news.pipeline import ProcessedArticle, process_article  # noqa: E402
from bot.related import COMMON_SHARE, GENERIC_SHARE, WORDS_FLOOR, related_to, scored_stories  # noqa: E402
from storage import Database  # noqa: E402

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
    parser.add_argument("--no-path", action="store_true", help="skip the figures through bot.related")
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
    if not args.no_path:
        asyncio.run(through_the_bot(rows, halves))


_STOP = frozenset("from with that this have been said will after their they were about into over than "
                  "what when where which while would could should there these those more most".split())


def query_words(title: str) -> str:
    """Three words a reader might type about a story: the title's first three of four letters
    or more that are not stop words."""
    words = [w for w in re.findall(r"[^\W\d_]{4,}", title) if w.lower() not in _STOP]
    return " ".join(words[:3])


async def _store(path: Path, items: dict[int, ProcessedArticle], clock: FakeClock) -> tuple[Database, dict[int, int]]:
    """The articles stored by the ingest store path; (database, article index -> story id)."""
    db = await Database.open(path)
    ingestor = Ingestor(db, Fetcher(FetchPolicy()), clock=clock)
    story = {}
    for i, item in items.items():
        story[i] = (await ingestor.store(item, feed_id=None)).article_id
    return db, story


WORDS_FLOORS = [round(0.05 * i, 2) for i in range(0, 20)]


async def through_the_bot(rows: list[dict], halves: list[list[int]]) -> None:
    clock = FakeClock()
    items = {i: process_article(Article(url=f"https://bench.example/{rows[i]['id']}", title=rows[i]["title"],
                                        text=rows[i]["text"], language=rows[i].get("lang", "")))
             for half in halves for i in half}
    print(f"\nthrough bot.related (RELATED_FLOOR {stories.RELATED_FLOOR:.2f}, WORDS_FLOOR {WORDS_FLOOR:.2f}, "
          f"GENERIC_SHARE {GENERIC_SHARE:g}, COMMON_SHARE {COMMON_SHARE:g}), per half: on topic (links), nothing-related queries returning anything")
    # Per half, /related words' scored candidates: (query's topic, [(topic, score)]) with the
    # query's topic stored, and [[score]] with it left out, for the words floor's sweep.
    answers: list[list[tuple[str, list[tuple[str | None, float]]]]] = []
    lonely: list[list[list[float]]] = []
    with tempfile.TemporaryDirectory() as tmp:
        for h, half in enumerate(halves):
            db, story = await _store(Path(tmp) / f"half{h}.db", {i: items[i] for i in half}, clock)
            topic_of = {}
            for i in half:
                topic_of.setdefault(story[i], rows[i]["topic"])
            firsts = {s: i for i, s in reversed(list(story.items()))}  # each story's first article
            now = clock.now()
            read_on = read_all = 0
            answers.append([])
            for s, i in firsts.items():
                article = await db.articles.get(s)
                assert article is not None
                found = await related_to(db, article, now=now)
                read_all += len(found)
                read_on += sum(topic_of.get(a.id) == rows[i]["topic"] for a in found)
                scored = await scored_stories(db, query_words(rows[i]["title"]), now=now, exclude=(s,))
                answers[h].append((rows[i]["topic"], [(topic_of.get(a.id), score) for a, score in
                                                      _distinct_scored(scored)]))
            queried = {s: await db.articles.get(s) for s in firsts}
            await db.close()
            read_leak = queries = 0
            lonely.append([])
            for topic in sorted({rows[i]["topic"] for i in half}):
                rest = {i: items[i] for i in half if rows[i]["topic"] != topic}
                other, _ = await _store(Path(tmp) / f"half{h}-no{topic}.db", rest, clock)
                for s, i in firsts.items():
                    if rows[i]["topic"] != topic:
                        continue
                    queries += 1
                    # Not stored here: an id no row has, its profile made from its words.
                    alone = replace(queried[s], id=-1)  # type: ignore[arg-type]
                    read_leak += bool(await related_to(other, alone, now=now))
                    scored = await scored_stories(other, query_words(rows[i]["title"]), now=now)
                    lonely[h].append([score for _, score in scored])
                await other.close()
            on, links, leak = words_figures(answers[h], lonely[h], WORDS_FLOOR)
            print(f"half {h}: {len(half)} articles, {len(firsts)} stories; \"Read also\": on topic "
                  f"{read_on / max(read_all, 1):.3f} ({read_all} links), nothing related returning "
                  f"{read_leak / queries:.3f}; /related words: on topic {on:.3f} ({links} links), "
                  f"nothing related returning {leak:.3f} ({queries} queries)")
    print("\n/related words, by WORDS_FLOOR | half 0: on topic, links, nothing-related returning | half 1: same")
    table = {h: {f: words_figures(answers[h], lonely[h], f) for f in WORDS_FLOORS} for h in (0, 1)}
    for f in WORDS_FLOORS:
        a, b = table[0][f], table[1][f]
        print(f"{f:5.2f} | {a[0]:.3f} {a[1]:4d} {a[2]:.3f} | {b[0]:.3f} {b[1]:4d} {b[2]:.3f}")
    for h in (0, 1):
        ok = [f for f in WORDS_FLOORS if table[h][f][0] >= 0.9 and table[h][f][2] <= 0.2]
        if not ok:
            print(f"words floor fit on half {h}: none meets both goals")
            continue
        f, held = ok[0], table[1 - h][ok[0]]
        print(f"words floor fit on half {h}: {f:.2f} (fitted on: on topic {table[h][f][0]:.3f}, nothing-related "
              f"returning {table[h][f][2]:.3f}); held out half {1 - h}: on topic {held[0]:.3f} ({held[1]} links), "
              f"nothing-related returning {held[2]:.3f}")


def _distinct_scored(scored):
    """``above_floor``'s distinct titles, kept with their scores (the floor applied later)."""
    seen, result = set(), []
    for article, score in scored:
        key = " ".join(re.sub(r"\W+", " ", article.title.lower()).split())
        if key not in seen:
            seen.add(key)
            result.append((article, score))
    return result


def words_figures(answers, lonely, floor: float, limit: int = 5) -> tuple[float, int, float]:
    """(on-topic share of the links, links, share of nothing-related queries answering) of
    /related words at ``floor``."""
    on = links = 0
    for topic, found in answers:
        kept = [t for t, score in found if score >= floor][:limit]
        links += len(kept)
        on += sum(t == topic for t in kept)
    leaks = sum(any(score >= floor for score in scores) for scores in lonely)
    return on / max(links, 1), links, leaks / max(len(lonely), 1)


if __name__ == "__main__":
    main()
