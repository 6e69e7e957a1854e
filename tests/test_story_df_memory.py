"""The document frequencies held in memory (``storage.dfmemory``) answer as ``term_df`` does at
every check, on both engines: after another process's additions, corrections and bulk loads, after
a transaction that read its own addition and then rolled back, and after more changes than are
kept; and they are caught up change by change, not loaded again, when they can be."""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from storage import Database, dfmemory
from storage.dftable import DfTable
from tests.stories import bare_story

NOW = datetime(2026, 3, 1, 9, 30, tzinfo=UTC)
TERMS = [f"stem{i}" for i in range(60)] + ["київ київ", "o'neil", "2026", ""]


async def _table_counts(db: Database, terms: list[str]) -> tuple[dict[str, int], int]:
    """What ``term_df`` itself holds: the truth the copy in memory must give."""
    rows = {r[0]: int(r[1]) for r in await db.fetchall("SELECT term, df FROM term_df")}
    return {t: rows[t] for t in dict.fromkeys(terms) if t and rows.get(t)}, rows.get("", 0)


async def _add(db: Database, n: int, terms: list[str]) -> None:
    await db.stories.add_profile(await bare_story(db, n, NOW), "{}", "{}", keys=terms[:2], terms=terms, now=NOW)


async def test_another_process_changes_show_at_the_next_check_without_a_new_load(
    two_dbs: tuple[Database, Database],
) -> None:
    mine, other = two_dbs
    await _add(other, 1, TERMS[:30])
    await mine.stories.load_document_frequencies()
    assert await mine.stories.document_frequencies(TERMS) == (dict.fromkeys(TERMS[:30], 1), 1)

    await _add(other, 2, TERMS[20:50])  # another replica's addition...
    assert await mine.stories.document_frequencies(TERMS) == await _table_counts(other, TERMS)  # ...shows at once
    assert await mine.stories.document_frequencies(TERMS) == (
        {**dict.fromkeys(TERMS[:20], 1), **dict.fromkeys(TERMS[20:30], 2), **dict.fromkeys(TERMS[30:50], 1)}, 2)

    (profile_id, _), = await other.stories.profiles_of(1)
    await other.stories.replace_profile(profile_id, "{}", "{}", keys=["stem0"], old_terms=TERMS[:30],
                                        terms=[*TERMS[5:30], "new one"])  # a correction: 5 terms gone, 1 new
    df, documents = await mine.stories.document_frequencies([*TERMS, "new one"])
    assert (df, documents) == await _table_counts(other, [*TERMS, "new one"])
    assert "stem0" not in df and df["new one"] == 1 and df["stem25"] == 2
    assert mine.stories.df_memory.loads == 1  # followed change by change, never loaded again


async def test_an_addition_rolled_back_after_its_own_check_read_it_is_not_kept(
    two_dbs: tuple[Database, Database],
) -> None:
    mine, other = two_dbs
    await _add(mine, 1, TERMS[:10])
    await mine.stories.load_document_frequencies()
    story = await bare_story(mine, 2, NOW)
    with pytest.raises(RuntimeError):
        async with mine.transaction():
            await mine.stories.add_profile(story, "{}", "{}", keys=[], terms=TERMS[:40], now=NOW)
            # A check inside the transaction sees its own uncommitted addition, as the table does.
            assert (await mine.stories.document_frequencies(TERMS))[1] == 2
            raise RuntimeError("the ingest failed after remembering the profile")
    assert await mine.stories.document_frequencies(TERMS) == (dict.fromkeys(TERMS[:10], 1), 1)
    await mine.stories.df_memory.settled()  # the copy had read the change rolled back: loaded again

    await _add(other, 3, TERMS[30:])  # the next change takes the rolled-back one's number
    assert await mine.stories.document_frequencies(TERMS) == await _table_counts(other, TERMS)
    assert await mine.stories.document_frequencies(TERMS) == (
        {**dict.fromkeys(TERMS[:10], 1), **dict.fromkeys(TERMS[30:-1], 1)}, 2)
    assert mine.stories.df_memory.loads == 2 and mine.stories.df_memory.loaded is not None


async def test_a_bulk_load_or_more_changes_than_are_kept_load_the_copy_again(
    two_dbs: tuple[Database, Database], monkeypatch: pytest.MonkeyPatch,
) -> None:
    mine, other = two_dbs
    await _add(other, 1, TERMS[:10])
    await mine.stories.load_document_frequencies()
    await other.stories.add_profiles([(await bare_story(other, 2, NOW), "{}", "{}", [], TERMS[5:15], NOW)])
    assert await mine.stories.document_frequencies(TERMS) == await _table_counts(other, TERMS)
    await mine.stories.df_memory.settled()  # a bulk load names no terms: loaded again
    assert mine.stories.df_memory.loads == 2

    monkeypatch.setattr(dfmemory, "KEEP_CHANGES", 3)
    for n in range(3, 8):
        await _add(other, n, TERMS[n:n + 20])
    assert await mine.stories.document_frequencies(TERMS) == await _table_counts(other, TERMS)
    await mine.stories.df_memory.settled()
    assert await mine.stories.document_frequencies(TERMS) == await _table_counts(other, TERMS)
    assert mine.stories.df_memory.loads == 3  # the changes since it looked were no longer all kept


async def test_many_changes_by_two_replicas_always_answer_as_the_table(two_dbs: tuple[Database, Database]) -> None:
    rng = random.Random(12)
    first, second = two_dbs
    await first.stories.load_document_frequencies()
    await second.stories.load_document_frequencies()
    vocabulary = [f"w{i}" for i in range(80)] + [f"w{i} w{i + 1}" for i in range(40)]
    held: list[tuple[Database, int, list[str]]] = []
    for n in range(1, 41):
        db = rng.choice(two_dbs)
        if held and rng.random() < 0.3:
            _, story, old = held.pop(rng.randrange(len(held)))
            (profile_id, _), = await db.stories.profiles_of(story)
            new = rng.sample(vocabulary, rng.randrange(1, 30))
            await db.stories.replace_profile(profile_id, "{}", "{}", keys=new[:1], old_terms=old, terms=new)
            held.append((db, story, new))
        else:
            terms = rng.sample(vocabulary, rng.randrange(1, 30))
            await _add(db, n, terms)
            held.append((db, await _last_story(db), terms))
        for reader in two_dbs:
            assert await reader.stories.document_frequencies(vocabulary) == await _table_counts(reader, vocabulary)
    assert first.stories.df_memory.loads == 1 and second.stories.df_memory.loads == 1


async def _last_story(db: Database) -> int:
    return int((await db.fetchall("SELECT max(article_id) FROM story_profiles"))[0][0])


def test_counts_added_after_the_load_join_the_arrays_and_never_go_below_zero(monkeypatch: pytest.MonkeyPatch) -> None:
    table = DfTable.build([(f"t{i}", i % 7 + 1) for i in range(5000)])
    asked = [f"t{i}" for i in range(0, 9000, 37)]
    assert table.counts(asked) == [(i % 7 + 1) if i < 5000 else 0 for i in range(0, 9000, 37)]
    table.apply({"t1": 2, "new": 3, "t2": -100, "gone": -1})
    assert table.counts(["t1", "new", "t2", "gone"]) == [4, 3, 0, 0]
    monkeypatch.setattr("storage.dftable.MERGE_AT", 1)
    table.apply({"newer": 1, "new": 1})  # the recent terms join the arrays
    assert table.counts(["t1", "new", "t2", "newer", "t5"]) == [4, 4, 0, 1, 6]
    assert len(table) == 5000 + 3  # "new", "gone" (at 0) and "newer"


async def test_candidates_and_counts_come_from_one_state_of_the_tables(two_dbs: tuple[Database, Database]) -> None:
    """The check reads its counts from the copy without asking first, and the version with its
    candidates: when another replica wrote in between, the copy is caught up and the check done
    again, so its counts are the table's and its keys are chosen with them."""
    mine, other = two_dbs
    await _add(other, 1, TERMS[:10])
    await mine.stories.load_document_frequencies()
    await _add(other, 2, TERMS[5:20])  # not yet seen by the copy
    chosen: list[dict[str, int]] = []

    def keys(df: dict[str, int], documents: int) -> list[str]:
        chosen.append(dict(df))
        return [t for t in TERMS[:20] if df.get(t)]

    df, documents, stored = await mine.stories.find_candidates(TERMS, keys, since=NOW, limit=5)
    assert (df, documents) == await _table_counts(other, TERMS)
    assert chosen[-1] == df and len(chosen) == 2  # the stale counts' keys were thrown away
    assert {s.article_id for s in stored} == {1, 2}
    assert [s.article_id for s in stored] == [2, 1]  # two keys shared each: the newest first
    assert mine.stories.df_memory.loads == 1

    chosen.clear()
    assert await mine.stories.find_candidates(TERMS, keys, since=NOW, limit=5) == (df, documents, stored)
    assert len(chosen) == 1  # nothing changed: one statement


async def test_a_retention_pass_on_another_replica_shows_at_the_next_check(two_dbs: tuple[Database, Database]) -> None:
    """Retention (``storage.retention``) takes a deleted story's terms off ``term_df``: a copy
    held in memory by another process follows at its next check, change by change."""
    mine, other = two_dbs
    for n, terms in enumerate((TERMS[:30], TERMS[10:40], TERMS[20:50]), start=1):
        await other.stories.add_profile(await bare_story(other, n, NOW), json.dumps(terms), "{}", keys=terms[:2],
                                        terms=terms, now=NOW)
    await mine.stories.load_document_frequencies()
    batch, _ = await other.retention.delete_stories(
        cutoff=NOW + timedelta(days=1), now=NOW + timedelta(days=1), limit=10, after=None, profile_terms=json.loads)
    assert batch.stories == 2  # the newest story is kept (its ids are the largest)
    assert await mine.stories.document_frequencies(TERMS) == (dict.fromkeys(TERMS[20:50], 1), 1)
    assert mine.stories.df_memory.loads == 1


def _keys_held(df: dict[str, int], documents: int) -> list[str]:
    return [t for t in TERMS[:20] if df.get(t)]


async def test_a_check_reads_on_its_own_connection_yet_sees_its_own_transactions_writes(
    two_dbs: tuple[Database, Database],
) -> None:
    """SQLite: the candidates' statement is read on a connection of the check's own in the
    event loop's thread (``StoryRepo.reader``), which sees only what is committed; inside a
    transaction that has written profiles the check reads the shared connection, so it sees
    that transaction's own writes as before, and after a rollback no longer."""
    mine, other = two_dbs
    await _add(mine, 1, TERMS[:10])
    await mine.stories.load_document_frequencies()
    reader = mine.stories.reader
    assert (reader is None) == (mine.engine == "postgresql")
    found = await mine.stories.find_candidates(TERMS, _keys_held, since=NOW, limit=5)
    assert [s.article_id for s in found[2]] == [1]
    reads = reader.reads if reader else 0
    story = await bare_story(mine, 2, NOW)
    with pytest.raises(RuntimeError):
        async with mine.transaction():
            # Before this transaction writes a profile, the committed state is its own: read apart.
            assert [s.article_id for s in (await mine.stories.find_candidates(
                TERMS, _keys_held, since=NOW, limit=5))[2]] == [1]
            await mine.stories.add_profile(story, "{}", "{}", keys=TERMS[:2], terms=TERMS[:20], now=NOW)
            df, documents, stored = await mine.stories.find_candidates(TERMS, _keys_held, since=NOW, limit=5)
            assert documents == 2 and [s.article_id for s in stored] == [story, 1]  # its own addition
            raise RuntimeError("the ingest failed after remembering the profile")
    df, documents, stored = await mine.stories.find_candidates(TERMS, _keys_held, since=NOW, limit=5)
    assert (df, documents) == await _table_counts(mine, TERMS) and [s.article_id for s in stored] == [1]
    await _add(other, 3, TERMS[:20])  # another replica's, committed: seen by the next check
    df, documents, stored = await mine.stories.find_candidates(TERMS, _keys_held, since=NOW, limit=5)
    assert (df, documents) == await _table_counts(other, TERMS) and [s.article_id for s in stored] == [3, 1]
    if reader is not None:
        assert reader.reads > reads and not reader.failed


@pytest.mark.sqlite_only("the connection of the check's own is SQLite's: PostgreSQL's checks read its pool")
async def test_a_check_whose_own_connection_fails_reads_the_shared_one(tmp_path: Path) -> None:
    path = str(tmp_path / "bot.db")
    db = await Database.open(path)
    try:
        await _add(db, 1, TERMS[:10])
        await db.stories.load_document_frequencies()
        assert db.stories.reader is not None
        db.stories.reader._path = str(tmp_path / "nowhere" / "bot.db")  # cannot be opened read-only
        df, documents, stored = await db.stories.find_candidates(TERMS, _keys_held, since=NOW, limit=5)
        assert (df, documents) == await _table_counts(db, TERMS) and [s.article_id for s in stored] == [1]
        assert db.stories.reader.failed and db.stories.usable_reader() is None
    finally:
        await db.close()


@pytest.mark.sqlite_only("the connection of the check's own is SQLite's")
async def test_a_check_after_the_database_is_closed_opens_no_connection_of_its_own(tmp_path: Path) -> None:
    """Closed with the database, the check's own connection stays closed: a check of a job
    still running at shutdown once opened it again, left open with nothing to close it."""
    db = await Database.open(str(tmp_path / "bot.db"))
    await _add(db, 1, TERMS[:10])
    await db.stories.load_document_frequencies()
    assert [s.article_id for s in (await db.stories.find_candidates(TERMS, _keys_held, since=NOW, limit=5))[2]] == [1]
    reader = db.stories.reader
    assert reader is not None and reader._conn is not None
    await db.close()
    assert reader.fetchall(dfmemory.VERSION, ()) is None and reader._conn is None
    assert db.stories.usable_reader() is None


@pytest.mark.sqlite_only("the connection of the check's own is SQLite's")
async def test_a_check_does_not_read_a_file_put_in_the_databases_place(tmp_path: Path) -> None:
    """The check's own connection is opened on its first read: if the file at the path was
    replaced before it (a restore while the bot runs), it is not the file the bot writes to,
    and the checks read the shared connection."""
    path, copy = tmp_path / "bot.db", tmp_path / "copy.db"
    db = await Database.open(str(path))
    try:
        await _add(db, 1, TERMS[:10])
        await db.stories.load_document_frequencies()
        other = await Database.open(str(copy))
        await _add(other, 1, TERMS[:10])
        await _add(other, 2, TERMS[:10])
        await other.close()
        copy.replace(path)
        df, documents, stored = await db.stories.find_candidates(TERMS, _keys_held, since=NOW, limit=5)
        assert documents == 1 and [s.article_id for s in stored] == [1]  # the file the bot has open
        assert db.stories.reader is not None and db.stories.reader.reads == 0
    finally:
        await db.close()
