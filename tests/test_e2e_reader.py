"""End to end: reader commands, buttons and deep links, through the fake Bot API server."""

from __future__ import annotations

import pytest

from bot.news.models import Article
from bot.news.pipeline import process_article
from tests.conftest import ADMIN_ID, READER_ID, RunningBot
from tests.stories import DAM, DAM_FOLLOWUP, ELECTION, KYIV_UK


GROUP = -5005


@pytest.fixture
async def with_stories(running_bot: RunningBot) -> dict[str, int]:
    """Two feeds and three stored stories, without any network."""
    services = running_bot.services
    now = services.clock.now()
    world, _ = await services.db.feeds.add("https://world.example/rss", title="World Wire", now=now)
    local, _ = await services.db.feeds.add("https://kyiv.example/rss", title="Kyiv Daily", now=now)
    ids = {}
    for key, feed, title, text, lang in (
        ("dam", world, "Dam gates open after repairs", DAM, "en"),
        ("election", world, "Centre-right wins Portugal election", ELECTION, "en"),
        ("bridge", local, "У Києві відкрили новий міст", KYIV_UK, "uk"),
        ("followup", world, "Reservoir levels rise after the dam opens", DAM_FOLLOWUP, "en"),
    ):
        item = process_article(Article(url=f"https://{key}.example/story", title=title, text=text, language=lang))
        ids[key] = (await services.ingestor.store(item, feed_id=feed.id)).article_id
    ids["world"], ids["local"] = world.id, local.id
    return ids


async def test_subscribe_with_keyboard_button(running_bot: RunningBot, with_stories: dict[str, int]) -> None:
    [menu] = await running_bot.command(READER_ID, "/subscribe")
    keyboard = menu.params["reply_markup"]["inline_keyboard"]
    assert [row[0]["text"] for row in keyboard] == ["World Wire", "Kyiv Daily"]
    running_bot.tg.push_callback(READER_ID, keyboard[1][0]["callback_data"], menu.result["message_id"])
    [answer] = await running_bot.tg.wait_for("answerCallbackQuery")
    assert answer.ok
    reply = await running_bot.tg.wait_for("sendMessage", count=2, predicate=lambda c: c.params["chat_id"] == READER_ID)
    assert "Subscribed to Kyiv Daily" in reply[-1].params["text"]
    subs = await running_bot.services.db.subscriptions.for_chat(READER_ID)
    assert [s.feed_id for s in subs] == [with_stories["local"]]


async def test_subscribe_by_number_name_and_odd_arguments(running_bot: RunningBot, with_stories: dict[str, int]) -> None:
    [answer] = await running_bot.command(READER_ID, "/subscribe 1")
    assert "Subscribed to World Wire" in answer.params["text"]
    [answer] = await running_bot.command(READER_ID, "/subscribe kyiv")
    assert "Subscribed to Kyiv Daily" in answer.params["text"]
    [answer] = await running_bot.command(READER_ID, "/subscribe 99")
    assert "No feed matches" in answer.params["text"]
    [answer] = await running_bot.command(READER_ID, "/subscribe <b>" + "x" * 5000)
    assert "No feed matches" in answer.params["text"] and "&lt;b&gt;" in answer.params["text"]
    assert len(answer.params["text"]) < 400
    [answer] = await running_bot.command(READER_ID, "/list")
    assert "World Wire" in answer.params["text"] and "Kyiv Daily" in answer.params["text"]
    [answer] = await running_bot.command(READER_ID, "/unsubscribe 1")
    assert "Unsubscribed from World Wire" in answer.params["text"]


async def test_latest_shows_the_chats_feeds_only(running_bot: RunningBot, with_stories: dict[str, int]) -> None:
    [answer] = await running_bot.command(READER_ID, "/latest")
    assert "follow no feeds" in answer.params["text"]
    await running_bot.command(READER_ID, "/subscribe 2")
    [answer] = await running_bot.command(READER_ID, "/latest 3")
    assert "відкрили новий міст" in answer.params["text"]
    assert "Portugal" not in answer.params["text"]
    [answer] = await running_bot.command(READER_ID, "/latest lots")
    assert "Send /latest or /latest 10" in answer.params["text"]


@pytest.mark.parametrize(("words", "expected"), [
    ("Portugal's elections", "Centre-right wins Portugal election"),
    ("мосту Києва", "У Києві відкрили новий міст"),
    ("dam repairs", "Dam gates open after repairs"),
])
async def test_related_finds_stories_in_three_languages(
    running_bot: RunningBot, with_stories: dict[str, int], words: str, expected: str
) -> None:
    [answer] = await running_bot.command(READER_ID, f"/related {words}")
    first_line = answer.params["text"].split("\n")[2]
    assert expected in first_line


async def test_related_without_results_or_words(running_bot: RunningBot, with_stories: dict[str, int]) -> None:
    [answer] = await running_bot.command(READER_ID, "/related quantum chromodynamics")
    assert "broader words" in answer.params["text"]
    [answer] = await running_bot.command(READER_ID, '/related ") OR ( * ^ "zzyzx')  # FTS5 syntax, no match
    assert "broader words" in answer.params["text"]
    [answer] = await running_bot.command(READER_ID, "/related")
    assert "Send /related with a few words" in answer.params["text"]


async def test_related_deep_link_never_lists_the_story_itself(running_bot: RunningBot, with_stories: dict[str, int]) -> None:
    [answer] = await running_bot.command(READER_ID, f"/start related_{with_stories['election']}")
    text = answer.params["text"]
    assert text.startswith("<b>Related to") or "no stored stories" in text
    assert "election.example" not in text


async def test_filter_settings_and_stop(running_bot: RunningBot, with_stories: dict[str, int]) -> None:
    await running_bot.command(READER_ID, "/subscribe 1")
    [answer] = await running_bot.command(READER_ID, "/filter 1 exclude sport, Football")
    assert "every story except those with “football” or “sport”" in answer.params["text"]
    [answer] = await running_bot.command(READER_ID, "/filter 1 include apple")
    assert answer.params["text"].endswith("only stories with “apple”, and none with “football” or “sport”.")
    assert "nothing" not in answer.params["text"] and "[" not in answer.params["text"]
    [answer] = await running_bot.command(READER_ID, "/filter 1 clear")
    assert "every story (no filter)" in answer.params["text"]
    await running_bot.command(READER_ID, "/filter 1 exclude sport, Football")
    [sub] = await running_bot.services.db.subscriptions.for_chat(READER_ID)
    assert sub.exclude == ("football", "sport")
    [answer] = await running_bot.command(READER_ID, "/filter 7 include war")
    assert "You follow no feed" in answer.params["text"]
    [answer] = await running_bot.command(READER_ID, "/settings tz Mars/Olympus")
    assert "don't know the time zone" in answer.params["text"]
    [answer] = await running_bot.command(READER_ID, "/settings tz Europe/Kyiv")
    assert "Time zone: Europe/Kyiv" in answer.params["text"]
    [answer] = await running_bot.command(READER_ID, "/settings digest 8:30")
    assert "Daily digest: 08:30" in answer.params["text"]
    [confirm] = await running_bot.command(READER_ID, "/stop")
    running_bot.tg.push_callback(READER_ID, "stop:yes", confirm.result["message_id"])
    await running_bot.tg.wait_for("editMessageText")
    assert await running_bot.services.db.chats.get(READER_ID) is None
    assert await running_bot.services.db.subscriptions.for_chat(READER_ID) == []


async def test_group_settings_need_a_group_admin(running_bot: RunningBot, with_stories: dict[str, int]) -> None:
    running_bot.tg.add_chat(GROUP, "group", title="Friends")
    running_bot.tg.set_member(GROUP, 77, "member")
    [answer] = await running_bot.command(GROUP, "/subscribe 1", chat_type="group", user_id=77)
    assert "Only this group's admins" in answer.params["text"]
    running_bot.tg.set_member(GROUP, 78, "administrator")
    [answer] = await running_bot.command(GROUP, "/subscribe 1", chat_type="group", user_id=78)
    assert "Subscribed to World Wire" in answer.params["text"]


async def test_unknown_command_and_digest(running_bot: RunningBot, with_stories: dict[str, int]) -> None:
    [answer] = await running_bot.command(READER_ID, "/frobnicate now")
    assert "Send /help" in answer.params["text"]
    [answer] = await running_bot.command(READER_ID, "/digest")
    assert "Top stories of the day" in answer.params["text"]
    [answer] = await running_bot.command(ADMIN_ID, "/help")
    assert "/addfeed" in answer.params["text"]


async def test_posts_offer_related_stories_by_reply_and_by_button(
    running_bot: RunningBot, with_stories: dict[str, int]
) -> None:
    services = running_bot.services
    await running_bot.command(READER_ID, "/start")
    await services.db.deliveries.enqueue_article(with_stories["dam"], [READER_ID], now=services.clock.now())
    await services.publisher.drain()
    [post] = [c for c in running_bot.tg.sent_messages(READER_ID) if "Dam gates open" in c.params["text"]]
    assert "Read also:" in post.params["text"] and "Reservoir levels rise" in post.params["text"]
    [read_more, related_button] = post.params["reply_markup"]["inline_keyboard"][0]
    assert read_more["url"] == "https://dam.example/story" and related_button["callback_data"].startswith("rel:")

    [answer] = await running_bot.command(READER_ID, "/related", reply_to=post.result["message_id"])
    assert answer.params["text"].startswith("<b>Related to “Dam gates open after repairs”</b>")
    assert "Reservoir levels rise" in answer.params["text"] and "dam.example" not in answer.params["text"]

    running_bot.tg.push_callback(READER_ID, related_button["callback_data"], post.result["message_id"])
    replies = await running_bot.tg.wait_for(
        "sendMessage", count=2, predicate=lambda c: c.params["chat_id"] == READER_ID and "Related to" in c.params["text"])
    assert "Reservoir levels rise" in replies[-1].params["text"]
