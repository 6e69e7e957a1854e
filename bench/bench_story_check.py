"""Cost of same-story detection at scale: one new article checked against stored stories.

    python bench/bench_story_check.py [--stories 100000] [--days 14] [--queries 500] [--compare-decoded 1000]

Builds a database of N synthetic stories (profiles as ``bot.news.stories`` makes them: a
Zipf vocabulary of 60,000 stems, events of 2-6 write-ups sharing rare stems, names,
numbers and phrases), spread over ``--days`` days, all within the week's window when days <= 7. Then times
``bot.storyflow.find_story`` — document frequencies, the key-stem candidate query, decoding
and scoring the candidates — for new articles of which half report a stored event, and
compares it with the naive alternative in the same run: scoring the new article against every
profile stored in the window.

Prints p50/p99 in milliseconds (wall clock, and CPU time of the process) and how often the check found the event (recall of the
candidate stage on this synthetic data). Then checks the answers against the slow path: the
document frequencies of every term the checks read, counted from the stored profiles themselves
(not from the df table or its cache), give each check the same candidates, story and score.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import pickle
import random
import resource
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import orjson

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.news.stories import (  # noqa: E402
    MAX_PHRASES,
    MAX_TERMS,
    Candidate,
    Decision,
    StoryProfile,
    decide,
    key_terms,
    profile_from_json,
    profile_to_json,
    story_vectors,
    vectors_from_json,
    vectors_to_json,
)
from bot.storyflow import CANDIDATES, find_story  # noqa: E402
from storage import Database  # noqa: E402
from storage._time import to_db  # noqa: E402
from storage.warmup import warm_up_in_background  # noqa: E402

VOCABULARY = 60_000
NOW = datetime(2026, 3, 1, tzinfo=UTC)


class Synth:
    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.weights = [1.0 / (rank + 2.7) for rank in range(VOCABULARY)]
        self.cumulative = []
        total = 0.0
        for w in self.weights:
            total += w
            self.cumulative.append(total)

    def common(self, k: int) -> list[str]:
        return [f"w{i}" for i in self.rng.choices(range(VOCABULARY), cum_weights=self.cumulative, k=k)]

    def event(self) -> tuple[list[str], list[str], list[str], list[str]]:
        rng = self.rng
        rare = [f"w{rng.randrange(5_000, VOCABULARY)}" for _ in range(25)]
        names = [f"n{rng.randrange(200_000)}" for _ in range(6)]
        numbers = [str(rng.randrange(1, 5000)) for _ in range(4)]
        phrases = [f"{a} {b}" for a, b in zip(rare, rare[1:])]  # the event's own word pairs
        return rare, names, numbers, phrases

    def write_up(self, event: tuple[list[str], list[str], list[str], list[str]]) -> StoryProfile:
        rng = self.rng
        rare, names, numbers, event_phrases = event
        words = self.common(rng.randrange(200, 500)) + rng.sample(rare, 15) * 2 + rng.sample(names, 4)
        terms: dict[str, int] = {}
        for w in words:
            terms[w] = terms.get(w, 0) + 1
        top = dict(sorted(terms.items(), key=lambda kv: -kv[1])[:MAX_TERMS])
        chosen = rng.sample(names, 4)  # each name under its stem and its cross-script key, as stories does
        lead: dict[str, int] = {}
        for w in self.common(40) + rng.sample(rare, 6):  # the title and first sentences
            lead[w] = lead.get(w, 0) + 1
        # Adjacent word pairs, as stories makes them (at most MAX_PHRASES kept): some of the event's own,
        # the rest of the write-up's words in its order.
        phrases: dict[str, int] = {}
        for pair in rng.sample(event_phrases, 8) + [f"{a} {b}" for a, b in zip(words, words[1:])]:
            phrases[pair] = phrases.get(pair, 0) + 1
        phrases = dict(sorted(phrases.items(), key=lambda kv: -kv[1])[:MAX_PHRASES])
        return StoryProfile(terms=top, names={**{n: 2 for n in chosen}, **{f"0{n}": 2 for n in chosen}},
                            numbers=frozenset(rng.sample(numbers, 2)), words=len(words), boilerplate=False,
                            lead=lead, phrases=phrases)


def _terms(p: StoryProfile) -> list[str]:
    return list(dict.fromkeys([*p.terms, *p.names, *sorted(p.numbers), *p.lead, *p.phrases]))


async def build(db: Database, synth: Synth, n: int, days: float) -> list[tuple[int, tuple]]:
    events = []
    article_id = 0
    rows = []
    df: dict[str, int] = {}
    while article_id < n:
        event = synth.event()
        events.append((article_id + 1, event))
        seen = NOW - timedelta(days=synth.rng.uniform(0, days))
        for _ in range(synth.rng.randrange(1, 4)):
            if article_id >= n:
                break
            article_id += 1
            p = synth.write_up(event)
            rows.append((len(events), profile_to_json(p), p, seen))
        if len(rows) >= 5000:
            await _flush(db, rows, df)
            rows = []
    if rows:
        await _flush(db, rows, df)
    return events


async def _flush(db: Database, rows: list, df: dict[str, int]) -> None:
    batch = []
    for story, text, p, seen in rows:
        total = df.get("", 0) or 1
        batch.append((story, text, vectors_to_json(story_vectors(p, df, total)), key_terms(p, df, total), _terms(p), seen))
        for t in {"", *_terms(p)}:
            df[t] = df.get(t, 0) + 1
    await db.stories.add_profiles(batch)


async def counted_df(db: Database, wanted: set[str]) -> tuple[dict[str, int], int]:
    """Document frequencies of ``wanted`` counted from the stored profiles (slow: every
    profile is read and decoded), and the number of profiles: the truth the df table and its
    cache must give."""
    counts: dict[str, int] = {}
    documents = 0
    async with db.conn.execute("SELECT profile FROM story_profiles") as cursor:
        while rows := await cursor.fetchmany(2000):
            for row in rows:
                documents += 1
                for term in _terms(profile_from_json(row[0])):
                    if term in wanted:
                        counts[term] = counts.get(term, 0) + 1
    return counts, documents


async def slow_check(db: Database, profile: StoryProfile, df: dict[str, int], documents: int, *,
                     window: timedelta) -> tuple[Decision, int]:
    """``find_story`` with the counted document frequencies instead of the stored ones, and how
    many of its candidates' stored vectors the standard ``json`` reads otherwise than the
    product's decoder (orjson) does."""
    keys = key_terms(profile, df, documents)
    stored = await db.stories.candidates(keys, since=NOW - window, limit=CANDIDATES)
    candidates = [Candidate(s.article_id, vectors_from_json(s.vectors), s.seen_at) for s in stored]
    decoded_otherwise = sum(json.loads(s.vectors) != orjson.loads(s.vectors) for s in stored)
    return decide(profile, candidates, df, documents, now=NOW, window=window), decoded_otherwise


def write_ups(events: list, synth: Synth, count: int) -> list[tuple[int | None, str]]:
    """The checks to time: every other one another outlet's write-up of a stored event (with the
    story it should join), the rest a new event's (None: it should join nothing)."""
    queries: list[tuple[int | None, str]] = []
    for index in range(count):
        if index % 2 == 0:
            story, event = events[synth.rng.randrange(len(events))]
            queries.append((story, synth.write_up(event)))
        else:
            queries.append((None, synth.write_up(synth.event())))
    return queries


def kept_write_ups(keep: Path, stories: int, days: float, count: int) -> list[tuple[int | None, str]]:
    """``write_ups`` for the database ``--keep`` built, drawn after its stored events as this bench
    draws them, so the other benches time the same kind of checks on it."""
    saved = keep / f"events-{stories}-{days:g}-p{MAX_PHRASES}.pickle"
    if not saved.exists():
        raise SystemExit(f"no {saved}: build it first with bench/bench_story_check.py --keep {keep}")
    events, state = pickle.loads(saved.read_bytes())
    synth = Synth(7)
    synth.rng.setstate(state)
    return write_ups(events, synth, count)


def run_queue_ms() -> float:
    """How long this thread has waited in the run queue for a core (Linux schedstat; 0 elsewhere)."""
    try:
        with open("/proc/thread-self/schedstat") as f:
            return int(f.read().split()[1]) / 1e6
    except (OSError, IndexError, ValueError):
        return 0.0


def major_faults() -> int:
    """Page faults of this process that had to read from disk."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_majflt


def pct(values: list[float], q: float) -> float:
    return sorted(values)[min(len(values) - 1, int(q * len(values)))]


class _Undecoded:
    """``storage.decoded.DecodedCache`` that keeps nothing: every candidate decoded, as before it."""

    def decoded(self, profile_id: int, text: str, decode: Callable[[str], object]) -> object:
        return decode(text)


async def compare_decoded(path: Path, queries: list[tuple[int | None, StoryProfile]], window: timedelta) -> None:
    """The same checks with the decoded vectors kept and without, each side on its own connection
    (its own df cache), alternated check by check with the order flipped: CPU time and answers."""
    kept, plain = await Database.open(path), await Database.open(path)
    plain.stories.decoded = _Undecoded()  # type: ignore[assignment]
    cpu: dict[str, list[float]] = {"kept": [], "plain": []}
    same = 0
    try:
        for index, (_, profile) in enumerate(queries):
            answers = {}
            for side in ("kept", "plain") if index % 2 else ("plain", "kept"):
                c0 = time.process_time()
                answers[side] = await find_story(kept if side == "kept" else plain, profile, now=NOW, window=window)
                cpu[side].append((time.process_time() - c0) * 1000)
            same += answers["kept"] == answers["plain"]
    finally:
        await kept.close()
        await plain.close()
    k, n = cpu["kept"][20:], cpu["plain"][20:]  # the first 20 warm both up
    print(f"decoded vectors kept against decoded each time, {len(queries)} checks alternated (load "
          f"{os.getloadavg()[0]:.2f}): CPU p50 {statistics.median(k):.2f} against {statistics.median(n):.2f} ms "
          f"(x{statistics.median(n) / statistics.median(k):.2f}), p99 {pct(k, 0.99):.2f} against {pct(n, 0.99):.2f} "
          f"(x{pct(n, 0.99) / pct(k, 0.99):.2f}); same answers {same}/{len(queries)}")


async def compare_reader(path: Path, queries: list[tuple[int | None, StoryProfile]], window: timedelta) -> None:
    """The same checks with the candidates' statement read on the check's own connection in the
    event loop's thread (``StoryRepo.reader``) and through aiosqlite's thread (as before it),
    each side on its own connection, alternated check by check with the order flipped."""
    own, shared = await Database.open(path), await Database.open(path)
    shared.stories.reader = None
    times: dict[str, dict[str, list[float]]] = {side: {"cpu": [], "wall": []} for side in ("own", "shared")}
    same = 0
    try:
        for db in (own, shared):
            await db.stories.load_document_frequencies()
        for index, (_, profile) in enumerate(queries):
            answers = {}
            for side in ("own", "shared") if index % 2 else ("shared", "own"):
                t0, c0 = time.perf_counter(), time.process_time()
                answers[side] = await find_story(own if side == "own" else shared, profile, now=NOW, window=window)
                times[side]["cpu"].append((time.process_time() - c0) * 1000)
                times[side]["wall"].append((time.perf_counter() - t0) * 1000)
            same += answers["own"] == answers["shared"]
        assert own.stories.reader is not None and own.stories.reader.reads >= len(queries)
    finally:
        await own.close()
        await shared.close()
    print(f"candidates read on the check's own connection against through aiosqlite's thread, {len(queries)} checks "
          f"alternated (load {os.getloadavg()[0]:.2f}):")
    for kind in ("cpu", "wall"):
        o, s = times["own"][kind][20:], times["shared"][kind][20:]  # the first 20 warm both up
        print(f"  {kind.upper()} p50 {statistics.median(o):.2f} against {statistics.median(s):.2f} ms "
              f"(x{statistics.median(s) / statistics.median(o):.2f}), p99 {pct(o, 0.99):.2f} against {pct(s, 0.99):.2f} "
              f"(x{pct(s, 0.99) / pct(o, 0.99):.2f})")
    print(f"  same answers {same}/{len(queries)}")


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stories", type=int, default=100_000)
    parser.add_argument("--days", type=float, default=7.0)
    parser.add_argument("--queries", type=int, default=500)
    parser.add_argument("--naive", type=int, default=5, help="queries timed the naive way (slow)")
    parser.add_argument("--verify", action=argparse.BooleanOptionalAction, default=True,
                        help="compare each answer with the slow path's (reads every stored profile)")
    parser.add_argument("--compare-decoded", type=int, default=0, metavar="N",
                        help="then N checks with the candidates' decoded vectors kept (storage.decoded) and without, "
                             "alternated check by check on two connections")
    parser.add_argument("--compare-reader", type=int, default=0, metavar="N",
                        help="then N checks with the candidates read on the check's own connection and through "
                             "aiosqlite's thread, alternated check by check on two connections")
    parser.add_argument("--warm-up", action=argparse.BooleanOptionalAction, default=False,
                        help="read the check's pages first, as the bot does at start (storage.warmup), not only "
                             "load the document frequencies")
    parser.add_argument("--idle", type=float, default=0.0, metavar="SECONDS",
                        help="wait this long before timing, the pages untouched (a bot between new articles: "
                             "a machine that reclaims memory not used for a while reads them from disk again)")
    parser.add_argument("--keep", type=Path, default=None,
                        help="a folder to keep the built database in and reuse it from (same options)")
    args = parser.parse_args()
    synth = Synth(7)
    with tempfile.TemporaryDirectory() as tmp:
        folder = args.keep or Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        saved = folder / f"events-{args.stories}-{args.days:g}-p{MAX_PHRASES}.pickle"  # a build per phrase count
        if args.keep is None or not saved.exists():
            (folder / "bench.db").unlink(missing_ok=True)
        db = await Database.open(folder / "bench.db")
        # Profiles only: the story rows they belong to would only slow the build down.
        await db.conn.execute("PRAGMA foreign_keys = OFF")
        started = time.perf_counter()
        if saved.exists():
            events, state = pickle.loads(saved.read_bytes())
            synth.rng.setstate(state)
            print(f"{args.stories} stories ({len(events)} events over {args.days:g} days) reused from {folder}")
        else:
            events = await build(db, synth, args.stories, args.days)
            print(f"{args.stories} stories ({len(events)} events over {args.days:g} days) built in "
                  f"{time.perf_counter() - started:.0f}s")
            if args.keep is not None:
                saved.write_bytes(pickle.dumps((events, synth.rng.getstate())))
        await db.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        print(f"database file {(folder / 'bench.db').stat().st_size / 1e9:.2f} GB")
        t0, c0 = time.perf_counter(), time.process_time()
        if args.warm_up:
            print("start-up warm-up:", await warm_up_in_background(db, since=NOW - timedelta(days=7)))
        await db.stories.load_document_frequencies()  # what the bot's start-up warm-up does (after its reads)
        table = db.stories.df_memory.loaded
        assert table is not None
        print(f"document frequencies held in memory: {len(table)} terms, {table.nbytes / 1e6:.1f} MB of arrays, "
              f"loaded in {time.perf_counter() - t0:.1f} s ({time.process_time() - c0:.1f} s CPU)")
        window = timedelta(days=7)
        timings, cpu, found, expected = [], [], 0, 0
        queries = write_ups(events, synth, args.queries)
        for story, profile in queries[:20]:  # warm the page cache
            await find_story(db, profile, now=NOW, window=window)
        if args.idle:
            await asyncio.sleep(args.idle)
        print("load average before timing: %.2f %.2f %.2f (2 cores)" % os.getloadavg())
        decisions = []
        waited, faulted = [], []  # each check's wait for a core, and its page faults that read the disk
        for story, profile in queries:
            q0, f0 = run_queue_ms(), major_faults()
            t0, c0 = time.perf_counter(), time.process_time()
            decision = await find_story(db, profile, now=NOW, window=window)
            timings.append((time.perf_counter() - t0) * 1000)
            cpu.append((time.process_time() - c0) * 1000)
            waited.append(run_queue_ms() - q0)
            faulted.append(major_faults() - f0)
            decisions.append(decision)
            if story is not None:
                expected += 1
                found += decision.story_id is not None
        print("load average after timing: %.2f %.2f %.2f" % os.getloadavg())
        print(f"find_story (key-stem candidates): p50 {statistics.median(timings):.2f} ms, "
              f"p99 {pct(timings, 0.99):.2f} ms, max {max(timings):.2f} ms over {len(timings)} checks; "
              f"joined its event {found}/{expected}")
        print(f"  CPU time per check (all threads of this process; what the wall clock shows on a "
              f"loaded machine includes waiting for a core): p50 {statistics.median(cpu):.2f} ms, "
              f"p99 {pct(cpu, 0.99):.2f} ms")
        print(f"the check, {len(timings)} checks (goal: p99 <= 5 ms): wall p50 {statistics.median(timings):.2f} ms, "
              f"p99 {pct(timings, 0.99):.2f} ms; CPU p50 {statistics.median(cpu):.2f} ms, p99 {pct(cpu, 0.99):.2f} ms; "
              f"load average %.2f" % os.getloadavg()[0])
        slow = [i for i, t in enumerate(timings) if t > 5.0]
        print(f"  checks over 5 ms: {len(slow)}; of them {sum(faulted[i] > 0 for i in slow)} read a page from disk "
              f"(major faults in the run: {sum(faulted)}), {sum(waited[i] > 1.0 for i in slow)} waited over 1 ms "
              f"for a core (their wait {sum(waited[i] for i in slow):.1f} of {sum(timings[i] for i in slow):.1f} ms), "
              f"{sum(cpu[i] > 5.0 for i in slow)} took over 5 ms of CPU")
        clean = [t for t, q, f in zip(timings, waited, faulted) if q <= 1.0 and not f]
        if clean:
            print(f"  wall p99 of the {len(clean)} checks that neither waited for a core nor read the disk: "
                  f"{pct(clean, 0.99):.2f} ms")
        if args.verify:
            started = time.perf_counter()
            wanted = {t for _, profile in queries for t in _terms(profile)}
            counted, documents = await counted_df(db, wanted)
            same = otherwise = 0
            for (_, profile), fast in zip(queries, decisions):
                slow, decoded_otherwise = await slow_check(db, profile, counted, documents, window=window)
                same += slow == fast  # the same story and the very same score
                otherwise += decoded_otherwise
            print(f"same answers as the slow path (document frequencies counted from the {documents} stored "
                  f"profiles): {same}/{len(queries)} checks; candidates' vectors read otherwise by the json "
                  f"module: {otherwise} ({time.perf_counter() - started:.0f}s)")
        if args.compare_decoded:
            await compare_decoded(folder / "bench.db", write_ups(events, synth, args.compare_decoded), window)
        if args.compare_reader:
            await compare_reader(folder / "bench.db", write_ups(events, synth, args.compare_reader), window)
        naive = []
        since = NOW - window
        for story, profile in queries[: args.naive]:
            t0 = time.perf_counter()
            df, documents = await db.stories.document_frequencies(_terms(profile))
            rows = await db.fetchall("SELECT article_id, vectors, seen_at FROM story_profiles WHERE seen_at >= ?",
                                     (to_db(since),))
            candidates = [Candidate(int(r[0]), vectors_from_json(r[1]), NOW) for r in rows]
            decide(profile, candidates, df, documents, now=NOW, window=None)
            naive.append((time.perf_counter() - t0) * 1000)
        print(f"naive (score every profile of the window, {len(rows)} profiles): p50 {statistics.median(naive):.0f} ms "
              f"= x{statistics.median(naive) / statistics.median(timings):.0f} the key-stem check")
        await db.close()


if __name__ == "__main__":
    asyncio.run(main())
