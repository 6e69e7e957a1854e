"""The warm-up at start: the same-story check's tables are read once (so the first checks do
not read their pages from disk one by one), and a warm-up that fails only leaves them cold."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

import pytest

from storage import Database
from storage.warmup import warm_story_pages, warm_up_in_background
from tests.conftest import RunningBot
from tests.stories import bare_story

NOW = datetime(2026, 3, 1, 9, 30, tzinfo=UTC)


async def _story(db: Database, n: int) -> int:
    return await bare_story(db, n, NOW)


async def test_the_warm_up_reads_the_counts_the_keys_and_the_profiles_of_the_window(db: Database) -> None:
    vectors = '{"t":{"quak":1.0}}'
    await db.stories.add_profiles([
        (await _story(db, 1), "{}", vectors, ["aceh", "quak"], ["aceh", "quak", "kill"], NOW),
        (await _story(db, 2), "{}", vectors, ["aceh"], ["aceh", "tsunami"], NOW - timedelta(days=1)),
        (await _story(db, 3), "{}", vectors, ["dam"], ["dam"], NOW - timedelta(days=9)),  # out of the window
    ])
    said = await warm_story_pages(db, since=NOW - timedelta(days=7))
    # '' (the profiles' count) and five terms; four keys; two profiles of the window.
    assert said.startswith("6 df counts, 4 keys, 2 profiles of the window")


async def test_a_failed_warm_up_is_logged_once_and_raises_nothing(db: Database, caplog: pytest.LogCaptureFixture) -> None:
    await db.execute("DROP TABLE story_keys")
    with caplog.at_level(logging.INFO, logger="storage.warmup"):
        assert await warm_up_in_background(db, since=NOW) is None
    [record] = [r for r in caplog.records if r.name == "storage.warmup"]
    assert record.levelno == logging.WARNING and "checks start cold" in record.getMessage()


async def test_the_bot_warms_the_check_up_as_it_starts(running_bot: RunningBot) -> None:
    assert running_bot.services.warm_up is not None
    said = await running_bot.services.warm_up
    assert said is not None and said.startswith("0 df counts, 0 keys, 0 profiles of the window")
