"""Timestamps in the database: UTC text 'YYYY-MM-DD HH:MM:SS' (sortable, SQLite's own format)."""

from __future__ import annotations

from datetime import UTC, datetime

_FORMAT = "%Y-%m-%d %H:%M:%S"


def to_db(moment: datetime | None) -> str | None:
    """A timezone-aware datetime as stored text; naive datetimes are taken as UTC."""
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime(_FORMAT)


def from_db(text: str | None) -> datetime | None:
    """Stored text back to an aware UTC datetime."""
    if not text:
        return None
    return datetime.strptime(text[:19], _FORMAT).replace(tzinfo=UTC)
