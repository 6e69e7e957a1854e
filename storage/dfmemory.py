"""The document frequencies of ``term_df`` held in memory (``storage.dftable``), kept exact.

Every transaction that changes ``term_df`` also records the change (``record``): it moves the
one row of ``term_df_version`` to the next ``seq`` with a fresh random ``token``, and writes
the same ``seq`` and ``token`` with the counts' changes to ``term_df_changes`` (the last
``KEEP_CHANGES`` are kept). Before each use, the copy in memory reads that one row: when it
names the change the copy is at, the copy is exact; when it is further on, the copy applies the
changes in between, one by one, each checked to follow the last (its ``seq`` the next one, the
change it is at still there with its token). Anything else makes the copy be loaded again
while the checks read the table:

* a bulk load (``StoryRepo.add_profiles``) records no terms, only that all may have changed;
* a change rolled back after the copy read it (a read inside a transaction sees its own
  uncommitted rows): the row goes back to the change before, or the same ``seq`` comes back
  under another writer's token;
* more than ``KEEP_CHANGES`` changes since the copy last looked.

So other processes' writes (a second bot, web replicas on one database) and PostgreSQL's
concurrent transactions show at the very next check: on PostgreSQL the version row's lock
makes writers of ``term_df`` commit in ``seq`` order. Every statement that writes ``term_df``
must be followed by ``record`` in its transaction (``StoryRepo``'s three writers and
``RetentionRepo.delete_stories`` are): a change not recorded is never seen by a copy already
loaded. ``record`` comes last in its transaction, after the term rows, as those lock them in
term order: the version row is the last lock every writer takes, so writers never wait in a
cycle.

Loading reads every ``term_df`` row and the version they are at in one snapshot (SQLite: its
own read-only connection in a worker thread, so the bot's connection is not held; PostgreSQL:
the version read before and after the rows, again until both agree), and hashes the terms in a
thread: 6.4 s (4.7 s CPU) for the 3.55 million terms of the 100,000-story bench database.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import secrets
import sqlite3
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from storage.dftable import DfTable

if TYPE_CHECKING:
    from storage.db import Database

log = logging.getLogger(__name__)

KEEP_CHANGES = 1000  # recorded changes kept for copies that have not looked since (~230 terms each)
_LOAD_TRIES = 5  # PostgreSQL: reads of the whole table before giving up while writers keep changing it

VERSION = "SELECT seq, token FROM term_df_version WHERE id = 1"
_NEXT = ("INSERT INTO term_df_version (id, seq, token) VALUES (1, 1, ?) ON CONFLICT (id) DO UPDATE "
         "SET seq = term_df_version.seq + 1, token = excluded.token RETURNING seq")


async def record(conn: Any, deltas: Mapping[str, int] | None) -> None:
    """Record, in the caller's transaction, that it changed ``term_df`` by ``deltas`` (term ->
    amount; None: any count may have changed, copies load the table again)."""
    token = secrets.randbits(62)
    cursor = await conn.execute(_NEXT, (token,))
    seq = int((await cursor.fetchone())[0])
    text = None if deltas is None else json.dumps({t: n for t, n in deltas.items() if n}, ensure_ascii=False)
    await conn.execute("INSERT INTO term_df_changes (seq, token, deltas) VALUES (?, ?, ?)", (seq, token, text))
    await conn.execute("DELETE FROM term_df_changes WHERE seq <= ?", (seq - KEEP_CHANGES,))


class DfMemory:
    """The copy in memory of one database's ``term_df``: ``table()`` gives it exact, or None."""

    def __init__(self, db: Database) -> None:
        self._db = db
        self._table: DfTable | None = None
        self._at = (0, 0)  # (seq, token) of the last change the copy holds; (0, 0): none recorded yet
        self._lock = asyncio.Lock()
        self._loading: asyncio.Task[None] | None = None
        self.loads = 0  # copies loaded (a test and the bench read it)

    @property
    def loaded(self) -> DfTable | None:
        return self._table

    def held(self) -> tuple[DfTable | None, tuple[int, int]]:
        """The copy as it stands, unchecked, and the change it is at: a caller that reads
        ``VERSION`` in its own statement compares the two itself (``StoryRepo.find_candidates``)."""
        if self._table is None:
            self.start_loading()
        return self._table, self._at

    async def table(self) -> DfTable | None:
        """The copy, caught up with every recorded change; None when it is not loaded (a load
        is then under way: read the table meanwhile)."""
        if self._table is None:
            self.start_loading()
            return None
        async with self._lock:
            now = version_of(next(iter(await self._db.fetchall(VERSION)), None))  # one trip, not three
            if now == self._at:
                return self._table
            if now[0] > self._at[0] and await self._catch_up():
                return self._table
            log.info("term_df changed in a way its copy cannot follow (at %s, table at %s): loading it again",
                     self._at, now)
            self._table = None
        self.start_loading()
        return None

    async def _catch_up(self) -> bool:
        """Apply the recorded changes after the one the copy holds; False if they do not follow on."""
        seq, token = self._at
        rows = await self._db.fetchall(
            "SELECT seq, token, deltas FROM term_df_changes WHERE seq >= ? ORDER BY seq", (seq,)
        )
        if seq > 0:  # the change the copy holds must still be there, with its token
            if not rows or (int(rows[0][0]), int(rows[0][1])) != (seq, token):
                return False
            rows = rows[1:]
        changes = []
        for row in rows:
            if int(row[0]) != seq + 1 or row[2] is None:
                return False
            seq = int(row[0])
            changes.append((seq, int(row[1]), row[2]))
        if not changes:
            return False
        assert self._table is not None
        for seq, token, text in changes:
            self._table.apply(json.loads(text))
            self._at = (seq, token)
        return True

    def start_loading(self) -> None:
        if self._loading is None or self._loading.done():
            self._loading = asyncio.get_running_loop().create_task(self._load_logged())

    async def _load_logged(self) -> None:
        try:
            await self.load()
        except Exception as exc:  # noqa: BLE001 - a background load: the checks read the table, next one tries again
            log.warning("could not hold the document frequencies in memory (checks read the table): %s", exc)

    async def load(self) -> None:
        """Load the copy now (also what ``table()`` starts in the background)."""
        if self._db.engine == "sqlite" and self._db.path != ":memory:" and not str(self._db.path).startswith("file:"):
            conn = sqlite3.connect(Path(str(self._db.path)).resolve().as_uri() + "?mode=ro", uri=True,
                                   check_same_thread=False)
            try:
                table, at = await asyncio.to_thread(_load_sqlite, conn)
            except asyncio.CancelledError:
                with contextlib.suppress(sqlite3.ProgrammingError):  # closed already: the read had ended
                    conn.interrupt()  # the bot is stopping: end the read under way instead of waiting for it
                raise
        else:
            table, at = await self._load_through_db()
        async with self._lock:
            self._table, self._at = table, at
            self.loads += 1
        log.info("document frequencies held in memory: %d terms, %.1f MB", len(table), table.nbytes / 1e6)

    async def _load_through_db(self) -> tuple[DfTable, tuple[int, int]]:
        for _ in range(_LOAD_TRIES):
            before = await self._db.fetchone(VERSION)
            rows = await self._db.fetchall("SELECT term, df FROM term_df")
            after = await self._db.fetchone(VERSION)
            if version_of(before) == version_of(after):
                table = await asyncio.to_thread(DfTable.build, ((r[0], r[1]) for r in rows))
                return table, version_of(after)
        raise RuntimeError(f"term_df kept changing while it was read ({_LOAD_TRIES} reads)")

    async def settled(self) -> None:
        """Wait for a load under way in the background, if any (tests, benchmarks)."""
        if self._loading is not None:
            await asyncio.shield(self._loading)

    async def close(self) -> None:
        if self._loading is not None and not self._loading.done():
            self._loading.cancel()
            try:
                await self._loading
            except (asyncio.CancelledError, Exception):  # noqa: BLE001 - closing: a failed load is moot
                pass


def version_of(row: Any) -> tuple[int, int]:
    """(seq, token) of a ``VERSION`` row; (0, 0) when there is none (no change recorded yet)."""
    return (int(row[0]), int(row[1])) if row else (0, 0)


def _load_sqlite(conn: sqlite3.Connection) -> tuple[DfTable, tuple[int, int]]:
    """Every ``term_df`` row and the change it is at, in one snapshot, on a connection of its own
    (closed after)."""
    try:
        conn.execute("BEGIN")
        at = version_of(conn.execute(VERSION).fetchone())
        table = DfTable.build(conn.execute("SELECT term, df FROM term_df"))
        conn.execute("COMMIT")
        return table, at
    finally:
        conn.close()
