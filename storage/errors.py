"""Failures of the storage layer that a person can act on."""

from __future__ import annotations

import sqlite3


class StorageError(Exception):
    """The database cannot be used; the message says what to fix."""


class SchemaTooNewError(StorageError):
    """The database file was written by a newer newsbot than this one."""


class DatabaseUnavailableError(Exception):
    """The database server could not be reached (PostgreSQL: connection refused or lost)."""


# SQLite's primary result codes that mean "the database cannot take work now", not "this
# statement is wrong": SQLITE_BUSY, SQLITE_LOCKED, SQLITE_READONLY, SQLITE_IOERR, SQLITE_FULL,
# SQLITE_CANTOPEN, SQLITE_PROTOCOL. "no such column" or a syntax error is SQLITE_ERROR (1): a bug.
_SQLITE_OUTAGE_CODES = frozenset({5, 6, 8, 10, 13, 14, 15})
# The same by the words, for an error raised without its code (Python < 3.11, a wrapper's own).
_SQLITE_OUTAGE_WORDS = ("database is locked", "is locked", "disk is full", "disk i/o error", "readonly database",
                        "unable to open database", "locking protocol")


def _engine_errors() -> tuple[tuple[type[BaseException], ...], tuple[type[BaseException], ...]]:
    """(any failure of a statement, the failures of the database being unavailable whatever the
    statement), over the engines installed: callers outside ``storage/`` catch these, never a
    driver's own types."""
    errors: list[type[BaseException]] = [sqlite3.Error, DatabaseUnavailableError]
    outages: list[type[BaseException]] = [DatabaseUnavailableError]
    try:
        import asyncpg  # the optional PostgreSQL driver
    except ImportError:
        pass
    else:
        errors += [asyncpg.PostgresError, asyncpg.InterfaceError]
        found = asyncpg.exceptions
        outages += [asyncpg.PostgresConnectionError, asyncpg.InterfaceError, found.CannotConnectNowError,
                    found.OperatorInterventionError, found.InsufficientResourcesError,  # disk full is one
                    found.LockNotAvailableError, found.DeadlockDetectedError, found.ReadOnlySQLTransactionError]
    return tuple(errors), tuple(outages)


#: ``except DATABASE_ERRORS``: a statement failed, on whichever engine; then ``is_outage(exc)``
#: tells the database being unable to take work now from a bug of ours.
DATABASE_ERRORS, _OUTAGE_TYPES = _engine_errors()


# SQLITE_CORRUPT (11) and SQLITE_NOTADB (26): the file itself is damaged (or not a database at all).
_SQLITE_DAMAGE_CODES = frozenset({11, 26})
_SQLITE_DAMAGE_WORDS = ("database disk image is malformed", "file is not a database")


def is_damaged(exc: BaseException) -> bool:
    """Whether ``exc`` says the SQLite file is damaged ("database disk image is malformed",
    "file is not a database"): neither an outage to wait out nor a bug of a statement; trying
    again fails the same way until the file is recovered or restored (``recover_advice``)."""
    if not isinstance(exc, sqlite3.DatabaseError):
        return False
    code = getattr(exc, "sqlite_errorcode", None)
    if isinstance(code, int):
        return (code & 0xFF) in _SQLITE_DAMAGE_CODES
    words = str(exc).lower()
    return any(w in words for w in _SQLITE_DAMAGE_WORDS)


def recover_advice(path: str, *, stopped: bool = False) -> str:
    """What to do about a damaged database file at ``path`` (as the README says, "damaged");
    ``stopped``: the bot has stopped already (at start)."""
    first = "" if stopped else "stop the bot, then "
    return (f"{first}restore a backup over {path} (and delete {path}-wal and {path}-shm, which "
            f"belong to the damaged file), or, with no backup, save what SQLite can still read: "
            f"sqlite3 {path} \".recover\" | sqlite3 {path}.recovered, then delete {path}-wal and {path}-shm "
            f"if they are still there (SQLite would apply them to the recovered file) and mv {path}.recovered {path} "
            f"(see the README on a damaged database file)")


def is_outage(exc: BaseException) -> bool:
    """Whether ``exc`` says the database cannot take work now (locked or busy, the disk full or
    failing, read-only, the file or server unreachable): worth waiting out and trying again.

    False for everything else a statement can raise (``no such column``, a syntax error, a
    constraint): a bug that trying again would only hide; it must be logged with its traceback.
    """
    if isinstance(exc, _OUTAGE_TYPES):
        return True
    if not isinstance(exc, sqlite3.OperationalError):
        return False
    code = getattr(exc, "sqlite_errorcode", None)
    if isinstance(code, int):
        return (code & 0xFF) in _SQLITE_OUTAGE_CODES  # the extended codes (SQLITE_IOERR_WRITE) too
    words = str(exc).lower()
    return any(w in words for w in _SQLITE_OUTAGE_WORDS)
