"""Once-per-period jobs across replicas: a job runs in a period only on the replica whose
claim row for (job, period) went in first; the primary key refuses the others'."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from storage._time import to_db

if TYPE_CHECKING:
    from storage.db import Database

KEEP = timedelta(days=2)  # claims older than this are deleted by later claims


class JobRunRepo:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def claim(self, job: str, period: str, *, owner: str, now: datetime) -> bool:
        """True if this replica is the one to run ``job`` for ``period`` (first claim wins)."""
        async with self._db.transaction() as conn:
            cursor = await conn.execute(
                "INSERT INTO job_runs (job, period, owner, claimed_at) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (job, period) DO NOTHING",
                (job, period, owner, to_db(now)),
            )
            won = cursor.rowcount > 0
            if won:
                await conn.execute("DELETE FROM job_runs WHERE job = ? AND claimed_at < ?", (job, to_db(now - KEEP)))
        return won

    async def owner(self, job: str, period: str) -> str | None:
        value = await self._db.scalar("SELECT owner FROM job_runs WHERE job = ? AND period = ?", (job, period))
        return None if value is None else str(value)
