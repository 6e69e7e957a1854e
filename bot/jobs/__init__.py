"""Scheduled jobs (PTB JobQueue over APScheduler): each turns a tick into a call on the core or storage.

The job bodies are plain async functions of the shared services, so tests call them directly
with a fake clock instead of waiting for the scheduler.
"""

from __future__ import annotations

import logging

from telegram.ext import Application

from bot.jobs.digest import queue_due_digests
from bot.jobs.retention import RETENTION_TICK_S, retention_tick
from bot.replica import claim_period
from bot.write_faults import DIGEST
from storage.errors import DATABASE_ERRORS, is_outage

log = logging.getLogger(__name__)

POLL_TICK_S = 2  # cheap (one indexed query): a due feed waits at most this for its poll
DIGEST_TICK_S = 30  # a digest slot runs within half a minute of its time
WATCH_DATABASE_S = 2  # how soon a deleted or replaced database file stops the bot


async def _poll_job(context) -> None:  # type: ignore[no-untyped-def]
    # Feeds are polled as tasks of their own; each one wakes the publisher when it queued rows.
    await context.services.poller.tick()


async def _digest_job(context) -> None:  # type: ignore[no-untyped-def]
    await digest_tick(context.services)


async def digest_tick(services) -> None:  # type: ignore[no-untyped-def]
    """The digest job's body: plan the due digests, if this replica holds the period."""
    try:
        # One replica a period plans the digests (each slot is claimed by its own row as well).
        if not await claim_period(services.db, services.lease, "digest", now=services.clock.now(),
                                  seconds=DIGEST_TICK_S):
            return
        queued = await queue_due_digests(services)
    except DATABASE_ERRORS as exc:  # the disk full, a lock (or a bug): the slot is planned at the next tick
        if is_outage(exc):
            await services.write_faults.failed(exc, doing="planning digests", kind=DIGEST)
        else:
            await services.database_bugs.report(exc, doing="planning digests")
        return
    await services.write_faults.works(DIGEST)
    if queued:
        services.publisher.wake()


async def _retention_job(context) -> None:  # type: ignore[no-untyped-def]
    # A stop waits for running jobs: the pass ends after its batch under way once it begins.
    await retention_tick(context.services, stopping=lambda: not context.application.running)


TOKEN_REFUSED = ("Telegram refused BOT_TOKEN (401 Unauthorized) while the bot was running: the token was "
                 "revoked or changed in @BotFather. Put the new token in BOT_TOKEN and start again; the posts "
                 "that wait are sent then")


async def _watch_database_job(context) -> None:  # type: ignore[no-untyped-def]
    services = context.services
    if services.publisher.token_refused is not None and services.fatal is None:
        services.fatal = TOKEN_REFUSED  # ``newsbot run`` prints it as its last line, exit status 2
        context.application.stop_running()
        return
    problem = services.db.file_problem()
    if problem and services.fatal is None:
        # ``newsbot run`` prints this as its last line and exits with status 2.
        services.fatal = (f"{problem}; stopped so that nothing more is written to a file that is gone. "
                          "Restore it from a backup (or point DATABASE_PATH at it) and start again")
        services.publisher.stop()
        context.application.stop_running()


def register_jobs(application: Application) -> None:
    """Schedule polling and posting; one instance of each at a time, missed ticks coalesced."""
    queue = application.job_queue
    if queue is None:  # installed without the job-queue extra
        raise RuntimeError("python-telegram-bot's job-queue extra is missing: pip install newsbot again")
    options = {"max_instances": 1, "coalesce": True, "misfire_grace_time": 60}
    # The first poll at once: a user who just set FEEDS waits for it (it was 5 s after start).
    # ``post_init`` has opened storage and the services before the job queue starts.
    queue.run_repeating(_poll_job, interval=POLL_TICK_S, first=0, name="poll", job_kwargs=options)
    queue.run_repeating(_watch_database_job, interval=WATCH_DATABASE_S, first=WATCH_DATABASE_S, name="watch-db",
                        job_kwargs=options)
    queue.run_repeating(_digest_job, interval=DIGEST_TICK_S, first=10, name="digest", job_kwargs=options)
    # Retention 10 minutes after start (not in the first poll's way), then every hour; it runs
    # once a day (claimed per day across replicas).
    queue.run_repeating(_retention_job, interval=RETENTION_TICK_S, first=600, name="retention", job_kwargs=options)
