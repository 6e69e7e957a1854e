"""The outbox: one row per message to send, claimed, sent and settled by the publisher."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from storage.db import Database


class DeliveryRepo:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def count(self, state: str | None = None) -> int:
        if state is None:
            return int(await self._db.scalar("SELECT count(*) FROM deliveries") or 0)
        return int(await self._db.scalar("SELECT count(*) FROM deliveries WHERE state = ?", (state,)) or 0)
