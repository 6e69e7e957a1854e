"""The overall limit: bulk sends leave a slot a second for replies; nobody exceeds the limit.

On virtual time (the window's injectable clock and sleep): the assertions are exact, and a
busy machine cannot stretch a 50 ms margin (the real-time version of these tests had one)."""

from __future__ import annotations

import asyncio
import heapq
import itertools
import math
from collections.abc import Awaitable
from typing import TypeVar

import pytest

from bot.delivery.ratelimit import SlidingWindow

T = TypeVar("T")
TURNS = 20  # loop turns that let woken tasks run (locks, task wake-ups); no real time passes


class VirtualTime:
    """A clock that moves only when every task waits on it: to the next sleeper's deadline."""

    def __init__(self) -> None:
        self.now = 0.0
        self._sleepers: list[tuple[float, int, asyncio.Future[None]]] = []
        self._order = itertools.count()

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        heapq.heappush(self._sleepers, (self.now + max(seconds, 0.0), next(self._order), future))
        await future

    async def _settle(self) -> None:
        for _ in range(TURNS):
            await asyncio.sleep(0)

    async def _wake_next(self) -> None:
        deadline, _, future = heapq.heappop(self._sleepers)
        # A sleep always lets some time pass, as on a real clock: a wait that rounding made
        # zero (``times[0] + period - now``) must not wake at the same moment forever.
        self.now = max(deadline, math.nextafter(self.now, math.inf))
        future.set_result(None)
        await self._settle()

    async def run(self, awaitable: Awaitable[T]) -> T:
        """Await ``awaitable``, moving time on whenever everything waits."""
        task = asyncio.ensure_future(awaitable)
        await self._settle()
        while not task.done():
            if not self._sleepers:
                raise AssertionError("the task waits, and nothing sleeps: it would wait forever")
            await self._wake_next()
        return task.result()

    async def advance(self, seconds: float) -> None:
        target = self.now + seconds
        await self._settle()
        while self._sleepers and self._sleepers[0][0] <= target:
            await self._wake_next()
        self.now = target


@pytest.fixture
def vt() -> VirtualTime:
    return VirtualTime()


async def test_a_reply_takes_the_slot_bulk_sends_leave_free(vt: VirtualTime) -> None:
    window = SlidingWindow(3, reserve=1, bulk_rate=1000, period=0.3, clock=vt.clock, sleep=vt.sleep)
    await vt.run(window.acquire(bulk=True))
    await vt.run(window.acquire(bulk=True))
    third_bulk = asyncio.ensure_future(window.acquire(bulk=True))
    await vt.advance(0.05)
    assert not third_bulk.done()  # bulk may use 2 of the 3 slots
    before = vt.now
    await vt.run(window.acquire(bulk=False))  # the reply goes at once
    assert vt.now == before
    await vt.run(third_bulk)  # once two bulk slots left the window (the reply holds one)
    assert vt.now == pytest.approx(0.3003)
    await vt.run(window.acquire(bulk=False))  # the third slot is free again: a reply goes at once
    assert vt.now == pytest.approx(0.3003)
    await vt.run(window.acquire(bulk=False))  # now the window is full: this one waits for 0.0503 to leave
    assert vt.now == pytest.approx(0.3503)


async def test_bulk_sends_are_evenly_spaced(vt: VirtualTime) -> None:
    window = SlidingWindow(100, reserve=1, bulk_rate=20, period=1.0, clock=vt.clock, sleep=vt.sleep)  # one each 50 ms
    times = []
    for _ in range(4):
        await vt.run(window.acquire(bulk=True))
        times.append(vt.now)
    assert times == pytest.approx([0.0, 0.05, 0.10, 0.15])


async def test_nobody_exceeds_the_limit_in_any_window(vt: VirtualTime) -> None:
    """30 replies and 30 bulk sends at once: at most 3 in any 0.3 s, bulk ones at most 2."""
    window = SlidingWindow(3, reserve=1, bulk_rate=1000, period=0.3, clock=vt.clock, sleep=vt.sleep)
    taken: list[tuple[float, bool]] = []

    async def one(bulk: bool) -> None:
        await window.acquire(bulk=bulk)
        taken.append((vt.now, bulk))

    await vt.run(asyncio.gather(*(one(bulk) for bulk in [True, False] * 30)))
    assert len(taken) == 60
    for start, _ in taken:
        inside = [bulk for at, bulk in taken if start <= at < start + 0.3 - 1e-9]
        assert len(inside) <= 3 and sum(inside) <= 2, (start, inside)
