"""Storage of rich posts: the migration's defaults, topics on subscriptions and rows, and a
group becoming a supergroup keeping its post settings and topics."""

from __future__ import annotations

from datetime import UTC, datetime

from storage import Database
from storage.schema import LATEST
from tests.old_schema import at_version

NOW = datetime(2026, 1, 1, 12, tzinfo=UTC)


async def test_an_older_database_gets_the_defaults_of_rich_posts(database_target: str, engine: str) -> None:
    await at_version(engine, database_target, 2, [
        "INSERT INTO chats (id, kind, created_at, updated_at) VALUES (-100, 'channel', '2026-01-01 00:00:00', 'x')",
        "INSERT INTO feeds (id, url, created_at) VALUES (1, 'https://e.com/rss', 'x')",
        "INSERT INTO subscriptions (chat_id, feed_id, created_at) VALUES (-100, 1, 'x')",
        "INSERT INTO articles (id, url, canonical_url, title, fetched_at) VALUES (1, 'u', 'u', 't', '2026-01-01 00:00:00')",
    ])
    db = await Database.connect(database_target)
    try:
        assert await db.schema_version() == LATEST
        chat = await db.chats.get(-100)
        assert chat is not None and (chat.images, chat.article_mode, chat.hashtags, chat.hidden_parts) == (None, None, 0, ())
        [sub] = await db.subscriptions.for_chat(-100)
        assert (sub.topic_id, sub.topic_name) == (None, None)
        article = await db.articles.get(1)
        assert article is not None and (article.image_url, article.categories) == ("", ())
    finally:
        await db.close()


async def test_topics_live_on_subscriptions_and_follow_a_group_that_becomes_a_supergroup(database_target: str) -> None:
    db = await Database.connect(database_target)
    try:
        feed, _ = await db.feeds.add("https://e.com/rss", now=NOW)
        await db.chats.upsert(-5, "group", title="G", now=NOW)
        await db.chats.update_settings(-5, {"images": False, "article_mode": "post", "hashtags": 2,
                                            "hidden_parts": "buttons"}, now=NOW)
        await db.subscriptions.add(-5, feed.id, now=NOW)
        await db.subscriptions.set_topic(-5, feed.id, 7, "Sport")
        assert await db.subscriptions.topic_named(-5, "sport") == 7
        await db.chats.upsert(-1005, "supergroup", title="G", now=NOW)
        await db.chats.migrate(-5, -1005, now=NOW)
        chat = await db.chats.get(-1005)
        assert chat is not None and (chat.images, chat.article_mode, chat.hashtags, chat.hidden_parts) == (
            False, "post", 2, ("buttons",))
        [sub] = await db.subscriptions.for_chat(-1005)
        assert (sub.topic_id, sub.topic_name) == (7, "Sport")
        assert await db.subscriptions.drop_topic(-1005, 7) == [feed.id]
        assert await db.subscriptions.drop_topic(-1005, 7) == []  # told once
    finally:
        await db.close()
