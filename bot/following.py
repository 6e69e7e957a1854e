"""A chat starts following a feed: the subscription and its backlog, one step for every path.

``/subscribe``, its buttons, ``/start sub_N``, ``/channel … subscribe`` and the CHANNELS /
FEEDS settings all call ``follow_feed``, so every new follower gets the same thing: the
feed's newest stories it has not had (``BacklogRule``), queued through the outbox.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.delivery.backlog import BacklogRule
from storage import Database


@dataclass(frozen=True, slots=True)
class FollowResult:
    added: bool  # False: the chat already followed the feed
    queued: int  # stories of the feed queued for the chat now


async def follow_feed(db: Database, chat_id: int, feed_id: int, *, rule: BacklogRule, now: datetime) -> FollowResult:
    """Subscribe ``chat_id`` to ``feed_id`` and queue the feed's backlog for it, atomically."""
    async with db.transaction():
        added = await db.subscriptions.add(chat_id, feed_id, now=now)
        if not added or rule.size <= 0:
            return FollowResult(added, 0)
        candidates = await db.articles.unsent_from_feed(feed_id, chat_id, limit=rule.size)
        queued = 0
        for article_id in rule.pick(candidates, now):
            queued += await db.deliveries.enqueue_article(article_id, [chat_id], now=now)
    return FollowResult(added, queued)


async def follow_from_settings(
    db: Database, chat_id: int, feed_urls: tuple[str, ...], *, rule: BacklogRule, now: datetime
) -> int:
    """Make a CHANNELS chat follow its FEEDS, once per pair: a pair an admin unsubscribed later
    stays unsubscribed across restarts. Returns the stories queued."""
    queued = 0
    for url in feed_urls:
        feed = await db.feeds.get_by_url(url)
        if feed is None:
            continue
        key = f"settings-follow:{chat_id}:{feed.id}"
        if await db.state.get(key) is not None:
            continue
        queued += (await follow_feed(db, chat_id, feed.id, rule=rule, now=now)).queued
        await db.state.set(key, now.isoformat())
    return queued
