"""Logs a person can read: a 429 or 5xx the bot handles is one WARNING line from us, and no
traceback from python-telegram-bot's rate limiter."""

from __future__ import annotations

import logging

import pytest

from bot.news.models import Article
from bot.news.pipeline import process_article
from tests.conftest import READER_ID, RunningBot
from tests.stories import DAM


async def _one_story_queued(bot: RunningBot) -> None:
    services = bot.services
    await bot.command(READER_ID, "/start")
    item = process_article(Article(url="https://dam.example/story", title="Dam gates open", text=DAM, language="en"))
    story = await services.ingestor.store(item, feed_id=None)
    await services.db.deliveries.enqueue_article(story.article_id, [READER_ID], now=services.clock.now())


@pytest.mark.parametrize(("kind", "words"), [("429", "asked to wait"), ("500", "Internal Server Error"),
                                             ("502", "Bad Gateway")])
async def test_a_handled_telegram_refusal_is_one_warning_line_without_traceback(
    running_bot: RunningBot, caplog: pytest.LogCaptureFixture, kind: str, words: str
) -> None:
    await _one_story_queued(running_bot)
    running_bot.tg.fail("sendMessage", kind, chat_id=READER_ID, retry_after=1)
    caplog.clear()
    with caplog.at_level(logging.INFO):
        report = await running_bot.services.publisher.drain()
    assert report.sent == 0 and report.failed == 0  # handled: the row waits for its retry
    noisy = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(noisy) == 1, [r.getMessage() for r in noisy]
    [line] = noisy
    assert line.levelno == logging.WARNING and line.name.startswith("bot.") and words in line.getMessage()
    assert line.exc_info is None
    assert not [r for r in caplog.records if r.name == "telegram.ext.AIORateLimiter" and r.levelno >= logging.WARNING]
