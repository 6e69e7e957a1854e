"""The cache of document frequencies: its parts are dropped one at a time (so no check reads
all of its terms again at once, as after the old drop of the whole cache every five minutes),
only a part goes past the size bound, and what another process counted shows within
``DF_CACHE_SECONDS``, on both engines."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.clock import FakeClock
from storage import Database
from storage.dfcache import SHARDS, DfCache
from storage.stories import DF_CACHE_SECONDS, StoryRepo
from tests.stories import bare_story

NOW = datetime(2026, 3, 1, 9, 30, tzinfo=UTC)
TERMS = [f"stem{i}" for i in range(400)]  # enough that every part holds some


def test_the_parts_of_the_cache_are_dropped_one_at_a_time_each_after_the_time_to_live() -> None:
    clock = FakeClock()
    cache = DfCache(ttl=640.0, capacity=100_000, clock=clock.timestamp)  # a part every 10 s
    cache.store(dict.fromkeys(TERMS, 5))
    assert cache.lookup(TERMS) == (dict.fromkeys(TERMS, 5), [])

    clock.advance(35.0)  # the first three parts went, in turn
    found, wanted = cache.lookup(TERMS)
    assert wanted == [t for t in TERMS if DfCache.shard(t) < 3] and wanted
    assert found == {t: 5 for t in TERMS if DfCache.shard(t) >= 3}
    cache.store(dict.fromkeys(wanted, 6))  # read again

    clock.advance(605.0)  # 640 s since the first read: every other part went since, once
    found, wanted = cache.lookup(TERMS)
    assert wanted == [t for t in TERMS if DfCache.shard(t) >= 3]
    assert found == {t: 6 for t in TERMS if DfCache.shard(t) < 3}

    clock.advance(640.0)  # nobody asked for a whole turn: nothing is left
    assert cache.lookup(TERMS) == ({}, TERMS)


def test_past_its_size_a_part_of_the_cache_is_dropped_not_the_whole() -> None:
    cache = DfCache(ttl=300.0, capacity=SHARDS, clock=FakeClock().timestamp)  # one count a part
    first = next(t for t in TERMS if DfCache.shard(t) == DfCache.shard(TERMS[0]) and t != TERMS[0])
    by_part = {DfCache.shard(t): t for t in reversed(TERMS)}  # one term of each part
    others = [t for part, t in by_part.items() if part != DfCache.shard(TERMS[0])][:5]
    cache.store(dict.fromkeys([TERMS[0], *others], 1))
    cache.store({first: 2})  # the part of TERMS[0] is full: dropped, then holds this one
    assert cache.lookup([TERMS[0], first, *others]) == ({first: 2, **dict.fromkeys(others, 1)}, [TERMS[0]])


def test_own_additions_change_cached_counts_only_and_never_below_zero() -> None:
    cache = DfCache(ttl=300.0, capacity=10, clock=FakeClock().timestamp)
    cache.store({"a": 1, "b": 0})
    cache.add(["a", "b", "x"], 1)
    cache.add(["b", "b"], -1)
    assert cache.lookup(["a", "b", "x"]) == ({"a": 2, "b": 0}, ["x"])


async def _story(db: Database, n: int) -> int:
    return await bare_story(db, n, NOW)


async def test_another_process_counts_show_term_by_term_and_all_within_the_time_to_live(
    two_dbs: tuple[Database, Database],
) -> None:
    mine, other = two_dbs
    clock = FakeClock()
    repo = StoryRepo(mine, clock=clock.timestamp)
    await other.stories.add_profiles([(await _story(other, 1), "{}", "{}", [], TERMS, NOW)])
    assert await repo.document_frequencies(TERMS) == (dict.fromkeys(TERMS, 1), 1)

    await other.stories.add_profiles([(await _story(other, 2), "{}", "{}", [], TERMS, NOW)])
    assert await repo.document_frequencies(TERMS) == (dict.fromkeys(TERMS, 1), 1)  # cached

    clock.advance(0.5 * DF_CACHE_SECONDS)  # half the parts went: their terms are read again
    df, _ = await repo.document_frequencies(TERMS)
    read_again = {t for t in TERMS if DfCache.shard(t) < SHARDS // 2}
    assert df == {t: 2 if t in read_again else 1 for t in TERMS}
    assert 0 < len(read_again) < len(TERMS)

    clock.advance(0.5 * DF_CACHE_SECONDS)
    assert await repo.document_frequencies(TERMS) == (dict.fromkeys(TERMS, 2), 2)
