"""The digest job: channel timetables (``/channel CHAT schedule ...``), the overflow digest,
and each reader's daily digest at their local time — one machinery for all three
(``bot.delivery.schedule`` for the slots, ``bot.delivery.digests`` for stories and rendering).
"""

from __future__ import annotations

import logging
from datetime import timedelta

from bot.delivery.digests import DigestRunner, digest_items, digest_stories
from bot.delivery.policy import parse_hhmm
from bot.delivery.schedule import Timetable, plan_due
from bot.news.digest import render_digest_message
from bot.texts import pick_language, t
from storage.chats import Chat

log = logging.getLogger(__name__)

DIGEST_SIZE = 10


def catchup(services) -> timedelta:  # type: ignore[no-untyped-def]
    return timedelta(minutes=services.settings.schedule_catchup_minutes)


async def queue_due_digests(services) -> int:  # type: ignore[no-untyped-def]
    """Queue every digest whose slot has come: channels' timetables, then readers' daily
    digests; returns how many messages were queued."""
    runner = DigestRunner(services.db, default_zone=services.settings.zone, catchup=catchup(services))
    report = await runner.run_due(services.clock.now())
    queued = report.queued
    for chat in await services.db.chats.list(kinds=("private", "group", "supergroup"), active_only=True):
        if chat.digest_time:
            try:
                queued += await _reader_digest(services, chat)
            except Exception:  # one chat's bad data must not stop the others
                log.exception("daily digest of chat %s failed", chat.id)
    return queued


async def _reader_digest(services, chat: Chat) -> int:  # type: ignore[no-untyped-def]
    """A reader's daily digest: the day's top stories of their feeds, once per local day."""
    db, now = services.db, services.clock.now()
    zone = chat.zone(services.settings.zone)
    table = Timetable((parse_hhmm(chat.digest_time or ""),))
    plan = plan_due(table, zone, after=chat.last_digest_at or chat.created_at, now=now, catchup=catchup(services))
    if plan.skipped:
        log.warning("chat %s: skipped the daily digest of %s local time, missed while the bot was down for more "
                    "than SCHEDULE_CATCHUP_MINUTES", chat.id, plan.skipped[-1].key.replace("T", " "))
    if plan.run is None:
        if plan.skipped:
            await db.chats.update_settings(chat.id, {"last_digest_at": plan.skipped[-1].at}, now=now)
        return 0
    since = max(chat.last_digest_at or now - timedelta(days=1), now - timedelta(days=1))
    local_day = plan.run.key[:10]
    async with db.transaction():
        stories = (await digest_stories(db, chat.id, since=since, include_posted=True, limit=DIGEST_SIZE * 3)).stories[:DIGEST_SIZE]
        queued = False
        if stories:
            text, _ = render_digest_message(t(pick_language(chat.language, None), "digest_for", day=local_day),
                                            digest_items(stories))
            # Keyed by the local day: one digest a day, even if the reader moves its time.
            queued = await db.deliveries.enqueue_digest(chat.id, local_day, text, now=now)
        await db.chats.update_settings(chat.id, {"last_digest_at": now}, now=now)
    return int(queued)
