"""The retention job: once a day, on one replica, old stories and outbox rows are deleted
(``bot.retention``: the rule, the batches, the record of forgotten entries)."""

from __future__ import annotations

import logging
from collections.abc import Callable

from bot.replica import claim_period
from bot.retention import RetentionReport, run_retention
from storage.errors import DATABASE_ERRORS, is_outage

log = logging.getLogger(__name__)

RETENTION_TICK_S = 3600  # the job looks every hour; the day's first look on any replica runs the pass
RETENTION_PERIOD_S = 24 * 3600
RETENTION = "retention"  # its kind of write, for bot.write_faults


async def retention_tick(  # type: ignore[no-untyped-def]
    services, *, stopping: Callable[[], bool] = lambda: False,
) -> RetentionReport | None:
    """The job's body: a retention pass, if RETENTION_DAYS is set and this replica holds the day;
    ``stopping`` ends it early when the bot stops."""
    days = services.settings.retention_days
    if days <= 0:
        return None
    now = services.clock.now()
    doing = "deleting old stories"
    try:
        if not await claim_period(services.db, services.lease, "retention", now=now, seconds=RETENTION_PERIOD_S):
            return None
        report = await run_retention(services.db, now=now, days=days, stopping=stopping)
    except DATABASE_ERRORS as exc:  # what was deleted stays deleted (a batch is one transaction); the rest waits a day
        if is_outage(exc):  # the disk full, a lock
            await services.write_faults.failed(exc, doing=doing, kind=RETENTION)
        else:
            await services.database_bugs.report(exc, doing=doing)
        return None
    await services.write_faults.works(RETENTION)
    return report
