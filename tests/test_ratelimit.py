"""The overall limit: as Telegram counts it, nobody exceeds it; the fan-out takes nearly all of
it and a reply waits at most ``reply_wait`` for the fan-out.

On virtual time (the window's injectable clock and sleep): the assertions are exact, and a
busy machine cannot stretch a 50 ms margin (the real-time version of these tests had one)."""

from __future__ import annotations

import asyncio
import bisect
import contextlib
import heapq
import itertools
import math
import random
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any, TypeVar

import pytest

from bot.delivery.chatpace import ChatPacer
from bot.delivery.ratelimit import FloodBudget, ReservingRateLimiter, SendingPaused, SlidingWindow, bulk_sends

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
        if future.done():  # the sleeper was cancelled
            return
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


class Receiver:
    """The other end: notes when each message arrives (its send plus a transit time), answers
    after a further delay, and counts its own window as Telegram does."""

    def __init__(self, vt: VirtualTime, seed: int = 1, *, transit: float = 0.0, answer: float = 0.0) -> None:
        self.vt = vt
        self.arrivals: list[tuple[float, bool]] = []
        self.random = random.Random(seed)
        self.transit, self.answer = transit, answer

    async def send(self, window: SlidingWindow, *, bulk: bool) -> float:
        """One message through ``window``; returns when it was let go."""
        async with window.slot(bulk=bulk):
            let_go = self.vt.now
            there = self.random.uniform(0, self.transit)
            await self.vt.sleep(there)
            self.arrivals.append((self.vt.now, bulk))
            await self.vt.sleep(self.random.uniform(0, self.answer))
        return let_go

    def most_in_any_window(self, period: float) -> int:
        times = sorted(at for at, _ in self.arrivals)
        return max((bisect.bisect_left(times, at + period) - i for i, at in enumerate(times)), default=0)


async def test_bulk_sends_are_evenly_spaced(vt: VirtualTime) -> None:
    window = SlidingWindow(20, period=1.0, clock=vt.clock, sleep=vt.sleep)  # one each 50 ms
    other_end = Receiver(vt)
    times = [await vt.run(other_end.send(window, bulk=True)) for _ in range(4)]
    assert times == pytest.approx([0.0, 0.05, 0.10, 0.15])


async def test_a_turn_taken_late_is_made_up_without_a_burst(vt: VirtualTime) -> None:
    """The loop woke the fan-out 40 ms late for one turn (due at 0.05): the next turns keep
    the grid (0.10, 0.15 ...) as far as a half-gap spacing allows, so no time is lost and no
    burst is sent (the old rule, "a gap after the late one", lost a turn at each late wake)."""
    late = [0.04]

    async def sleep(seconds: float) -> None:
        await vt.sleep(seconds + (late.pop() if late and seconds > 0 else 0.0))

    window = SlidingWindow(20, period=1.0, clock=vt.clock, sleep=sleep)
    other_end = Receiver(vt)
    gate = asyncio.Semaphore(1)
    times: list[float] = []

    async def one() -> None:
        async with gate:
            times.append(await other_end.send(window, bulk=True))

    await vt.run(asyncio.gather(*(one() for _ in range(5))))
    assert times == pytest.approx([0.0, 0.09, 0.115, 0.15, 0.20])


async def test_a_fanout_after_a_quiet_spell_starts_evenly(vt: VirtualTime) -> None:
    window = SlidingWindow(20, period=1.0, clock=vt.clock, sleep=vt.sleep)
    other_end = Receiver(vt)
    await vt.run(other_end.send(window, bulk=True))
    await vt.advance(5.0)  # nothing to send meanwhile: no turns owed
    times = [await vt.run(other_end.send(window, bulk=True)) for _ in range(3)]
    assert times == pytest.approx([5.0, 5.05, 5.10])


async def test_the_receiver_never_counts_more_than_the_limit_whatever_the_transit_time(vt: VirtualTime) -> None:
    """Telegram counts a message when it arrives. Messages sent at the limit, each taking
    0-80 ms to arrive and as long again to be answered: at Telegram's end no second holds more
    than the limit (counting from the send, as before, let 31 and more arrive in a second)."""
    window = SlidingWindow(30, period=1.0, clock=vt.clock, sleep=vt.sleep)
    other_end = Receiver(vt, seed=7, transit=0.08, answer=0.08)
    gate = asyncio.Semaphore(8)  # the publisher's sends under way

    async def one(bulk: bool) -> None:
        async with gate:
            await other_end.send(window, bulk=bulk)

    await vt.run(asyncio.gather(*(one(bulk=i % 10 != 0) for i in range(600))))
    assert len(other_end.arrivals) == 600
    assert other_end.most_in_any_window(1.0) <= 30


async def test_the_fanout_uses_the_reserved_place_when_no_reply_waits(vt: VirtualTime) -> None:
    """Bulk alone takes the last place whenever a reply arriving then would wait at most
    ``reply_wait``: 9 of 10 places each second, plus the tenth at (1 - reply_wait) s, so more
    than the 9/s that keeping a place free for replies allowed."""
    window = SlidingWindow(10, period=1.0, reply_wait=0.05, clock=vt.clock, sleep=vt.sleep)
    other_end = Receiver(vt)
    times = [await vt.run(other_end.send(window, bulk=True)) for _ in range(200)]
    rate = (len(times) - 1) / (times[-1] - times[0])
    assert rate == pytest.approx(9 / 0.95, rel=0.01)
    assert other_end.most_in_any_window(1.0) <= 10


async def test_a_reply_waits_at_most_reply_wait_for_a_fanout(vt: VirtualTime) -> None:
    """A steady fan-out at the limit; a reply every 0.37 s (off the fan-out's rhythm) goes
    within ``reply_wait``, and goes before any bulk send waiting with it."""
    window = SlidingWindow(10, period=1.0, reply_wait=0.05, clock=vt.clock, sleep=vt.sleep)
    other_end = Receiver(vt, transit=0.01, answer=0.01)
    waits: list[float] = []

    async def fanout() -> None:
        for _ in range(150):
            await other_end.send(window, bulk=True)

    async def replies() -> None:
        for _ in range(30):
            await vt.sleep(0.37)
            asked = vt.now
            waits.append(await other_end.send(window, bulk=False) - asked)

    await vt.run(asyncio.gather(fanout(), replies()))
    assert len(waits) == 30
    assert max(waits) <= 0.05 + 1e-9
    assert other_end.most_in_any_window(1.0) <= 10


async def test_a_reply_that_gives_up_waiting_does_not_hold_the_fanout_back(vt: VirtualTime) -> None:
    window = SlidingWindow(2, period=1.0, clock=vt.clock, sleep=vt.sleep)
    other_end = Receiver(vt)
    for _ in range(2):
        await vt.run(other_end.send(window, bulk=False))  # the window is full until 1.0
    reply = asyncio.ensure_future(other_end.send(window, bulk=False))
    bulk = asyncio.ensure_future(other_end.send(window, bulk=True))  # held back for the reply
    await vt.advance(0.5)
    reply.cancel()  # e.g. its request timed out
    assert await vt.run(bulk) == pytest.approx(1.0)


async def test_many_replies_and_bulk_sends_at_once_stay_within_the_limit(vt: VirtualTime) -> None:
    window = SlidingWindow(3, period=0.3, clock=vt.clock, sleep=vt.sleep)
    other_end = Receiver(vt, seed=3, transit=0.02, answer=0.02)
    await vt.run(asyncio.gather(*(other_end.send(window, bulk=bulk) for bulk in [True, False] * 30)))
    assert len(other_end.arrivals) == 60
    assert other_end.most_in_any_window(0.3) <= 3


async def test_a_window_of_one_still_lets_bulk_sends_go(vt: VirtualTime) -> None:
    window = SlidingWindow(1, period=1.0, clock=vt.clock, sleep=vt.sleep)
    other_end = Receiver(vt)
    times = [await vt.run(other_end.send(window, bulk=True)) for _ in range(3)]
    assert times == pytest.approx([0.0, 1.0, 2.0])


# -- the limiter PTB calls ----------------------------------------------------------------------


def _limiter(vt: VirtualTime, per_second: int, shared: FloodBudget | None = None) -> ReservingRateLimiter:
    limiter = ReservingRateLimiter(per_second=per_second, group_max_rate=20, group_time_period=60, shared=shared)
    limiter.window = SlidingWindow(per_second, clock=vt.clock, sleep=vt.sleep)
    limiter.chats = ChatPacer(clock=vt.clock, sleep=vt.sleep)
    return limiter


async def _request(limiter: ReservingRateLimiter, callback: Callable[[], Awaitable[Any]], chat_id: int = 5,
                   endpoint: str = "sendMessage") -> Any:
    """What PTB's ExtBot does for one Bot API call with a chat_id."""
    async def call(*_: Any, **__: Any) -> Any:
        return await callback()

    return await limiter.process_request(call, (), {}, endpoint, {"chat_id": chat_id}, None)


async def test_a_bulk_send_whose_sender_paused_meanwhile_is_not_made(vt: VirtualTime) -> None:
    """The pause is asked right before the request, after the wait for a place: a pause that
    began during the wait stops the send, and its place is free again."""
    limiter = _limiter(vt, per_second=1)
    paused = False
    made: list[float] = []

    async def send() -> bool:
        made.append(vt.now)
        return True

    with bulk_sends(may_send=lambda: not paused):
        await vt.run(_request(limiter, send))
        waiting = asyncio.ensure_future(_request(limiter, send))  # waits a second for its place
        await vt.advance(0.5)
        paused = True
        with pytest.raises(SendingPaused):
            await vt.run(waiting)
    assert made == [0.0]
    assert limiter.window.in_window() == 0  # the first one left the window as the second got its place; the second gave it back


class EvenBudget:
    """A budget two processes would share: bulk sends at most ``rate`` a second between them,
    on one grid (what a budget kept in a shared database hands out)."""

    def __init__(self, vt: VirtualTime, rate: float) -> None:
        self.vt, self.gap, self.next = vt, 1.0 / rate, 0.0

        self.replies = 0  # messages that went through it unpaced

    @contextlib.asynccontextmanager
    async def place(self, *, bulk: bool, chat: int | str) -> AsyncIterator[None]:
        if bulk:
            turn, self.next = max(self.next, self.vt.now), max(self.next, self.vt.now) + self.gap
            await self.vt.sleep(turn - self.vt.now)
        else:
            self.replies += 1
        yield


async def test_a_shared_budget_paces_the_bulk_sends_of_every_limiter_that_has_it(vt: VirtualTime) -> None:
    """Two limiters (two processes on one bot token, say) with 30/s each and one budget of
    3 a second between them: together they send 3 a second; a reply does not wait for it."""
    budget = EvenBudget(vt, rate=3)
    limiters = [_limiter(vt, 30, shared=budget), _limiter(vt, 30, shared=budget)]
    sent: list[float] = []

    async def send() -> bool:
        sent.append(vt.now)
        return True

    async def fanout(limiter: ReservingRateLimiter) -> None:
        with bulk_sends():
            for _ in range(6):
                await _request(limiter, send)

    await vt.run(asyncio.gather(*(fanout(limiter) for limiter in limiters)))
    assert sorted(sent) == pytest.approx([n / 3 for n in range(12)])
    await vt.run(_request(limiters[0], send, chat_id=6))  # a reply: counted by the budget, not paced
    assert sent[-1] == pytest.approx(vt.now) and vt.now == pytest.approx(11 / 3)
    assert budget.replies == 1


# -- one private chat: about one message a second, as Telegram counts ------------------------------


class ChatReceiver:
    """Telegram's end of private chats: each message arrives ``transit`` after its send and is
    answered at once; ``arrivals[chat]`` is when each arrived."""

    def __init__(self, vt: VirtualTime) -> None:
        self.vt = vt
        self.arrivals: dict[int, list[float]] = {}
        self.sent: dict[int, list[float]] = {}

    async def reply(self, limiter: ReservingRateLimiter, chat_id: int, *, transit: float, bulk: bool = False,
                    endpoint: str = "sendMessage") -> None:
        async def send() -> bool:
            self.sent.setdefault(chat_id, []).append(self.vt.now)
            await self.vt.sleep(transit)
            self.arrivals.setdefault(chat_id, []).append(self.vt.now)
            return True

        if bulk:
            with bulk_sends():
                await _request(limiter, send, chat_id=chat_id, endpoint=endpoint)
        else:
            await _request(limiter, send, chat_id=chat_id, endpoint=endpoint)


async def _after(vt: VirtualTime, delay: float, awaitable: Awaitable[None]) -> None:
    await vt.sleep(delay)
    await awaitable


async def test_a_quick_reply_after_a_slow_one_arrives_a_second_after_it(vt: VirtualTime) -> None:
    """The 429 seen under load: a reply slow in transit (0.8 s), a second one sent 0.3 s after
    it and quick: sent at once, it arrived first and the slow one 0.5 s later, within Telegram's
    second. Now the second goes a second after the first one's answer."""
    limiter, other_end = _limiter(vt, 30), ChatReceiver(vt)
    await vt.run(asyncio.gather(other_end.reply(limiter, 7, transit=0.8),
                                _after(vt, 0.3, other_end.reply(limiter, 7, transit=0.01))))
    first, second = other_end.arrivals[7]
    assert first == pytest.approx(0.8) and second - first >= 1.0
    assert other_end.sent[7][1] == pytest.approx(1.8)  # a second after the slow one's answer


async def test_replies_to_other_chats_do_not_wait_for_a_busy_chat(vt: VirtualTime) -> None:
    limiter, other_end = _limiter(vt, 30), ChatReceiver(vt)
    await vt.run(asyncio.gather(
        other_end.reply(limiter, 7, transit=0.8), _after(vt, 0.1, other_end.reply(limiter, 7, transit=0.01)),
        *(_after(vt, 0.2, other_end.reply(limiter, chat, transit=0.01)) for chat in (8, 9, -100123)),
    ))
    assert [other_end.sent[chat] for chat in (8, 9, -100123)] == [[pytest.approx(0.2)]] * 3
    assert other_end.sent[7][1] == pytest.approx(1.8)


async def test_a_reply_right_after_a_post_to_the_chat_waits_for_it_but_posts_do_not_wait(vt: VirtualTime) -> None:
    """Bulk sends are paced per chat by the publisher (on the bot's clock): here they do not
    wait, but they hold the chat, so a reply does not land in the same second as a post."""
    limiter, other_end = _limiter(vt, 30), ChatReceiver(vt)
    await vt.run(other_end.reply(limiter, 7, transit=0.2, bulk=True))
    await vt.run(other_end.reply(limiter, 7, transit=0.2))
    assert other_end.sent[7] == [pytest.approx(0.0), pytest.approx(1.2)]
    await vt.run(other_end.reply(limiter, 7, transit=0.0, bulk=True))  # the publisher's own pace rules
    assert other_end.sent[7][2] == pytest.approx(vt.now)


async def test_a_chat_action_is_no_message_and_never_waits(vt: VirtualTime) -> None:
    limiter, other_end = _limiter(vt, 30), ChatReceiver(vt)
    await vt.run(other_end.reply(limiter, 7, transit=0.5))
    await vt.run(other_end.reply(limiter, 7, transit=0.0, endpoint="sendChatAction"))
    assert other_end.sent[7][1] == pytest.approx(0.5)
