"""The one rule for what a new follower of a feed gets (pure, no database)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from bot.delivery.backlog import BacklogRule

NOW = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)


def test_the_newest_fresh_stories_oldest_of_them_first() -> None:
    rule = BacklogRule(size=2, max_age=timedelta(hours=48))
    stories = [(1, NOW - timedelta(hours=1)), (2, NOW - timedelta(hours=3)), (3, NOW - timedelta(hours=2)),
               (4, NOW - timedelta(hours=72))]
    assert rule.pick(stories, NOW) == [3, 1]
    assert BacklogRule(size=5, max_age=timedelta(hours=48)).pick(stories, NOW) == [2, 3, 1]  # 4 is too old
    assert BacklogRule(size=5, max_age=None).pick(stories, NOW) == [4, 2, 3, 1]
    assert BacklogRule(size=0).pick(stories, NOW) == []


def test_undated_stories_count_as_fresh() -> None:
    rule = BacklogRule(size=3, max_age=timedelta(hours=1))
    assert rule.is_fresh(None, NOW) and not rule.is_fresh(NOW - timedelta(hours=2), NOW)


@given(st.lists(st.tuples(st.integers(1, 10_000), st.integers(0, 500)), unique_by=lambda s: s[0], max_size=40),
       st.integers(0, 10), st.integers(0, 200))
def test_pick_never_gives_more_than_size_nor_anything_too_old(
    raw: list[tuple[int, int]], size: int, max_hours: int
) -> None:
    rule = BacklogRule(size=size, max_age=timedelta(hours=max_hours))
    stories = [(story_id, NOW - timedelta(hours=age)) for story_id, age in raw]
    picked = rule.pick(stories, NOW)
    when = dict(stories)
    assert len(picked) <= size and len(set(picked)) == len(picked)
    assert all(NOW - when[i] <= timedelta(hours=max_hours) for i in picked)
    assert [when[i] for i in picked] == sorted(when[i] for i in picked)  # posted oldest first
