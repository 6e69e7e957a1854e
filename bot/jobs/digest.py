"""The digest job: each reader who asked for one gets the day's top stories at their local time."""

from __future__ import annotations

import logging
from datetime import timedelta

from bot.delivery.filters import matches
from bot.delivery.policy import digest_due, parse_hhmm
from bot.news.render import Link, render_digest
from bot.texts import pick_language, t

log = logging.getLogger(__name__)

DIGEST_SIZE = 10


async def queue_due_digests(services) -> int:  # type: ignore[no-untyped-def]
    """Queue a digest for every chat whose digest time has come today; returns how many."""
    db, now = services.db, services.clock.now()
    queued = 0
    for chat in await db.chats.list(kinds=("private", "group", "supergroup"), active_only=True):
        if not chat.digest_time:
            continue
        zone = chat.zone(services.settings.zone)
        scheduled = digest_due(parse_hhmm(chat.digest_time), zone, last_digest_at=chat.last_digest_at, now=now)
        if scheduled is None:
            continue
        since = max(chat.last_digest_at or now - timedelta(days=1), now - timedelta(days=1))
        subscriptions = await db.subscriptions.for_chat(chat.id)
        stories = await db.articles.top(feed_ids=[s.feed_id for s in subscriptions], since=since,
                                        limit=DIGEST_SIZE * 3) if subscriptions else []
        stories = [a for a in stories if _wanted(a, subscriptions)][:DIGEST_SIZE]
        if stories:
            local_day = scheduled.astimezone(zone).date().isoformat()
            payload = render_digest(
                t(pick_language(chat.language, None), "digest_for", day=local_day),
                [Link(a.title, a.url, a.feed_title, a.when) for a in stories], zone=zone,
            )
            queued += await db.deliveries.enqueue_digest(chat.id, local_day, payload, now=now)
        await db.chats.update_settings(chat.id, {"last_digest_at": now}, now=now)
    return queued


def _wanted(article, subscriptions) -> bool:  # type: ignore[no-untyped-def]
    """A story passes if the filter of any subscription that carried it lets it through."""
    rules = [s for s in subscriptions if s.feed_id == article.feed_id] or subscriptions
    return any(matches(s.include, s.exclude, article.title, article.text) for s in rules)
