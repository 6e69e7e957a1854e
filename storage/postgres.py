"""The PostgreSQL engine: an asyncpg pool behind the same ``Database`` the repositories use.

``PgDatabase`` keeps the interface of the SQLite ``Database`` (``transaction()``,
``fetchall/fetchone/scalar/execute``, the repositories on ``db.feeds``, ...) and says
``engine = "postgresql"``. Inside ``transaction()`` the repositories get a ``PgConnection``,
which answers the few calls they make on an aiosqlite connection: ``execute`` (awaited, or
used as ``async with``), ``executemany``, and cursors with ``rowcount``, ``fetchone`` and
``fetchall``. Rows are asyncpg Records, read like sqlite3.Row: ``row["col"]`` and ``row[0]``.

Statements are the repositories' own text; only the ``?`` placeholders are numbered
(``storage.sqltext``). Within one process, transactions are serialized by a lock, as on
SQLite, so a read-then-write step of a repository never interleaves with another task's;
plain reads outside a transaction run concurrently on the pool. A read made by the task that
holds the transaction runs on the transaction's connection and sees its uncommitted rows.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import AsyncIterator, Awaitable, Generator, Iterable, Sequence
from contextlib import asynccontextmanager
from typing import Any

import asyncpg

from storage.db import Database, redacted
from storage.errors import DatabaseUnavailableError, StorageError
from storage.schema_pg import migrate_pg
from storage.sqltext import numbered_placeholders

log = logging.getLogger(__name__)

POOL_SIZE = 8  # connections per process; reads run concurrently, writes one at a time
CONNECT_TIMEOUT_S = 10.0
# How long a statement waits for a row or table another program has locked before it fails,
# as SQLite's busy timeout: the publisher then keeps the outcome and pauses (never hangs).
LOCK_TIMEOUT_MS = 5000

# A statement that yields rows is run with fetch(); any other with execute(), whose status
# line ("UPDATE 3") gives the row count.
_ROWS_RE = re.compile(r"^\s*(?:SELECT|WITH|VALUES)\b|\bRETURNING\b", re.IGNORECASE)


def _rowcount(status: str) -> int:
    """The row count of a command status: "INSERT 0 5" → 5, "UPDATE 3" → 3, "CREATE TABLE" → -1."""
    last = status.rsplit(" ", 1)[-1]
    return int(last) if last.isdigit() else -1


def _args(params: Sequence[Any] | dict[str, Any]) -> tuple[Any, ...]:
    if isinstance(params, dict):
        raise TypeError("named parameters are not supported on PostgreSQL; use ? placeholders")
    return tuple(params)


class PgCursor:
    """The outcome of one statement: its rows (if it yields any) and how many rows it changed."""

    def __init__(self, rows: list[asyncpg.Record], rowcount: int) -> None:
        self._rows = rows
        self.rowcount = rowcount

    async def fetchone(self) -> asyncpg.Record | None:
        return self._rows.pop(0) if self._rows else None

    async def fetchall(self) -> list[asyncpg.Record]:
        rows, self._rows = self._rows, []
        return rows

    async def __aenter__(self) -> PgCursor:
        return self

    async def __aexit__(self, *exc: object) -> None:
        return None


class _Statement:
    """What ``PgConnection.execute`` returns: awaited, or entered with ``async with`` (as
    aiosqlite allows both)."""

    def __init__(self, run: Awaitable[PgCursor]) -> None:
        self._run = run

    def __await__(self) -> Generator[Any, None, PgCursor]:
        return self._run.__await__()

    async def __aenter__(self) -> PgCursor:
        return await self._run

    async def __aexit__(self, *exc: object) -> None:
        return None


class PgConnection:
    """One pooled connection inside a transaction, with the aiosqlite calls repositories use."""

    def __init__(self, raw: asyncpg.Connection) -> None:
        self.raw = raw

    def execute(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> _Statement:
        return _Statement(run_statement(self.raw, sql, params))

    async def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        batch = [tuple(row) for row in rows]
        if not batch:
            return
        try:
            await self.raw.executemany(numbered_placeholders(sql), batch)
        except OSError as exc:
            raise DatabaseUnavailableError(f"lost the connection to the PostgreSQL server: {exc}") from exc


async def run_statement(raw: asyncpg.Connection, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> PgCursor:
    """Run one repository statement on ``raw``: rows and row count as a cursor."""
    query = numbered_placeholders(sql)
    args = _args(params)
    try:
        if _ROWS_RE.search(query):
            rows = await raw.fetch(query, *args)
            return PgCursor(list(rows), len(rows))
        return PgCursor([], _rowcount(await raw.execute(query, *args)))
    except OSError as exc:  # the connection broke under the statement
        raise DatabaseUnavailableError(f"lost the connection to the PostgreSQL server: {exc}") from exc


async def _keep_session(conn: asyncpg.Connection) -> None:
    """The pool's reset of a released connection: nothing. Its default (RESET ALL, UNLISTEN,
    unlock every advisory lock) costs a round trip per statement, and repositories leave no
    session state: every transaction is closed by ``transaction()`` before release."""


class PgDatabase(Database):
    """An open PostgreSQL database with its repositories. ``await PgDatabase.open_url(url)``."""

    engine = "postgresql"

    def __init__(self, pool: asyncpg.Pool, url: str) -> None:  # noqa: D107 - no super(): no SQLite file
        self.pool = pool
        self.url = url
        self.path = redacted(url)  # what messages name the database by
        self._identity = None
        self._write_lock = asyncio.Lock()
        self._tx_owner: asyncio.Task[object] | None = None
        self._tx_conn: PgConnection | None = None
        self._attach_repositories()

    @classmethod
    async def open_url(cls, url: str, *, pool_size: int = POOL_SIZE) -> PgDatabase:
        """Connect a pool to the server and bring the schema up to date.

        Raises StorageError naming the (password-free) URL and what went wrong.
        """
        shown = redacted(url)
        try:
            pool = await asyncpg.create_pool(
                url, min_size=1, max_size=pool_size, timeout=CONNECT_TIMEOUT_S, command_timeout=60,
                reset=_keep_session, server_settings={"lock_timeout": f"{LOCK_TIMEOUT_MS:d}ms"},
            )
        except (OSError, asyncio.TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
            raise StorageError(f"cannot connect to the PostgreSQL database DATABASE_URL={shown}: {exc}") from exc
        try:
            async with pool.acquire() as raw:
                await migrate_pg(raw, url=shown)
        except asyncpg.PostgresError as exc:
            await pool.close()
            raise StorageError(f"cannot use the PostgreSQL database DATABASE_URL={shown}: {exc}") from exc
        except BaseException:
            await pool.close()
            raise
        return cls(pool, url)

    async def close(self) -> None:
        await self.stories.close()
        await self.pool.close()

    def file_problem(self) -> str | None:
        return None  # no file to lose: the server keeps the data

    async def schema_version(self) -> int:
        return int(await self.scalar("SELECT version FROM schema_version") or 0)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[PgConnection]:  # type: ignore[override]
        """A write transaction, committed on success, rolled back on error; re-entrant within a
        task, like the SQLite one."""
        task = asyncio.current_task()
        if task is not None and self._tx_owner is task and self._tx_conn is not None:
            yield self._tx_conn
            return
        async with self._write_lock:
            async with self._connection() as raw:
                async with raw.transaction():
                    conn = PgConnection(raw)
                    self._tx_owner, self._tx_conn = task, conn
                    try:
                        yield conn
                    finally:
                        self._tx_owner, self._tx_conn = None, None

    @asynccontextmanager
    async def _connection(self) -> AsyncIterator[asyncpg.Connection]:
        """A pooled connection; a server that cannot be reached is DatabaseUnavailableError."""
        try:
            raw = await self.pool.acquire(timeout=CONNECT_TIMEOUT_S)
        except (OSError, asyncio.TimeoutError) as exc:
            raise DatabaseUnavailableError(f"cannot reach the PostgreSQL server {self.path}: {exc}") from exc
        try:
            yield raw
        finally:
            await self.pool.release(raw)

    def _own_transaction(self) -> PgConnection | None:
        task = asyncio.current_task()
        return self._tx_conn if task is not None and self._tx_owner is task else None

    async def _run(self, sql: str, params: Sequence[Any] | dict[str, Any]) -> PgCursor:
        conn = self._own_transaction()
        if conn is not None:
            return await run_statement(conn.raw, sql, params)
        async with self._connection() as raw:
            return await run_statement(raw, sql, params)

    async def fetchall(self, sql: str, params: tuple | dict = ()) -> list[asyncpg.Record]:  # type: ignore[override]
        return await (await self._run(sql, params)).fetchall()

    async def fetchone(self, sql: str, params: tuple | dict = ()) -> asyncpg.Record | None:  # type: ignore[override]
        return await (await self._run(sql, params)).fetchone()

    async def execute(self, sql: str, params: tuple | dict = ()) -> int:
        async with self.transaction() as conn:
            cursor = await conn.execute(sql, params)
            return cursor.rowcount
