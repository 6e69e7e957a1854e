"""Copy an installation's data from an SQLite file into an empty PostgreSQL database.

``newsbot migrate --from sqlite:///data/newsbot.db --to postgresql://…``: both sides are
brought to the newest schema first, so their tables and columns are the same. The source is
read in one read transaction (a consistent snapshot, even while a bot keeps writing to it);
the target is written in one transaction (all or nothing) with PostgreSQL's binary COPY,
tables in foreign-key order, ids kept. Then the search index is filled from the source's
stems (the ``tsvector`` column computes itself) and every id sequence is moved past the
largest copied id, so new rows never collide with copied ones. Last, the copied tables are
vacuumed and analyzed, so the server plans and counts over them as over settled tables.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from storage import stemdf
from storage.db import Database, is_postgres_url
from storage.errors import StorageError

if TYPE_CHECKING:
    from storage.postgres import PgDatabase

log = logging.getLogger(__name__)

_FTS = "articles_fts"
_BATCH = 5000  # rows per COPY


class CopyError(StorageError):
    """The copy cannot be made; the message says why and what to do."""


@dataclass
class CopyReport:
    tables: dict[str, int] = field(default_factory=dict)  # table → rows copied
    schema_version: int = 0

    @property
    def rows(self) -> int:
        return sum(self.tables.values())


async def copy_database(source: str, target: str) -> CopyReport:
    """Copy every table of the SQLite ``source`` into the empty PostgreSQL ``target``."""
    if is_postgres_url(source) or not is_postgres_url(target):
        raise CopyError("newsbot migrate copies from SQLite to PostgreSQL: --from sqlite:///FILE --to postgresql://…")
    src = await Database.connect(source)
    try:
        dst = await Database.connect(target)
        try:
            return await _copy(src, dst)  # type: ignore[arg-type]
        finally:
            await dst.close()
    finally:
        await src.close()


async def _copy(src: Database, dst: PgDatabase) -> CopyReport:
    tables = await _sqlite_tables(src)
    target_columns = await _pg_columns(dst)
    missing = [t for t in tables if t not in target_columns]
    if missing:
        raise CopyError(f"the target has no table {', '.join(missing)}: is it a newsbot database of this version?")
    busy = [t for t in (*tables, _FTS, "stem_df") if await dst.scalar(f"SELECT EXISTS (SELECT 1 FROM {t})")]  # names from the schema
    if busy:
        raise CopyError(
            f"the target database {dst.path} is not empty (table {busy[0]} has rows): "
            "copy into a new, empty database, so nothing there is overwritten or mixed"
        )
    report = CopyReport(schema_version=await src.schema_version())
    await src.conn.execute("BEGIN")  # one snapshot of the source for every table
    try:
        async with dst.transaction() as conn:
            for table in tables:
                columns = [c for c in await _sqlite_columns(src, table) if c in target_columns[table]]
                report.tables[table] = await _copy_rows(
                    src, conn.raw, table, columns, f"SELECT {', '.join(columns)} FROM {table}"  # schema names only
                )
            # stem_df is counted from the copied index (its keys are PostgreSQL's lexemes, not
            # FTS5's tokens), once, rather than row by row by its trigger.
            await conn.raw.execute(f"ALTER TABLE {_FTS} DISABLE TRIGGER stem_df_count")
            report.tables[_FTS] = await _copy_rows(
                src, conn.raw, _FTS, ["rowid", "title", "body"], f"SELECT rowid, title, body FROM {_FTS}"
            )
            await conn.raw.execute(f"ALTER TABLE {_FTS} ENABLE TRIGGER stem_df_count")
            await stemdf.backfill_pg(conn.raw)
            for table in tables:
                if "id" in target_columns[table] and await conn.raw.fetchval(
                    "SELECT pg_get_serial_sequence($1, 'id')", table
                ):
                    await conn.raw.execute(
                        f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "  # a schema name
                        f"COALESCE((SELECT max(id) FROM {table}), 0) + 1, false)"
                    )
    finally:
        await src.conn.execute("COMMIT")
    # Outside the transaction (VACUUM cannot run in one): the planner's statistics, and the
    # visibility map that lets a count over the search index skip the table's rows (a
    # freshly copied table has neither until autovacuum comes by: "Read also" ran 3x slower).
    async with dst.pool.acquire() as raw:
        await raw.execute(f"VACUUM (ANALYZE) {', '.join((*tables, _FTS, 'stem_df'))}")  # names from the schema
    return report


async def _copy_rows(src: Database, raw: object, table: str, columns: list[str], query: str) -> int:
    copied = 0
    async with src.conn.execute(query) as cursor:
        while True:
            rows = await cursor.fetchmany(_BATCH)
            if not rows:
                return copied
            records = [tuple(row) for row in rows]
            try:
                await raw.copy_records_to_table(table, records=records, columns=columns)  # type: ignore[attr-defined]
            except Exception as exc:  # noqa: BLE001 - named with its table, then re-raised as ours
                raise CopyError(f"cannot copy table {table} (rows {copied + 1}–{copied + len(records)}): {exc}") from exc
            copied += len(records)


async def _sqlite_tables(src: Database) -> list[str]:
    """The source's tables (FTS5's own and ``stem_df``, counted there afresh, left out), parents
    before the tables referencing them."""
    rows = await src.fetchall(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
        "AND name NOT LIKE 'articles_fts%' AND name != 'stem_df' ORDER BY name"
    )
    names = [r[0] for r in rows]
    parents = {}
    for name in names:
        refs = await src.fetchall(f"SELECT \"table\" FROM pragma_foreign_key_list('{name}')")  # a schema name
        parents[name] = {r[0] for r in refs} - {name}
    ordered: list[str] = []
    while len(ordered) < len(names):
        ready = [n for n in names if n not in ordered and parents[n] <= set(ordered)]
        if not ready:
            raise CopyError(f"cannot order the tables by their references: {sorted(set(names) - set(ordered))}")
        ordered += ready
    return ordered


async def _sqlite_columns(src: Database, table: str) -> list[str]:
    return [r[1] for r in await src.fetchall(f"PRAGMA table_info({table})")]  # a schema name


async def _pg_columns(dst: Database) -> dict[str, set[str]]:
    """Writable columns of the target's tables (a generated column like the tsvector is not)."""
    rows = await dst.fetchall(
        "SELECT table_name, column_name FROM information_schema.columns "
        "WHERE table_schema = current_schema() AND is_generated = 'NEVER'"
    )
    found: dict[str, set[str]] = {}
    for table, column in rows:
        found.setdefault(table, set()).add(column)
    return found
