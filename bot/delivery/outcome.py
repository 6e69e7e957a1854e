"""What came of one delivery (``Outcome``), before the publisher writes it down.

``outcome_of`` turns what python-telegram-bot raised into the outcome the publisher writes
down: the kinds of Telegram's "no" it must tell apart (wait, moved, gone, refused, passing).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from datetime import timedelta

from telegram.error import BadRequest, ChatMigrated, Forbidden, RetryAfter, TelegramError
from telegram.warnings import PTBDeprecationWarning


@dataclass(frozen=True, slots=True)
class Outcome:
    """What happened to one send, before it is written down.

    Kinds: sent, rate_limited (``wait``), migrated (``new_chat_id``), chat_gone, refused
    (the message itself; permanent), skipped, transient (try again later), released
    (given back unsent).
    """

    kind: str
    error: str = ""
    message_id: int | None = None
    wait: timedelta | None = None
    new_chat_id: int | None = None
    sent_as: str | None = None  # sent: 'text' | 'photo' | 'rich' (bot.delivery.send)
    thread_id: int | None = None  # sent: the forum topic it went to


def outcome_of(exc: TelegramError) -> Outcome:
    """The outcome of a send that raised ``exc``."""
    if isinstance(exc, RetryAfter):
        return Outcome("rate_limited", wait=retry_after(exc))
    if isinstance(exc, ChatMigrated):
        return Outcome("migrated", new_chat_id=exc.new_chat_id)
    if isinstance(exc, Forbidden):
        return Outcome("chat_gone", f"Telegram refused: {exc.message}")
    if isinstance(exc, BadRequest):
        if "chat not found" in exc.message.lower():
            return Outcome("chat_gone", "chat not found")
        return Outcome("refused", exc.message)  # the message itself; sending it again would fail again
    return Outcome("transient", str(exc) or type(exc).__name__)  # timeouts, 5xx, the network


def retry_after(exc: RetryAfter) -> timedelta:
    """Telegram's wait, as a timedelta whichever type PTB gives (int now, timedelta later)."""
    with warnings.catch_warnings():  # PTB 22 warns that the int is deprecated on every read
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        value = exc.retry_after
    return value if isinstance(value, timedelta) else timedelta(seconds=float(value))
