"""This process as one replica among those sharing a database: its name, its leases, its heartbeat.

Every claim a replica makes (an outbox row, an edit, a feed poll) names it and holds until a
lease ends; the heartbeat renews the leases of whatever it still holds every quarter lease,
so a live replica's rows in flight are never taken by another, and a dead one's are taken
once its leases run out (at most REPLICA_LEASE_SECONDS after it died).
"""

from __future__ import annotations

import asyncio
import logging
import os
import secrets
import socket
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.clock import Clock
from bot.feed_claims import FeedClaims
from storage import Database
from storage.errors import DATABASE_ERRORS, is_damaged, is_outage

log = logging.getLogger(__name__)


def new_replica_id() -> str:
    """Unique per process start: host, pid and a random tail (pids repeat across containers)."""
    return f"{socket.gethostname()[:40]}:{os.getpid()}:{secrets.token_hex(3)}"


@dataclass(frozen=True, slots=True)
class Lease:
    """Who claims, and for how long a claim holds without renewal."""

    owner: str
    seconds: float

    def until(self, now: datetime) -> datetime:
        return now + timedelta(seconds=self.seconds)

    @property
    def length(self) -> timedelta:
        return timedelta(seconds=self.seconds)


def period_key(now: datetime, seconds: float) -> str:
    """The period of ``seconds`` that ``now`` falls in, the same on every replica (UTC epoch)."""
    return str(int(now.timestamp() // seconds))


async def claim_period(db: Database, lease: Lease, job: str, *, now: datetime, seconds: float) -> bool:
    """Whether this replica runs ``job`` for the period of ``now``: the first to claim it does,
    the others skip it (a database row per job and period, so it holds across restarts too)."""
    return await db.job_runs.claim(job, period_key(now, seconds), owner=lease.owner, now=now)


class Heartbeat:
    """Keeps this replica's row fresh and its leases renewed while the process lives."""

    def __init__(self, db: Database, lease: Lease, clock: Clock, *, role: str, webhook: bool,
                 feeds: FeedClaims | None = None,
                 sleep: Callable[[float], Awaitable[None]] = asyncio.sleep) -> None:
        self._db = db
        self._sleep = sleep
        self._feeds = feeds or FeedClaims()  # the polls under way, whose feed claims are renewed
        self.lease = lease
        self._clock = clock
        self._role = role
        self._webhook = webhook
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        await self._db.replicas.join(self.lease.owner, role=self._role, webhook=self._webhook, now=self._clock.now())
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="replica heartbeat")

    async def beat(self) -> int:
        """Say this replica lives; renew the leases of its sends, edits and polls under way;
        returns the claims renewed."""
        now = self._clock.now()
        until = self.lease.until(now)
        renewed = await self._db.replicas.heartbeat(self.lease.owner, now=now, lease_until=until)
        return renewed + await self._db.feeds.renew_claims(self._feeds.ids(), owner=self.lease.owner,
                                                           lease_until=until)

    async def _run(self) -> None:
        refused: str | None = None  # the database refusing writes (disk full, locked): said once
        while True:
            await self._sleep(self.lease.seconds / 4)
            try:
                await self.beat()
            except DATABASE_ERRORS as exc:
                if not is_outage(exc) and not is_damaged(exc):  # a bug of ours: its traceback, every beat
                    log.exception("replica heartbeat failed; trying again in %g s", self.lease.seconds / 4)
                    continue
                if refused is None:  # a damaged file is told by the jobs (bot.database_bugs); here said once
                    log.warning("replica heartbeat: the database %s (%s); trying again every %g s",
                                "file is damaged" if is_damaged(exc) else "refuses writes", exc, self.lease.seconds / 4)
                refused = str(exc)
            except Exception:  # the task's boundary: a missed beat is retried; leases last 4 beats
                log.exception("replica heartbeat failed; trying again in %g s", self.lease.seconds / 4)
            else:
                if refused is not None:
                    log.info("replica heartbeat: the database takes writes again")
                refused = None

    async def others_serve_webhook(self) -> bool:
        """Whether another live replica takes updates by webhook (then the webhook must stay)."""
        alive = await self._db.replicas.alive(now=self._clock.now(), within=self.lease.length)
        return any(r.webhook and r.id != self.lease.owner for r in alive)

    async def aclose(self, *, leave: bool = True) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
        if leave:
            try:
                await self._db.replicas.leave(self.lease.owner)
            except Exception:  # noqa: BLE001 - closing: the row is forgotten after a day anyway
                log.warning("could not remove this replica's row", exc_info=True)
