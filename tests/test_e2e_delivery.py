"""End to end: an admin sets up a feed and a channel; stories reach it at the chosen pace.

The scheduler is not running: the test calls the poll and publish job bodies itself and moves
a FakeClock, so the pace is checked exactly and nothing waits on real time.
"""

from __future__ import annotations

from datetime import timedelta

from bot.clock import FakeClock
from bot.jobs.digest import queue_due_digests
from bot.jobs.poll import poll_due_feeds
from tests.conftest import ADMIN_ID, READER_ID, RunningBot
from tests.fakes.news_site import FakeNewsSite
from tests.stories import DAM, DAM_FOLLOWUP, ELECTION, KYIV_UK


CHANNEL = -1007001


async def _channel_follows_feed(bot: RunningBot, site: FakeNewsSite, *, title: str) -> None:
    """What an admin does: add the bot to a channel, add the site's feed, subscribe the channel."""
    bot.tg.push_my_chat_member(CHANNEL, "channel", title=title, from_user_id=ADMIN_ID)
    await bot.tg.wait_for("sendMessage", predicate=lambda c: c.params.get("chat_id") == ADMIN_ID)
    await bot.command(ADMIN_ID, f"/addfeed {site.url('/rss.xml')}")
    await bot.command(ADMIN_ID, f"/channel {CHANNEL} subscribe 1")


async def _cycle(bot: RunningBot) -> int:
    """One tick of the poll job and the publish job; returns how many messages went out."""
    await poll_due_feeds(bot.services)
    return (await bot.services.publisher.drain()).sent


async def test_new_articles_reach_the_channel_at_the_chosen_pace(
    running_bot: RunningBot, site: FakeNewsSite, clock: FakeClock
) -> None:
    feed = site.feed("/rss.xml", title="Fake Times")
    feed.publish("Dam gates open after repairs", body=DAM)
    await _channel_follows_feed(running_bot, site, title="Daily News")
    await running_bot.command(ADMIN_ID, f"/channel {CHANNEL} pace 10")

    assert await _cycle(running_bot) == 1  # the backlog item, right away
    [first] = running_bot.tg.sent_messages(CHANNEL)
    assert "Dam gates open" in first.params["text"]

    feed.publish("Portugal votes for stability", body=ELECTION)
    feed.publish("Reservoir levels rise", body=DAM_FOLLOWUP)
    clock.advance(timedelta(minutes=17))  # the next poll is due (15 min ± 10% jitter)
    assert await _cycle(running_bot) == 1
    clock.advance(timedelta(minutes=5))
    assert await _cycle(running_bot) == 0  # pace: one post every 10 minutes
    clock.advance(timedelta(minutes=5))
    assert await _cycle(running_bot) == 1
    titles = [c.params["text"] for c in running_bot.tg.sent_messages(CHANNEL)]
    assert "Portugal votes" in titles[1] and "Reservoir levels rise" in titles[2]
    # Polling again changes nothing: never twice.
    clock.advance(timedelta(hours=1))
    assert await _cycle(running_bot) == 0
    assert len(running_bot.tg.sent_messages(CHANNEL)) == 3


async def test_quiet_hours_hold_posts_until_morning(
    running_bot: RunningBot, site: FakeNewsSite, clock: FakeClock
) -> None:
    site.feed("/rss.xml").publish("Dam gates open after repairs", body=DAM)
    await _channel_follows_feed(running_bot, site, title="Daily News")
    await running_bot.command(ADMIN_ID, f"/channel {CHANNEL} tz Europe/Kyiv")
    await running_bot.command(ADMIN_ID, f"/channel {CHANNEL} quiet 13:00-16:00")  # clock: 14:00 in Kyiv
    assert await _cycle(running_bot) == 0
    clock.advance(timedelta(hours=1, minutes=59))
    assert (await running_bot.services.publisher.drain()).sent == 0
    clock.advance(timedelta(minutes=2))
    assert (await running_bot.services.publisher.drain()).sent == 1


async def test_reader_gets_a_filtered_feed_and_a_daily_digest(
    running_bot: RunningBot, site: FakeNewsSite, clock: FakeClock
) -> None:
    feed = site.feed("/rss.xml", title="Fake Times")
    await running_bot.command(ADMIN_ID, f"/addfeed {site.url('/rss.xml')}")
    await running_bot.command(READER_ID, "/subscribe 1")
    await running_bot.command(READER_ID, "/filter 1 exclude portugal")
    await running_bot.command(READER_ID, "/settings digest 13:00")  # clock: 12:00 UTC
    await _cycle(running_bot)
    feed.publish("Dam gates open after repairs", body=DAM)
    feed.publish("Portugal votes for stability", body=ELECTION)
    feed.publish("У Києві відкрили новий міст", body=KYIV_UK)
    clock.advance(timedelta(minutes=17))
    await _cycle(running_bot)
    clock.advance(timedelta(seconds=2))
    await _cycle(running_bot)
    posts = [c.params["text"] for c in running_bot.tg.sent_messages(READER_ID) if c.params["text"].startswith("<b><a")]
    assert len(posts) == 2 and not any("Portugal" in p for p in posts)
    clock.advance(timedelta(hours=1))
    assert await queue_due_digests(running_bot.services) == 1
    assert await queue_due_digests(running_bot.services) == 0  # once a day
    await running_bot.services.publisher.drain()
    digest = running_bot.tg.sent_messages(READER_ID)[-1].params["text"]
    assert digest.startswith("<b>Your digest for 2026-01-01</b>")
    assert "Dam gates open" in digest


def test_jobs_are_scheduled_by_the_wiring(make_settings) -> None:  # type: ignore[no-untyped-def]
    from bot.app import build_application

    application = build_application(make_settings())
    names = {job.name for job in application.job_queue.jobs()}
    assert {"poll", "digest", "watch-db"} <= names
    assert application.bot_data["run_publisher"]  # the publisher is a task of its own, not a job


async def test_a_ukrainian_story_is_posted_with_ukrainian_labels(
    running_bot: RunningBot, site: FakeNewsSite, clock: FakeClock
) -> None:
    from tests.stories import KYIV_UK_FOLLOWUP

    feed = site.feed("/rss.xml", title="Київ сьогодні")
    feed.publish("У Києві відкрили новий міст", body=KYIV_UK)
    await _channel_follows_feed(running_bot, site, title="Новини")
    assert await _cycle(running_bot) == 1
    feed.publish("Міст у Києві: перший день", body=KYIV_UK_FOLLOWUP)
    clock.advance(timedelta(minutes=17))
    assert await _cycle(running_bot) == 1
    post = running_bot.tg.sent_messages(CHANNEL)[-1].params
    assert "Читайте також:" in post["text"] and "У Києві відкрили новий міст" in post["text"]
    assert post["text"].split("\n\n")[1].startswith("Новий міст у Києві в перший день")
    labels = [b["text"] for b in post["reply_markup"]["inline_keyboard"][0]]
    assert labels == ["Читати далі", "Схожі"]
