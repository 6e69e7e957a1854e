"""The processes sharing one database, each seen recently, and the renewal of their leases.

A replica writes its row at start, refreshes ``seen_at`` (and the leases of every claim it
holds) while it lives, and deletes the row at a graceful stop. One not seen for longer than
the lease is gone: its claims expire and other replicas take the rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from storage._time import from_db, to_db

if TYPE_CHECKING:
    from storage.db import Database

FORGET_AFTER = timedelta(days=1)  # rows of replicas gone this long are deleted


@dataclass(frozen=True, slots=True)
class Replica:
    id: str
    role: str
    webhook: bool
    started_at: datetime
    seen_at: datetime


class ReplicaRepo:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def join(self, replica_id: str, *, role: str, webhook: bool, now: datetime) -> None:
        async with self._db.transaction() as conn:
            await conn.execute("DELETE FROM replicas WHERE seen_at < ?", (to_db(now - FORGET_AFTER),))
            await conn.execute(
                "INSERT INTO replicas (id, role, webhook, started_at, seen_at) VALUES (?, ?, ?, ?, ?) "
                "ON CONFLICT (id) DO UPDATE SET role = excluded.role, webhook = excluded.webhook, "
                "seen_at = excluded.seen_at",
                (replica_id, role, int(webhook), to_db(now), to_db(now)),
            )

    async def heartbeat(self, replica_id: str, *, now: datetime, lease_until: datetime) -> int:
        """Say this replica lives and extend the leases of what it holds; returns the rows renewed."""
        async with self._db.transaction() as conn:
            await conn.execute("UPDATE replicas SET seen_at = ? WHERE id = ?", (to_db(now), replica_id))
            renewed = 0
            for table in ("deliveries", "post_edits"):
                # The table name comes from the tuple above, never from outside.
                cursor = await conn.execute(
                    f"UPDATE {table} SET lease_until = ? WHERE state = 'sending' AND claimed_by = ?",  # noqa: S608
                    (to_db(lease_until), replica_id),
                )
                renewed += max(cursor.rowcount, 0)
        return renewed

    async def leave(self, replica_id: str) -> None:
        await self._db.execute("DELETE FROM replicas WHERE id = ?", (replica_id,))

    async def alive(self, *, now: datetime, within: timedelta) -> list[Replica]:
        """Replicas seen within ``within`` (one lease), oldest first."""
        rows = await self._db.fetchall(
            "SELECT * FROM replicas WHERE seen_at >= ? ORDER BY started_at, id", (to_db(now - within),)
        )
        return [
            Replica(r["id"], r["role"], bool(r["webhook"]), from_db(r["started_at"]),  # type: ignore[arg-type]
                    from_db(r["seen_at"]))  # type: ignore[arg-type]
            for r in rows
        ]
