"""Virtual wall-clock time for tests of replicas that share a database (real I/O between sleeps)."""

from __future__ import annotations

import asyncio
import functools
import heapq
import itertools
from collections.abc import Coroutine
from typing import Any

from storage import Database


class SharedTime:
    """Virtual wall-clock time for several tasks that also do real I/O (the database): time
    moves, to the earliest sleeper's deadline, only once nothing else can happen first — no
    database call of a watched budget under way (``watch``) and the tasks that are not asleep
    stuck on one another (a lock, an event) for several turns of the loop."""

    def __init__(self) -> None:
        self.now = 1_800_000_000.0
        self._sleepers: list[tuple[float, int, asyncio.Future[None]]] = []
        self._order = itertools.count()
        self._in_io = 0
        self._moves = 0  # sleeps and I/O steps so far: changes while anything still happens

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        heapq.heappush(self._sleepers, (self.now + max(seconds, 0.0), next(self._order), future))
        self._moves += 1
        await future

    def watch(self, db: Database) -> Database:
        """``db`` with its flood-budget calls counted as real I/O (time waits for them)."""
        return _Watched(db, self)  # type: ignore[return-value]

    async def run(self, *coroutines: Coroutine[Any, Any, None]) -> None:
        tasks = [asyncio.ensure_future(c) for c in coroutines]
        while not all(t.done() for t in tasks):
            if self._in_io or not self._sleepers:
                await asyncio.sleep(0.0005)  # real I/O under way, or tasks still running
                continue
            if not await self._quiet():
                continue
            deadline, _, future = heapq.heappop(self._sleepers)
            self.now = max(self.now, deadline)
            future.set_result(None)
            await asyncio.sleep(0)
        for task in tasks:
            task.result()

    async def _quiet(self) -> bool:
        """True once several turns of the loop passed with no sleep begun and no I/O."""
        for _ in range(20):
            moves = self._moves
            await asyncio.sleep(0)
            if self._in_io or moves != self._moves:
                return False
        return True


class _Watched:
    def __init__(self, db: Database, time_: SharedTime) -> None:
        self._db, self._time = db, time_
        self.flood = _WatchedRepo(db.flood, time_)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._db, name)


class _WatchedRepo:
    def __init__(self, repo: Any, time_: SharedTime) -> None:
        self._repo, self._time = repo, time_

    def __getattr__(self, name: str) -> Any:
        method = getattr(self._repo, name)

        @functools.wraps(method)
        async def counted(*args: Any, **kwargs: Any) -> Any:
            self._time._in_io += 1
            self._time._moves += 1
            try:
                return await method(*args, **kwargs)
            finally:
                self._time._in_io -= 1
                self._time._moves += 1

        return counted
