"""Writers of ``term_df`` lock its rows in term order (``storage.stories``, ``storage.retention``),
so that two replicas never wait for each other in a cycle (PostgreSQL would then abort one with
"deadlock detected", which the bot takes for an outage and tells the admins). A correction used
to take away its gone terms, in order, and only then add its new ones: with a term gone after
one added ("b" gone, "a" added) it held "b" while waiting for "a", so a retention pass or
another correction holding "a" and waiting for "b" closed the cycle."""

from __future__ import annotations

import asyncio
import time

import pytest

from storage import Database
from tests.test_story_df_memory import NOW, _add


async def test_a_correction_waiting_for_a_term_row_holds_none_after_it(
    two_dbs: tuple[Database, Database], database_target: str, engine: str
) -> None:
    if engine != "postgresql":
        pytest.skip("SQLite has one writer at a time: no row locks to take in an order")
    mine, other = two_dbs
    await _add(mine, 1, ["b", "c"])
    await _add(mine, 2, ["a"])
    (profile_id, _), = await mine.stories.profiles_of(1)
    watcher = await Database.connect(database_target)
    holding, release = asyncio.Event(), asyncio.Event()

    async def hold_a() -> None:  # another replica's writer, in term order: "a" now, "b" next
        async with other.transaction() as conn:
            await conn.execute("SELECT df FROM term_df WHERE term = ? FOR UPDATE", ("a",))
            holding.set()
            await release.wait()

    holder = asyncio.create_task(hold_a())
    await holding.wait()
    correction = asyncio.create_task(mine.stories.replace_profile(
        profile_id, "{}", "{}", keys=["c"], old_terms=["b", "c"], terms=["a", "c"]))  # "b" gone, "a" added
    try:
        deadline = time.monotonic() + 60  # a bound for a loaded CI: it waits within milliseconds
        while not await watcher.scalar(  # until the correction waits for a row lock (hold_a's)
                "SELECT count(*) FROM pg_locks WHERE NOT granted AND locktype = 'transactionid'"):
            assert time.monotonic() < deadline, "the correction never waited for the row of 'a'"
            await asyncio.sleep(0.01)
        # Nothing after "a" may be held meanwhile: the holder's next row, "b", is free.
        async with watcher.transaction() as conn:
            await conn.execute("SELECT df FROM term_df WHERE term = ? FOR UPDATE NOWAIT", ("b",))
    finally:
        release.set()
        await holder
        await correction
        await watcher.close()
    df, _ = await mine.stories.document_frequencies(["a", "b", "c"])
    assert df == {"a": 2, "c": 1}
