"""End to end: photo posts, whole articles as rich messages, forum topics, hashtags and parts.

An admin sets a channel (or a forum group) up through the fake Bot API; the fake news site
serves the feed and its pages; the test runs the poll and publish job bodies and asserts on
what the fake Bot API received and on the outbox rows.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from datetime import timedelta
from typing import Any

import pytest

from bot.app import build_application
from bot.clock import FakeClock
from bot.config import Settings
from bot.jobs.digest import queue_due_digests
from bot.jobs.poll import poll_due_feeds
from bot.news.captions import MAX_CAPTION, visible_length
from bot.news.render import Link, PostContent, render_post
from bot.news.sentences import split_sentences
from bot.news.utf16 import utf16_len
from tests.conftest import ADMIN_ID, READER_ID, RunningBot, start_bot
from tests.fakes.news_site import FakeNewsSite
from tests.fakes.telegram_api import FakeTelegramServer
from tests.stories import DAM, DAM_FOLLOWUP, ELECTION

CHANNEL = -1007001
DAM_PAGE = (
    '<!DOCTYPE html><html><head><meta charset="utf-8"><title>Dam gates open after repairs</title></head>'
    "<body><article><h1>Dam gates open after repairs</h1>"
    + "".join(f"<p>{p}</p>" for p in DAM.split("\n\n")[:2])
    + "<p>Water reaches the villages in this order, the authority said in its statement on Monday:</p>"
    "<ul><li>Nova Kakhovka, from Tuesday</li><li>Beryslav, from Thursday</li><li>Kherson, next week</li></ul>"
    "<blockquote><p>“The water is back, and with it the work of the whole valley. We will not waste a drop "
    "of it.”</p></blockquote>"
    + "".join(f"<p>{p}</p>" for p in DAM.split("\n\n")[2:])
    + "<p>Readers asked what the tag &lt;script&gt; in last week's report meant: it was a typing error.</p>"
    "</article></body></html>"
)
FORUM = -1008001
LONG_BODY = f"{DAM}\n\n{ELECTION}\n\n{DAM_FOLLOWUP}"  # ten sentences summarize to ~1,300 characters


async def _channel_follows_feed(bot: RunningBot, site: FakeNewsSite, *, title: str = "Daily News") -> None:
    bot.tg.push_my_chat_member(CHANNEL, "channel", title=title, from_user_id=ADMIN_ID)
    await bot.tg.wait_for("sendMessage", predicate=lambda c: c.params.get("chat_id") == ADMIN_ID)
    await bot.command(ADMIN_ID, f"/addfeed {site.url('/rss.xml')}")
    await bot.command(ADMIN_ID, f"/channel {CHANNEL} subscribe 1")


async def _cycle(bot: RunningBot) -> int:
    await poll_due_feeds(bot.services)
    return (await bot.services.publisher.drain()).sent


async def _rows(bot: RunningBot, chat_id: int) -> list[Any]:
    return await bot.services.db.deliveries.for_chat(chat_id)


async def test_a_story_with_an_og_image_reaches_the_channel_as_a_photo_with_its_caption(
    running_bot: RunningBot, site: FakeNewsSite
) -> None:
    image = site.url("/img/dam.jpg")
    site.feed("/rss.xml", title="Fake Times").publish("Dam gates open after repairs", body=DAM, page_image=image)
    await _channel_follows_feed(running_bot, site)

    assert await _cycle(running_bot) == 1
    [photo] = running_bot.tg.calls_to("sendPhoto")
    assert photo.ok and photo.params["chat_id"] == CHANNEL and photo.params["photo"] == image
    assert photo.params["caption"].startswith('<b><a href="') and "Dam gates open" in photo.params["caption"]
    assert photo.params["reply_markup"]["inline_keyboard"][0][0]["text"] == "Read more"
    assert not running_bot.tg.sent_messages(CHANNEL)
    [row] = await _rows(running_bot, CHANNEL)
    assert (row.state, row.sent_as, row.message_id) == ("sent", "photo", photo.result["message_id"])
    stored = await running_bot.services.db.articles.get(row.article_id)
    assert stored is not None and stored.image_url == image


async def test_the_feed_image_is_used_when_the_page_has_none_and_images_off_sends_text(
    running_bot: RunningBot, site: FakeNewsSite, clock: FakeClock
) -> None:
    feed = site.feed("/rss.xml")
    feed.publish("Dam gates open after repairs", body=DAM, feed_image=site.url("/feed-dam.png"))
    await _channel_follows_feed(running_bot, site)
    assert await _cycle(running_bot) == 1
    assert running_bot.tg.calls_to("sendPhoto")[0].params["photo"] == site.url("/feed-dam.png")

    await running_bot.command(ADMIN_ID, f"/channel {CHANNEL} images off")
    feed.publish("Portugal votes for stability", body=ELECTION, page_image=site.url("/vote.jpg"))
    clock.advance(timedelta(minutes=17))
    assert await _cycle(running_bot) == 1
    assert len(running_bot.tg.calls_to("sendPhoto")) == 1
    [text] = running_bot.tg.sent_messages(CHANNEL)
    assert "Portugal votes" in text.params["text"]
    assert text.params["link_preview_options"] == {"is_disabled": True}


@pytest.fixture
async def wordy_bot(make_settings: Callable[..., Settings], tg: FakeTelegramServer, clock: FakeClock) -> AsyncIterator[RunningBot]:
    """A bot whose summaries are long: ten sentences, up to 3000 characters."""
    application = build_application(make_settings(summary_sentences=10, summary_max_chars=3000),
                                    clock=clock, schedule_jobs=False)
    async with start_bot(application):
        yield RunningBot(application, tg)


async def test_a_post_too_long_for_a_caption_goes_as_text_with_a_large_preview_of_the_image(
    wordy_bot: RunningBot, site: FakeNewsSite
) -> None:
    image = site.url("/img/gates.jpg")
    site.feed("/rss.xml").publish("Water returns to the valley", body=LONG_BODY, page_image=image)
    await _channel_follows_feed(wordy_bot, site)

    assert await _cycle(wordy_bot) == 1
    assert not wordy_bot.tg.calls_to("sendPhoto")  # never tried: it cannot fit
    [post] = wordy_bot.tg.sent_messages(CHANNEL)
    assert len(post.params["text"]) > 1024
    assert post.params["link_preview_options"] == {
        "is_disabled": False, "url": image, "prefer_large_media": True, "show_above_text": True}
    [row] = await _rows(wordy_bot, CHANNEL)
    assert row.sent_as == "text"


async def test_an_image_telegram_cannot_fetch_still_yields_the_post_once_at_once(
    running_bot: RunningBot, site: FakeNewsSite, clock: FakeClock
) -> None:
    image = site.url("/img/missing.jpg")
    running_bot.tg.mark_unfetchable(image)
    site.feed("/rss.xml").publish("Dam gates open after repairs", body=DAM, page_image=image)
    await _channel_follows_feed(running_bot, site)

    report_sent = await _cycle(running_bot)
    assert report_sent == 1
    [refused] = running_bot.tg.calls_to("sendPhoto")
    assert refused.status == 400 and refused.description == "Bad Request: failed to get HTTP URL content"
    [post] = running_bot.tg.sent_messages(CHANNEL)
    assert "Dam gates open" in post.params["text"]
    assert post.params["link_preview_options"]["url"] == image  # the text form still points at it
    [row] = await _rows(running_bot, CHANNEL)
    assert (row.state, row.sent_as, row.attempts) == ("sent", "text", 1)
    clock.advance(timedelta(hours=1))
    assert await _cycle(running_bot) == 0
    assert len(running_bot.tg.sent_posts(CHANNEL)) == 1  # never twice


async def test_article_button_answers_with_the_whole_article_as_a_rich_message_in_private(
    running_bot: RunningBot, site: FakeNewsSite
) -> None:
    site.feed("/rss.xml", title="Fake Times").publish("Dam gates open after repairs", body=DAM, path="/dam.html")
    site.add("/dam.html", DAM_PAGE, charset="utf-8")  # the page carries a list and a quotation
    await _channel_follows_feed(running_bot, site)
    await running_bot.command(ADMIN_ID, f"/channel {CHANNEL} article button")
    assert await _cycle(running_bot) == 1
    [post] = running_bot.tg.sent_messages(CHANNEL)
    button = post.params["reply_markup"]["inline_keyboard"][0][0]
    assert button["text"] == "Read in Telegram"
    assert button["url"].startswith("https://t.me/newsbot_test_bot?start=article_")

    payload = button["url"].split("start=")[1]
    running_bot.tg.push_command(READER_ID, f"/start {payload}")
    [rich] = await running_bot.tg.wait_for("sendRichMessage")
    assert rich.ok and rich.params["chat_id"] == READER_ID
    html = rich.params["rich_message"]["html"]
    assert html.startswith("<h1>Dam gates open after repairs</h1>")
    assert "<blockquote>“The water is back, and with it the work of the whole valley. We will not waste a drop of it.”</blockquote>" in html
    assert "<ul><li>Nova Kakhovka, from Tuesday</li><li>Beryslav, from Thursday</li>" in html
    assert "Critics warned that the repairs had been rushed" in html
    assert "&lt;script&gt;" in html and "<script>" not in html  # page text is escaped
    assert "Original on Fake Times" in html and "<i>Fake Times · " in html


async def test_article_post_mode_posts_the_rich_article_itself(running_bot: RunningBot, site: FakeNewsSite) -> None:
    site.feed("/rss.xml", title="Fake Times").publish("Dam gates open after repairs", body=DAM,
                                                      page_image=site.url("/dam.jpg"))
    await _channel_follows_feed(running_bot, site)
    await running_bot.command(ADMIN_ID, f"/channel {CHANNEL} article post")
    assert await _cycle(running_bot) == 1
    [rich] = running_bot.tg.calls_to("sendRichMessage")
    assert rich.ok and rich.params["chat_id"] == CHANNEL
    assert f'<img src="{site.url("/dam.jpg")}">' in rich.params["rich_message"]["html"]
    assert not running_bot.tg.calls_to("sendPhoto") and not running_bot.tg.sent_messages(CHANNEL)
    [row] = await _rows(running_bot, CHANNEL)
    assert (row.state, row.sent_as) == ("sent", "rich")


async def test_in_article_post_mode_a_digest_stays_a_text_message(
    running_bot: RunningBot, site: FakeNewsSite, clock: FakeClock
) -> None:
    """"Rich" is one whole article as the post (README, "Whole articles in Telegram"); a digest
    is a list of many stories, each linked to its original, so it goes as the usual message."""
    site.feed("/rss.xml", title="Fake Times").publish("Dam gates open after repairs", body=DAM)
    await _channel_follows_feed(running_bot, site)
    for setting in ("article post", "schedule digest 13:00 only"):
        [answer] = await running_bot.command(ADMIN_ID, f"/channel {CHANNEL} {setting}")
        assert answer.params["text"].startswith("Done."), answer.params["text"]
    assert await _cycle(running_bot) == 0  # "only": the story waits for the digest
    clock.set(clock.now().replace(hour=13, minute=0, second=5))
    await queue_due_digests(running_bot.services)
    assert (await running_bot.services.publisher.drain()).sent == 1
    [digest] = running_bot.tg.sent_messages(CHANNEL)
    assert digest.ok and digest.params["text"].startswith("<b>News digest") and "Dam gates open" in digest.params["text"]
    assert not running_bot.tg.calls_to("sendRichMessage")
    [row] = await _rows(running_bot, CHANNEL)
    assert (row.kind, row.sent_as) == ("digest", "text")


async def test_an_over_long_article_is_trimmed_within_the_limits(running_bot: RunningBot, site: FakeNewsSite) -> None:
    paragraph = "Engineers kept measuring the water level at every gate along the river, hour after hour. " * 6
    body = "\n\n".join(f"{i}. {paragraph}" for i in range(80))  # about 43,000 characters
    site.feed("/rss.xml", title="Fake Times").publish("A very long report", body=body)
    await _channel_follows_feed(running_bot, site)
    await running_bot.command(ADMIN_ID, f"/channel {CHANNEL} article post")
    assert await _cycle(running_bot) == 1
    [rich] = running_bot.tg.calls_to("sendRichMessage")
    assert rich.ok  # the fake checked 32,768 characters, 500 blocks, 16 levels
    html = rich.params["rich_message"]["html"]
    assert "Continue on Fake Times</a></p>" in html
    assert html.count("<p>") < 80 and html.rstrip().endswith("</p>")


async def test_an_article_full_of_emoji_is_trimmed_as_telegram_counts(running_bot: RunningBot, site: FakeNewsSite) -> None:
    """About 31,700 characters but 39,400 UTF-16 code units (each emoji is two): measured with
    len() it seemed to fit, went out whole, and Telegram refused it."""
    paragraph = "Engineers measured 🌊🌊🌊🌊🌊🌊🌊🌊 the river at gate 🚧🚧🚧🚧🚧🚧🚧🚧 again, hour after hour. " * 6
    body = "\n\n".join(f"{i}. {paragraph}" for i in range(80))
    site.feed("/rss.xml", title="Fake Times").publish("A very long report", body=body)
    await _channel_follows_feed(running_bot, site)
    await running_bot.command(ADMIN_ID, f"/channel {CHANNEL} article post")
    assert await _cycle(running_bot) == 1
    [rich] = running_bot.tg.calls_to("sendRichMessage")
    assert rich.ok, rich.description  # the fake counts the 32,768 in UTF-16 code units, as Telegram does
    assert "Continue on Fake Times</a></p>" in rich.params["rich_message"]["html"]
    [row] = await _rows(running_bot, CHANNEL)
    assert row.sent_as == "rich"


async def test_a_bot_api_without_rich_messages_falls_back_to_the_post_and_tells_the_admin_once(
    running_bot: RunningBot, site: FakeNewsSite, clock: FakeClock
) -> None:
    running_bot.tg.rich_messages_supported = False
    feed = site.feed("/rss.xml")
    feed.publish("Dam gates open after repairs", body=DAM)
    await _channel_follows_feed(running_bot, site)
    await running_bot.command(ADMIN_ID, f"/channel {CHANNEL} article post")
    assert await _cycle(running_bot) == 1
    assert running_bot.tg.calls_to("sendRichMessage")[0].status == 404
    assert "Dam gates open" in running_bot.tg.sent_messages(CHANNEL)[0].params["text"]
    notices = [c for c in running_bot.tg.sent_messages(ADMIN_ID) if "sendRichMessage" in c.params["text"]]
    assert len(notices) == 1

    feed.publish("Portugal votes for stability", body=ELECTION)
    clock.advance(timedelta(minutes=17))
    assert await _cycle(running_bot) == 1
    assert len(running_bot.tg.calls_to("sendRichMessage")) == 1  # not tried again
    assert len([c for c in running_bot.tg.sent_messages(ADMIN_ID) if "sendRichMessage" in c.params["text"]]) == 1


async def _forum_follows_feed(bot: RunningBot, site: FakeNewsSite, topic: str) -> list[Any]:
    bot.tg.add_forum(FORUM, "News forum")
    bot.tg.push_my_chat_member(FORUM, "supergroup", from_user_id=ADMIN_ID)
    await bot.tg.wait_for("sendMessage", predicate=lambda c: c.params.get("chat_id") == ADMIN_ID)
    bot.tg.set_member(FORUM, bot.tg.bot_id, "administrator", can_manage_topics=True)
    await bot.command(ADMIN_ID, f"/addfeed {site.url('/rss.xml')}")
    return await bot.command(ADMIN_ID, f"/channel {FORUM} subscribe 1 topic {topic}")


async def test_a_subscription_with_a_topic_posts_into_that_topic(running_bot: RunningBot, site: FakeNewsSite) -> None:
    site.feed("/rss.xml", title="Fake Times").publish("Dam gates open after repairs", body=DAM)
    [answer] = await _forum_follows_feed(running_bot, site, "Water & Dams")
    assert "in the topic “Water &amp; Dams” (I created it)" in answer.params["text"]
    [topic] = running_bot.tg.topics(FORUM)
    assert topic.name == "Water & Dams"

    assert await _cycle(running_bot) == 1
    [post] = running_bot.tg.sent_messages(FORUM)
    assert post.params["message_thread_id"] == topic.thread_id
    assert post.result["is_topic_message"] is True
    [row] = await _rows(running_bot, FORUM)
    assert row.thread_id == topic.thread_id
    [listing] = await running_bot.command(ADMIN_ID, "/channels")
    assert f"Fake Times → topic “Water &amp; Dams” ({topic.thread_id})" in listing.params["text"]


async def test_a_long_topic_name_is_cut_at_128_characters_never_inside_a_flag(
    running_bot: RunningBot, site: FakeNewsSite
) -> None:
    site.feed("/rss.xml", title="Fake Times").publish("Dam gates open after repairs", body=DAM)
    [answer] = await _forum_follows_feed(running_bot, site, "a" * 127 + "\U0001F1FA\U0001F1E6 news")
    assert "(I created it)" in answer.params["text"]
    [topic] = running_bot.tg.topics(FORUM)
    assert topic.name == "a" * 127  # the flag did not fit whole: left out, not cut in half


@pytest.mark.parametrize(("gone", "refusal", "said"), [
    ("delete_topic", "Bad Request: message thread not found", "was closed or deleted"),
    ("close_topic", "Bad Request: TOPIC_CLOSED", "was closed, so"),
])
async def test_a_deleted_or_closed_topic_falls_back_to_general_with_an_admin_notice(
    running_bot: RunningBot, site: FakeNewsSite, clock: FakeClock, gone: str, refusal: str, said: str
) -> None:
    feed = site.feed("/rss.xml", title="Fake Times")
    feed.publish("Dam gates open after repairs", body=DAM)
    await _forum_follows_feed(running_bot, site, "Dams")
    [topic] = running_bot.tg.topics(FORUM)
    getattr(running_bot.tg, gone)(FORUM, topic.thread_id)

    assert await _cycle(running_bot) == 1
    refused, post = [c for c in running_bot.tg.calls_to("sendMessage") if c.params.get("chat_id") == FORUM]
    assert (refused.status, refused.description) == (400, refusal)
    assert refused.params["message_thread_id"] == topic.thread_id
    assert "message_thread_id" not in post.params and "Dam gates open" in post.params["text"]
    [notice] = [c for c in running_bot.tg.sent_messages(ADMIN_ID) if "General" in c.params["text"]]
    assert said in notice.params["text"] and "Fake Times now post to General" in notice.params["text"]
    assert f"The topic “Dams” ({topic.thread_id}) in News forum" in notice.params["text"]
    [row] = await _rows(running_bot, FORUM)
    assert (row.state, row.thread_id) == ("sent", None)

    feed.publish("Portugal votes for stability", body=ELECTION)
    clock.advance(timedelta(minutes=17))
    assert await _cycle(running_bot) == 1  # straight to General now, no second notice
    assert len([c for c in running_bot.tg.sent_messages(ADMIN_ID) if "General" in c.params["text"]]) == 1


async def test_creating_a_topic_without_the_right_is_explained(running_bot: RunningBot, site: FakeNewsSite) -> None:
    site.feed("/rss.xml")
    running_bot.tg.add_forum(FORUM, "News forum")
    running_bot.tg.push_my_chat_member(FORUM, "supergroup", from_user_id=ADMIN_ID)
    await running_bot.tg.wait_for("sendMessage", predicate=lambda c: c.params.get("chat_id") == ADMIN_ID)
    await running_bot.command(ADMIN_ID, f"/addfeed {site.url('/rss.xml')}")
    [answer] = await running_bot.command(ADMIN_ID, f"/channel {FORUM} subscribe 1 topic Sport")
    assert "“Manage topics” admin right" in answer.params["text"]
    assert await running_bot.services.db.subscriptions.for_chat(FORUM) == []


async def test_a_topic_id_too_large_for_telegram_is_refused_in_plain_words(
    running_bot: RunningBot, site: FakeNewsSite
) -> None:
    """It reached SQLite as OverflowError after the subscription was stored: the admin read
    "Unexpected error" and the forum followed the feed with no topic."""
    site.feed("/rss.xml")
    [answer] = await _forum_follows_feed(running_bot, site, "9" * 25)
    assert "is not a topic id" in answer.params["text"]
    assert await running_bot.services.db.subscriptions.for_chat(FORUM) == []
    [answer] = await running_bot.command(ADMIN_ID, f"/channel {FORUM} hashtags ²")  # a digit to str.isdigit
    assert "(at most 5)" in answer.params["text"]
    assert not [c for c in running_bot.tg.sent_messages(ADMIN_ID) if "Unexpected error" in c.params["text"]]


async def test_hashtags_and_parts_change_what_a_post_shows(running_bot: RunningBot, site: FakeNewsSite) -> None:
    site.feed("/rss.xml", title="Fake Times").publish(
        "Dam gates open after repairs", body=DAM, categories=("World News", "2026", "water-supply"))
    await _channel_follows_feed(running_bot, site)
    await running_bot.command(ADMIN_ID, f"/channel {CHANNEL} hashtags 3")
    [done] = await running_bot.command(ADMIN_ID, f"/channel {CHANNEL} parts readalso")
    assert "3 hashtags, parts: readalso" in done.params["text"]
    assert await _cycle(running_bot) == 1
    [post] = running_bot.tg.sent_messages(CHANNEL)
    text = post.params["text"]
    assert text.endswith("<i>#WorldNews #WaterSupply</i>")  # source/time hidden, tags kept
    assert "Fake Times" not in text and "reply_markup" not in post.params


async def test_reader_settings_for_pictures_and_articles(running_bot: RunningBot) -> None:
    [shown] = await running_bot.command(READER_ID, "/settings article button")
    assert "Whole articles in Telegram: button" in shown.params["text"]
    [shown] = await running_bot.command(READER_ID, "/settings images off")
    assert "Pictures: off" in shown.params["text"]
    chat = await running_bot.services.db.chats.get(READER_ID)
    assert chat is not None and (chat.images, chat.article_mode) == (False, "button")


async def test_outbox_rules_hold_for_photo_and_rich_sends(
    clocked_bot: RunningBot, site: FakeNewsSite, clock: FakeClock
) -> None:
    # clocked_bot: on PostgreSQL the 429's hold of the shared flood budget ends when the test's
    # clock passes it, not after 3 s of real time (which is all the drain after it waited for).
    running_bot = clocked_bot
    feed = site.feed("/rss.xml")
    feed.publish("Dam gates open after repairs", body=DAM, page_image=site.url("/dam.jpg"))
    await _channel_follows_feed(running_bot, site)
    tg = running_bot.tg
    tg.fail("sendPhoto", "429", CHANNEL, retry_after=3)
    await poll_due_feeds(running_bot.services)
    report = await running_bot.services.publisher.drain()
    assert (report.sent, report.rate_limited) == (0, 1)
    assert not tg.sent_messages(CHANNEL)  # a 429 is no reason to fall back to text: it waits
    clock.advance(timedelta(seconds=4))
    assert (await running_bot.services.publisher.drain()).sent == 1
    assert [c.status for c in tg.calls_to("sendPhoto")] == [429, 200]

    await running_bot.command(ADMIN_ID, f"/channel {CHANNEL} article post")
    feed.publish("Portugal votes for stability", body=ELECTION)
    tg.fail("sendRichMessage", "500", CHANNEL)  # maybe delivered, maybe not: retried as it was
    clock.advance(timedelta(minutes=17))
    assert await _cycle(running_bot) == 0
    clock.advance(timedelta(minutes=1))
    assert (await running_bot.services.publisher.drain()).sent == 1
    assert [c.status for c in tg.calls_to("sendRichMessage")] == [500, 200]
    assert len(tg.sent_posts(CHANNEL)) == 2
    assert [r.sent_as for r in await _rows(running_bot, CHANNEL)] == ["photo", "rich"]


async def test_a_rich_message_telegram_refuses_falls_back_to_the_post_and_tells_the_admin_once(
    running_bot: RunningBot, site: FakeNewsSite
) -> None:
    site.feed("/rss.xml").publish("Dam gates open after repairs", body=DAM)
    await _channel_follows_feed(running_bot, site)
    await running_bot.command(ADMIN_ID, f"/channel {CHANNEL} article post")
    running_bot.tg.fail("sendRichMessage", "400", CHANNEL, description="Bad Request: RICH_MESSAGE_INVALID")
    assert await _cycle(running_bot) == 1
    [post] = running_bot.tg.sent_messages(CHANNEL)
    assert "Dam gates open" in post.params["text"]
    [notice] = [c for c in running_bot.tg.sent_messages(ADMIN_ID) if "rich message" in c.params["text"]]
    assert "rich_message_invalid" in notice.params["text"].lower()
    assert running_bot.services.publisher.sender.rich_supported  # a refusal of one message, not of the method


async def test_help_and_the_channel_usage_name_the_new_settings(running_bot: RunningBot) -> None:
    [admin_help] = await running_bot.command(ADMIN_ID, "/help")
    assert "whole articles (off|button|post)" in admin_help.params["text"]
    assert "topic NAME|ID" in admin_help.params["text"]
    [reader_help] = await running_bot.command(READER_ID, "/help")
    assert "pictures, whole articles" in reader_help.params["text"]
    [usage] = await running_bot.command(ADMIN_ID, "/channel")
    assert "parts source,readalso,buttons|all|none" in usage.params["text"]


async def test_post_command_uses_the_pages_image_too(running_bot: RunningBot, site: FakeNewsSite) -> None:
    item = site.feed("/rss.xml").publish("Dam gates open after repairs", body=DAM, page_image=site.url("/p.jpg"))
    running_bot.tg.push_my_chat_member(CHANNEL, "channel", title="Daily News", from_user_id=ADMIN_ID)
    await running_bot.tg.wait_for("sendMessage", predicate=lambda c: c.params.get("chat_id") == ADMIN_ID)
    await running_bot.command(ADMIN_ID, f"/post {item.url} {CHANNEL}")
    await running_bot.services.publisher.drain()
    [photo] = running_bot.tg.calls_to("sendPhoto")
    assert photo.ok and photo.params["photo"] == site.url("/p.jpg") and photo.params["chat_id"] == CHANNEL


RELATED_TITLE = (  # a long headline, as some outlets write them: its "Read also" line is long too
    "Reservoir levels rise by forty centimetres in the first two days after the dam gates were opened, the "
    "regional water authority reports, as irrigation canals in three districts begin to fill and pumping "
    "stations in the valley are switched on one by one over the weekend, ahead of next month's inspection"
)


async def test_a_post_too_long_for_a_caption_only_by_its_links_goes_as_a_photo_with_its_summary_whole(
    make_settings: Callable[..., Settings], tg: FakeTelegramServer, clock: FakeClock, site: FakeNewsSite
) -> None:
    """The post's text is over a caption's 1,024 characters only with its "Read also" link: it
    used to go as a text post (the image as its preview); now it is a photo whose caption keeps
    the title, the whole summary and the source line, the link left to the Related button."""
    application = build_application(make_settings(summary_sentences=8, summary_max_chars=800),
                                    clock=clock, schedule_jobs=False)
    async with start_bot(application):
        bot = RunningBot(application, tg)
        site.feed("/other.xml", title="Wire Service").publish(RELATED_TITLE, body=DAM_FOLLOWUP)
        await bot.command(ADMIN_ID, f"/addfeed {site.url('/other.xml')}")
        await poll_due_feeds(bot.services)  # the related story, stored; the channel follows only /rss.xml
        image = site.url("/img/gates.jpg")
        site.feed("/rss.xml", title="Fake Times").publish("Dam gates open after repairs", body=DAM,
                                                          page_image=image)
        tg.push_my_chat_member(CHANNEL, "channel", title="Daily News", from_user_id=ADMIN_ID)
        await tg.wait_for("sendMessage", predicate=lambda c: c.params.get("chat_id") == ADMIN_ID
                          and "Daily News" in c.params.get("text", ""))
        await bot.command(ADMIN_ID, f"/addfeed {site.url('/rss.xml')}")
        await bot.command(ADMIN_ID, f"/channel {CHANNEL} subscribe 2")
        assert await _cycle(bot) == 1

        assert not tg.sent_messages(CHANNEL)
        [photo] = tg.calls_to("sendPhoto")
        assert photo.ok and photo.params["chat_id"] == CHANNEL and photo.params["photo"] == image
        [row] = await _rows(bot, CHANNEL)
        assert (row.state, row.sent_as) == ("sent", "photo")
        article = await bot.services.db.articles.get(row.article_id)
        assert article is not None
        content = PostContent(title=article.title, url=article.url, summary=article.summary,
                              source=article.feed_title, when=article.when, language=article.language)
        related = [Link(RELATED_TITLE, site.url("/other/1.html"))]
        assert visible_length(render_post(content, related=related)) > MAX_CAPTION  # the text form's length
        caption = photo.result["caption"]  # as the reader sees it, counted by the fake as Telegram does
        assert utf16_len(caption) <= MAX_CAPTION
        assert caption.startswith("Dam gates open after repairs\n\n" + " ".join(split_sentences(article.summary)))
        assert "Fake Times" in caption and "Read also" not in caption and RELATED_TITLE[:40] not in caption
        related_button = photo.params["reply_markup"]["inline_keyboard"][0][1]
        assert related_button["text"] == "Related"
