"""A feed claimed for a poll holds for one short lease, renewed by the replica's heartbeat
while the poll runs: a slow poll is never taken by another replica, and a dead replica's
feeds are due again a lease after it stopped. Real database (both engines), the fake news
site, the bot's own poller; time is the test's clock."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from datetime import timedelta

import pytest

from bot.app import build_application
from bot.clock import FakeClock
from bot.config import Settings
from bot.jobs.poll import FeedPoller
from storage import Database
from tests.conftest import RunningBot, settings_on_engine, start_bot
from tests.fakes.news_site import FakeNewsSite
from tests.fakes.telegram_api import FakeTelegramServer

LEASE = 20.0  # REPLICA_LEASE_SECONDS in these tests


@pytest.fixture
def make_settings(make_settings: Callable[..., Settings], database_target: str, engine: str) -> Callable[..., Settings]:
    return settings_on_engine(make_settings, database_target, engine)


@pytest.fixture
async def bot(make_settings: Callable[..., Settings], tg: FakeTelegramServer, clock: FakeClock) -> AsyncIterator[RunningBot]:
    application = build_application(make_settings(replica_lease_seconds=LEASE, http_timeout_seconds=120), clock=clock, schedule_jobs=False)
    async with start_bot(application):
        yield RunningBot(application, tg)


@pytest.fixture
async def other_replica(database_target: str) -> AsyncIterator[Database]:
    """A second connection to the bot's database: another replica claiming due feeds."""
    db = await Database.connect(database_target)
    try:
        yield db
    finally:
        await db.close()


async def _slow_feed_being_polled(bot: RunningBot, site: FakeNewsSite, clock: FakeClock) -> FeedPoller:
    site.add_slow("/slow.xml", "<rss version='2.0'><channel><title>Slow</title></channel></rss>", delay=120.0,
                  content_type="application/rss+xml")
    await bot.services.db.feeds.add(site.url("/slow.xml"), now=clock.now())
    poller = FeedPoller(bot.services)
    assert await poller.tick() == 1
    while site.hits["/slow.xml"] == 0:  # the poll is under way: the site has not answered
        await asyncio.sleep(0.01)
    return poller


async def test_a_poll_longer_than_its_lease_keeps_its_feed(
    bot: RunningBot, site: FakeNewsSite, clock: FakeClock, other_replica: Database
) -> None:
    """The site takes its time; meanwhile the clock runs far past any fixed lease (31 minutes:
    the old claim held 30), the heartbeat beating every quarter lease: no other replica may
    poll the feed while this one still is."""
    poller = await _slow_feed_being_polled(bot, site, clock)
    heartbeat = bot.services.heartbeat
    assert heartbeat is not None
    try:
        for _ in range(int(31 * 60 / (LEASE / 4))):
            clock.advance(LEASE / 4)
            assert await heartbeat.beat() >= 1
            assert await other_replica.feeds.claim_due(clock.now(), 10, lease_until=clock.now() + timedelta(seconds=LEASE),
                                                       owner="other") == []
    finally:
        await poller.aclose()


async def test_a_dead_replica_s_feed_is_polled_by_another_a_lease_later(
    bot: RunningBot, site: FakeNewsSite, clock: FakeClock, other_replica: Database
) -> None:
    """The replica polling the feed stops beating (killed): another replica takes the feed once
    the lease is over, not half an hour later."""
    poller = await _slow_feed_being_polled(bot, site, clock)
    try:
        clock.advance(LEASE - 1)
        assert await other_replica.feeds.claim_due(clock.now(), 10, lease_until=clock.now(), owner="other") == []
        clock.advance(2)
        taken = await other_replica.feeds.claim_due(clock.now(), 10, lease_until=clock.now(), owner="other")
        assert [f.url for f in taken] == [site.url("/slow.xml")]
    finally:
        await poller.aclose()


async def test_a_finished_poll_is_no_longer_renewed(
    bot: RunningBot, site: FakeNewsSite, clock: FakeClock
) -> None:
    """Once the poll recorded its outcome, the heartbeat leaves the feed's next poll alone."""
    site.feed("/fast.xml", title="Fast")
    feed, _ = await bot.services.db.feeds.add(site.url("/fast.xml"), now=clock.now())
    poller = FeedPoller(bot.services)
    assert await poller.tick() == 1
    while poller.in_flight:
        await asyncio.sleep(0.01)
    planned = (await bot.services.db.feeds.get(feed.id)).next_poll_at  # type: ignore[union-attr]
    assert bot.services.feed_claims.ids() == []
    assert bot.services.heartbeat is not None
    await bot.services.heartbeat.beat()
    assert (await bot.services.db.feeds.get(feed.id)).next_poll_at == planned  # type: ignore[union-attr]
    await poller.aclose()


async def test_a_graceful_stop_hands_its_feeds_back_at_once(
    make_settings: Callable[..., Settings], tg: FakeTelegramServer, site: FakeNewsSite, clock: FakeClock,
    other_replica: Database,
) -> None:
    """The bot stops (as on SIGTERM) while a poll waits for a slow site: the poll is given up
    and its feed handed back, so another replica (or this bot started again) polls it at once,
    at the same moment of the clock, not a lease later."""
    application = build_application(make_settings(replica_lease_seconds=LEASE, http_timeout_seconds=120),
                                    clock=clock, schedule_jobs=False)
    async with start_bot(application):
        services = application.bot_data["services"]
        site.add_slow("/slow.xml", "<rss version='2.0'><channel><title>Slow</title></channel></rss>", delay=120.0,
                      content_type="application/rss+xml")
        await services.db.feeds.add(site.url("/slow.xml"), now=clock.now())
        assert await services.poller.tick() == 1
        while site.hits["/slow.xml"] == 0:
            await asyncio.sleep(0.01)
        assert await other_replica.feeds.claim_due(clock.now(), 10, lease_until=clock.now(), owner="other") == []
    taken = await other_replica.feeds.claim_due(clock.now(), 10, lease_until=clock.now(), owner="other")
    assert [f.url for f in taken] == [site.url("/slow.xml")]
