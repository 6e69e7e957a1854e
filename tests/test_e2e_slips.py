"""End to end: the small things a first user trips over, each as the user meets it."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest

from bot.news.models import Article
from bot.news.pipeline import process_article
from tests.conftest import ADMIN_ID, READER_ID, RunningBot
from tests.fakes.news_site import FakeNewsSite
from tests.stories import DAM, DAM_FOLLOWUP, ELECTION, HARBOUR, MUSEUM

GROUP = -5006
HUGE = "9" * 25


@pytest.fixture
async def dated_stories(running_bot: RunningBot) -> dict[str, int]:
    """One feed with four stories stored out of date order; their links carry tracking."""
    services = running_bot.services
    now = services.clock.now()
    feed, _ = await services.db.feeds.add("https://world.example/rss", title="World Wire", now=now)
    ids = {}
    for key, title, text, hours_ago in (("museum", "Museum reopens", MUSEUM, 5), ("dam", "Dam gates open", DAM, 1),
                                        ("harbour", "Storm keeps boats in harbour", HARBOUR, 30),
                                        ("followup", "Reservoir levels rise after the dam opens", DAM_FOLLOWUP, 3)):
        article = Article(url=f"https://{key}.example/story?utm_source=rss&id=1&fbclid=zz", title=title, text=text,
                          language="en", published=now - timedelta(hours=hours_ago))
        ids[key] = (await services.ingestor.store(process_article(article), feed_id=feed.id)).article_id
    return ids


async def test_latest_lists_newest_first_with_dates_in_the_chats_zone_and_clean_links(
    running_bot: RunningBot, dated_stories: dict[str, int]
) -> None:
    await running_bot.command(READER_ID, "/subscribe 1")
    await running_bot.command(READER_ID, "/settings tz America/New_York")  # clock: 12:00 UTC = 07:00 there
    [answer] = await running_bot.command(READER_ID, "/latest 4")
    lines = answer.params["text"].splitlines()[2:]
    assert [line.split(">", 1)[1].split("<", 1)[0] for line in lines] == [
        "Dam gates open", "Reservoir levels rise after the dam opens", "Museum reopens", "Storm keeps boats in harbour"]
    assert "01.01.2026 06:00" in lines[0] and "31.12.2025 01:00" in lines[3]
    assert "utm_" not in answer.params["text"] and "fbclid" not in answer.params["text"]
    assert 'href="https://dam.example/story?id=1"' in answer.params["text"]
    [related] = await running_bot.command(READER_ID, "/related dam reservoir")
    assert "dam.example/story?id=1" in related.params["text"] and "utm_" not in related.params["text"]
    [digest] = await running_bot.command(READER_ID, "/digest")
    assert "Dam gates open" in digest.params["text"] and "utm_" not in digest.params["text"]


async def test_post_and_read_also_links_have_no_tracking(
    running_bot: RunningBot, dated_stories: dict[str, int], site: FakeNewsSite
) -> None:
    await running_bot.command(READER_ID, "/start")
    services = running_bot.services
    await services.db.deliveries.enqueue_article(dated_stories["dam"], [READER_ID], now=services.clock.now())
    await services.publisher.drain()
    [post] = [c for c in running_bot.tg.sent_messages(READER_ID) if c.params["text"].startswith("<b><a")]
    assert "Read also:" in post.params["text"] and "utm_" not in post.params["text"]
    assert post.params["reply_markup"]["inline_keyboard"][0][0]["url"] == "https://dam.example/story?id=1"
    page = site.feed("/rss.xml").publish("Portugal votes for stability", body=ELECTION,
                                         tracking="utm_campaign=x&gclid=y", canonical=True)
    told = len(running_bot.tg.sent_messages(ADMIN_ID))
    running_bot.tg.push_my_chat_member(-1003004, "channel", title="Posts", from_user_id=ADMIN_ID)
    await running_bot.tg.wait_for("sendMessage", count=told + 1, predicate=lambda c: c.params.get("chat_id") == ADMIN_ID)
    [queued] = await running_bot.command(ADMIN_ID, f"/post {page.url} -1003004")
    assert queued.params["text"].startswith("Queued")
    await services.publisher.drain()
    [posted] = running_bot.tg.sent_messages(-1003004)
    assert f'href="{page.url.split("?")[0]}"' in posted.params["text"] and "utm_" not in posted.params["text"]


async def test_addfeed_of_a_known_feed_and_feed_numbers_that_do_not_exist(
    running_bot: RunningBot, site: FakeNewsSite
) -> None:
    site.feed("/rss.xml", title="Fake Times").publish("Dam gates open", body=DAM)
    await running_bot.command(ADMIN_ID, f"/addfeed {site.url('/rss.xml')}")
    [again] = await running_bot.command(ADMIN_ID, f"/addfeed {site.url('/rss.xml')}")
    assert again.params["text"].startswith("I already have Fake Times: it is feed 1 in /feeds.")
    for command in ("/removefeed 7", "/interval 9 5", "/channel @nobody_here subscribe 9"):
        [answer] = await running_bot.command(ADMIN_ID, command)
        assert answer.params["text"] in ("There is no feed 7: /feeds has number 1.",
                                         "There is no feed 9: /feeds has number 1.",
                                         "I don't know the chat “@nobody_here”. Add me to it first, then see /channels."), command
    told = len(running_bot.tg.sent_messages(ADMIN_ID))
    running_bot.tg.push_my_chat_member(-1003003, "channel", title="News", from_user_id=ADMIN_ID)
    await running_bot.tg.wait_for("sendMessage", count=told + 1, predicate=lambda c: c.params.get("chat_id") == ADMIN_ID)
    [answer] = await running_bot.command(ADMIN_ID, "/channel -1003003 subscribe 9")
    assert answer.params["text"] == "There is no feed 9: /feeds has number 1."


async def test_a_bot_api_error_reaches_the_admin_with_the_method_and_telegrams_words(
    running_bot: RunningBot,
) -> None:
    running_bot.tg.fail("sendDocument", "404")
    await running_bot.command(ADMIN_ID, "/export", replies=0)
    [notice] = await running_bot.tg.wait_for(
        "sendMessage", predicate=lambda c: c.params["chat_id"] == ADMIN_ID and "Unexpected error" in c.params["text"])
    assert "Telegram refused sendDocument: Not Found" in notice.params["text"]
    assert "InvalidToken" not in notice.params["text"]


async def test_plain_text_in_a_private_chat_gets_a_short_hint(running_bot: RunningBot) -> None:
    [answer] = await running_bot.command(READER_ID, "hello, what do you do?")
    assert answer.params["text"].startswith("I answer commands. Try /related")
    [answer] = await running_bot.command(READER_ID, "привіт", language_code="uk")
    assert answer.params["text"].startswith("Я відповідаю на команди")


async def test_huge_numbers_in_deep_links_and_buttons_are_answered_as_not_found(
    running_bot: RunningBot, dated_stories: dict[str, int], caplog: pytest.LogCaptureFixture
) -> None:
    [answer] = await running_bot.command(READER_ID, f"/start related_{HUGE}")
    assert "I no longer have that story" in answer.params["text"]
    [answer] = await running_bot.command(READER_ID, f"/start sub_{HUGE}")
    assert "That feed no longer exists" in answer.params["text"]
    for data in (f"rel:{HUGE}", f"sub:{HUGE}", f"unsub:{HUGE}", f"subpage:{HUGE}"):
        running_bot.tg.push_callback(READER_ID, data, 1)
    await running_bot.tg.wait_for("answerCallbackQuery", count=4)
    await running_bot.tg.wait_for("sendMessage", count=5, predicate=lambda c: c.params["chat_id"] == READER_ID)
    [answer] = await running_bot.command(ADMIN_ID, f"/channel -{HUGE} subscribe 1")
    assert "I don't know the chat" in answer.params["text"]
    assert not [c for c in running_bot.tg.sent_messages(ADMIN_ID) if "Unexpected error" in c.params["text"]]
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


async def test_a_huge_number_in_the_read_in_telegram_link_is_answered_as_not_found(
    running_bot: RunningBot, caplog: pytest.LogCaptureFixture
) -> None:
    """The article mode's deep link (/start article_<id>) too: SQLite refused the number with
    OverflowError and the admins got "Unexpected error"."""
    [answer] = await running_bot.command(READER_ID, f"/start article_{HUGE}")
    assert "I no longer have that story" in answer.params["text"]
    assert not [c for c in running_bot.tg.sent_messages(ADMIN_ID) if "Unexpected error" in c.params["text"]]
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


async def test_every_way_of_subscribing_a_group_needs_a_group_admin_and_an_enabled_feed(
    running_bot: RunningBot, dated_stories: dict[str, int]
) -> None:
    db, now = running_bot.services.db, running_bot.services.clock.now()
    running_bot.tg.add_chat(GROUP, "group", title="Friends")
    running_bot.tg.set_member(GROUP, 77, "member")
    [answer] = await running_bot.command(GROUP, "/start sub_1", chat_type="group", user_id=77)
    assert "Only this group's admins" in answer.params["text"]
    running_bot.tg.push_callback(GROUP, "sub:1", 1, user_id=77, chat_type="group")
    await running_bot.tg.wait_for("sendMessage", count=2, predicate=lambda c: c.params["chat_id"] == GROUP)
    assert "Only this group's admins" in running_bot.tg.sent_messages(GROUP)[-1].params["text"]
    assert await db.subscriptions.for_chat(GROUP) == []

    disabled, _ = await db.feeds.add("https://off.example/rss", title="Switched Off", now=now)
    await db.feeds.set_enabled(disabled.id, False, now=now)
    running_bot.tg.set_member(GROUP, 78, "administrator")
    [answer] = await running_bot.command(GROUP, f"/start sub_{disabled.id}", chat_type="group", user_id=78)
    assert "That feed no longer exists" in answer.params["text"]
    [answer] = await running_bot.command(READER_ID, f"/start sub_{disabled.id}")
    assert "That feed no longer exists" in answer.params["text"]
    assert await db.subscriptions.for_chat(GROUP) == [] and await db.subscriptions.for_chat(READER_ID) == []
    [answer] = await running_bot.command(GROUP, "/start sub_1", chat_type="group", user_id=78)
    assert "Subscribed to World Wire" in answer.params["text"]



def test_a_whole_article_message_links_without_tracking_even_for_rows_stored_before() -> None:
    from datetime import UTC, datetime
    from zoneinfo import ZoneInfo

    from bot.delivery.compose import rich_article
    from bot.news.render import Link
    from storage.articles import StoredArticle

    now = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
    article = StoredArticle(
        id=1, feed_id=1, url="https://dam.example/story?utm_source=rss&id=1", canonical_url="https://dam.example/story?id=1",
        title="Dam gates open", text=DAM, summary="", language="en", author="", published_at=now, fetched_at=now,
        from_feed=False, related=(), fingerprint=None, source_count=1, feed_title="World Wire",
    )
    rich = rich_article(article, related=[Link("Reservoir", "https://r.example/a?fbclid=x&p=2")], zone=ZoneInfo("UTC"),
                        lang="en")
    assert "https://dam.example/story?id=1" in rich.html and "https://r.example/a?p=2" in rich.html
    assert "utm_" not in rich.html and "fbclid" not in rich.html
