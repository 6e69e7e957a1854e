"""The overall limit: bulk sends leave a slot a second for replies; nobody exceeds the limit.
Real time, in tenths of a second (a window of 0.3 s)."""

from __future__ import annotations

import asyncio
import time

from bot.delivery.ratelimit import SlidingWindow


async def test_a_reply_takes_the_slot_bulk_sends_leave_free() -> None:
    window = SlidingWindow(3, reserve=1, bulk_rate=1000, period=0.3)
    started = time.monotonic()
    await window.acquire(bulk=True)
    await window.acquire(bulk=True)
    third_bulk = asyncio.create_task(window.acquire(bulk=True))
    await asyncio.sleep(0.05)
    assert not third_bulk.done()  # bulk may use 2 of the 3 slots
    await window.acquire(bulk=False)  # the reply goes at once
    assert time.monotonic() - started < 0.1
    await third_bulk
    assert time.monotonic() - started >= 0.3  # once the first bulk slot left the window
    await asyncio.wait_for(window.acquire(bulk=False), 1)


async def test_bulk_sends_are_evenly_spaced() -> None:
    window = SlidingWindow(100, reserve=1, bulk_rate=20, period=1.0)  # one each 50 ms
    times = []
    for _ in range(4):
        await window.acquire(bulk=True)
        times.append(time.monotonic())
    gaps = [b - a for a, b in zip(times, times[1:])]
    assert all(gap >= 0.049 for gap in gaps), gaps
