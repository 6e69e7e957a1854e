"""A database left at an old schema version, on either engine, for the upgrade tests.

``await at_version(engine, target, n, statements)`` applies the first ``n`` migrations of
that engine (``storage.schema.MIGRATIONS`` on SQLite, ``storage.schema_pg.PG_MIGRATIONS`` on
PostgreSQL), records version ``n`` the engine's way, and runs ``statements`` (plain SQL
with literal values, the same text on both engines: rows a user of that version had). Opening
``target`` with ``Database.connect`` afterwards runs the upgrade under test.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import aiosqlite
import asyncpg

from storage.schema import MIGRATIONS
from storage.schema_pg import PG_MIGRATIONS


async def at_version(engine: str, target: str, version: int, statements: Sequence[str] = ()) -> None:
    if engine == "postgresql":
        await _pg_at_version(target, version, statements)
        return
    for suffix in ("", "-wal", "-shm"):  # a copy of the newest schema (tests/conftest.py): start empty
        Path(f"{target}{suffix}").unlink(missing_ok=True)
    async with aiosqlite.connect(target, isolation_level=None) as conn:
        for migration in MIGRATIONS[:version]:
            await migration(conn)
        await conn.execute(f"PRAGMA user_version = {int(version)}")
        for sql in statements:
            await conn.execute(sql)


async def _pg_at_version(url: str, version: int, statements: Sequence[str]) -> None:
    conn = await asyncpg.connect(url)
    try:
        # The test's database is a copy of the newest schema: empty it first.
        await conn.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
        for migration in PG_MIGRATIONS[:version]:
            await migration(conn)
        await conn.execute("CREATE TABLE schema_version (version INTEGER NOT NULL)")
        await conn.execute("INSERT INTO schema_version (version) VALUES ($1)", version)
        for sql in statements:
            await conn.execute(sql)
    finally:
        await conn.close()
