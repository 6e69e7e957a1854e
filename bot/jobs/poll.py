"""The poll job: refresh the feeds whose time has come, a bounded number at once.

Each feed's poll is its own unit of work: whatever goes wrong in it (a bug, bad text, a
database error) is caught at the feed's boundary, logged with the feed, counted on the feed
like any failed poll (error count, last error, backoff, disabled at MAX_FEED_ERRORS with the
admins told), and the other feeds of the tick go on. The database refusing writes (disk
full, locked) is the bot's fault, not the feed's: it is not counted (``bot.write_faults``),
and the feed is due again when its claim ends. Choosing the due feeds claims them
(their next poll moves forward by one lease, REPLICA_LEASE_SECONDS), so a poll that never
records an outcome cannot make the feed due again at every tick; while a poll runs, the
replica heartbeat renews its claim (``bot.feed_claims``), so a slow poll is never polled
twice at once, a dead replica's feeds are due again a lease after it died, and a graceful
stop hands back the feeds of the polls it cancels (due again at once).
"""

from __future__ import annotations

import asyncio
import logging
from bot.ingest import PollReport
from bot.news.textsafe import valid_text
from bot.notify import notify_admins
from bot.write_faults import CLAIM, feed_write
from storage.errors import DATABASE_ERRORS, is_outage
from storage.feeds import Feed

log = logging.getLogger(__name__)

MAX_CONCURRENT_FEEDS = 4
MAX_FEEDS_PER_TICK = 200


async def poll_due_feeds(services, gate: asyncio.Semaphore | None = None) -> list[PollReport]:  # type: ignore[no-untyped-def]
    """Poll every due feed; tell the admins about feeds that were just disabled.

    ``gate`` bounds how many feeds are polled at once; the poll job shares one across ticks,
    so a tick held up by a slow site does not stop the next tick from polling other feeds.
    """
    now = services.clock.now()
    feeds = await services.db.feeds.claim_due(now, MAX_FEEDS_PER_TICK, lease_until=services.lease.until(now),
                                                owner=services.lease.owner)
    if not feeds:
        return []
    gate = gate or asyncio.Semaphore(MAX_CONCURRENT_FEEDS)

    async def one(feed: Feed) -> PollReport:
        with services.feed_claims.polling(feed.id):
            async with gate:
                report = await _poll_one(services, feed)
        if report.queued:
            services.publisher.wake()
        await _tell(services, report)
        return report

    return list(await asyncio.gather(*(one(feed) for feed in feeds)))


class FeedPoller:
    """The poll job's feeds as tasks of their own: a tick claims what is due and returns.

    A tick that waited for all its feeds would let one slow site (each page up to the fetch
    deadline, two at a time per host) hold every other feed until it is done; here only a
    slot of the shared gate is held, and the next tick polls other feeds in the others. At
    most ``2 * concurrency`` feeds are claimed and not yet done, so a claim does not sit in
    a queue while its lease runs out. When a tick filled all its room (more may be due), each
    poll that ends claims again at once instead of waiting for the next tick: otherwise a
    process polled at most ``2 * concurrency`` feeds per POLL_TICK_S (4 feeds/s), whatever
    its feeds' answers took.
    """

    def __init__(self, services, *, concurrency: int = MAX_CONCURRENT_FEEDS) -> None:  # type: ignore[no-untyped-def]
        self._services = services
        self._concurrency = concurrency
        self._gate = asyncio.Semaphore(concurrency)
        self._tasks: dict[asyncio.Task[PollReport], Feed] = {}  # each poll under way, and its feed as claimed
        self._claiming = asyncio.Lock()  # room is counted and filled by one claim at a time
        self._more_due = False
        self._refills: set[asyncio.Task[int]] = set()
        self._closed = False

    @property
    def in_flight(self) -> int:
        return len(self._tasks)

    async def tick(self) -> int:
        """Start polling the due feeds there is room for; returns how many were started."""
        async with self._claiming:
            room = 2 * self._concurrency - len(self._tasks)
            if room <= 0 or self._closed:
                return 0
            services = self._services
            now = services.clock.now()
            wanted = min(room, MAX_FEEDS_PER_TICK)
            try:
                feeds = await services.db.feeds.claim_due(now, wanted, lease_until=services.lease.until(now),
                                                          owner=services.lease.owner)
            except DATABASE_ERRORS as exc:  # the disk full, a lock (or a bug): this tick polls nothing
                if is_outage(exc):
                    await services.write_faults.failed(exc, doing="choosing the feeds to poll", kind=CLAIM)
                else:
                    await services.database_bugs.report(exc, doing="choosing the feeds to poll")
                return 0
            await services.write_faults.works(CLAIM)
            self._more_due = len(feeds) == wanted
            for feed in feeds:
                # Held from the claim until the task ends (a poll waiting for its turn keeps it too).
                services.feed_claims.hold(feed.id)
                task = asyncio.create_task(self._one(feed), name=f"poll feed {feed.id}")
                task.add_done_callback(lambda _task, feed_id=feed.id: services.feed_claims.release(feed_id))
                self._tasks[task] = feed
                task.add_done_callback(self._finished)
            return len(feeds)

    def _finished(self, task: asyncio.Task[PollReport]) -> None:
        self._tasks.pop(task, None)
        if self._more_due and not self._closed:
            refill = asyncio.create_task(self._refill(), name="poll refill")
            self._refills.add(refill)
            refill.add_done_callback(self._refills.discard)

    async def _refill(self) -> int:
        try:
            return await self.tick()
        except Exception:  # the next scheduled tick tries again
            log.exception("claiming more due feeds failed")
            return 0

    async def _one(self, feed: Feed) -> PollReport:
        async with self._gate:
            report = await _poll_one(self._services, feed)
        if report.queued:
            self._services.publisher.wake()
        await _tell(self._services, report)
        return report

    async def aclose(self) -> None:
        """Cancel the polls under way and hand their feeds back (nothing they stored is lost):
        another replica, or this bot started again, polls them at once, not a lease later."""
        self._closed = True  # no claim starts after this
        # Refills first: one that claimed feeds has made their polls by the time it ends (no
        # wait between the claim and the tasks), and one cancelled mid-claim claimed nothing.
        refills = list(self._refills)
        for refill in refills:
            refill.cancel()
        await asyncio.gather(*refills, return_exceptions=True)
        cancelled = [(feed.id, feed.next_poll_at) for feed in self._tasks.values()]
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        if not cancelled:
            return
        try:
            # Only the claims still ours: a poll that recorded its outcome first keeps its plan.
            await self._services.db.feeds.release_claims(cancelled, owner=self._services.lease.owner)
        except Exception:  # noqa: BLE001 - stopping: the claims then end with their lease, as before
            log.warning("could not hand back the feeds of the polls stopped; they are due again "
                        "in %g s", self._services.lease.seconds, exc_info=True)


async def _poll_one(services, feed: Feed) -> PollReport:  # type: ignore[no-untyped-def]
    """One feed's poll, which never raises: an unexpected error counts as a failed poll."""
    try:
        report = await services.ingestor.poll(feed)
    except DATABASE_ERRORS as exc:  # the disk full, a lock, a bug of ours: the bot's fault, not the feed's
        doing = f"polling {feed.url}"
        if is_outage(exc):
            error = await services.write_faults.failed(exc, doing=doing, kind=feed_write(feed.id))
        else:
            error = await services.database_bugs.report(exc, doing=doing)
        return PollReport(feed_id=feed.id, feed_url=feed.url, title=feed.title, error=error)
    except Exception as exc:  # the feed's boundary: its bug must not fail the tick
        log.exception("feed %s: unexpected error while polling", feed.url)
        message = valid_text(f"unexpected error while polling: {type(exc).__name__}: {exc}")[:500]
        report = PollReport(feed_id=feed.id, feed_url=feed.url, title=feed.title, error=message)
        try:
            updated = await services.ingestor.record_failure(feed, message)
        except Exception:  # noqa: BLE001 - e.g. the database itself failing; the claim still holds
            log.exception("feed %s: could not record the failure", feed.url)
            return report
        report.disabled = not updated.enabled
        return report
    await services.write_faults.works(feed_write(feed.id))
    if report.new_articles:
        await services.write_faults.stored()
    return report


async def _tell(services, report: PollReport) -> None:  # type: ignore[no-untyped-def]
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
