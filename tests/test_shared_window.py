"""Telegram's limits across replicas, as Telegram counts them: at each message's arrival.

Two limiters on two connections to one database (SQLite file or PostgreSQL) stand for two
replicas of one bot token; their requests reach a stand-in for the Bot API that applies the
fake Bot API's own flood rules (tests/fakes/_tg_rules.FloodLimits: 30/s overall, 1/s per
private chat) at the moment each request arrives, after a transit time the test chooses.
Time is virtual (tests/shared_time.SharedTime): the sleeps move it, the database is real.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

import pytest

from bot.delivery.ratelimit import REPLY_WAIT_S, ReservingRateLimiter, SlidingWindow, bulk_sends
from bot.delivery.shared_budget import SHARE, SharedBudget, budget_name
from storage import Database
from storage.flood import WindowRules
from tests.fakes._tg_rules import ApiError, FloodLimits
from tests.shared_time import SharedTime

LIMIT = 30


class BotApi:
    """Where the requests arrive: Telegram's flood rules applied at arrival."""

    def __init__(self, time_: SharedTime) -> None:
        self.time = time_
        self.limits = FloodLimits(time_.clock, global_per_sec=LIMIT)
        self.arrivals: list[tuple[float, int]] = []  # (time, chat)
        self.refused = 0

    async def send(self, limiter: ReservingRateLimiter, chat: int, *, bulk: bool,
                   out: Callable[[], float] = lambda: 0.005, back: float = 0.005,
                   endpoint: str = "sendMessage") -> float:
        """One sendMessage through ``limiter``: ``out()`` seconds to arrive, ``back`` to answer;
        returns when the limiter let the request go."""
        went: list[float] = []

        async def call(*_: object, **__: object) -> bool:
            went.append(self.time.now)
            await self.time.sleep(out())
            if endpoint == "sendChatAction":  # no message: Telegram does not count it
                await self.time.sleep(back)
                return True
            try:
                self.limits.admit(chat, private=chat > 0)
                self.arrivals.append((self.time.now, chat))
            except ApiError:
                self.refused += 1
            await self.time.sleep(back)
            return True

        if bulk:
            with bulk_sends():
                await limiter.process_request(call, (), {}, endpoint, {"chat_id": chat}, None)
        else:
            await limiter.process_request(call, (), {}, endpoint, {"chat_id": chat}, None)
        return went[0]


def replica(db: Database, time_: SharedTime, rules: WindowRules | None = None) -> ReservingRateLimiter:
    """What bot/app.py builds for a replica on PostgreSQL, on the test's virtual time."""
    limiter = ReservingRateLimiter(per_second=LIMIT, group_max_rate=20, group_time_period=60)
    limiter.window = SlidingWindow(LIMIT, clock=time_.clock, sleep=time_.sleep)
    limiter.shared = SharedBudget(time_.watch(db), budget_name(42), rate=LIMIT * SHARE, clock=time_.clock, sleep=time_.sleep,
                                  rules=rules)
    return limiter


def fan_out(api: BotApi, limiter: ReservingRateLimiter, chats: list[int], *, workers: int = 8,
            out: Callable[[], float] = lambda: 0.005) -> list:  # type: ignore[type-arg]
    """The publisher's concurrent bulk sends: ``workers`` tasks taking the chats in turn."""
    queue = list(reversed(chats))

    async def worker() -> None:
        while queue:
            await api.send(limiter, queue.pop(), bulk=True, out=out)

    return [worker() for _ in range(workers)]


def worst_second(times: list[float]) -> int:
    times = sorted(times)
    return max((sum(1 for t in times[i:] if t < start + 1.0) for i, start in enumerate(times)), default=0)


async def test_sends_delayed_after_their_slots_do_not_bunch_up_into_429s(two_dbs: tuple[Database, Database]) -> None:
    """One replica's requests take 0.3 s to arrive for a few seconds (a busy loop, a slow
    network), then arrive at once again: its late messages land together with its on-time
    ones and the other replica's. Evenly spaced slots alone let 31+ arrive in a second (the
    429s bench_replicas saw); places held from send until a second after the answer do not."""
    time_ = SharedTime()
    api = BotApi(time_)
    a, b = (replica(db, time_) for db in two_dbs)
    start = time_.now

    def slow_then_fast() -> float:
        return 0.3 if time_.now < start + 3.0 else 0.0

    await time_.run(*fan_out(api, a, list(range(1, 121)), out=slow_then_fast),
                    *fan_out(api, b, list(range(1001, 1121))))
    assert api.refused == 0
    assert len(api.arrivals) == 240
    assert worst_second([t for t, _ in api.arrivals]) <= LIMIT
    # ... and hardly slower than the schedule's pace (27.9/s): about 8.6 s for 240.
    assert time_.now - start < 240 / (LIMIT * SHARE) + 2.0


async def test_replies_count_in_the_budget_and_hardly_wait_for_the_fan_out(two_dbs: tuple[Database, Database]) -> None:
    """A fan-out on one replica at the schedule's full pace and five replies a second to
    commands on another: together they stay under 30 in every second (replies outside the
    budget made it ~33), and a reply waits for the fan-out at most 20 ms, as in one process."""
    time_ = SharedTime()
    api = BotApi(time_)
    a, b = (replica(db, time_) for db in two_dbs)
    waits: list[float] = []

    async def commands() -> None:
        for n in range(30):
            await time_.sleep(0.2)
            asked = time_.now
            waits.append(await api.send(b, 5000 + n, bulk=False) - asked)

    await time_.run(*fan_out(api, a, list(range(1, 241))), commands())
    assert api.refused == 0
    assert len(api.arrivals) == 270
    assert worst_second([t for t, _ in api.arrivals]) <= LIMIT
    assert max(waits) <= REPLY_WAIT_S + 0.001, sorted(waits)[-5:]  # as in one process


async def test_two_replicas_do_not_send_one_private_chat_two_messages_in_a_second(
    two_dbs: tuple[Database, Database],
) -> None:
    """Posts to one private chat from two replicas at once: Telegram allows about one a
    second per chat, whichever process sends; the second waits for the first's second."""
    time_ = SharedTime()
    api = BotApi(time_)
    a, b = (replica(db, time_) for db in two_dbs)
    await time_.run(*fan_out(api, a, [7, 7, 7], workers=3), *fan_out(api, b, [7, 7, 7], workers=3))
    assert api.refused == 0
    times = sorted(t for t, chat in api.arrivals if chat == 7)
    assert len(times) == 6
    assert all(later - earlier >= 1.0 for earlier, later in zip(times, times[1:]))


async def test_replies_to_one_private_chat_from_two_replicas_come_a_second_apart(
    two_dbs: tuple[Database, Database],
) -> None:
    """A command answered by one replica, another's reply to the same reader 0.1 s later (a
    button pressed, say): the second waits for the chat's second, as in one process."""
    time_ = SharedTime()
    api = BotApi(time_)
    a, b = (replica(db, time_) for db in two_dbs)

    async def later() -> None:
        await time_.sleep(0.1)
        await api.send(b, 7, bulk=False)

    await time_.run(api.send(a, 7, bulk=False, out=lambda: 0.3), later())
    assert api.refused == 0
    first, second = sorted(t for t, _ in api.arrivals)
    assert second - first >= 1.0


async def test_a_chat_action_does_not_hold_the_chat(two_dbs: tuple[Database, Database]) -> None:
    """"typing…" on one replica, then the answer on another: no message to wait for."""
    time_ = SharedTime()
    api = BotApi(time_)
    a, b = (replica(db, time_) for db in two_dbs)
    start = time_.now
    await time_.run(api.send(a, 7, bulk=False, endpoint="sendChatAction"))
    went = await _run_one(time_, api.send(b, 7, bulk=False))
    assert went - start < 0.05


async def _run_one(time_: SharedTime, send: Coroutine[Any, Any, float]) -> float:
    result: list[float] = []

    async def keep() -> None:
        result.append(await send)

    await time_.run(keep())
    return result[0]


async def test_a_killed_replica_s_sends_in_flight_keep_their_places_until_max_flight(
    two_dbs: tuple[Database, Database],
) -> None:
    """A replica killed mid-send never records the answers: Telegram may have counted those
    messages, so their places hold (for ``max_flight``) and the others wait, not 429."""
    rules = WindowRules(limit=2, max_flight=0.5)
    dead, live = two_dbs
    now = 1_800_000_000.0
    for chat in (1, 2):  # the killed replica's two sends in flight, never released
        admitted = await dead.flood.admit(budget_name(42), now=now, chat_key=str(chat), private=True, bulk=False,
                                          rules=rules)
        assert admitted.place is not None
    time_ = SharedTime()
    time_.now = now + 0.1
    api = BotApi(time_)
    limiter = replica(live, time_, rules)
    await time_.run(api.send(limiter, 3, bulk=False))
    [(arrived, _)] = api.arrivals
    assert arrived >= now + rules.max_flight


@pytest.mark.parametrize(("ends", "bulk", "expected"), [
    ([None] * 28, True, True),  # two free places: bulk takes one
    ([None] * 29, False, True),  # the last place: a reply takes it
    ([None] * 29, True, None),  # ... bulk leaves it while all are in flight
    ([None] * 28 + [99.0], True, pytest.approx(0.98)),  # ... and waits until it frees within 20 ms
    ([None] * 28 + [98.015], True, True),  # ... or takes it: it frees within 20 ms
    ([None] * 29 + [98.5], False, pytest.approx(0.5)),  # full: a reply waits for the first to free
])
def test_who_may_take_a_place(ends: list[float | None], bulk: bool, expected: object) -> None:
    from storage.flood import decide

    assert decide(ends, [], now=99.0, bulk=bulk, private=True, rules=WindowRules()) == expected


def test_a_group_takes_twenty_a_minute_from_bulk_sends() -> None:
    from storage.flood import decide

    rules = WindowRules()
    assert decide([], [10.0] * 19, now=30.0, bulk=True, private=False, rules=rules) is True
    assert decide([], [10.0] * 19 + [20.0], now=30.0, bulk=True, private=False, rules=rules) == pytest.approx(40.0)
    assert decide([], [29.5], now=30.0, bulk=True, private=True, rules=rules) == pytest.approx(0.5)


def test_the_window_keeps_the_limits_the_settings_give(make_settings: Any) -> None:
    """The shared window counts what each replica's own limiter counts: a higher
    TELEGRAM_MESSAGES_PER_SECOND (a local Bot API server) and a private chat's gap of 0 (no
    pacing per chat) hold across replicas too; with the defaults it is Telegram's limits."""
    from bot.delivery.shared_budget import rules_from
    from storage.flood import decide

    assert rules_from(make_settings(telegram_private_chat_gap_seconds=1.0)) == WindowRules()
    rules = rules_from(make_settings(telegram_messages_per_second=100, telegram_group_messages_per_minute=10,
                                     telegram_private_chat_gap_seconds=0))
    assert decide([None] * 40, [], now=30.0, bulk=True, private=False, rules=rules) is True
    assert decide([], [29.5], now=30.0, bulk=True, private=True, rules=rules) is True
    assert decide([], [10.0] * 10, now=30.0, bulk=True, private=False, rules=rules) == pytest.approx(40.0)


async def test_a_private_chat_without_its_own_limit_is_not_counted(two_dbs: tuple[Database, Database]) -> None:
    """With a gap of 0 a private chat's messages go one after another, across replicas."""
    rules = WindowRules(private_period=0)
    one, other = two_dbs
    now = 1_800_000_000.0
    for db in (one, other, one):
        admitted = await db.flood.admit(budget_name(42), now=now, chat_key="7", private=True, bulk=False, rules=rules)
        assert admitted.place is not None
    refused = await other.flood.admit(budget_name(42), now=now, chat_key="7", private=True, bulk=False,
                                      rules=WindowRules())
    assert refused.place is None
