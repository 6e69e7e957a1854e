"""Timestamps in the database: UTC text 'YYYY-MM-DD HH:MM:SS.ffffff' (sortable, and read by
SQLite's own date functions).

Microseconds matter: Telegram's per-chat limit is one message a second, and a pace computed
from a time rounded down to the second would send the next message too early.
"""

from __future__ import annotations

from datetime import UTC, datetime

_FORMAT = "%Y-%m-%d %H:%M:%S.%f"


def to_db(moment: datetime | None) -> str | None:
    """A timezone-aware datetime as stored text; naive datetimes are taken as UTC."""
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime(_FORMAT)


def from_db(text: str | None) -> datetime | None:
    """Stored text back to an aware UTC datetime (whole-second text is read too)."""
    if not text:
        return None
    return datetime.fromisoformat(text).replace(tzinfo=UTC)
