"""The cache of document frequencies: each count expires on its own (so no check reads all of
its terms again at once, as after the old drop of the whole cache every five minutes), the
least recently used go first past the size bound, and what another process counted shows
within ``DF_CACHE_SECONDS``, on both engines."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.clock import FakeClock
from storage import Database
from storage.articles import NewArticle
from storage.dfcache import DfCache, lifetime
from storage.stories import DF_CACHE_SECONDS, StoryRepo

NOW = datetime(2026, 3, 1, 9, 30, tzinfo=UTC)
TERMS = [f"stem{i}" for i in range(40)]


def test_each_term_lives_between_three_quarters_and_all_of_the_time_to_live() -> None:
    lives = [lifetime(t, 300.0) for t in TERMS]
    assert all(225.0 <= life <= 300.0 for life in lives)
    assert max(lives) - min(lives) > 50.0  # spread, not one moment for all
    assert lifetime("путін", 300.0) == lifetime("путін", 300.0)


def test_expired_counts_are_asked_for_one_by_one_not_all_at_once() -> None:
    clock = FakeClock()
    cache = DfCache(ttl=300.0, capacity=1000, clock=clock.timestamp)
    cache.store(dict.fromkeys(TERMS, 5))
    assert cache.lookup(TERMS) == (dict.fromkeys(TERMS, 5), [])

    clock.advance(262.5)
    found, wanted = cache.lookup(TERMS)
    assert wanted == [t for t in TERMS if lifetime(t, 300.0) <= 262.5]
    assert 0 < len(wanted) < len(TERMS)
    assert found == {t: 5 for t in TERMS if t not in wanted}

    clock.advance(37.5)
    assert cache.lookup(TERMS) == ({}, TERMS)


def test_past_its_size_the_cache_drops_the_counts_read_longest_ago_only() -> None:
    clock = FakeClock()
    cache = DfCache(ttl=300.0, capacity=3, clock=clock.timestamp)
    cache.store({"a": 1, "b": 2, "c": 3})
    clock.advance(1.0)
    cache.store({"a": 5})  # read again: "b" is now the one read longest ago
    cache.store({"d": 4})
    assert len(cache) == 3
    assert cache.lookup(["a", "b", "c", "d"]) == ({"a": 5, "c": 3, "d": 4}, ["b"])


def test_own_additions_change_cached_counts_only_and_never_below_zero() -> None:
    cache = DfCache(ttl=300.0, capacity=10, clock=FakeClock().timestamp)
    cache.store({"a": 1, "b": 0})
    cache.add(["a", "b", "x"], 1)
    cache.add(["b", "b"], -1)
    assert cache.lookup(["a", "b", "x"]) == ({"a": 2, "b": 0}, ["x"])


async def _story(db: Database, n: int) -> int:
    return await db.articles.insert(NewArticle(
        feed_id=None, url=f"https://news.example/{n}", canonical_url=f"https://news.example/{n}", guid=None,
        title=f"Story {n}", text="Text.", summary="Text.", language="en", author="", published_at=NOW,
        from_feed=False, related=(), fingerprint=None, bands=None, title_terms="story", body_terms="text",
    ), now=NOW)


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

    clock.advance(0.875 * DF_CACHE_SECONDS)
    df, _ = await repo.document_frequencies(TERMS)
    read_again = {t for t in TERMS if lifetime(t, DF_CACHE_SECONDS) <= 0.875 * DF_CACHE_SECONDS}
    assert df == {t: 2 if t in read_again else 1 for t in TERMS}
    assert 0 < len(read_again) < len(TERMS)

    clock.advance(0.125 * DF_CACHE_SECONDS)
    assert await repo.document_frequencies(TERMS) == (dict.fromkeys(TERMS, 2), 2)
