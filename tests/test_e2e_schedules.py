"""End to end: channel digest timetables, the overflow digest and restarts around a slot.

The bot runs against the fake Bot API and the fake news site; the scheduler is not started:
each test calls the digest and publish job bodies itself while moving a FakeClock, so slot
times are checked exactly and nothing waits on real time.
"""

from __future__ import annotations

import logging
import random
import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.app import build_application
from bot.clock import FakeClock
from bot.config import Settings
from bot.jobs.digest import queue_due_digests
from bot.jobs.poll import poll_due_feeds
from bot.news.render import telegram_length
from storage.articles import NewArticle
from tests.conftest import ADMIN_ID, READER_ID, RunningBot, start_bot
from tests.fakes.news_site import FakeFeed, FakeNewsSite
from tests.fakes.telegram_api import FakeTelegramServer


CHANNEL = -1007015
KYIV = ZoneInfo("Europe/Kyiv")
_WORDS = ("river harbour council budget school railway bridge museum vaccine orchestra drought festival "
          "satellite election tariff mayor stadium wildfire copper startup glacier tram library pension "
          "airport vineyard reactor parliament theatre highway bakery protest telescope harvest").split()


def story_body(number: int) -> str:
    """A distinct article text per number, so same-story detection keeps every one apart."""
    rng = random.Random(number)
    paragraphs = []
    for _ in range(3):
        words = rng.sample(_WORDS, 12)
        paragraphs.append(" ".join(words).capitalize() + f" in district {number}. " +
                          " ".join(rng.sample(_WORDS, 10)).capitalize() + ".")
    return "\n\n".join(paragraphs)


async def channel_with_feed(bot: RunningBot, site: FakeNewsSite, *settings: str) -> FakeFeed:
    """What an admin does: add the bot to a channel, add a feed, subscribe, set the channel up."""
    feed = site.feed("/rss.xml", title="Fake Times")
    bot.tg.push_my_chat_member(CHANNEL, "channel", title="Daily News", from_user_id=ADMIN_ID)
    await bot.tg.wait_for("sendMessage", predicate=lambda c: c.params.get("chat_id") == ADMIN_ID)
    await bot.command(ADMIN_ID, f"/addfeed {site.url('/rss.xml')}")
    await bot.command(ADMIN_ID, f"/channel {CHANNEL} subscribe 1")
    for setting in settings:
        [answer] = await bot.command(ADMIN_ID, f"/channel {CHANNEL} {setting}")
        assert answer.params["text"].startswith("Done."), answer.params["text"]
    return feed


async def tick(bot: RunningBot) -> int:
    """One tick of the poll, digest and publish jobs; returns how many messages went out."""
    await poll_due_feeds(bot.services)
    await queue_due_digests(bot.services)
    return (await bot.services.publisher.drain()).sent


def headline(number: int, text: str) -> int:
    """How often story ``number`` is a post's title or a digest's item (not a "Read also" link)."""
    return len(re.findall(rf'(?:^<b>|\n\d+\. )<a href="[^"]*">Story number {number}</a>', text))


def channel_texts(tg: FakeTelegramServer) -> list[str]:
    return [c.params["text"] for c in tg.sent_messages(CHANNEL) if c.ok]


@pytest.mark.parametrize(("start", "next_run", "expected", "fourth"), [
    (  # Kyiv goes from UTC+2 to UTC+3 on 29 March 2026
        datetime(2026, 3, 27, 12, 0, tzinfo=UTC), "Fri 27.03 20:00",
        ["27 20:00 EET", "28 08:00 EET", "28 20:00 EET", "29 08:00 EEST", "29 20:00 EEST", "30 08:00 EEST"],
        "28.03 20:00 – 29.03.2026 08:00",
    ),
    (  # and back to UTC+2 on 25 October 2026
        datetime(2026, 10, 23, 12, 0, tzinfo=UTC), "Fri 23.10 20:00",
        ["23 20:00 EEST", "24 08:00 EEST", "24 20:00 EEST", "25 08:00 EET", "25 20:00 EET", "26 08:00 EET"],
        "24.10 20:00 – 25.10.2026 08:00",
    ),
], ids=["spring-forward", "fall-back"])
async def test_two_daily_slots_post_two_digests_a_day_in_local_time_across_dst(
    running_bot: RunningBot, site: FakeNewsSite, clock: FakeClock,
    start: datetime, next_run: str, expected: list[str], fourth: str,
) -> None:
    clock.set(start)
    feed = await channel_with_feed(running_bot, site, "tz Europe/Kyiv", "schedule digest 08:00,20:00 only")
    [listing] = await running_bot.command(ADMIN_ID, "/channels")
    assert f"digest daily at 08:00, 20:00 (only) — next {next_run} Europe/Kyiv" in listing.params["text"]

    posted_at: list[datetime] = []
    published_at: list[datetime] = []
    number = 0
    end = clock.now() + timedelta(days=3)
    while clock.now() < end:
        if clock.now().minute == 0 and clock.now().hour % 4 == 1:  # a story every four hours
            number += 1
            feed.publish(f"Story number {number}", body=story_body(number))
            published_at.append(clock.now())
        if await tick(running_bot):
            posted_at.append(clock.now())
        # Every half hour: each slot (on the hour, local and UTC alike) is met by a tick, and a
        # tick between slots would show a slot fired twice; 10-minute ticks only cost 3x as much.
        clock.advance(timedelta(minutes=30))

    assert [m.astimezone(KYIV).strftime("%d %H:%M %Z") for m in posted_at] == expected
    texts = channel_texts(running_bot.tg)
    assert len(texts) == 6  # "only": no story was posted on its own
    assert texts[3].startswith(f"<b>News digest · {fourth}</b>")
    # Every story up to the last digest appears in exactly one digest.
    before_last = sum(moment <= posted_at[-1] for moment in published_at)
    assert before_last == 17
    for n in range(1, before_last + 1):
        assert sum(headline(n, t) for t in texts) == 1, n


async def _settings_and_story(make_settings: Callable[..., Settings], tg: FakeTelegramServer, site: FakeNewsSite,
                              clock: FakeClock, *channel_settings: str) -> Settings:
    settings = make_settings()
    async with start_bot(build_application(settings, clock=clock, schedule_jobs=False)) as app:
        bot = RunningBot(app, tg)
        feed = await channel_with_feed(bot, site, *channel_settings)
        feed.publish("Dam gates open after repairs", body=story_body(1))
        await tick(bot)
    return settings


async def test_a_restart_just_before_and_just_after_a_slot_gives_one_digest(
    make_settings: Callable[..., Settings], tg: FakeTelegramServer, site: FakeNewsSite, clock: FakeClock
) -> None:
    settings = await _settings_and_story(make_settings, tg, site, clock, "schedule digest 08:00 only")
    slot = datetime(2026, 1, 2, 8, 0, tzinfo=UTC)  # the channel's zone is the default, UTC
    for moment, crash_before_send in ((slot - timedelta(seconds=30), False), (slot + timedelta(seconds=20), True),
                                      (slot + timedelta(seconds=40), False), (slot + timedelta(minutes=5), False)):
        clock.set(moment)
        async with start_bot(build_application(settings, clock=clock, schedule_jobs=False)) as app:
            bot = RunningBot(app, tg)
            await poll_due_feeds(bot.services)
            await queue_due_digests(bot.services)
            if not crash_before_send:  # else: stopped after queueing, before sending
                await bot.services.publisher.drain()
    texts = channel_texts(tg)
    assert len(texts) == 1 and texts[0].startswith("<b>News digest · 01.01 08:00 – 02.01.2026 08:00</b>")
    assert "Dam gates open after repairs" in texts[0]


async def test_a_slot_missed_for_longer_than_the_setting_is_skipped_and_logged(
    make_settings: Callable[..., Settings], tg: FakeTelegramServer, site: FakeNewsSite, clock: FakeClock,
    caplog: pytest.LogCaptureFixture,
) -> None:
    settings = await _settings_and_story(make_settings, tg, site, clock, "schedule digest 08:00,20:00 only")
    clock.set(datetime(2026, 1, 1, 20, 45, tzinfo=UTC))  # back 45 minutes after the 20:00 slot
    async with start_bot(build_application(settings, clock=clock, schedule_jobs=False)) as app:
        bot = RunningBot(app, tg)
        with caplog.at_level(logging.WARNING, logger="bot.delivery.digests"):
            await tick(bot)
            await tick(bot)
        assert channel_texts(tg) == []
        [warning] = [r.getMessage() for r in caplog.records if "skipped" in r.getMessage()]
        assert "skipped 1 digest slot(s)" in warning and "2026-01-01 20:00" in warning
        assert "45 minutes ago; SCHEDULE_CATCHUP_MINUTES is 30" in warning
        # The next slot runs, and its digest still holds the story of the skipped one's period.
        clock.set(datetime(2026, 1, 2, 8, 0, 30, tzinfo=UTC))
        assert await tick(bot) == 1
    [digest] = channel_texts(tg)
    assert "Dam gates open after repairs" in digest


async def test_two_slots_missed_within_the_window_give_one_digest_and_no_warning(
    make_settings: Callable[..., Settings], tg: FakeTelegramServer, site: FakeNewsSite, clock: FakeClock,
    caplog: pytest.LogCaptureFixture,
) -> None:
    settings = await _settings_and_story(make_settings, tg, site, clock, "schedule digest 08:00,08:15 only")
    clock.set(datetime(2026, 1, 2, 8, 20, tzinfo=UTC))  # down over both slots, back 20 minutes after the first
    async with start_bot(build_application(settings, clock=clock, schedule_jobs=False)) as app:
        bot = RunningBot(app, tg)
        with caplog.at_level(logging.INFO, logger="bot.delivery.digests"):
            assert await tick(bot) == 1
            clock.advance(timedelta(minutes=1))
            assert await tick(bot) == 0
    messages = [r.getMessage() for r in caplog.records]
    assert not [m for m in messages if "skipped" in m]
    assert any("1 earlier digest slot(s) folded into the one of 2026-01-02 08:15" in m for m in messages)
    [digest] = channel_texts(tg)
    assert "Dam gates open after repairs" in digest


async def test_the_overflow_digest_holds_every_story_over_the_cap(
    running_bot: RunningBot, site: FakeNewsSite, clock: FakeClock
) -> None:
    clock.set(datetime(2026, 1, 1, 11, 43, tzinfo=UTC))
    feed = await channel_with_feed(running_bot, site, "max 2", "overflow digest")
    await poll_due_feeds(running_bot.services)  # the feed's first poll: nothing published yet
    for n in range(1, 8):
        feed.publish(f"Story number {n}", body=story_body(n))
    clock.advance(timedelta(minutes=17))  # 12:00: the next poll finds all seven
    sent = 0
    while clock.now() < datetime(2026, 1, 1, 13, 30, tzinfo=UTC):
        sent += await tick(running_bot)
        if clock.now() == datetime(2026, 1, 1, 12, 30, tzinfo=UTC):
            # The cap frees up at 13:00, but they are held past the end of the hour, so the
            # digest at 13:00 takes them, not a publisher tick that happens to run first.
            waiting = [r for r in await running_bot.services.db.deliveries.for_chat(CHANNEL) if r.state == "pending"]
            assert len(waiting) == 5
            assert {r.next_attempt_at for r in waiting} == {datetime(2026, 1, 1, 13, 10, tzinfo=UTC)}
        clock.advance(timedelta(seconds=20))
    texts = channel_texts(running_bot.tg)
    assert sent == len(texts) == 3  # two posts under the cap, then one digest at 13:00
    digest = texts[-1]
    assert digest.startswith("<b>More news · 01.01.2026 12:00–13:00</b>")
    for n in range(1, 8):
        assert sum(headline(n, t) for t in texts) == 1, n
    rows = await running_bot.services.db.deliveries.for_chat(CHANNEL)
    rolled = [r for r in rows if r.kind == "article" and r.state == "skipped"]
    assert len(rolled) == 5 and all("digest of 2026-01-01T13:00" in (r.last_error or "") for r in rolled)


async def test_the_digest_fits_one_message_with_200_stories_waiting(
    running_bot: RunningBot, site: FakeNewsSite, clock: FakeClock
) -> None:
    await channel_with_feed(running_bot, site, "schedule digest 13:00 summaries only")
    db = running_bot.services.db
    [feed] = await db.feeds.list()
    for n in range(200):
        title = f"Story {n} <about> “quotes” & 🌍 " + "long words " * 8
        await db.articles.insert(NewArticle(
            feed_id=feed.id, url=f"https://news.example/{n}?a=1&b=2", canonical_url=f"https://news.example/{n}",
            guid=None, title=title, text=story_body(n), summary=story_body(n).split("\n\n")[0], language="en",
            author="", published_at=clock.now(), from_feed=False, related=(), fingerprint=None, bands=None,
            title_terms=title.lower(), body_terms="",
        ), now=clock.now())
    clock.set(datetime(2026, 1, 1, 13, 0, 5, tzinfo=UTC))
    assert await tick(running_bot) == 1
    [digest] = channel_texts(running_bot.tg)
    assert telegram_length(digest) <= 4096
    assert "&lt;about&gt;" in digest and "more stories" in digest.splitlines()[-1]


async def test_a_time_added_that_is_already_past_today_is_not_missed(
    running_bot: RunningBot, site: FakeNewsSite, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    await channel_with_feed(running_bot, site, "schedule digest 08:00 even empty")
    clock.advance(timedelta(hours=1))  # 13:00
    [answer] = await running_bot.command(ADMIN_ID, f"/channel {CHANNEL} schedule digest 12:40 even empty")
    assert "digest daily at 08:00, 12:40 (even empty); next Fri 02.01 08:00 UTC" in answer.params["text"]
    with caplog.at_level(logging.WARNING):
        assert await tick(running_bot) == 0
    assert not [r for r in caplog.records if "skipped" in r.getMessage()]
    clock.set(datetime(2026, 1, 2, 8, 0, 1, tzinfo=UTC))
    assert await tick(running_bot) == 1


async def _store_story(bot: RunningBot, n: int, title: str, fetched: datetime) -> None:
    db = bot.services.db
    [feed] = await db.feeds.list()
    await db.articles.insert(NewArticle(
        feed_id=feed.id, url=f"https://news.example/{n}", canonical_url=f"https://news.example/{n}", guid=None,
        title=title, text=story_body(n), summary="", language="en", author="", published_at=fetched,
        from_feed=False, related=(), fingerprint=None, bands=None, title_terms=title.lower(), body_terms="",
    ), now=fetched)


async def test_after_a_long_pause_a_digest_holds_a_week_of_news_not_a_month(
    running_bot: RunningBot, site: FakeNewsSite, clock: FakeClock
) -> None:
    clock.set(datetime(2025, 12, 1, 12, 0, tzinfo=UTC))
    await channel_with_feed(running_bot, site, "schedule digest 13:00 only")
    clock.set(datetime(2025, 12, 1, 13, 0, 5, tzinfo=UTC))
    assert await tick(running_bot) == 0  # nothing yet: the period is empty
    await running_bot.command(ADMIN_ID, f"/pause {CHANNEL}")
    await _store_story(running_bot, 1, "Three weeks old", datetime(2025, 12, 10, tzinfo=UTC))
    await _store_story(running_bot, 2, "Two days old", datetime(2025, 12, 30, tzinfo=UTC))
    clock.set(datetime(2026, 1, 1, 12, 0, tzinfo=UTC))
    await running_bot.command(ADMIN_ID, f"/resume {CHANNEL}")
    clock.set(datetime(2026, 1, 1, 13, 0, 5, tzinfo=UTC))
    assert await tick(running_bot) == 1
    [digest] = channel_texts(running_bot.tg)
    assert "Two days old" in digest and "Three weeks old" not in digest
    assert digest.startswith("<b>News digest · 24.12 13:00 – 01.01.2026 13:00</b>")


async def test_a_channel_moving_west_gets_no_second_digest_for_the_same_local_slot(
    running_bot: RunningBot, site: FakeNewsSite, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    feed = await channel_with_feed(running_bot, site, "tz Europe/Kyiv", "schedule digest 08:00 include posted")
    feed.publish("Dam gates open after repairs", body=story_body(1))
    await tick(running_bot)
    clock.set(datetime(2026, 1, 2, 6, 0, 5, tzinfo=UTC))  # 08:00 in Kyiv
    assert await tick(running_bot) == 1
    await running_bot.command(ADMIN_ID, f"/channel {CHANNEL} tz UTC")
    with caplog.at_level(logging.WARNING):
        for minutes in (120, 125, 170):  # 08:00, 08:05 and 08:50 in the new zone
            clock.set(datetime(2026, 1, 2, 6, 0, tzinfo=UTC) + timedelta(minutes=minutes))
            assert await tick(running_bot) == 0
    assert not [r for r in caplog.records if "skipped" in r.getMessage()]
    feed.publish("Reservoir levels rise", body=story_body(2))
    clock.set(datetime(2026, 1, 3, 8, 0, 5, tzinfo=UTC))
    assert await tick(running_bot) == 1  # the next day's 08:00, in the new zone


async def test_schedule_commands_validate_and_list(running_bot: RunningBot, site: FakeNewsSite) -> None:
    await channel_with_feed(running_bot, site)
    [bad_time] = await running_bot.command(ADMIN_ID, f"/channel {CHANNEL} schedule digest 25:00")
    assert "25:00 is not a time; use HH:MM" in bad_time.params["text"]
    [bad_day] = await running_bot.command(ADMIN_ID, f"/channel {CHANNEL} schedule digest mun 09:00")
    assert "'mun' is not a day; use mon..sun" in bad_day.params["text"]
    await running_bot.command(ADMIN_ID, f"/channel {CHANNEL} schedule digest 08:00")
    await running_bot.command(ADMIN_ID, f"/channel {CHANNEL} schedule digest 20:00")  # joins the daily one
    [weekly] = await running_bot.command(ADMIN_ID, f"/channel {CHANNEL} schedule digest mon 09:00 include posted")
    assert "digest mon at 09:00 (include posted); next Mon 05.01 09:00 UTC" in weekly.params["text"]
    [listing] = await running_bot.command(ADMIN_ID, "/channels")
    text = listing.params["text"]
    assert "1. digest daily at 08:00, 20:00 — next Thu 01.01 20:00 UTC" in text
    assert "2. digest mon at 09:00 (include posted)" in text
    [removed] = await running_bot.command(ADMIN_ID, f"/channel {CHANNEL} schedule off 1")
    assert removed.params["text"].startswith("Done. Removed digest 1")
    await running_bot.command(ADMIN_ID, f"/channel {CHANNEL} schedule off")
    [listing] = await running_bot.command(ADMIN_ID, "/channels")
    assert "digest" not in listing.params["text"]
    [help_text] = await running_bot.command(ADMIN_ID, "/help")
    assert "schedule digest 08:00,20:00 or mon 09:00" in help_text.params["text"]
    [usage] = await running_bot.command(ADMIN_ID, f"/channel {CHANNEL} schedule")
    assert "schedule digest mon 09:00 — weekly" in usage.params["text"]


async def test_stories_posted_on_their_own_are_left_out_unless_include_posted(
    running_bot: RunningBot, site: FakeNewsSite, clock: FakeClock
) -> None:
    feed = await channel_with_feed(running_bot, site, "schedule digest 18:00", "schedule digest 18:00 include posted")
    feed.publish("Dam gates open after repairs", body=story_body(1))
    assert await tick(running_bot) == 1  # the story, on its own
    [plain, with_posted] = await running_bot.services.db.schedules.for_chat(CHANNEL)
    assert not plain.include_posted and with_posted.include_posted
    clock.set(datetime(2026, 1, 1, 18, 0, 10, tzinfo=UTC))
    assert await tick(running_bot) == 1  # only the "include posted" digest: the other period is empty
    texts = channel_texts(running_bot.tg)
    assert texts[-1].startswith("<b>News digest · 31.12 18:00 – 01.01.2026 18:00</b>")
    assert headline(1, texts[-1]) == 0 and "Dam gates open after repairs</a>" in texts[-1]
    outcomes = [[r.outcome for r in await running_bot.services.db.schedules.runs(s.id)] for s in (plain, with_posted)]
    assert outcomes == [["empty"], ["queued"]]


async def test_a_digest_goes_at_its_time_whatever_the_pace_and_quiet_hours(
    running_bot: RunningBot, site: FakeNewsSite, clock: FakeClock
) -> None:
    feed = await channel_with_feed(running_bot, site, "pace 60", "schedule digest 12:30 include posted")
    feed.publish("Dam gates open after repairs", body=story_body(1))
    assert await tick(running_bot) == 1  # 12:00: the story; the next one may go at 13:00
    await running_bot.command(ADMIN_ID, f"/channel {CHANNEL} quiet 12:15-14:00")
    clock.set(datetime(2026, 1, 1, 12, 30, 5, tzinfo=UTC))
    assert await tick(running_bot) == 1
    assert channel_texts(running_bot.tg)[-1].startswith("<b>News digest · ")


async def test_an_empty_period_posts_only_when_asked(
    running_bot: RunningBot, site: FakeNewsSite, clock: FakeClock
) -> None:
    await channel_with_feed(running_bot, site, "schedule digest 13:00", "schedule digest 14:00 even empty")
    clock.set(datetime(2026, 1, 1, 13, 0, 5, tzinfo=UTC))
    assert await tick(running_bot) == 0
    clock.set(datetime(2026, 1, 1, 14, 0, 5, tzinfo=UTC))
    assert await tick(running_bot) == 1
    assert channel_texts(running_bot.tg) == ["<b>News digest · 31.12 14:00 – 01.01.2026 14:00</b>\n\nNo new stories"]


async def test_a_readers_daily_digest_follows_the_same_catchup_rule(
    running_bot: RunningBot, site: FakeNewsSite, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    feed = site.feed("/rss.xml", title="Fake Times")
    await running_bot.command(ADMIN_ID, f"/addfeed {site.url('/rss.xml')}")
    await running_bot.command(READER_ID, "/subscribe 1")
    await running_bot.command(READER_ID, "/settings digest 13:00")
    feed.publish("Dam gates open after repairs", body=story_body(1))
    await tick(running_bot)
    before = len(running_bot.tg.sent_messages(READER_ID))
    clock.set(datetime(2026, 1, 1, 14, 0, tzinfo=UTC))  # an hour late: more than 30 minutes
    with caplog.at_level(logging.WARNING, logger="bot.jobs.digest"):
        await tick(running_bot)
    assert len(running_bot.tg.sent_messages(READER_ID)) == before
    assert any("skipped the daily digest of 2026-01-01 13:00" in r.getMessage() for r in caplog.records)
    clock.set(datetime(2026, 1, 2, 13, 10, tzinfo=UTC))  # ten minutes late: within the window
    feed.publish("Reservoir levels rise", body=story_body(2))
    await tick(running_bot)
    digest = running_bot.tg.sent_messages(READER_ID)[-1].params["text"]
    assert digest.startswith("<b>Your digest for 2026-01-02</b>") and "Reservoir levels rise" in digest


async def test_a_digest_does_not_use_up_the_hourly_cap_on_single_stories(
    running_bot: RunningBot, site: FakeNewsSite, clock: FakeClock
) -> None:
    """``max 2`` is two stories an hour on their own; a digest in that hour is not one of them
    (it counted, so the second story waited for the next hour)."""
    clock.set(datetime(2026, 1, 1, 12, 0, tzinfo=UTC))
    feed = await channel_with_feed(running_bot, site, "max 2", "schedule digest 12:05 include posted")
    feed.publish("Story number 1", body=story_body(1))
    assert await tick(running_bot) == 1  # 12:00: the first story
    clock.set(datetime(2026, 1, 1, 12, 5, 10, tzinfo=UTC))
    assert await tick(running_bot) == 1  # the digest
    assert channel_texts(running_bot.tg)[-1].startswith("<b>News digest · ")
    feed.publish("Story number 2", body=story_body(2))
    clock.set(datetime(2026, 1, 1, 12, 20, tzinfo=UTC))  # the feed's next poll
    assert await tick(running_bot) == 1  # the second story of the hour goes now
    assert headline(2, channel_texts(running_bot.tg)[-1]) == 1
