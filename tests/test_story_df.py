"""The document frequencies same-story detection reads: however many terms a check asks for in
its one statement (an article's phrases are mostly never seen), each comes back with the count
of stored profiles holding it, on both engines."""

from __future__ import annotations

import math
from datetime import UTC, datetime

from bot.news.stories import StoryVectors, vectors_from_json, vectors_to_json

from storage import Database
from storage.stories import StoryRepo
from tests.stories import bare_story

NOW = datetime(2026, 3, 1, 9, 30, tzinfo=UTC)

# Stems, phrases (two stems and a space), names' cross-script keys, numbers, and text a
# statement must not read as its own: quotes, a backslash, SQL wildcards, JSON's brackets.
ODD = ["зеленськ", "путін", "0zelensk", "2026", "7.8", "o'neil", 'say "no"', "back\\slash", "50%", "a_b",
       "[x]", "{y}", "київ київ", "drunk driv"]


async def _story(db: Database, n: int) -> int:
    return await bare_story(db, n, NOW)


async def test_every_term_of_a_large_lookup_gets_its_own_count(db: Database) -> None:
    many = [f"w{i} w{i + 1}" for i in range(1200)]  # more than one IN (...) list of SQLite's held
    first, second = await _story(db, 1), await _story(db, 2)
    await db.stories.add_profiles([
        (first, "{}", "{}", [], [*ODD, *many[:600]], NOW),
        (second, "{}", "{}", [], [*ODD[:5], *many[300:900]], NOW),
    ])

    fresh = StoryRepo(db)  # nothing cached: every count is read from the table
    df, documents = await fresh.document_frequencies([*ODD, *many, "never seen", "zz zz"])

    assert documents == 2
    assert {t: df.get(t) for t in ODD} == {t: 2 if t in ODD[:5] else 1 for t in ODD}
    assert [df.get(t) for t in many] == [1] * 300 + [2] * 300 + [1] * 300 + [None] * 300
    assert "never seen" not in df and "zz zz" not in df
    # Asked again, the cache answers as the table did.
    assert await fresh.document_frequencies([*ODD, *many, "never seen"]) == (df, 2)


def test_stored_vectors_are_read_as_the_json_module_reads_them() -> None:
    """The fast decoder refuses what ``json.dumps`` may have written (NaN, a lone surrogate):
    such text is still read, and read the same way."""
    ordinary = StoryVectors(terms={"quak": 0.8, "аче": 0.6}, names={"0aceh": 1.0}, numbers={"12": 3.5},
                            lead={"quak": 1.0}, phrases={"quak kill": 1.0})
    assert vectors_from_json(vectors_to_json(ordinary)) == ordinary
    odd = '{"t":{"a":NaN,"\\ud800":1.0},"n":{},"d":{},"b":0,"l":{},"p":{}}'
    read = vectors_from_json(odd)
    assert math.isnan(read.terms["a"]) and read.terms["\ud800"] == 1.0
