"""The fan-out's share of Telegram's overall limit, shared by every replica of one bot token.

Each replica's own limiter (``bot.delivery.ratelimit``) keeps one process under the limit;
several replicas together would each send that much. With replicas (a PostgreSQL database)
the limiter also takes, for each bulk send, a slot of the token's budget in the database
(``storage/flood.py``): slots are reserved a few at a time, evenly spaced at the rate across
all replicas, and a slot not used within ``STALE_S`` of its time is given up rather than sent
late (late sends would bunch up with other replicas' on-time ones). SQLite runs one process
and keeps the in-memory limiter alone.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from collections.abc import Awaitable, Callable

from storage import Database

log = logging.getLogger(__name__)

BATCH = 4  # slots reserved per database round trip (about 0.14 s of sending)
# The replicas' share of the token's limit. Their sends reach Telegram with each process's own
# delay after its slot (event loops busy with other work), so two replicas' messages can bunch
# up; the slack absorbs about 70 ms of that. Measured (bench_replicas.py, 600 chats, 3
# replicas): at 0.98 of 30/s, 14 of 600 sends were refused with 429 (global); at 0.93, none.
SHARE = 0.93
STALE_S = 0.05  # a slot this late is dropped rather than sent late, bunched with on-time ones


def budget_name(bot_id: int) -> str:
    """The budget's key: the bot's numeric id (never the token)."""
    return f"bot{bot_id}:messages"


class SharedBudget:
    """``await acquire()`` returns at this replica's next slot of the shared budget."""

    def __init__(self, db: Database, name: str, *, rate: float, batch: int = BATCH,
                 clock: Callable[[], float] = time.time,
                 sleep: Callable[[float], Awaitable[None]] = asyncio.sleep) -> None:
        self._db = db
        self.name = name
        self.gap = 1.0 / rate
        self._batch = batch
        self._clock = clock  # wall clock: the budget's times are compared across processes
        self._sleep = sleep
        self._slots: deque[float] = deque()
        self._lock = asyncio.Lock()
        self.dropped = 0  # slots given up as stale (budget wasted, never exceeded)

    async def acquire(self) -> None:
        async with self._lock:
            slot = await self._next_slot()
        wait = slot - self._clock()
        if wait > 0:
            await self._sleep(wait)

    async def _next_slot(self) -> float:
        while True:
            now = self._clock()
            while self._slots and self._slots[0] < now - STALE_S:
                self._slots.popleft()
                self.dropped += 1
            if self._slots:
                return self._slots.popleft()
            try:
                first = await self._db.flood.reserve(self.name, now=now, count=self._batch, gap=self.gap)
            except Exception as exc:  # noqa: BLE001 - any engine's error: the database is unreachable
                # Without the budget: a second's pause per send, slow and surely under the limit.
                log.warning("cannot reach the shared flood budget (%s); pausing a second", exc)
                await self._sleep(1.0)
                return self._clock()
            self._slots.extend(first + i * self.gap for i in range(self._batch))


def install(limiter: object, db: Database, *, bot_id: int, rate: float) -> SharedBudget:
    """Give ``limiter`` (a ReservingRateLimiter) the token's shared budget for bulk sends."""
    budget = SharedBudget(db, budget_name(bot_id), rate=rate)
    limiter.shared = budget  # type: ignore[attr-defined]
    return budget
