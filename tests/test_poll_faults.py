"""Every feed's failure is its own: bad text, or any unexpected error while polling one feed,
is caught at that feed's boundary, counted on it, and the tick goes on for the others."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable
from datetime import timedelta

import pytest

from bot.app import build_application, ingest_options
from bot.clock import FakeClock
from bot.config import Settings
from bot.ingest import Ingestor
from bot.jobs.poll import poll_due_feeds
from bot.news.models import Article
from bot.news.textsafe import valid_text
from tests.conftest import ADMIN_ID, RunningBot, start_bot
from tests.fakes.news_site import FakeNewsSite
from tests.fakes.telegram_api import FakeTelegramServer
from tests.stories import DAM, ELECTION


@pytest.fixture
async def bot(make_settings: Callable[..., Settings], tg: FakeTelegramServer, clock: FakeClock) -> AsyncIterator[RunningBot]:
    application = build_application(make_settings(max_feed_errors=2), clock=clock, schedule_jobs=False)
    async with start_bot(application):
        yield RunningBot(application, tg)


def _json_feed(site: FakeNewsSite, path: str, titles: list[str]) -> None:
    bodies = [DAM, ELECTION]
    items = [{"id": str(i), "url": site.url(f"/story-{i}"), "title": title, "content_text": bodies[i % 2]}
             for i, title in enumerate(titles)]
    body = json.dumps({"version": "https://jsonfeed.org/version/1.1", "title": "JSON Times", "items": items})
    site.add(path, body, content_type="application/feed+json")


async def test_a_lone_surrogate_in_a_json_feed_is_stored_as_a_replacement_character(
    bot: RunningBot, site: FakeNewsSite
) -> None:
    """JSON allows "\\ud800"; SQLite's UTF-8 does not. The story is stored (the bad character
    shown as U+FFFD), the newer good entry too, and the feed's poll succeeds."""
    _json_feed(site, "/feed.json", ["Dam gates \ud800open", "Reservoir rises"])
    db, now = bot.services.db, bot.services.clock.now()
    feed, _ = await db.feeds.add(site.url("/feed.json"), now=now)

    [report] = await poll_due_feeds(bot.services)

    assert report.error is None and len(report.new_articles) == 2
    titles = {a.title for a in await db.articles.get_many(report.new_articles)}
    assert titles == {"Dam gates \ufffdopen", "Reservoir rises"}
    stored = await db.feeds.get(feed.id)
    assert stored is not None and stored.error_count == 0 and stored.last_success_at == now


class _ExplodingSummarizer:
    """A summarizer endpoint with a bug for one site's stories (not a NewsError: a crash)."""

    async def summarize(self, article: Article, *, max_sentences: int = 3, max_chars: int = 600) -> str:
        if "/bad/" in article.url:
            raise RuntimeError("summarizer crashed on this story")
        return ""


async def test_an_unexpected_error_in_one_feed_is_counted_on_it_and_the_tick_goes_on(
    bot: RunningBot, site: FakeNewsSite, clock: FakeClock
) -> None:
    services = bot.services
    # The longest interval the jitter gives (16.5 min): the good feed is not due again when the
    # bad one's backoff (15 min) ends.
    services.ingestor = Ingestor(services.db, services.fetcher, clock=clock, summarizer=_ExplodingSummarizer(),
                                 options=ingest_options(services.settings), jitter=lambda: 1.1)
    bad = site.feed("/bad/rss.xml", title="Bad Feed")
    bad.publish("Dam gates open", body=DAM)
    site.feed("/good/rss.xml", title="Good Feed").publish("Portugal votes", body=ELECTION)
    db, now = services.db, clock.now()
    bad_feed, _ = await db.feeds.add(site.url("/bad/rss.xml"), now=now)
    good_feed, _ = await db.feeds.add(site.url("/good/rss.xml"), now=now)

    reports = {r.feed_id: r for r in await poll_due_feeds(services)}

    assert reports[good_feed.id].error is None and len(reports[good_feed.id].new_articles) == 1
    error = reports[bad_feed.id].error or ""
    assert error == "unexpected error while polling: RuntimeError: summarizer crashed on this story"
    stored = await db.feeds.get(bad_feed.id)
    assert stored is not None and stored.error_count == 1 and stored.last_error == error
    assert stored.next_poll_at is not None and stored.next_poll_at == now + timedelta(minutes=15)  # backoff
    good = await db.feeds.get(good_feed.id)
    assert good is not None and good.next_poll_at == now + timedelta(minutes=16.5)

    hits = site.hits["/bad/rss.xml"]
    clock.advance(timedelta(seconds=30))  # the next tick: the failed feed is not fetched again
    assert await poll_due_feeds(services) == []
    assert site.hits["/bad/rss.xml"] == hits

    clock.set(stored.next_poll_at)  # the second failure in a row disables it (MAX_FEED_ERRORS=2)
    [again] = await poll_due_feeds(services)
    assert again.feed_id == bad_feed.id and again.disabled
    notices = [c.params["text"] for c in bot.tg.sent_messages(ADMIN_ID)]
    assert any(f"I stopped polling the feed {site.url('/bad/rss.xml')}" in n and "RuntimeError" in n for n in notices)


async def test_choosing_due_feeds_claims_them(bot: RunningBot, site: FakeNewsSite, clock: FakeClock) -> None:
    """A feed taken by one tick is not due for the next one, even before its poll records anything."""
    db = bot.services.db
    feed, _ = await db.feeds.add(site.url("/rss.xml"), now=clock.now())
    [claimed] = await db.feeds.claim_due(clock.now(), 10, lease_until=clock.now() + timedelta(minutes=30))
    assert claimed.id == feed.id
    assert await db.feeds.claim_due(clock.now() + timedelta(minutes=29), 10, lease_until=clock.now()) == []
    assert [f.id for f in await db.feeds.claim_due(clock.now() + timedelta(minutes=30), 10,
                                                   lease_until=clock.now())] == [feed.id]


@pytest.mark.parametrize(("raw", "clean"), [
    ("plain", "plain"),
    ("nul\x00 and bell\x07", "nul and bell"),
    ("tab\tnew\nline\r", "tab\tnew\nline\r"),
    ("lone \ud800 high", "lone \ufffd high"),
    ("pair \ud83d\ude00 kept", "pair 😀 kept"),
    ("c1 \x85 del \x7f", "c1  del "),
    ("Київ 東京", "Київ 東京"),
])
def test_valid_text(raw: str, clean: str) -> None:
    assert valid_text(raw) == clean
    valid_text(raw).encode("utf-8")  # never raises


async def test_a_slow_site_does_not_hold_the_next_ticks_feeds(bot: RunningBot, site: FakeNewsSite, clock: FakeClock) -> None:
    """The poll job's tick starts the due feeds as tasks and returns: a feed whose site takes
    long to answer holds one slot, and the next tick polls a feed that came due meanwhile."""
    import asyncio

    from bot.jobs.poll import FeedPoller

    db = bot.services.db
    site.add_slow("/slow.xml", "<rss version='2.0'><channel><title>Slow</title></channel></rss>", delay=3.0,
                  content_type="application/rss+xml")
    site.feed("/fast.xml", title="Fast").publish("Portugal votes", body=ELECTION)
    await db.feeds.add(site.url("/slow.xml"), now=clock.now())
    poller = FeedPoller(bot.services)
    assert await poller.tick() == 1  # returns while the slow site is still answering
    while site.hits["/slow.xml"] == 0:
        await asyncio.sleep(0.01)
    fast, _ = await db.feeds.add(site.url("/fast.xml"), now=clock.now())
    assert await poller.tick() == 1
    while site.hits["/fast.xml"] == 0:
        await asyncio.sleep(0.01)
    assert poller.in_flight == 2  # the fast feed is fetched while the slow one is still answering
    while (await db.feeds.get(fast.id)).last_success_at is None:  # type: ignore[union-attr]
        await asyncio.sleep(0.01)
    # The row is visible before the fast feed's task ends (its transaction still indexes the
    # story and queues it): give that task a moment; the slow site answers only after 3 s.
    for _ in range(100):
        if poller.in_flight == 1:
            break
        await asyncio.sleep(0.01)
    assert poller.in_flight == 1  # the fast feed is stored; the slow one is still being fetched
    await poller.aclose()


async def test_a_poll_that_ends_makes_room_for_the_next_due_feed_at_once(
    bot: RunningBot, site: FakeNewsSite, clock: FakeClock
) -> None:
    """With more feeds due than a tick has room for, each finished poll claims the next one
    right away: one tick polls all of them, instead of 8 every POLL_TICK_S."""
    import asyncio

    from bot.jobs.poll import FeedPoller

    db = bot.services.db
    for i in range(20):
        site.feed(f"/f{i}.xml", title=f"Feed {i}")
        await db.feeds.add(site.url(f"/f{i}.xml"), now=clock.now())
    poller = FeedPoller(bot.services, concurrency=2)
    assert await poller.tick() == 4  # its room: twice the concurrency
    for _ in range(1000):
        if all(site.hits[f"/f{i}.xml"] for i in range(20)) and poller.in_flight == 0:
            break
        await asyncio.sleep(0.01)
    assert all(site.hits[f"/f{i}.xml"] == 1 for i in range(20))
    assert poller.in_flight == 0 and await db.feeds.due(clock.now(), 100) == []
    await poller.aclose()
