"""The poll job: refresh the feeds whose time has come, a bounded number at once."""

from __future__ import annotations

import asyncio
import logging

from bot.ingest import PollReport
from bot.notify import notify_admins

log = logging.getLogger(__name__)

MAX_CONCURRENT_FEEDS = 4
MAX_FEEDS_PER_TICK = 200


async def poll_due_feeds(services) -> list[PollReport]:  # type: ignore[no-untyped-def]
    """Poll every due feed; tell the admins about feeds that were just disabled."""
    feeds = await services.db.feeds.due(services.clock.now(), MAX_FEEDS_PER_TICK)
    if not feeds:
        return []
    gate = asyncio.Semaphore(MAX_CONCURRENT_FEEDS)

    async def one(feed):  # type: ignore[no-untyped-def]
        async with gate:
            return await services.ingestor.poll(feed)

    reports = await asyncio.gather(*(one(feed) for feed in feeds))
    for report in reports:
        if report.disabled:
            await notify_admins(
                services.bot, services.settings.admin_ids,
                f"I stopped polling the feed {report.title or report.feed_url} after "
                f"{services.settings.max_feed_errors} failures in a row. The last error: {report.error}. "
                "Fix the feed (or its URL) and send /resume to poll it again.",
            )
        elif report.new_articles or report.duplicates:
            log.info("feed %s: %d new, %d already known, %d queued", report.feed_url,
                     len(report.new_articles), report.duplicates, report.queued)
    return list(reports)
