"""The ways Telegram says no: API errors, injected faults, flood limits and text checks.

Each rule answers with the status, description and ``parameters`` the real Bot API uses, so
python-telegram-bot raises the same exception it would raise in production (``RetryAfter``
from ``parameters.retry_after``, ``ChatMigrated`` from ``parameters.migrate_to_chat_id``,
``Forbidden`` from 403, ``BadRequest`` from 400, ``NetworkError`` from 5xx).
"""

from __future__ import annotations

import asyncio
import math
from collections import Counter, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any

from ._tg_updates import JSON, utf16_len

FAULT_KINDS = frozenset({"429", "403", "400", "400_chat_not_found", "400_migrate", "404", "500", "502", "slow", "hold"})
DELAYING_KINDS = frozenset({"slow", "hold"})  # answer normally, later
CHAT_NOT_FOUND = "Bad Request: chat not found"
NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup "
    "are exactly the same as a current content and reply markup of the message"
)
_HTML_TAGS = frozenset(
    {"b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "span", "tg-spoiler", "a",
     "tg-emoji", "code", "pre", "blockquote"}
)  # fmt: skip


class ApiError(Exception):
    """A refusal in Bot API form: ``{"ok": false, "error_code", "description", "parameters"}``."""

    def __init__(self, status: int, description: str, parameters: JSON | None = None) -> None:
        super().__init__(description)
        self.status = status
        self.description = description
        self.parameters = parameters

    def payload(self) -> JSON:
        body: JSON = {"ok": False, "error_code": self.status, "description": self.description}
        if self.parameters:
            body["parameters"] = self.parameters
        return body


def too_many_requests(retry_after: int) -> ApiError:
    """Telegram's flood-wait answer; PTB turns it into ``RetryAfter(retry_after)``."""
    return ApiError(429, f"Too Many Requests: retry after {retry_after}", {"retry_after": retry_after})


@dataclass
class Fault:
    """One injected failure of ``method`` (optionally only for ``chat_id``).

    ``times`` is how many matching calls it still spoils; ``None`` means every call.
    """

    method: str
    kind: str
    chat_id: int | str | None = None
    times: int | None = 1
    retry_after: int = 3
    migrate_to_chat_id: int | None = None
    delay: float = 0.0
    description: str | None = None
    hits: int = field(default=0, init=False)
    #: For "hold": set by ``release()``; the held requests are answered then.
    released: asyncio.Event = field(default_factory=asyncio.Event, init=False)

    def __post_init__(self) -> None:
        if self.kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault kind {self.kind!r}; use one of {sorted(FAULT_KINDS)}")
        if self.kind == "400_migrate" and self.migrate_to_chat_id is None:
            if not isinstance(self.chat_id, int):
                raise ValueError("a 400_migrate fault needs migrate_to_chat_id or an int chat_id")
            self.migrate_to_chat_id = int(f"-100{abs(self.chat_id)}")

    def release(self) -> None:
        """A "hold" answers the requests it holds, and every later one at once."""
        self.released.set()

    @property
    def spent(self) -> bool:
        return self.times is not None and self.hits >= self.times

    def matches(self, method: str, chat_id: int | str | None) -> bool:
        if self.spent or self.method.lower() != method.lower():
            return False
        return self.chat_id is None or self.chat_id == chat_id

    def error(self, chat_type: str | None) -> ApiError:
        """The answer this fault gives; ``chat_type`` picks the wording of a 403."""
        if self.kind == "429":
            return too_many_requests(self.retry_after)
        if self.kind == "403":
            return ApiError(403, self.description or forbidden_text(chat_type))
        if self.kind == "400_chat_not_found":
            return ApiError(400, CHAT_NOT_FOUND)
        if self.kind == "400_migrate":
            return ApiError(
                400,
                "Bad Request: group chat was upgraded to a supergroup chat",
                {"migrate_to_chat_id": self.migrate_to_chat_id},
            )
        if self.kind == "404":  # e.g. a method a self-hosted Bot API server does not know
            return ApiError(404, self.description or "Not Found")
        if self.kind in ("500", "502"):
            phrase = "Internal Server Error" if self.kind == "500" else "Bad Gateway"
            return ApiError(int(self.kind), self.description or phrase)
        return ApiError(400, self.description or "Bad Request")


def inline_markup(markup: Any) -> JSON | None:
    """Telegram echoes only inline keyboards in the messages it returns."""
    return markup if isinstance(markup, dict) and "inline_keyboard" in markup else None


def forbidden_text(chat_type: str | None) -> str:
    """Telegram's 403 wording for a chat the bot may no longer write to."""
    if chat_type == "channel":
        return "Forbidden: bot is not a member of the channel chat"
    if chat_type in ("group", "supergroup"):
        return f"Forbidden: bot was kicked from the {chat_type} chat"
    return "Forbidden: bot was blocked by the user"


def seconds_source(clock: Callable[[], float] | Any) -> Callable[[], float]:
    """Accept ``time.monotonic``-like callables or objects whose ``now()`` returns a datetime
    (the bot's own ``Clock``), so flood limits can share the clock a test already drives."""
    if hasattr(clock, "now"):
        return lambda: clock.now().timestamp()
    return clock


class FloodLimits:
    """Telegram's documented send limits as sliding windows over an injectable clock:
    ``global_per_sec`` messages per second overall, ``private_per_sec`` per private chat,
    ``group_per_min`` per group or channel. A send over a limit is refused, not counted."""

    def __init__(
        self,
        clock: Callable[[], float],
        global_per_sec: int = 30,
        private_per_sec: int = 1,
        group_per_min: int = 20,
    ) -> None:
        self._clock = clock
        self._limits = {"global": (global_per_sec, 1.0), "private": (private_per_sec, 1.0),
                        "group": (group_per_min, 60.0)}  # fmt: skip
        self._global: deque[float] = deque()
        self._per_chat: dict[int | str, deque[float]] = {}
        self.violations: Counter[str] = Counter()
        self.refusals = 0

    def admit(self, chat_key: int | str, private: bool) -> None:
        """Count one message to ``chat_key`` or raise the 429 Telegram would answer."""
        now = self._clock()
        chat_kind = "private" if private else "group"
        windows = {"global": self._global, chat_kind: self._per_chat.setdefault(chat_key, deque())}
        waits = {kind: self._wait(kind, sent, now) for kind, sent in windows.items()}
        refused = {kind: wait for kind, wait in waits.items() if wait > 0}
        if refused:
            self.violations.update(refused.keys())
            self.refusals += 1
            raise too_many_requests(max(1, math.ceil(max(refused.values()))))
        for sent in windows.values():
            sent.append(now)

    def _wait(self, kind: str, sent: deque[float], now: float) -> float:
        """Seconds until ``sent`` has room for one more message (0 when it has room now)."""
        limit, period = self._limits[kind]
        while sent and now - sent[0] >= period:
            sent.popleft()
        if len(sent) < limit:
            return 0.0
        return sent[-limit] + period - now


def check_text(text: Any, parse_mode: str | None, *, caption: bool = False) -> str:
    """Validate a message text or caption the way Telegram does and return the text a reader
    sees (HTML markup removed). Raises the ``Bad Request`` Telegram would answer."""
    if text is None or text == "":
        if caption:
            return ""
        raise ApiError(400, "Bad Request: message text is empty")
    plain = _html_to_plain(str(text)) if (parse_mode or "").upper() == "HTML" else str(text)
    if not caption and not plain.strip():
        raise ApiError(400, "Bad Request: message text is empty")
    if utf16_len(plain) > (1024 if caption else 4096):
        too_long = "message caption is too long" if caption else "message is too long"
        raise ApiError(400, f"Bad Request: {too_long}")
    return plain


def _html_to_plain(text: str) -> str:
    parser = _TelegramHtml(text)
    parser.feed(text)
    parser.close()
    if parser.open_tags:
        raise _entities_error(f'Can\'t find end tag corresponding to start tag "{parser.open_tags[-1]}"')
    return "".join(parser.plain)


def _entities_error(reason: str) -> ApiError:
    return ApiError(400, f"Bad Request: can't parse entities: {reason}")


class _TelegramHtml(HTMLParser):
    """Telegram's HTML subset: known tags only, properly nested. Descriptions follow
    Telegram's wording; byte offsets are of the UTF-8 text, as Telegram reports them."""

    def __init__(self, source: str) -> None:
        super().__init__(convert_charrefs=True)
        self._lines = source.splitlines(keepends=True)
        self.open_tags: list[str] = []
        self.plain: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in _HTML_TAGS:
            raise _entities_error(f'Unsupported start tag "{tag}" at byte offset {self._offset()}')
        self.open_tags.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.open_tags or self.open_tags[-1] != tag:
            raise _entities_error(f"Unexpected end tag at byte offset {self._offset()}")
        self.open_tags.pop()

    def handle_data(self, data: str) -> None:
        self.plain.append(data)

    def _offset(self) -> int:
        line, column = self.getpos()
        before = "".join(self._lines[: line - 1]) + self._lines[line - 1][:column]
        return len(before.encode("utf-8"))
