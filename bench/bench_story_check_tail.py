"""Where the same-story check's slow tail comes from: every check of ``bench_story_check.py``'s
kind timed phase by phase, with what it read and what the process went through meanwhile.

    python bench/bench_story_check_tail.py --keep DIR [--queries 500] [--passes 2] [--whole] [--warm] [--idle S]
        [--gc-off] [--out FILE]

On the database ``bench_story_check.py --keep DIR`` built (100,000 stories), each check is
``bot.storyflow.find_story`` done step by step with the same calls: the document frequencies
from the copy in memory, the key stems, the candidates' statement (on the check's own
connection), decoding the candidates' vectors, the new article's weights, the scoring. For
each check it records the time of each phase, the number of candidates, of key postings in the
window and of profiles sharing a key (counted afterwards, untimed), and the deltas of
``getrusage`` (minor/major page faults, voluntary/involuntary context switches) and of the
thread's and the process's CPU time. ``--passes`` runs the same checks again in the same
process: a slow check that is slow in every pass (and in every run: compare ``--out`` files)
does more work; one slow once is a stall. Also per check: the time the thread waited in the run
queue for a core (``/proc/thread-self/schedstat``), the host's steal ticks, the time in the
garbage collector. ``--warm`` runs the bot's start-up warm-up first, ``--idle`` then waits (the
pages untouched), ``--whole`` times ``find_story`` itself instead of its steps.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import resource
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_story_check import MAX_PHRASES, NOW, kept_write_ups, pct  # noqa: E402
from bot.news.stories import (  # noqa: E402
    WEIGHTS,
    Candidate,
    _features,
    _score,
    key_terms,
    story_vectors,
    vectors_from_json,
)
from bot.storyflow import CANDIDATES, _counted_terms, find_story  # noqa: E402
from storage import Database  # noqa: E402
from storage._time import to_db  # noqa: E402
from storage.warmup import warm_up_in_background  # noqa: E402

PHASES = ("df", "keys", "query", "decode", "weights", "score")


def _sched() -> tuple[int, int]:
    """This thread's time on a core and waiting in the run queue for one (ns, /proc schedstat)."""
    with open("/proc/thread-self/schedstat") as f:
        ran, waited, _ = f.read().split()
    return int(ran), int(waited)


def _steal() -> int:
    """Time the machine's CPUs were taken by the host (/proc/stat "steal", in clock ticks)."""
    with open("/proc/stat") as f:
        return int(f.readline().split()[8])


class GcClock:
    """Time spent in the garbage collector, by generation (``gc.callbacks``)."""

    def __init__(self) -> None:
        self.ms = [0.0, 0.0, 0.0]
        self.runs = [0, 0, 0]
        self._start = 0.0
        gc.callbacks.append(self)

    def __call__(self, phase: str, info: dict) -> None:
        if phase == "start":
            self._start = time.perf_counter()
        else:
            self.ms[info["generation"]] += (time.perf_counter() - self._start) * 1000
            self.runs[info["generation"]] += 1


def _usage() -> tuple[int, int, int, int]:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_minflt, r.ru_majflt, r.ru_nvcsw, r.ru_nivcsw


async def phased_check(db: Database, profile, window: timedelta) -> tuple[dict[str, float], int, object]:
    """``find_story``'s steps, each timed (ms), and the number of candidates."""
    stories = db.stories
    marks = [time.perf_counter()]
    wanted = list(dict.fromkeys(("", *_counted_terms(profile))))
    table, at = stories.df_memory.held()
    counts = table.counts(wanted)
    df = {t: n for t, n in zip(wanted[1:], counts[1:]) if n}
    documents = counts[0]
    marks.append(time.perf_counter())
    keys = key_terms(profile, df, documents)
    marks.append(time.perf_counter())
    stored, version = await stories._candidates_at(keys, NOW - window, CANDIDATES)
    assert version == at
    marks.append(time.perf_counter())
    decoded = stories.decoded.decoded
    candidates = [Candidate(s.article_id, decoded(s.profile_id, s.vectors, vectors_from_json), s.seen_at)
                  for s in stored]
    marks.append(time.perf_counter())
    mine = story_vectors(profile, df, documents)
    marks.append(time.perf_counter())
    scores: dict[int, list[float]] = {}
    for c in candidates:
        if c.vectors.boilerplate or abs(NOW - c.seen_at) > window:
            continue
        scores.setdefault(c.story_id, []).append(_score(_features(mine, c.vectors), WEIGHTS))
    best = max((sum(v) / len(v) for v in scores.values()), default=0.0)
    marks.append(time.perf_counter())
    return {p: (b - a) * 1000 for p, a, b in zip(PHASES, marks, marks[1:])}, len(stored), (keys, best)


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keep", type=Path, required=True)
    parser.add_argument("--stories", type=int, default=100_000)
    parser.add_argument("--days", type=float, default=7.0)
    parser.add_argument("--queries", type=int, default=500)
    parser.add_argument("--passes", type=int, default=2)
    parser.add_argument("--whole", action="store_true", help="time find_story itself, not its steps")
    parser.add_argument("--gc-off", action="store_true")
    parser.add_argument("--warm", action="store_true", help="the bot's start-up warm-up first (storage.warmup)")
    parser.add_argument("--idle", type=float, default=0.0,
                        help="seconds to wait after the warm-up before timing (pages left untouched meanwhile)")
    parser.add_argument("--out", type=Path, default=None, help="write every check's record here (JSON lines)")
    args = parser.parse_args()
    queries = kept_write_ups(args.keep, args.stories, args.days, args.queries)
    db = await Database.open(args.keep / "bench.db")
    window = timedelta(days=7)
    if args.warm:
        t0 = time.perf_counter()
        print("warm-up:", await warm_up_in_background(db, since=NOW - window), f"{time.perf_counter() - t0:.1f} s")
    await db.stories.load_document_frequencies()
    for _, profile in queries[:20]:
        await find_story(db, profile, now=NOW, window=window)
    if args.idle:
        await asyncio.sleep(args.idle)
    if args.gc_off:
        gc.disable()
    records = []
    clock = GcClock()
    print(f"load average before: {os.getloadavg()[0]:.2f}; phrases {MAX_PHRASES}")
    for run in range(args.passes):
        for index, (_, profile) in enumerate(queries):
            s0, st0, g0 = _sched(), _steal(), (list(clock.ms), list(clock.runs))
            u0, c0, t0c, w0 = _usage(), time.process_time(), time.thread_time(), time.perf_counter()
            if args.whole:
                await find_story(db, profile, now=NOW, window=window)
                phases, n, keys = {}, 0, None
            else:
                phases, n, (keys, _) = await phased_check(db, profile, window)
            wall, u1 = (time.perf_counter() - w0) * 1000, _usage()
            s1, st1 = _sched(), _steal()
            records.append({
                "pass": run, "i": index, "wall": wall, "cpu": (time.process_time() - c0) * 1000,
                "thread": (time.thread_time() - t0c) * 1000, **phases, "candidates": n,
                "minflt": u1[0] - u0[0], "majflt": u1[1] - u0[1], "vcsw": u1[2] - u0[2], "ivcsw": u1[3] - u0[3],
                "_keys": keys,
                "gc_ms": sum(clock.ms) - sum(g0[0]), "gc2": clock.runs[2] - g0[1][2],
                "ran": (s1[0] - s0[0]) / 1e6, "waited": (s1[1] - s0[1]) / 1e6, "steal": st1 - st0,
            })
    print(f"load average after: {os.getloadavg()[0]:.2f}")
    # What each check read: key postings in the window, profiles sharing a key (untimed, after).
    since = to_db(NOW - window)
    work: dict[int, tuple[int, int]] = {}
    for r in records:
        if r["_keys"] and r["i"] not in work:
            marks = ",".join("?" for _ in r["_keys"])
            row = await db.fetchone(f"SELECT count(*), count(DISTINCT profile_id) FROM story_keys "
                                    f"WHERE term IN ({marks}) AND seen_at >= ?", (*r["_keys"], since))
            work[r["i"]] = (int(row[0]), int(row[1]))
    for r in records:
        r["postings"], r["profiles"] = work.get(r["i"], (0, 0))
        r.pop("_keys")
    await db.close()
    if args.out:
        args.out.write_text("".join(json.dumps(r) + "\n" for r in records))
    for run in range(args.passes):
        rs = [r for r in records if r["pass"] == run]
        walls, cpus = [r["wall"] for r in rs], [r["cpu"] for r in rs]
        print(f"pass {run}: wall p50 {statistics.median(walls):.2f} p99 {pct(walls, 0.99):.2f} max {max(walls):.1f}; "
              f"CPU p50 {statistics.median(cpus):.2f} p99 {pct(cpus, 0.99):.2f}")
        if not args.whole:
            print("  phase p50/p99 ms: " + ", ".join(
                f"{p} {statistics.median([r[p] for r in rs]):.3f}/{pct([r[p] for r in rs], 0.99):.3f}" for p in PHASES))
        slow = sorted(rs, key=lambda r: -r["wall"])[:8]
        for r in slow:
            other = [o["wall"] for o in records if o["i"] == r["i"] and o["pass"] != run]
            print(f"  slow #{r['i']}: wall {r['wall']:.2f} cpu {r['cpu']:.2f} thread {r['thread']:.2f} "
                  + " ".join(f"{p} {r.get(p, 0):.2f}" for p in PHASES)
                  + f" | cand {r['candidates']} postings {r['postings']} profiles {r['profiles']} "
                  f"minflt {r['minflt']} majflt {r['majflt']} vcsw {r['vcsw']} ivcsw {r['ivcsw']} "
                  f"runqueue {r['waited']:.2f} steal {r['steal']} gc {r['gc_ms']:.2f} (full {r['gc2']})"
                  f" | other passes {', '.join(f'{w:.2f}' for w in other)}")
    tail = sorted(records, key=lambda r: -r["wall"])[: max(1, len(records) // 100)]
    print(f"slowest 1% ({len(tail)} checks): wall {sum(r['wall'] for r in tail):.1f} ms, of it on a core "
          f"{sum(r['ran'] for r in tail):.1f}, waiting in the run queue {sum(r['waited'] for r in tail):.1f}; "
          f"major faults {sum(r['majflt'] for r in tail)}, involuntary switches {sum(r['ivcsw'] for r in tail)}, "
          f"steal ticks {sum(r['steal'] for r in tail)}")
    cpu_tail = sorted(records, key=lambda r: -r["cpu"])[: max(1, len(records) // 100)]
    print(f"the 1% of most CPU: CPU {sum(r['cpu'] for r in cpu_tail):.1f} ms, involuntary switches "
          f"{sum(r['ivcsw'] for r in cpu_tail)} ({statistics.mean(r['ivcsw'] for r in records):.2f} a check overall), "
          f"minor faults {sum(r['minflt'] for r in cpu_tail)}, in the garbage collector {sum(r['gc_ms'] for r in cpu_tail):.1f} ms "
          f"({sum(r['gc2'] for r in cpu_tail)} full collections; all checks: {sum(r['gc_ms'] for r in records):.1f} ms, "
          f"{sum(r['gc2'] for r in records)} full), steal ticks {sum(r['steal'] for r in cpu_tail)}, "
          f"candidates {statistics.mean(r['candidates'] for r in cpu_tail):.1f}, postings "
          f"{statistics.mean(r['postings'] for r in cpu_tail):.0f} (all: {statistics.mean(r['postings'] for r in records):.0f})")
    if args.passes > 1 and not args.whole:
        by = {}
        for r in records:
            by.setdefault(r["i"], []).append(r["query"])
        a = [v[0] for v in by.values()]
        b = [v[1] for v in by.values()]
        n = len(a)
        ra = {i: k for k, i in enumerate(sorted(range(n), key=a.__getitem__))}
        rb = {i: k for k, i in enumerate(sorted(range(n), key=b.__getitem__))}
        d = sum((ra[i] - rb[i]) ** 2 for i in range(n))
        print(f"query phase, rank correlation pass 0 / pass 1 (Spearman): {1 - 6 * d / (n * (n * n - 1)):.3f}")
        post = [work.get(i, (0, 0))[0] for i in range(n)]
        rp = {i: k for k, i in enumerate(sorted(range(n), key=post.__getitem__))}
        d = sum((ra[i] - rp[i]) ** 2 for i in range(n))
        print(f"query phase against key postings read (Spearman): {1 - 6 * d / (n * (n * n - 1)):.3f}; "
              f"postings p50 {statistics.median(post)}, p99 {pct(post, 0.99)}, max {max(post)}")


if __name__ == "__main__":
    asyncio.run(main())
