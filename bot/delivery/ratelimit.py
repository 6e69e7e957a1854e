"""Telegram's overall message limit, shared between the fan-out and everything else.

Telegram counts a message when it *receives* it; we only see when we send it and when its
answer comes back. Counting a message for one second from its send (PTB's limiter, and ours
before) lets the count at Telegram's end exceed the limit whenever an earlier request takes
longer in transit than a later one: on a busy machine the fake Bot API answered a few 429s per
10,000 messages (tests/test_ratelimit.py shows 32 arriving within a second). So here a message
holds its place in the window from its send until one second after its answer came back
(``SlidingWindow.slot``): Telegram received it somewhere in between, so it has left Telegram's
window by then, whatever the latency. That costs the round trip once a window (~0.5% here).

Bulk sends (the publisher's, marked with ``bulk_sends()``) keep an even grid of turns (a burst
would fill the window and make a reply wait for up to a second; turns a busy loop missed are
made up, at most twice as fast) and yield to replies: while a reply waits, no bulk send takes a
place. Bulk sends use every place but the last freely, and the last only when the window frees
a place again within ``reply_wait`` (20 ms): a reply never waits longer than that for the
fan-out, which gets ``(limit - 1) / (period - reply_wait)`` a second, ~98% of the limit (it
got ``limit - 1``, 96.7%, when one place was always kept free).

``bulk_sends(may_send=...)`` carries the sender's pause: it is asked right before the request
goes out (after every wait here), and a False answer raises ``SendingPaused`` without sending.
Per-group limits (20 a minute) stay PTB's. Per private chat (about one a second) a reply waits
for the chat's turn, counted the same way (``bot.delivery.chatpace``); replies to other chats
do not wait for it. A reply Telegram refuses with 429 waits ``retry_after`` and goes again, a
few times (``bot.delivery.reply_retry``); bulk sends are not retried here.

The interface, for a budget shared with other processes (replicas on the same bot token):

* ``ReservingRateLimiter(per_second=..., group_max_rate=..., group_time_period=...,
  reply_wait=REPLY_WAIT_S, shared=None, private_chat_gap=1.0, sleep=asyncio.sleep)``: PTB's
  rate limiter for the Application (``private_chat_gap`` 0: no pacing per private chat;
  ``sleep``: a reply's wait after a 429, a test's fake clock).
* ``limiter.shared``: ``None``, or a ``FloodBudget`` (set it at construction or later, before
  sending): ``async with place(bulk=..., chat=...)``, entered by every message (replies too)
  once this process's window (``limiter.window``) gave it a place, when the shared budget lets
  it go, and left when the answer came back. The pause (``may_send``) is asked inside it,
  right before the request.
* ``bulk_sends(may_send=None)`` and ``SendingPaused``: how the fan-out marks its sends.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine, Iterator
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Protocol

from telegram.error import RetryAfter
from telegram.ext import AIORateLimiter

from bot.delivery.chatpace import ChatPacer, is_message, is_private_chat_message
from bot.delivery.outcome import retry_after
from bot.delivery.reply_retry import send_retrying

__all__ = ["REPLY_WAIT_S", "FloodBudget", "ReservingRateLimiter", "SendingPaused", "SlidingWindow", "bulk_sends", "not_bulk"]

REPLY_WAIT_S = 0.020  # the longest a reply may wait for a place the fan-out took
CATCH_UP_S = 0.25  # turns missed (a busy loop) are made up, at twice the pace, for this long


class SendingPaused(Exception):
    """A bulk send was not made: its sender paused while it waited for a place."""


@dataclass(frozen=True, slots=True)
class _Bulk:
    may_send: Callable[[], bool] | None


_BULK: ContextVar[_Bulk | None] = ContextVar("newsbot_bulk_send", default=None)
# The private chat the request under way in this task writes to (set by ``process_request``).
_PRIVATE_CHAT: ContextVar[int | None] = ContextVar("newsbot_private_chat", default=None)
_CHAT: ContextVar[int | str] = ContextVar("newsbot_send_chat", default="")  # any chat, for ``shared``


@contextlib.contextmanager
def bulk_sends(may_send: Callable[[], bool] | None = None) -> Iterator[None]:
    """Within the block (this task), messages count as bulk: they yield to replies. With
    ``may_send``, each is made only if it still answers True right before the request (else
    ``SendingPaused``)."""
    token = _BULK.set(_Bulk(may_send))
    try:
        yield
    finally:
        _BULK.reset(token)


@contextlib.contextmanager
def not_bulk() -> Iterator[None]:
    """Within the block, messages are not bulk even inside ``bulk_sends``: an admin notice a
    sender makes in the middle of a post is a message of its own, not paused with the posts."""
    token = _BULK.set(None)
    try:
        yield
    finally:
        _BULK.reset(token)


class FloodBudget(Protocol):
    """A flood budget beyond this process (e.g. shared by the replicas of one bot token)."""

    def place(self, *, bulk: bool, chat: int | str) -> contextlib.AbstractAsyncContextManager[None]:
        """Around one message to ``chat`` (replies too): entered when it may go now, left when
        its answer came back."""
        ...

    async def hold(self, retry_after: timedelta) -> None:
        """Telegram answered 429: no bulk send, in any process sharing the budget, before it ends."""
        ...


class _Place:
    __slots__ = ("end",)

    def __init__(self) -> None:
        self.end: float | None = None  # when the answer came back; None while in flight


class SlidingWindow:
    """At most ``limit`` messages in any ``period`` as the receiver counts them: each holds a
    place from its send until ``period`` after its answer. Bulk places are at least
    ``period / limit`` apart and yield to replies (see the module)."""

    def __init__(self, limit: int, *, period: float = 1.0, reply_wait: float = REPLY_WAIT_S,
                 clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], Awaitable[None]] = asyncio.sleep) -> None:
        self.limit, self.period, self.reply_wait = limit, period, reply_wait
        self._gap = period / limit
        self._clock = clock
        self._sleep = sleep  # with ``clock``, a test's virtual time
        self._places: list[_Place] = []
        self._next_bulk = -float("inf")  # the earliest the next bulk send may go
        self._grid = -float("inf")  # its turn on the even grid (may lie behind: catching up)
        self._bulk_lock = asyncio.Lock()  # one bulk send at a time takes its evenly spaced turn
        self._replies_waiting = 0
        self._changed = asyncio.Event()

    @contextlib.asynccontextmanager
    async def slot(self, *, bulk: bool) -> AsyncIterator[None]:
        place = await (self._take_bulk() if bulk else self._take_reply())
        try:
            yield
        except SendingPaused:
            self._places.remove(place)  # nothing was sent: the place is free at once
            raise
        finally:
            place.end = self._clock()
            self._notify()

    def in_window(self) -> int:
        """Messages that may still count at the receiver's end."""
        return self._prune(self._clock())

    # -- taking a place ----------------------------------------------------------------------

    async def _take_reply(self) -> _Place:
        self._replies_waiting += 1
        try:
            while True:
                now = self._clock()
                if self._prune(now) < self.limit:
                    return self._add()
                await self._wait(self._earliest_expiry())
        finally:
            self._replies_waiting -= 1
            self._notify()  # a bulk send held back for this reply looks again (also if it gave up)

    async def _take_bulk(self) -> _Place:
        asked = self._clock()
        async with self._bulk_lock:
            while True:
                now = self._clock()
                if now < self._next_bulk:
                    await self._wait(self._next_bulk)
                    continue
                if self._replies_waiting:
                    await self._wait(None)  # the reply takes the next place; then we look again
                    continue
                held = self._prune(now)
                expiry = self._earliest_expiry()
                if held < self.limit - 1 or (held == self.limit - 1 and (
                        self.limit == 1 or (expiry is not None and expiry - now <= self.reply_wait))):
                    self._next_turn(now, waited=asked <= self._grid)
                    return self._add()
                if held == self.limit - 1 and expiry is not None:
                    await self._wait(expiry - self.reply_wait)  # then a reply would wait at most that
                else:
                    await self._wait(expiry)

    def _next_turn(self, now: float, *, waited: bool) -> None:
        """Bulk turns keep an even grid. A turn taken late while a send waited for it (the
        loop was busy, a sleep overshot) is made up: later turns keep their times on the grid,
        coming at most twice as fast, for at most CATCH_UP_S of missed turns. A send that came
        after its turn (nothing to send meanwhile) starts the grid anew."""
        self._grid = (max(self._grid, now - CATCH_UP_S) if waited else now) + self._gap
        self._next_bulk = max(self._grid, now + self._gap / 2)

    # -- the window --------------------------------------------------------------------------

    def _add(self) -> _Place:
        place = _Place()
        self._places.append(place)
        self._notify()
        return place

    def _prune(self, now: float) -> int:
        self._places = [p for p in self._places if p.end is None or p.end + self.period > now]
        return len(self._places)

    def _earliest_expiry(self) -> float | None:
        """When the next place frees; None while every place is in flight (an answer ends
        a flight, and that place frees ``period`` later, after every answered one)."""
        ends = [p.end for p in self._places if p.end is not None]
        return min(ends) + self.period if ends else None

    async def _wait(self, until: float | None) -> None:
        """Until the clock reaches ``until``, or (None) until a place is taken or answered."""
        if until is not None:
            await self._sleep(max(0.0, until - self._clock()))
            return
        await self._changed.wait()

    def _notify(self) -> None:
        self._changed.set()
        self._changed = asyncio.Event()


class ReservingRateLimiter(AIORateLimiter):
    """AIORateLimiter with its overall limit replaced by a ``SlidingWindow``, and bulk sends
    also paced by ``shared`` when set; see the module."""

    def __init__(self, *, per_second: int, group_max_rate: int, group_time_period: float,
                 reply_wait: float = REPLY_WAIT_S, shared: FloodBudget | None = None,
                 private_chat_gap: float = 1.0,
                 sleep: Callable[[float], Awaitable[None]] = asyncio.sleep) -> None:
        super().__init__(overall_max_rate=0, overall_time_period=0, group_max_rate=group_max_rate,
                         group_time_period=group_time_period)
        self.window = SlidingWindow(per_second, reply_wait=reply_wait)
        self.chats = ChatPacer(private_chat_gap)  # about one message a second per private chat
        self.shared: FloodBudget | None = shared  # see the module: a budget beyond this process
        self._retry_sleep = sleep  # a reply's wait after a 429 (bot.delivery.reply_retry)

    async def process_request(  # type: ignore[override]
        self, callback: Callable[..., Coroutine[Any, Any, Any]], args: Any, kwargs: dict[str, Any],
        endpoint: str, data: dict[str, Any], rate_limit_args: int | None,
    ) -> Any:
        chat_id = data.get("chat_id")
        token = _PRIVATE_CHAT.set(int(chat_id) if is_private_chat_message(endpoint, chat_id) else None)  # type: ignore[arg-type]
        # The chat whose own limit a shared budget applies: messages only (a chat action is none).
        chat_token = _CHAT.set(chat_id if chat_id is not None and is_message(endpoint) else "")
        try:
            if _BULK.get() is not None or not is_message(endpoint):
                return await super().process_request(callback, args, kwargs, endpoint, data, rate_limit_args)
            # A reply (not the outbox's): after a 429 it waits and goes again (bot.delivery.reply_retry).
            return await send_retrying(
                lambda: super(ReservingRateLimiter, self).process_request(
                    callback, args, kwargs, endpoint, data, rate_limit_args),
                what=f"{endpoint} to chat {chat_id}", sleep=self._retry_sleep,
            )
        finally:
            _CHAT.reset(chat_token)
            _PRIVATE_CHAT.reset(token)

    @staticmethod
    async def _send(bulk: _Bulk | None, callback: Callable[..., Coroutine[Any, Any, Any]],
                    args: Any, kwargs: dict[str, Any]) -> Any:
        if bulk is not None and bulk.may_send is not None and not bulk.may_send():
            raise SendingPaused("sending paused while the message waited for its turn")
        return await callback(*args, **kwargs)

    async def _run_request(  # type: ignore[override]
        self, chat: bool, group: str | int | bool, allow_paid_broadcast: bool,
        callback: Callable[..., Coroutine[Any, Any, Any]], args: Any, kwargs: dict[str, Any],
    ) -> Any:
        if not chat or allow_paid_broadcast:
            return await super()._run_request(chat, group, allow_paid_broadcast, callback, args, kwargs)
        bulk = _BULK.get()
        private = _PRIVATE_CHAT.get() if self.chats.period > 0 else None

        async def within_limits(*call_args: Any, **call_kwargs: Any) -> Any:
            # PTB calls this after the group limit and any 429 pause: the last waits are ours.
            async with self.window.slot(bulk=bulk is not None):
                if self.shared is None:
                    return await self._send(bulk, callback, call_args, call_kwargs)
                async with self.shared.place(bulk=bulk is not None, chat=_CHAT.get()):
                    return await self._send(bulk, callback, call_args, call_kwargs)

        # A private chat's turn comes first: waiting for it takes no place in the overall window.
        send = within_limits if private is None else self._in_turn(private, wait=bulk is None, callback=within_limits)
        try:
            return await super()._run_request(chat, group, allow_paid_broadcast, send, args, kwargs)
        except RetryAfter as exc:
            if self.shared is not None:  # every replica waits, not only this one
                await self.shared.hold(retry_after(exc))
            raise

    def _in_turn(self, chat_id: int, *, wait: bool,
                 callback: Callable[..., Coroutine[Any, Any, Any]]) -> Callable[..., Coroutine[Any, Any, Any]]:
        async def in_turn(*call_args: Any, **call_kwargs: Any) -> Any:
            async with self.chats.turn(chat_id, wait=wait):
                return await callback(*call_args, **call_kwargs)

        return in_turn
