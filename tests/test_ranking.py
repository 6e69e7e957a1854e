"""The order of /latest: sources weighed by age (pure)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.news.ranking import HALF_LIFE, hot_score, rank_by_sources_and_recency

NOW = datetime(2026, 1, 1, 12, tzinfo=UTC)


def test_more_sources_win_until_the_story_is_old() -> None:
    stories = [("fresh", 1, NOW), ("three outlets", 3, NOW - HALF_LIFE), ("old three", 3, NOW - 4 * HALF_LIFE)]
    ranked = rank_by_sources_and_recency(stories, now=NOW, sources=lambda s: s[1], when=lambda s: s[2])
    assert [s[0] for s in ranked] == ["three outlets", "fresh", "old three"]


def test_equal_scores_keep_the_newer_first_and_the_future_counts_as_now() -> None:
    stories = [("older", 2, NOW - HALF_LIFE), ("newer", 1, NOW), ("later", 1, NOW + timedelta(hours=1))]
    ranked = rank_by_sources_and_recency(stories, now=NOW, sources=lambda s: s[1], when=lambda s: s[2])
    assert [s[0] for s in ranked] == ["later", "newer", "older"]
    assert hot_score(0, timedelta(0)) == hot_score(1, timedelta(0)) == 1.0
