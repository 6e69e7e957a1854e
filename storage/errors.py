"""Failures of the storage layer that a person can act on."""

from __future__ import annotations

import sqlite3


class StorageError(Exception):
    """The database cannot be used; the message says what to fix."""


class SchemaTooNewError(StorageError):
    """The database file was written by a newer newsbot than this one."""


class DatabaseUnavailableError(Exception):
    """The database server could not be reached (PostgreSQL: connection refused or lost)."""


def _engine_errors() -> tuple[tuple[type[BaseException], ...], tuple[type[BaseException], ...]]:
    """(any failure of a statement, the failures of the database being unavailable), over the
    engines installed: callers outside ``storage/`` catch these, never a driver's own types."""
    errors: list[type[BaseException]] = [sqlite3.Error, DatabaseUnavailableError]
    outages: list[type[BaseException]] = [sqlite3.OperationalError, DatabaseUnavailableError]
    try:
        import asyncpg  # the optional PostgreSQL driver
    except ImportError:
        pass
    else:
        errors += [asyncpg.PostgresError, asyncpg.InterfaceError]
        outages += [asyncpg.PostgresConnectionError, asyncpg.InterfaceError,
                    asyncpg.exceptions.OperatorInterventionError, asyncpg.exceptions.InsufficientResourcesError]
    return tuple(errors), tuple(outages)


#: ``except DATABASE_ERRORS``: a statement failed, on whichever engine.
#: ``except DATABASE_OUTAGES``: the database cannot take work now (locked, full, unreachable).
DATABASE_ERRORS, DATABASE_OUTAGES = _engine_errors()
