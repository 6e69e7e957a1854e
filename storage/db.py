"""The database: one aiosqlite connection, its pragmas, migrations and transactions.

All SQL of the product lives in ``storage/``; callers use the repositories hung on
``Database`` (``db.chats``, ``db.feeds``, ...). Writes are serialized by one asyncio lock, so
two tasks sharing the connection never end up in each other's transaction.

``Database.connect(target)`` opens what the settings name: this SQLite ``Database`` for a
path, or ``storage.postgres.PgDatabase`` (the same interface, ``engine = "postgresql"``) for
a ``postgresql://`` URL.
"""

from __future__ import annotations

import asyncio
import logging
import os
import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import aiosqlite

from storage.errors import StorageError, is_damaged, recover_advice
from storage.schema import migrate

log = logging.getLogger(__name__)

BUSY_TIMEOUT_MS = 5000
# Reads map the file instead of copying its pages into SQLite's own 2 MB cache: the same-story
# check reads about 200 document frequencies and 20 profiles scattered over a file of a GB at
# 100,000 stories, and with copies each of them went through a system call and evicted the
# pages the next check needs (bench/bench_story_check.py). SQLite caps the size at its build's
# limit (2 GB as usually built); the pages beyond are read as before. Writes are unchanged.
# bench/bench_mmap.py, on and off in one process with the pages warm (load 8): CPU p50 2.1-2.5
# against 2.8-3.2 ms in three rounds of four, level in the first; a modest gain, kept. The
# cost: a file cut short in place while the bot runs (``truncate``, or ``cp backup.db`` over
# it) makes the next read of a page past its new end a SIGBUS, which ends the process where
# reads would have raised an error. ``newsbot run`` turns faulthandler on, so that death leaves
# a "Bus error" traceback naming SQLite, and the README says what it means. ``file_problem``
# also sees the file shrink (it never does on its own: auto_vacuum is off) and stops the bot
# with one line, but only when no read comes first, and the poll tick reads every 2 s.
MMAP_BYTES = 1 << 31


class Database:
    """An open database with its repositories. Create it with ``await Database.open(path)``."""

    #: Which engine runs the SQL: "sqlite" here; a PostgreSQL backend says "postgresql". The few
    #: statements whose syntax differs between engines branch on it inside ``storage/``.
    engine = "sqlite"

    def __init__(self, conn: aiosqlite.Connection, path: str) -> None:
        self.conn = conn
        self.path = path
        info = _file_stat(path)
        self._identity = _identity(info)
        self._size = info.st_size if info else None  # the largest seen: the file only grows (auto_vacuum is off)
        self._write_lock = asyncio.Lock()
        self._tx_owner: asyncio.Task[object] | None = None
        self.transactions = 0  # write transactions begun: which one is open (StoryRepo.usable_reader)
        self._attach_repositories()

    def _attach_repositories(self) -> None:
        # Imported here: the repositories import this module for ``Database`` type hints.
        from storage.articles import ArticleRepo
        from storage.chats import ChatRepo
        from storage.deliveries import DeliveryRepo
        from storage.edits import EditRepo
        from storage.feeds import FeedRepo
        from storage.flood import FloodBudgetRepo
        from storage.jobruns import JobRunRepo
        from storage.replicas import ReplicaRepo
        from storage.retention import RetentionRepo
        from storage.schedules import ScheduleRepo
        from storage.state import StateRepo
        from storage.stories import StoryRepo
        from storage.subscriptions import SubscriptionRepo
        from storage.summaries import SummaryRepo

        self.feeds = FeedRepo(self)
        self.articles = ArticleRepo(self)
        self.chats = ChatRepo(self)
        self.subscriptions = SubscriptionRepo(self)
        self.deliveries = DeliveryRepo(self)
        self.state = StateRepo(self)
        self.stories = StoryRepo(self)
        self.edits = EditRepo(self)
        self.summaries = SummaryRepo(self)
        self.schedules = ScheduleRepo(self)
        self.replicas = ReplicaRepo(self)
        self.job_runs = JobRunRepo(self)
        self.flood = FloodBudgetRepo(self)
        self.retention = RetentionRepo(self)

    @staticmethod
    async def connect(target: str | Path) -> Database:
        """Open the database ``target`` names: a ``postgresql://`` URL (DATABASE_URL) opens a
        PostgreSQL pool, ``sqlite:///path`` or a plain path an SQLite file (DATABASE_PATH)."""
        text = str(target)
        if is_postgres_url(text):
            # Imported on use: asyncpg is an optional dependency (the ``postgres`` extra).
            try:
                from storage.postgres import PgDatabase
            except ImportError as exc:
                raise StorageError(
                    f"DATABASE_URL={redacted(text)} names PostgreSQL, but its driver is not installed: "
                    f"pip install 'newsbot[postgres]' ({exc})"
                ) from exc
            return await PgDatabase.open_url(text)
        return await Database.open(sqlite_path(text))

    async def schema_version(self) -> int:
        """The number of migrations applied (``PRAGMA user_version``)."""
        return int(await self.scalar("PRAGMA user_version") or 0)

    @classmethod
    async def open(cls, path: str | Path) -> Database:
        """Open (creating if needed) the database file and bring its schema up to date.

        Raises StorageError with a message that names the file and what to fix.
        """
        path_text = str(path)
        if path_text != ":memory:":
            file = Path(path_text).expanduser()
            try:
                file.parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise StorageError(
                    f"cannot create the directory for DATABASE_PATH={path_text}: {exc.strerror}"
                ) from exc
            path_text = str(file)
        try:
            conn = await aiosqlite.connect(path_text, isolation_level=None)
        except sqlite3.Error as exc:
            raise StorageError(f"cannot open the database DATABASE_PATH={path_text}: {exc}") from exc
        try:
            await _configure(conn)
            await migrate(conn, path=path_text)
        except sqlite3.DatabaseError as exc:
            await conn.close()
            if is_damaged(exc):
                raise StorageError(
                    f"the database file DATABASE_PATH={path_text} is damaged or not an SQLite database ({exc}): "
                    f"if it is the bot's database, {recover_advice(path_text, stopped=True)}"
                ) from exc
            raise StorageError(
                f"cannot use the database DATABASE_PATH={path_text}: {exc} "
                "(is it an SQLite file, readable and writable by this user?)"
            ) from exc
        except BaseException:
            await conn.close()
            raise
        return cls(conn, path_text)

    async def close(self) -> None:
        await self.stories.close()  # a load of its document frequencies under way ends first
        await self.conn.close()

    def file_problem(self) -> str | None:
        """Plain words if the file at ``path`` is no longer the one this connection has open.

        A database file deleted (or replaced, e.g. by a restore) while the bot runs leaves the
        connection writing to an unlinked file that vanishes at exit, or beside a file it no
        longer reads; the next start would begin from an empty or different database. Checked
        by device and inode, which a rename or copy over the path changes.

        A file cut short in place (``truncate``, or ``cp`` over it, which keeps the inode) is
        seen by its size: SQLite never shrinks it here (auto_vacuum is off), and reading a page
        past its end through mmap would end the process with SIGBUS (``MMAP_BYTES``).
        """
        if self._identity is None:
            return None
        info = _file_stat(self.path)
        if info is None:
            return f"the database file {self.path} was deleted while the bot was running"
        if _identity(info) != self._identity:
            return f"the database file {self.path} was replaced by another file while the bot was running"
        size = info.st_size
        if self._size is not None:
            if size < self._size:
                return (f"the database file {self.path} was cut short ({size:,} bytes, it had {self._size:,}) "
                        "while the bot was running, e.g. by copying another file over it")
            self._size = size
        return None

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[aiosqlite.Connection]:
        """A write transaction (BEGIN IMMEDIATE), committed on success, rolled back on error.

        Re-entrant within one task: repository calls made inside an outer ``transaction()``
        join it, so a caller can make several of them one atomic step.
        """
        task = asyncio.current_task()
        if task is not None and self._tx_owner is task:
            yield self.conn
            return
        async with self._write_lock:
            await self.conn.execute("BEGIN IMMEDIATE")
            self.transactions += 1
            self._tx_owner = task
            try:
                yield self.conn
            except BaseException:
                self._tx_owner = None
                await _rollback(self.conn)
                raise
            self._tx_owner = None
            await self.conn.execute("COMMIT")

    async def fetchall(self, sql: str, params: tuple | dict = ()) -> list[sqlite3.Row]:
        # One trip to the database thread, not three (execute, fetch, close): on a busy
        # machine each trip waits for a core (bench_story_check).
        return list(await self.conn.execute_fetchall(sql, params))

    async def fetchone(self, sql: str, params: tuple | dict = ()) -> sqlite3.Row | None:
        async with self.conn.execute(sql, params) as cursor:
            return await cursor.fetchone()

    async def scalar(self, sql: str, params: tuple | dict = ()) -> object:
        row = await self.fetchone(sql, params)
        return None if row is None else row[0]

    async def execute(self, sql: str, params: tuple | dict = ()) -> int:
        """One write statement in its own transaction; returns the number of rows changed."""
        async with self.transaction() as conn:
            cursor = await conn.execute(sql, params)
            return cursor.rowcount


def redacted(url: str) -> str:
    """A database URL fit for logs and messages: the password replaced by ***."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.hostname or ""
    if parts.port:
        host += f":{parts.port}"
    user = f"{parts.username}:***@" if parts.username else ":***@"
    return urlunsplit((parts.scheme, user + host, parts.path, parts.query, parts.fragment))


def is_postgres_url(target: str) -> bool:
    return target.startswith(("postgresql://", "postgres://"))


def sqlite_path(target: str) -> str:
    """The file of an SQLite URL, or ``target`` itself when it is a plain path.

    As in SQLAlchemy's URLs: ``sqlite:///data/bot.db`` is the relative path data/bot.db and
    ``sqlite:////srv/bot.db`` (four slashes) the absolute path /srv/bot.db.
    """
    if target.startswith("sqlite:"):
        if not target.startswith("sqlite:///") or len(target) == len("sqlite:///"):
            raise StorageError(
                f"cannot read the SQLite URL {target}: write sqlite:///relative/file.db or sqlite:////absolute/file.db"
            )
        return target[len("sqlite:///"):]
    return target


async def _rollback(conn: aiosqlite.Connection) -> None:
    """Roll back after a failed step; a rollback that fails too (disk I/O error) must not hide
    the first error or leave the connection inside a transaction that blocks every later one."""
    try:
        await conn.execute("ROLLBACK")
    except sqlite3.Error as exc:
        log.warning("rollback failed: %s", exc)
        if conn.in_transaction:
            try:
                await conn.rollback()
            except sqlite3.Error:
                log.warning("the connection is still inside a failed transaction")


def _file_stat(path: str) -> os.stat_result | None:
    """The database file's status, or None: no file (in memory, a URI) or none there now."""
    if path == ":memory:" or path.startswith("file:"):
        return None
    try:
        return os.stat(path)
    except OSError:
        return None


def _identity(info: os.stat_result | None) -> tuple[int, int] | None:
    """Device and inode: what a rename or a copy over the path changes."""
    return (info.st_dev, info.st_ino) if info else None


async def _configure(conn: aiosqlite.Connection) -> None:
    conn.row_factory = sqlite3.Row
    await conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS:d}")
    await conn.execute("PRAGMA foreign_keys = ON")
    async with conn.execute("PRAGMA journal_mode = WAL") as cursor:
        row = await cursor.fetchone()
    if row and str(row[0]).lower() not in ("wal", "memory"):
        log.warning("SQLite refused WAL mode (got %s); concurrent readers may wait", row[0])
    await conn.execute("PRAGMA synchronous = NORMAL")
    await conn.execute(f"PRAGMA mmap_size = {MMAP_BYTES:d}")
