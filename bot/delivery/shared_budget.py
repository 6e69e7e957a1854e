"""Telegram's limits for one bot token, shared by every replica of it.

Each replica's own limiter (``bot.delivery.ratelimit``) keeps one process under the limit;
several replicas together would each send that much. With replicas (a PostgreSQL database)
every message also goes through the token's budget in the database (``storage/flood.py``):

* each bulk send first takes a slot of the shared *schedule*: slots are reserved a few at a
  time, evenly spaced at ``SHARE`` of the rate across all replicas, and a slot not used within
  ``STALE_S`` of its time is given up rather than sent late;
* then every message, replies too, takes a place in the shared *window*, held from its send
  until a second after its answer, as the single-process limiter does: the slots only pace,
  the window is what keeps Telegram's count under 30 in every second whatever each process's
  delay between its slot and the request, the requests' transit times, or a killed replica's
  sends in flight. Bulk sends leave the window's last place to replies (unless it frees within
  20 ms), so a reply on any replica waits at most that for the fan-out; and every message
  waits for the chat's own limit (1 a second in a private chat, 20 a minute in a group),
  whichever replica sent the chat's last message.

SQLite runs one process and keeps the in-memory limiter alone.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import timedelta

from typing import TYPE_CHECKING

from storage import Database
from storage.flood import WindowRules

if TYPE_CHECKING:
    from bot.config import Settings

log = logging.getLogger(__name__)

BATCH = 4  # slots reserved per database round trip (about 0.14 s of sending)
# The schedule's share of the token's limit. It only paces the bulk sends evenly: the window
# keeps Telegram's count under the limit whatever the delays, and bulk sends leave its last
# place to replies. Measured (bench_replicas.py, 3 replicas, 1,500 chats, load 4-5 on 2 cores,
# the window in place): 0.93 gave 0.923 of 30/s (one killed: 0.916), 0.97 gave 0.941 (0.941),
# 0.99 gave 0.938 (0.924); 0 429s in all. Before the window, 0.93 was needed for few 429s
# (1-9 a fan-out) and 0.98 gave 14 in 600 sends.
SHARE = 0.97
STALE_S = 0.05  # a slot this late is dropped rather than sent late, bunched with on-time ones
POLL_S = 0.010  # every place in flight: look again this soon (an answer frees one a second later)


def rules_from(settings: Settings) -> WindowRules:
    """The window's limits as the settings give them (the same ones each replica's own limiter
    keeps): messages a second, a group's a minute, a private chat's gap (0: none)."""
    return WindowRules(limit=settings.telegram_messages_per_second,
                       group_limit=settings.telegram_group_messages_per_minute,
                       private_period=settings.telegram_private_chat_gap_seconds)


def budget_name(bot_id: int) -> str:
    """The budget's key: the bot's numeric id (never the token)."""
    return f"bot{bot_id}:messages"


class SharedBudget:
    """``async with place(bulk=..., chat=...)`` around each message (see the module)."""

    def __init__(self, db: Database, name: str, *, rate: float, batch: int = BATCH,
                 clock: Callable[[], float] = time.time,
                 sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
                 rules: WindowRules | None = None) -> None:
        self._db = db
        self.rules = rules or WindowRules()
        self.name = name
        self.gap = 1.0 / rate
        self._batch = batch
        self._clock = clock  # wall clock: the budget's times are compared across processes
        self._sleep = sleep
        self._slots: deque[float] = deque()
        self._lock = asyncio.Lock()
        self.dropped = 0  # slots given up as stale (budget wasted, never exceeded)

    @asynccontextmanager
    async def place(self, *, bulk: bool, chat: int | str) -> AsyncIterator[None]:
        """Around one message to ``chat``: returns when the shared limits let it go (for a bulk
        send, at its slot of the schedule), and holds its place in the window until a period
        after the block ends (the answer came back)."""
        place = await self._admit(bulk=bulk, chat=chat)
        try:
            yield
        finally:
            if place is not None:
                try:
                    await self._db.flood.release(place, now=self._clock())
                except Exception as exc:  # noqa: BLE001 - the place then counts until max_flight
                    log.warning("cannot free a place of the shared flood budget (%s)", exc)

    async def _admit(self, *, bulk: bool, chat: int | str) -> int | None:
        private = str(chat).isdigit()  # a user's id; groups' are negative, channels may be '@name'
        while True:
            if bulk:
                await self.acquire()
            try:
                admission = await self._db.flood.admit(self.name, now=self._clock(), chat_key=str(chat),
                                                       private=private, bulk=bulk, rules=self.rules)
            except Exception as exc:  # noqa: BLE001 - any engine's error: the database is unreachable
                log.warning("cannot reach the shared flood budget (%s); pausing a second", exc)
                await self._sleep(1.0)
                return None
            if admission.place is not None:
                return admission.place
            await self._sleep(POLL_S if admission.wait is None else max(admission.wait, 0.001))

    async def acquire(self) -> None:
        """Return at this replica's next slot of the shared schedule (bulk sends)."""
        async with self._lock:
            slot = await self._next_slot()
        wait = slot - self._clock()
        if wait > 0:
            await self._sleep(wait)

    async def hold(self, retry_after: float | timedelta) -> None:
        """Telegram answered 429 with ``retry_after``: no replica takes a slot before it ends
        (it meters the token, so the others would be refused too); this one's reserved slots
        are given up."""
        seconds = retry_after.total_seconds() if isinstance(retry_after, timedelta) else float(retry_after)
        self._slots.clear()
        try:
            await self._db.flood.hold(self.name, until=self._clock() + seconds)
        except Exception as exc:  # noqa: BLE001 - this replica waits anyway (the publisher pauses)
            log.warning("cannot tell the other replicas to wait (%s)", exc)

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


def install(limiter: object, db: Database, *, bot_id: int, settings: Settings,
            clock: Callable[[], float] | None = None) -> SharedBudget:
    """Give ``limiter`` (a ReservingRateLimiter) the token's shared budget: the schedule at
    ``SHARE`` of the settings' rate, the window at the settings' limits. ``clock``: the wall
    clock the budget's times are on (a test's fake clock; default ``time.time``)."""
    budget = SharedBudget(db, budget_name(bot_id), rate=settings.telegram_messages_per_second * SHARE,
                          rules=rules_from(settings), clock=clock or time.time)
    limiter.shared = budget  # type: ignore[attr-defined]
    return budget
