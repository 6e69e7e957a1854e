"""A message Telegram refused with 429 waits ``retry_after`` and goes again, a few times.

A 429 ("Too Many Requests: retry after N") is Telegram's answer before it takes the message,
so sending the same request again after N seconds can never post it twice; not sending it
again loses a command's answer. Here every message that is not a bulk send (replies to
commands and buttons, notices to admins) is tried at most ``1 + REPLY_RETRIES`` times,
waiting what Telegram asked in between, as long as no single wait is over ``MAX_REPLY_WAIT_S``
(a handler waiting minutes would hold one of the few update workers; such a refusal is
raised, as before). Bulk sends (the outbox, post edits) are not retried here: their senders
put the row back for ``retry_after`` and pause all sending (``bot.jobs.publish``).

A command's reply still refused then is not lost if it fits the outbox (HTML text without a
keyboard): ``bot.handlers.common.reply`` raises ``UnsentReply`` carrying its text, and the
error handler queues it for when Telegram's wait is over (``bot.handlers.errors``).

``sleep`` is injectable: a test passes one that moves its fake clock.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import TypeVar

from telegram.error import RetryAfter

from bot.delivery.outcome import retry_after

__all__ = ["MAX_REPLY_WAIT_S", "REPLY_RETRIES", "UnsentReply", "send_retrying"]

log = logging.getLogger(__name__)

REPLY_RETRIES = 3  # tries after the first one
MAX_REPLY_WAIT_S = 60.0  # a longer retry_after is not waited for

T = TypeVar("T")


class UnsentReply(RetryAfter):
    """A reply Telegram refused with 429 after every retry, with the text to queue instead.

    A RetryAfter still, so code that handles a refused send handles this one as before.
    """

    __slots__ = ("reply_to", "text", "thread_id")

    def __init__(self, text: str, refusal: RetryAfter, *, reply_to: int | None = None,
                 thread_id: int | None = None) -> None:
        super().__init__(retry_after(refusal))
        self.text = text  # Telegram HTML, as the reply was sent
        self.reply_to = reply_to  # the message it quoted (a command in a group), if any
        self.thread_id = thread_id  # the forum topic it went to, if any


async def send_retrying(send: Callable[[], Awaitable[T]], *, what: str,
                        sleep: Callable[[float], Awaitable[None]],
                        retries: int = REPLY_RETRIES, max_wait: float = MAX_REPLY_WAIT_S) -> T:
    """``send()``, again after each 429 as long as Telegram asks, at most ``retries`` more times."""
    for attempt in range(retries + 1):
        try:
            return await send()
        except RetryAfter as exc:
            wait = retry_after(exc).total_seconds()
            if attempt == retries or wait > max_wait:
                log.warning("Telegram refused %s with 429 (retry after %g s) %d time(s); giving up",
                            what, wait, attempt + 1)
                raise
            log.info("Telegram asked to wait %g s before %s; trying again then", wait, what)
            await sleep(wait)
    raise AssertionError("unreachable")  # the loop returns or raises
