"""Where "now" comes from. Production uses the system clock; tests inject a FakeClock."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime:
        """The current moment, timezone-aware UTC."""
        ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class FakeClock:
    """A clock that moves only when told to."""

    def __init__(self, start: datetime | None = None) -> None:
        self._now = start or datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
        self.slept: list[float] = []

    def now(self) -> datetime:
        return self._now

    def advance(self, delta: timedelta | float) -> datetime:
        self._now += delta if isinstance(delta, timedelta) else timedelta(seconds=delta)
        return self._now

    def set(self, moment: datetime) -> None:
        self._now = moment

    def timestamp(self) -> float:
        """``now()`` as seconds since the epoch, as ``time.time()`` gives the real one."""
        return self._now.timestamp()

    async def sleep(self, seconds: float) -> None:
        """A wait that takes no real time: the clock moves on by ``seconds`` (``slept`` keeps them)."""
        self.slept.append(seconds)
        self.advance(seconds)
        await asyncio.sleep(0)
