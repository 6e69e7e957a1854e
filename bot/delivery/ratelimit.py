"""Telegram's overall message limit shared between the fan-out and everything else.

PTB's AIORateLimiter lets one message out every 1/N s for the whole bot: a command's reply
then queues behind the fan-out's sends (up to 8 waiting), tens of milliseconds at least. Here
the overall limit is an exact sliding window of one second, as Telegram counts it, in which
bulk sends (the publisher's, marked with ``bulk_sends()``) leave ``reserve`` messages free and
are spaced evenly (bursts on top of the steady rate earned 429s); a reply takes a free slot
at once. Per-group limits stay PTB's.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import deque
from collections.abc import Awaitable, Callable, Coroutine, Iterator
from contextvars import ContextVar
from typing import Any

from telegram.error import RetryAfter
from telegram.ext import AIORateLimiter

from bot.delivery.outcome import retry_after

__all__ = ["ReservingRateLimiter", "SlidingWindow", "bulk_sends"]

_BULK: ContextVar[bool] = ContextVar("newsbot_bulk_send", default=False)


@contextlib.contextmanager
def bulk_sends() -> Iterator[None]:
    """Within the block (this task), messages count as bulk: they yield to replies."""
    token = _BULK.set(True)
    try:
        yield
    finally:
        _BULK.reset(token)


class SlidingWindow:
    """At most ``limit`` acquisitions in any ``period``; bulk ones at most ``limit - reserve``
    and at least ``period / bulk_rate`` apart."""

    def __init__(self, limit: int, *, reserve: int, bulk_rate: float, period: float = 1.0,
                 clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], Awaitable[None]] = asyncio.sleep) -> None:
        self.limit, self.reserve, self.period = limit, reserve, period
        self._gap = period / bulk_rate
        self._clock = clock
        self._sleep = sleep  # with ``clock``, a test's virtual time
        self._times: deque[float] = deque()
        self._next_bulk = 0.0
        self._bulk_lock = asyncio.Lock()

    async def acquire(self, *, bulk: bool) -> None:
        if bulk:
            async with self._bulk_lock:  # one bulk send at a time takes its evenly spaced turn
                wait = self._next_bulk - self._clock()
                if wait > 0:
                    await self._sleep(wait)
                await self._take(self.limit - self.reserve)
                self._next_bulk = self._clock() + self._gap
        else:
            await self._take(self.limit)

    async def _take(self, limit: int) -> None:
        while True:
            now = self._clock()
            while self._times and now - self._times[0] >= self.period:
                self._times.popleft()
            if len(self._times) < limit:
                self._times.append(now)
                return
            await self._sleep(self._times[len(self._times) - limit] + self.period - now)


class ReservingRateLimiter(AIORateLimiter):
    """AIORateLimiter with its overall limit replaced by a ``SlidingWindow`` (see the module)."""

    def __init__(self, *, per_second: int, bulk_share: float, group_max_rate: int, group_time_period: float) -> None:
        super().__init__(overall_max_rate=0, overall_time_period=0, group_max_rate=group_max_rate,
                         group_time_period=group_time_period)
        self.window = SlidingWindow(per_second, reserve=max(1, round(per_second * (1 - bulk_share))),
                                    bulk_rate=per_second * bulk_share)
        # With replicas, the token's budget shared through the database (bot/delivery/shared_budget.py).
        self.shared: Any = None

    async def _run_request(  # type: ignore[override]
        self, chat: bool, group: str | int | bool, allow_paid_broadcast: bool,
        callback: Callable[..., Coroutine[Any, Any, Any]], args: Any, kwargs: dict[str, Any],
    ) -> Any:
        if chat and not allow_paid_broadcast:
            await self.window.acquire(bulk=_BULK.get())
            if self.shared is not None and _BULK.get():
                await self.shared.acquire()
        try:
            return await super()._run_request(chat, group, allow_paid_broadcast, callback, args, kwargs)
        except RetryAfter as exc:
            if self.shared is not None:  # every replica waits, not only this one
                await self.shared.hold(retry_after(exc))
            raise
