"""The per-story LLM summaries service on its own: cache rows, shutdown, usage counters."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.clock import FakeClock
from bot.news.llm import ChatCompletions, LLMOptions, LLMSummarizer
from bot.story_summaries import StorySummaries, UsageBudget
from storage import Database
from storage.articles import NewArticle
from tests.fakes.openai_api import FakeOpenAI
from tests.stories import DAM

CHAT = -100


@pytest.fixture
async def llm() -> AsyncIterator[FakeOpenAI]:
    async with FakeOpenAI() as server:
        yield server


async def _service(db: Database, llm: FakeOpenAI, clock: FakeClock, *, timeout: float = 10) -> StorySummaries:
    budget = UsageBudget(db, clock, daily_requests=10, daily_tokens=0)
    client = ChatCompletions(LLMOptions(base_url=llm.base_url, model=llm.model, api_key=llm.api_key,
                                        timeout_s=timeout), budget=budget)
    return StorySummaries(db, LLMSummarizer(client), clock=clock, budget=budget)


async def _story(db: Database, clock: FakeClock) -> int:
    await db.chats.upsert(CHAT, "channel", title="C", now=clock.now())
    return await db.articles.insert(NewArticle(
        feed_id=None, url="https://n.example/1", canonical_url="https://n.example/1", guid=None,
        title="Dam gates open after repairs", text=DAM, summary="EXTRACTIVE", language="en", author="",
        published_at=None, from_feed=False, related=(), fingerprint=None, bands=None, title_terms="", body_terms=""),
        now=clock.now())


async def test_answers_are_stored_per_story_and_language_and_counted(db: Database, llm: FakeOpenAI, clock: FakeClock) -> None:
    service = await _service(db, llm, clock)
    story = await _story(db, clock)
    await service.request(story, [CHAT])
    await service.wait_idle()
    await service.request(story, [CHAT])  # known now: a cache hit, no call
    cached = await db.summaries.get(story, "en")
    assert cached is not None and cached.usable and cached.model == llm.model
    usage = await service.usage()
    assert (usage.requests, usage.answers, usage.cache_hits, usage.requests_left) == (1, 1, 1, 9)
    assert usage.tokens > 0 and llm.calls == 1
    await service.close()


async def test_a_post_waiting_on_a_request_falls_back_when_the_bot_stops(
    db: Database, llm: FakeOpenAI, clock: FakeClock
) -> None:
    llm.on(content="Late answer.", delay=5)
    service = await _service(db, llm, clock)
    story = await _story(db, clock)
    await service.request(story, [CHAT])
    article, chat = await db.articles.get(story), await db.chats.get(CHAT)
    post = asyncio.create_task(service.text_for(article, chat))  # type: ignore[arg-type]
    while not llm.requests:  # the request is at the endpoint
        await asyncio.sleep(0.01)
    await service.close()
    assert await post == "EXTRACTIVE"


async def test_a_wrong_key_is_logged_once_in_plain_words_and_never_shown(
    db: Database, llm: FakeOpenAI, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    import logging

    secret = "sk-wrong-SECRET-0123456789"
    budget = UsageBudget(db, clock, daily_requests=0, daily_tokens=0)
    client = ChatCompletions(LLMOptions(base_url=llm.base_url, model=llm.model, api_key=secret), budget=budget)
    service = StorySummaries(db, LLMSummarizer(client), clock=clock, budget=budget)
    story = await _story(db, clock)
    other = await db.articles.insert(NewArticle(
        feed_id=None, url="https://n.example/2", canonical_url="https://n.example/2", guid=None, title="Other",
        text=DAM + " Again.", summary="EXTRACTIVE", language="en", author="", published_at=None, from_feed=False,
        related=(), fingerprint=None, bands=None, title_terms="", body_terms=""), now=clock.now())
    caplog.set_level(logging.INFO)
    for article_id in (story, other):
        await service.request(article_id, [CHAT])
    await service.wait_idle()
    await service.close()
    errors = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(errors) == 1 and "LLM_API_KEY" in errors[0]
    assert secret not in caplog.text
    assert (await service.usage()).fallbacks == {"auth": 2}
    assert await db.summaries.get(story, "en") is None  # not cached: fixed settings ask again
