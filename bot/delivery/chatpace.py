"""Telegram's limit per private chat: about one message a second, counted as Telegram counts.

Telegram counts a message when it *receives* it. A reply whose request is slow in transit
(a busy loop, a slow network) and a second reply sent soon after can arrive within the same
second even though we sent them more than a second apart, and the second draws a 429 on the
reader's chat. So, as in the overall window (``bot.delivery.ratelimit.SlidingWindow``), a
message to a private chat holds the chat from its send until ``period`` after its answer:
the next reply to that chat goes only then, whatever the latency. Replies to other chats
never wait for it: each chat has its own turn.

Only replies wait here. The publisher's bulk sends are paced per chat by the posting policy
(``bot.delivery.policy``: ``PRIVATE_GAP`` on the bot's clock, one send under way per chat),
so they do not wait, but they hold the chat too: a reply right after a post waits for it.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field

__all__ = ["ChatPacer", "is_message", "is_private_chat_message"]

# Bot API methods that put a message in a chat (and count towards its limit) begin so; a chat
# action ("typing…") is no message.
_MESSAGE_METHODS = ("send", "copy", "forward", "edit")
_NOT_MESSAGES = frozenset({"sendchataction"})


def is_private_chat_message(endpoint: str, chat_id: object) -> bool:
    """True for a Bot API call that puts a message in a private chat (a user's id is > 0)."""
    if isinstance(chat_id, str):
        try:
            chat_id = int(chat_id)
        except ValueError:
            return False  # "@channel": never a private chat
    if not isinstance(chat_id, int) or chat_id <= 0:
        return False
    return is_message(endpoint)


def is_message(endpoint: str) -> bool:
    """True for a Bot API method that puts a message in a chat (any chat)."""
    name = endpoint.lower()
    return name.startswith(_MESSAGE_METHODS) and name not in _NOT_MESSAGES


@dataclass(slots=True)
class _Chat:
    in_flight: int = 0
    free_at: float = -float("inf")  # ``period`` after the last answer
    waiters: int = 0
    changed: asyncio.Event = field(default_factory=asyncio.Event)


class ChatPacer:
    """At most one message per ``period`` per chat as the receiver counts it (see the module)."""

    def __init__(self, period: float = 1.0, *, clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], Awaitable[None]] = asyncio.sleep) -> None:
        self.period = period
        self._clock = clock
        self._sleep = sleep  # with ``clock``, a test's virtual time
        self._chats: dict[int, _Chat] = {}

    @contextlib.asynccontextmanager
    async def turn(self, chat_id: int, *, wait: bool = True) -> AsyncIterator[None]:
        """Hold ``chat_id`` for one message: from now until ``period`` after the block ends.
        With ``wait`` (a reply), first wait until no message to the chat may still count."""
        chat = self._chats.setdefault(chat_id, _Chat())
        if wait:
            chat.waiters += 1
            try:
                await self._wait_for(chat)
            finally:
                chat.waiters -= 1
        chat.in_flight += 1
        try:
            yield
        finally:  # also after an error: the request may have reached Telegram
            chat.in_flight -= 1
            chat.free_at = max(chat.free_at, self._clock() + self.period)
            chat.changed.set()
            chat.changed = asyncio.Event()
            self._forget_idle()

    def holds(self, chat_id: int) -> bool:
        """Whether a message to ``chat_id`` may still count at Telegram's end."""
        chat = self._chats.get(chat_id)
        return chat is not None and (chat.in_flight > 0 or chat.free_at > self._clock())

    async def _wait_for(self, chat: _Chat) -> None:
        while True:
            if chat.in_flight:
                await chat.changed.wait()  # its answer sets the time the chat frees
                continue
            now = self._clock()
            if chat.free_at <= now:
                return
            await self._sleep(chat.free_at - now)

    def _forget_idle(self) -> None:
        if len(self._chats) < 1024:
            return
        now = self._clock()
        for chat_id in [c for c, s in self._chats.items() if not s.in_flight and not s.waiters and s.free_at <= now]:
            del self._chats[chat_id]
