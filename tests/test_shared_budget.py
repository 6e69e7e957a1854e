"""One flood budget per token across replicas: slots reserved in the database, evenly spaced,
never more than the rate in any second, whichever replica sends. Two budgets on one SQLite
file or PostgreSQL database (two connections) stand for two replicas; time is a fake wall clock
moved by the sleeps."""

from __future__ import annotations

import pytest

from bot.delivery.ratelimit import ReservingRateLimiter, bulk_sends
from bot.delivery.shared_budget import SharedBudget, budget_name
from storage import Database
from tests.shared_time import SharedTime

RATE = 29.4  # 0.98 of Telegram's 30/s, as bot/app.py asks


class WallClock:
    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += max(seconds, 0.0)


async def test_reservations_by_two_replicas_never_overlap(two_dbs: tuple[Database, Database]) -> None:
    a, b = two_dbs
    gap = 1 / RATE
    first = await a.flood.reserve("bot1:messages", now=100.0, count=4, gap=gap)
    second = await b.flood.reserve("bot1:messages", now=100.0, count=4, gap=gap)
    third = await a.flood.reserve("bot1:messages", now=100.01, count=4, gap=gap)
    assert first == 100.0
    assert second == pytest.approx(100.0 + 4 * gap, abs=1e-6)
    assert third == pytest.approx(100.0 + 8 * gap, abs=1e-6)
    # Idle since: the next reservation starts now, not in the past.
    assert await b.flood.reserve("bot1:messages", now=200.0, count=4, gap=gap) == 200.0
    assert await b.flood.reserve("bot2:messages", now=100.0, count=1, gap=gap) == 100.0  # another token


async def test_two_replicas_together_stay_under_the_rate_in_every_second(two_dbs: tuple[Database, Database]) -> None:
    time_ = SharedTime()
    budgets = [SharedBudget(time_.watch(db), budget_name(42), rate=RATE, clock=time_.clock, sleep=time_.sleep)
               for db in two_dbs]
    sent: list[float] = []

    async def replica(budget: SharedBudget) -> None:
        for _ in range(75):  # sends as fast as the budget lets it
            await budget.acquire()
            sent.append(time_.now)
            await time_.sleep(0)  # the send itself

    await time_.run(*(replica(b) for b in budgets))
    sent.sort()
    start = sent[0]
    worst = max(sum(1 for t in sent if s <= t < s + 1.0) for s in sent)
    assert worst <= 30
    assert sent[-1] - start >= (len(sent) - 1) / RATE - 1e-6  # together never faster than the rate
    assert sent[-1] - start < (len(sent) + 8) / RATE  # ... and hardly slower: no slot wasted
    assert sum(b.dropped for b in budgets) == 0


async def test_a_slot_too_late_to_use_is_given_up_not_sent_late(two_dbs: tuple[Database, Database]) -> None:
    wall = WallClock()
    budget = SharedBudget(two_dbs[0], budget_name(42), rate=RATE, clock=wall.clock, sleep=wall.sleep)
    await budget.acquire()  # reserves 4, uses 1
    wall.now += 1.0  # this replica was busy: its other 3 slots passed
    before = wall.now
    await budget.acquire()
    assert budget.dropped == 3 and wall.now == before  # a fresh slot, now


async def test_the_limiter_takes_a_shared_slot_for_bulk_sends_only(two_dbs: tuple[Database, Database]) -> None:
    wall = WallClock()
    limiter = ReservingRateLimiter(per_second=1000, group_max_rate=1000, group_time_period=60)
    limiter.shared = SharedBudget(two_dbs[0], budget_name(7), rate=RATE, clock=wall.clock, sleep=wall.sleep)

    async def send() -> bool:
        return True

    await limiter.process_request(send, (), {}, "sendMessage", {"chat_id": 5}, None)  # a reply
    assert wall.now == 1_800_000_000.0 and not limiter.shared._slots
    with bulk_sends():
        for chat in range(6, 11):  # five chats: a chat's own limit (1/s) does not come into it
            await limiter.process_request(send, (), {}, "sendMessage", {"chat_id": chat}, None)
    assert wall.now == pytest.approx(1_800_000_000.0 + 4 / RATE, abs=1e-6)


async def test_a_429_to_one_replica_holds_every_replica(two_dbs: tuple[Database, Database]) -> None:
    """Telegram meters the token: when it tells one replica to wait, the others' next slots
    come after the wait too (else they would be refused as well)."""
    from telegram.error import RetryAfter

    wall = WallClock()
    a, b = (SharedBudget(db, budget_name(9), rate=RATE, clock=wall.clock, sleep=wall.sleep) for db in two_dbs)
    limiter = ReservingRateLimiter(per_second=1000, group_max_rate=1000, group_time_period=60)
    limiter.shared = a

    async def refused() -> bool:
        raise RetryAfter(3)

    with bulk_sends(), pytest.raises(RetryAfter):
        await limiter.process_request(refused, (), {}, "sendMessage", {"chat_id": 5}, None)
    started = wall.now
    await b.acquire()
    assert wall.now == pytest.approx(started + 3.0, abs=1e-6)
