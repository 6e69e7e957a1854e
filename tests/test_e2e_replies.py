"""End to end: every reply fits Telegram, long lists page or pace, and /feeds tells the truth.

The fake Bot API refuses what Telegram refuses (a text over 4096 UTF-16 code units, broken
HTML), so a reply that would break a command fails these tests.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from bot.clock import FakeClock
from bot.jobs.poll import poll_due_feeds
from storage.deliveries import Delivery
from tests.conftest import ADMIN_ID, READER_ID, RunningBot
from tests.fakes.news_site import FakeNewsSite
from tests.stories import DAM, ELECTION

LONG_TITLE = "Breaking " + "news " * 1200  # 6,000 characters
# Titles long enough that 300 feeds' health lines overflow /feeds' ten messages (700 short ones
# did): each feed added is a transaction, and on PostgreSQL 700 of them took seconds.
MANY_FEEDS = 300


async def _add_feeds(bot: RunningBot, count: int) -> None:
    now = bot.services.clock.now()
    for number in range(1, count + 1):
        title = LONG_TITLE if number == 7 else f"Feed {number} 📰 <&> " + "of the daily regional news digest " * 2
        await bot.services.db.feeds.add(f"https://feeds{number}.example/rss", title=title, now=now)


def _buttons(call_params: dict) -> list[list[str]]:  # type: ignore[type-arg]
    return [[b["text"] for b in row] for row in call_params["reply_markup"]["inline_keyboard"]]


async def test_subscribe_and_list_page_with_previous_and_next_buttons(running_bot: RunningBot) -> None:
    await _add_feeds(running_bot, 40)
    assert max(len(f.title) for f in await running_bot.services.db.feeds.list()) <= 200  # clipped where stored

    [menu] = await running_bot.command(READER_ID, "/subscribe")
    assert menu.ok and "Page 1 of 3" in menu.params["text"] and "16. " not in menu.params["text"]
    rows = _buttons(menu.params)
    assert len(rows) == 16 and rows[-1] == ["Next »"]
    running_bot.tg.push_callback(READER_ID, menu.params["reply_markup"]["inline_keyboard"][-1][0]["callback_data"],
                                 menu.result["message_id"])
    [edit] = await running_bot.tg.wait_for("editMessageText")
    assert edit.ok and "Page 2 of 3" in edit.params["text"] and "16. Feed 16" in edit.params["text"]
    assert _buttons(edit.params)[-1] == ["« Previous", "Next »"]

    now = running_bot.services.clock.now()
    for feed in await running_bot.services.db.feeds.list():
        await running_bot.services.db.subscriptions.add(READER_ID, feed.id, now=now)
    [listing] = await running_bot.command(READER_ID, "/list")
    assert listing.ok and "Page 1 of 3" in listing.params["text"] and "Breaking news" in listing.params["text"]
    running_bot.tg.push_callback(READER_ID, "listpage:2", listing.result["message_id"])
    [_, edit] = await running_bot.tg.wait_for("editMessageText", count=2)
    assert edit.ok and "Page 3 of 3" in edit.params["text"] and "40. Feed 40" in edit.params["text"]
    assert _buttons(edit.params) == [["« Previous"]]

    [menu] = await running_bot.command(READER_ID, "/unsubscribe")
    assert menu.ok and "Page 1 of 3" in menu.params["text"] and _buttons(menu.params)[-1] == ["Next »"]
    running_bot.tg.push_callback(READER_ID, "unsubpage:1", menu.result["message_id"])
    [*_, edit] = await running_bot.tg.wait_for("editMessageText", count=3)
    assert edit.ok and "Page 2 of 3" in edit.params["text"]
    assert edit.params["reply_markup"]["inline_keyboard"][0][0]["callback_data"] == "unsub:16"


async def test_feeds_answers_a_long_list_in_messages_paced_for_a_private_chat(
    running_bot: RunningBot, clock: FakeClock
) -> None:
    await _add_feeds(running_bot, MANY_FEEDS)
    [first] = await running_bot.command(ADMIN_ID, "/feeds")
    assert first.ok and first.params["text"].startswith("<b>Feeds</b>\n1. Feed 1")
    # The rest wait in the outbox: about one a second, as Telegram allows in a private chat.
    assert (await running_bot.services.publisher.drain()).sent == 0
    sent = []
    for _ in range(12):
        clock.advance(timedelta(seconds=1.1))
        sent.append((await running_bot.services.publisher.drain()).sent)
    assert set(sent) <= {0, 1} and sum(sent) == 9  # ten messages at most, one per drain
    messages = running_bot.tg.sent_messages(ADMIN_ID)[-10:]
    assert all(m.ok for m in messages)
    tail = messages[-1].params["text"].splitlines()[-1]
    assert tail.startswith("…and ") and "send /feeds " in tail
    start_from = int(tail.rsplit("/feeds ", 1)[1].split()[0])
    [more] = await running_bot.command(ADMIN_ID, f"/feeds {start_from}")
    assert more.params["text"].startswith(f"<b>Feeds</b> (from {start_from})\n{start_from}. Feed {start_from}")
    [none] = await running_bot.command(ADMIN_ID, "/feeds " + "9" * 30)
    assert none.params["text"] == f"There is no feed 99999999999999999999: /feeds has numbers 1 to {MANY_FEEDS}."


async def test_a_damaged_feed_is_a_warning_in_feeds_with_times_in_the_admins_zone(
    running_bot: RunningBot, site: FakeNewsSite, caplog: pytest.LogCaptureFixture
) -> None:
    good = site.feed("/good.xml", title="Good Feed")
    good.publish("Dam gates open after repairs", body=DAM)
    good.publish("Portugal votes for stability", body=ELECTION)
    whole = good.render()
    cut = whole.index(b"</item>") + len(b"</item>") + 40  # the second item is cut off
    site.add("/broken.xml", whole[:cut], content_type="application/rss+xml")
    unreadable = site.feed("/empty.xml", title="Empty Pages")
    for number in (1, 2):  # no title, no description, and an empty page: nothing to post
        unreadable.publish("", path=f"/empty/{number}.html")
        site.add(f"/empty/{number}.html", b"", content_type="text/html")

    [added] = await running_bot.command(ADMIN_ID, f"/addfeed {site.url('/broken.xml')}")
    assert "But: the feed is damaged" in added.params["text"]
    await running_bot.command(ADMIN_ID, f"/addfeed {site.url('/empty.xml')}")
    await poll_due_feeds(running_bot.services)
    await running_bot.command(ADMIN_ID, "/settings tz Europe/Kyiv")
    [health] = await running_bot.command(ADMIN_ID, "/feeds")
    broken_line, empty_line = health.params["text"].splitlines()[1:3]
    assert "⚠️ warning" in broken_line and "the feed is damaged" in broken_line
    assert "I read the 1 entry before the damage" in broken_line
    logged = [r.getMessage() for r in caplog.records if r.name == "bot.news.feeds" and "keeping the" in r.getMessage()]
    assert logged and all("keeping the 1 entry read" in line for line in logged), logged  # the log said 2
    assert "⚠️ warning" in empty_line and "none of the 2 new entries could be read" in empty_line
    assert " EET" in broken_line and "UTC" not in health.params["text"]


async def test_broadcast_length_is_counted_as_telegram_counts_it(running_bot: RunningBot) -> None:
    await running_bot.command(READER_ID, "/start")
    [answer] = await running_bot.command(ADMIN_ID, "/broadcast " + "😀" * 3000)
    assert answer.params["text"] == ("That is 6000 characters as Telegram counts them; "
                                     "a broadcast can have at most 3500.")
    assert await running_bot.services.db.deliveries.for_chat(READER_ID) == []


async def test_a_feed_with_a_huge_title_breaks_no_command(running_bot: RunningBot, site: FakeNewsSite) -> None:
    site.feed("/rss.xml", title=LONG_TITLE).publish("Dam gates open after repairs", body=DAM)
    [added] = await running_bot.command(ADMIN_ID, f"/addfeed {site.url('/rss.xml')}")
    assert added.ok and added.params["text"].startswith("Added Breaking news")
    for command in ("/feeds", "/subscribe", "/subscribe 1", "/list"):
        [answer] = await running_bot.command(ADMIN_ID, command)
        assert answer.ok, command


async def test_the_rest_of_a_long_feeds_list_is_no_post_in_stats(running_bot: RunningBot, clock: FakeClock) -> None:
    """/feeds sends the rest of a long list through the outbox (as digest rows are sent); those
    messages are no posts, waiting or sent, and /stats counted them as posts."""
    await _add_feeds(running_bot, MANY_FEEDS)
    await running_bot.command(ADMIN_ID, "/feeds")
    queued = await _queued(running_bot, ADMIN_ID, 9)  # the handler queues them after its first answer
    assert {r.state for r in queued} == {"pending"}
    [stats] = await running_bot.command(ADMIN_ID, "/stats")
    assert "Posts in 24 h: 0; waiting: 0; failed: 0" in stats.params["text"]
    for _ in range(12):
        clock.advance(timedelta(seconds=1.1))
        await running_bot.services.publisher.drain()
    assert {r.state for r in await running_bot.services.db.deliveries.for_chat(ADMIN_ID)} == {"sent"}
    [stats] = await running_bot.command(ADMIN_ID, "/stats")
    assert "Posts in 24 h: 0; waiting: 0; failed: 0" in stats.params["text"]


async def _queued(bot: RunningBot, chat_id: int, count: int) -> list[Delivery]:
    """The chat's outbox rows once there are ``count`` (a handler still running adds them)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + 5.0
    while len(rows := await bot.services.db.deliveries.for_chat(chat_id)) < count and loop.time() < deadline:
        await asyncio.sleep(0.01)
    assert len(rows) == count, rows
    return rows
