"""Logging for the CLI: one format, quiet HTTP clients, and the bot token never printed."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager


class RedactFilter(logging.Filter):
    """Replaces a secret (the bot token) in every record, wherever a library put it."""

    def __init__(self, secret: str) -> None:
        super().__init__()
        self._secret = secret

    def filter(self, record: logging.LogRecord) -> bool:
        if self._secret:
            message = record.getMessage()
            if self._secret in message:
                record.msg = message.replace(self._secret, "<BOT_TOKEN>")
                record.args = None
        return True


class OursOnly(logging.Filter):
    """Passes only this project's records: the shell tools print their own results and errors,
    and lines from trafilatura, htmldate and the like would only repeat or confuse them."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.name.split(".", 1)[0] in ("bot", "storage")


class HandledRateLimit(logging.Filter):
    """Drops PTB's AIORateLimiter report of a 429 it passes on ("Rate limit hit after maximum
    of 0 retries", with a traceback): the publisher handles the 429 and logs it in one line."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not str(record.msg).startswith("Rate limit hit after maximum")


def quiet_handled_rate_limits() -> None:
    """Install ``HandledRateLimit`` on PTB's rate limiter logger (idempotent)."""
    logger = logging.getLogger("telegram.ext.AIORateLimiter")
    if not any(isinstance(f, HandledRateLimit) for f in logger.filters):
        logger.addFilter(HandledRateLimit())


# The loggers ``configure_logging`` changes besides the root.
_QUIETED = ("httpx", "httpcore", "apscheduler")


@contextmanager
def logging_restored() -> Iterator[None]:
    """Undo on exit what ``configure_logging`` changed: the root's handlers and level and the
    quieted loggers' levels. ``cli.main(argv)`` runs a command inside it, so a program (or a
    test) that calls it keeps its own logging: ``requeue`` left the root at ERROR, and the
    caller's warnings vanished."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    levels = {name: logging.getLogger(name).level for name in _QUIETED}
    try:
        yield
    finally:
        root.handlers[:] = handlers
        root.setLevel(level)
        for name, old in levels.items():
            logging.getLogger(name).setLevel(old)


def configure_logging(level: str, secret: str = "", *, only_ours: bool = False) -> None:
    """Log to stderr at ``level``; ``only_ours`` (the shell tools) drops other libraries' lines."""
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    if secret:
        handler.addFilter(RedactFilter(secret))
    if only_ours:
        handler.addFilter(OursOnly())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # httpx logs every request line, and Bot API request URLs contain the token.
    for name in _QUIETED:
        logging.getLogger(name).setLevel(logging.WARNING)
