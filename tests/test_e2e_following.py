"""End to end: a chat that starts following a feed gets its newest stories, by every path.

FEEDS and CHANNELS alone make every channel follow every feed; CHANNEL_FEEDS maps them;
``/channel … subscribe``, ``/subscribe``, its button and ``/start sub_N`` all queue the feed's
newest NEW_FEED_BACKLOG stories the chat has not had, and say so; stories older than
MAX_STORY_AGE_HOURS are never posted as new. Links carry no tracking parameters.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from bot.app import build_application
from bot.clock import FakeClock
from bot.config import Settings
from bot.jobs.poll import poll_due_feeds
from tests.conftest import ADMIN_ID, READER_ID, RunningBot, start_bot
from tests.fakes.news_site import FakeFeed, FakeNewsSite
from tests.fakes.telegram_api import Call, FakeTelegramServer
from tests.stories import DAM, DAM_FOLLOWUP, ELECTION, HARBOUR, KYIV_UK, KYIV_UK_FOLLOWUP, MUSEUM

CHANNEL = -1002001
OTHER = -1002002
STORIES = [("Dam gates open after repairs", DAM), ("Portugal votes for stability", ELECTION),
           ("Reservoir levels rise", DAM_FOLLOWUP), ("У Києві відкрили новий міст", KYIV_UK),
           ("Museum reopens its east wing", MUSEUM)]
TRACKING = "utm_source=rss&utm_medium=feed&fbclid=abc"


def _publish_all(feed: FakeFeed, clock: FakeClock, *, hours_ago: float = 1) -> None:
    """Five stories a minute apart, the last ``hours_ago`` before the clock, with tracked links."""
    for index, (title, body) in enumerate(STORIES):
        when = clock.now() - timedelta(hours=hours_ago, minutes=len(STORIES) - index)
        feed.publish(title, body=body, published=when, tracking=TRACKING, canonical=True)


def _channel(tg: FakeTelegramServer, chat_id: int, username: str) -> None:
    tg.add_chat(chat_id, "channel", title=username.title(), username=username)
    tg.set_member(chat_id, tg.bot_id, "administrator", can_post_messages=True)


def _links(call: Call) -> list[str]:
    """Every address a reader can click in a message: HTML links and URL buttons."""
    text = call.params["text"]
    hrefs = [part.split('"', 1)[0] for part in text.split('href="')[1:]]
    buttons = [b["url"] for row in (call.params.get("reply_markup") or {}).get("inline_keyboard", []) for b in row
               if "url" in b and not b["url"].startswith("https://t.me/")]
    return hrefs + buttons


async def _cycle(services: Any) -> None:
    await poll_due_feeds(services)
    await services.publisher.drain()


async def test_feeds_and_channels_alone_post_the_newest_stories_with_clean_links(
    make_settings: Callable[..., Settings], tg: FakeTelegramServer, site: FakeNewsSite, clock: FakeClock
) -> None:
    _publish_all(site.feed("/rss.xml", title="Fake Times"), clock)
    _channel(tg, CHANNEL, "dailynews")
    settings = make_settings(feeds=[site.url("/rss.xml")], channels=["@dailynews"])
    application = build_application(settings, clock=clock, schedule_jobs=False)
    async with start_bot(application):
        services = application.bot_data["services"]
        await _cycle(services)
        for _ in range(3):  # a channel gets one post at a time; move past the per-chat gap
            clock.advance(timedelta(seconds=5))
            await services.publisher.drain()
    posts = tg.sent_messages(CHANNEL)
    assert [p.params["text"].split("</a>")[0].rsplit(">", 1)[1] for p in posts] == [
        "Reservoir levels rise", "У Києві відкрили новий міст", "Museum reopens its east wing"]  # newest 3, in order
    links = [link for post in posts for link in _links(post)]
    assert links and not [link for link in links if "utm_" in link or "fbclid" in link]
    assert site.url("/rss/5.html") in links  # the page's declared canonical address


async def test_channel_feeds_maps_channels_to_feeds_and_an_unsubscribe_survives_a_restart(
    make_settings: Callable[..., Settings], tg: FakeTelegramServer, site: FakeNewsSite, clock: FakeClock
) -> None:
    site.feed("/a.xml", title="Alpha").publish("Dam gates open after repairs", body=DAM,
                                                published=clock.now() - timedelta(hours=1))
    site.feed("/b.xml", title="Beta").publish("Portugal votes for stability", body=ELECTION,
                                               published=clock.now() - timedelta(hours=1))
    _channel(tg, CHANNEL, "alpha")
    _channel(tg, OTHER, "beta")
    settings = make_settings(feeds=[site.url("/a.xml"), site.url("/b.xml")], channels=["@alpha", "@beta"],
                             channel_feeds="@alpha=1; @beta=2 1")
    application = build_application(settings, clock=clock, schedule_jobs=False)
    async with start_bot(application):
        services = application.bot_data["services"]
        await _cycle(services)
        assert [s.feed_id for s in await services.db.subscriptions.for_chat(CHANNEL)] == [1]
        assert [s.feed_id for s in await services.db.subscriptions.for_chat(OTHER)] == [1, 2]
        bot = RunningBot(application, tg)
        [answer] = await bot.command(ADMIN_ID, f"/channel {OTHER} unsubscribe 1")
        assert "no longer gets Alpha" in answer.params["text"]
    application = build_application(settings, clock=clock, schedule_jobs=False)
    async with start_bot(application):  # the settings do not undo what the admin did
        services = application.bot_data["services"]
        assert [s.feed_id for s in await services.db.subscriptions.for_chat(OTHER)] == [2]


async def test_every_way_of_following_a_known_feed_gets_its_newest_stories(
    running_bot: RunningBot, site: FakeNewsSite, clock: FakeClock
) -> None:
    _publish_all(site.feed("/rss.xml", title="Fake Times"), clock)
    await running_bot.command(ADMIN_ID, f"/addfeed {site.url('/rss.xml')}")
    await _cycle(running_bot.services)  # the stories are stored; nobody followed the feed yet
    running_bot.tg.push_my_chat_member(CHANNEL, "channel", title="Daily News", from_user_id=ADMIN_ID)
    await running_bot.tg.wait_for("sendMessage", count=2, predicate=lambda c: c.params.get("chat_id") == ADMIN_ID)

    [answer] = await running_bot.command(ADMIN_ID, f"/channel {CHANNEL} subscribe 1")
    assert "Daily News now gets Fake Times. Its 3 newest stories are on the way now." in answer.params["text"]
    [answer] = await running_bot.command(READER_ID, "/subscribe 1")
    assert answer.params["text"] == "Subscribed to Fake Times. New stories will arrive here. " \
                                    "Its 3 newest stories are on their way."
    [answer] = await running_bot.command(3003, "/start sub_1")
    assert "Its 3 newest stories are on their way." in answer.params["text"]
    [menu] = await running_bot.command(4004, "/subscribe")
    running_bot.tg.push_callback(4004, "sub:1", menu.result["message_id"])
    await running_bot.tg.wait_for("sendMessage", count=2, predicate=lambda c: c.params.get("chat_id") == 4004)
    assert "Its 3 newest stories are on their way." in running_bot.tg.sent_messages(4004)[-1].params["text"]

    for _ in range(4):
        await running_bot.services.publisher.drain()
        clock.advance(timedelta(seconds=5))
    for chat_id in (CHANNEL, READER_ID, 3003, 4004):
        posts = [c for c in running_bot.tg.sent_messages(chat_id) if c.params["text"].startswith("<b><a")]
        assert len(posts) == 3, chat_id
        assert "Museum reopens its east wing" in posts[-1].params["text"]
    # Following again queues nothing more; a second chat's backlog never repeats the first's.
    [answer] = await running_bot.command(READER_ID, "/subscribe 1")
    assert answer.params["text"] == "You already follow Fake Times."


async def test_stories_older_than_the_age_limit_are_never_posted_as_new(
    running_bot: RunningBot, site: FakeNewsSite, clock: FakeClock
) -> None:
    feed = site.feed("/rss.xml", title="Fake Times")
    _publish_all(feed, clock, hours_ago=72)  # MAX_STORY_AGE_HOURS is 48
    await running_bot.command(ADMIN_ID, f"/addfeed {site.url('/rss.xml')}")
    await running_bot.command(READER_ID, "/subscribe 1")
    await _cycle(running_bot.services)  # the first poll: its backlog is too old
    [answer] = await running_bot.command(3003, "/subscribe 1")
    assert answer.params["text"] == "Subscribed to Fake Times. New stories will arrive here."
    feed.publish("Fresh news", body=HARBOUR, published=clock.now() - timedelta(hours=2))
    feed.publish("Old news found late", body=KYIV_UK_FOLLOWUP, published=clock.now() - timedelta(days=3))
    clock.advance(timedelta(minutes=17))
    await _cycle(running_bot.services)
    for chat_id in (READER_ID, 3003):
        posts = [c.params["text"] for c in running_bot.tg.sent_messages(chat_id) if c.params["text"].startswith("<b><a")]
        assert len(posts) == 1 and "Fresh news" in posts[0], chat_id
