"""``stem_df`` (storage/stemdf.py) holds, for every token of the search index, how many stories
hold it, and the row '' the number of indexed stories: exactly what the index itself counts,
after stories are stored, corrected and re-indexed, on both engines
(SQLite: ``ArticleRepo`` in the index's own transaction; PostgreSQL: a trigger); the migration
that adds it fills it from an existing index, in batches, and filling it again changes nothing.

The oracle is the index's own count: FTS5's ``fts5vocab`` table (and ``count(*) ... MATCH``)
on SQLite, the lexemes of each row's ``tsvector`` on PostgreSQL."""

from __future__ import annotations

import random
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest

from storage import Database, stemdf
from storage.articles import NewArticle
from storage.fulltext import fts_string
from storage.schema import LATEST, MIGRATIONS, _stem_df
from tests.old_schema import at_version

NOW = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)

# (title stems, body stems): repeats, a stem in both columns, an empty title, an accented stem
# FTS5 folds onto a plain one ("são"/"sao", one token there, two lexemes on PostgreSQL), Cyrillic.
STORIES = [
    ("ukrain war", "ukrain war ukrain 0ukrn dam flood dam"),
    ("dam", "dam dam open gate ukrain são"),
    ("", "war war war ukrain sao"),
    ("київ війн", "київ війн украин украин зеленськ"),
    ("são paulo", "flood river são são paulo"),
    ("election", "vote election count war"),
]


def _new(index: int, title: str, body: str) -> NewArticle:
    return NewArticle(
        feed_id=None, url=f"https://n.example/{index}", canonical_url=f"https://n.example/{index}", guid=None,
        title=title or "untitled", text=body, summary=body[:100], language="en", author="", published_at=NOW,
        from_feed=False, related=(), fingerprint=None, bands=None, title_terms=title, body_terms=body,
    )


async def _index_counts(db: Database) -> dict[str, int]:
    """Each token's number of stories as the index itself counts them, and '' its rows."""
    if db.engine == "postgresql":
        rows = await db.fetchall(
            "SELECT t.term, count(*) FROM articles_fts f, unnest(tsvector_to_array(f.tsv)) AS t (term) GROUP BY t.term"
        )
        stories = await db.scalar("SELECT count(*) FROM articles_fts")
    else:
        await db.conn.execute("CREATE VIRTUAL TABLE IF NOT EXISTS temp.oracle USING fts5vocab (main, articles_fts, 'row')")
        rows = await db.fetchall("SELECT term, doc FROM temp.oracle")
        stories = await db.scalar("SELECT count(*) FROM articles_fts")
    counts = {r[0]: int(r[1]) for r in rows}
    if stories:
        counts[""] = int(stories)  # type: ignore[call-overload]
    return counts


async def _table(db: Database) -> dict[str, int]:
    return {r[0]: int(r[1]) for r in await db.fetchall("SELECT term, df FROM stem_df")}


async def _exact(db: Database) -> None:
    assert await _table(db) == await _index_counts(db)


async def test_counts_stay_the_indexs_own_through_every_change(db: Database) -> None:
    ids = [await db.articles.insert(_new(i, t, b), now=NOW) for i, (t, b) in enumerate(STORIES)]
    await _exact(db)
    table = await _table(db)
    assert table[""] == len(STORIES) and table["ukrain"] == 3 and table["dam"] == 2 and table["украин"] == 1
    if db.engine == "sqlite":
        assert table["sao"] == 3 and "são" not in table  # FTS5 folds the accent: one token
    else:
        assert table["são"] == 2 and table["sao"] == 1

    await db.articles.correct(ids[1], title="Dam", text="", summary="", title_terms="dam", body_terms="dam peace",
                              fingerprint=None, bands=None)  # an article's text changed
    await _exact(db)
    assert (await _table(db))["peace"] == 1 and (await _table(db))["ukrain"] == 2

    await db.articles.replace_index_terms([(ids[0], "peace", "peace talk"), (ids[4], "", "river")])  # re-indexed
    await _exact(db)
    await db.articles.replace_index_terms([(ids[2], "", ""), (ids[5], "", "")])  # re-indexed to no stems
    await _exact(db)
    table = await _table(db)
    assert table[""] == len(STORIES) and "war" not in table  # a count that reaches 0 goes
    assert "election" not in table and table["peace"] == 2

    if db.engine == "postgresql":  # the trigger sees any statement on the index, not only ours
        await db.execute("UPDATE articles_fts SET body = 'dam dam quake' WHERE rowid = ?", (ids[3],))
        await _exact(db)
        await db.execute("DELETE FROM articles_fts WHERE rowid = ?", (ids[3],))
        await _exact(db)
        await db.execute("INSERT INTO articles_fts (rowid, title, body) VALUES (?, 'київ', 'війн')", (ids[3],))
        await _exact(db)
        table = await _table(db)

    with pytest.raises(RuntimeError):  # a story whose transaction fails is counted nowhere
        async with db.transaction():
            await db.articles.insert(_new(99, "ukrain", "ukrain peace"), now=NOW)
            raise RuntimeError("rolled back")
    assert await _table(db) == table
    await _exact(db)


async def test_search_reads_the_counts_a_match_would_count(db: Database) -> None:
    for i, (title, body) in enumerate(STORIES):
        await db.articles.insert(_new(i, title, body), now=NOW)
    stems = sorted({s for t, b in STORIES for s in f"{t} {b}".split()} | {"absent"})
    matched = {}
    for stem in stems:
        if db.engine == "postgresql":
            sql, match = "SELECT count(*) FROM articles_fts WHERE tsv @@ phraseto_tsquery('simple', ?)", stem
        else:
            sql, match = "SELECT count(*) FROM articles_fts WHERE articles_fts MATCH ?", fts_string(stem)
        matched[stem] = int(await db.scalar(sql, (match,)))  # type: ignore[call-overload]
    if db.engine == "sqlite":  # PostgreSQL reads stem_df inside its match-count statement
        assert await stemdf.counts(db, stems) == (matched, len(STORIES))
    assert await db.articles.match_counts(stems) == {s: min(n, 500) for s, n in matched.items()}


async def test_the_migration_fills_it_from_an_existing_index_in_batches(
    engine: str, database_target: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    statements = []
    for i, (title, body) in enumerate(STORIES * 3):
        statements.append(
            f"INSERT INTO articles (id, url, canonical_url, title, fetched_at) "
            f"VALUES ({i + 1}, 'https://n.example/{i}', 'https://n.example/{i}', 't', '2026-01-01 00:00:00.000000')"
        )
        statements.append(f"INSERT INTO articles_fts (rowid, title, body) VALUES ({i + 1}, '{title}', '{body}')")
    await at_version(engine, database_target, MIGRATIONS.index(_stem_df), statements)  # just before stem_df
    monkeypatch.setattr(stemdf, "BACKFILL_BATCH", 4)  # several batches of tokens (SQLite)...
    monkeypatch.setattr(stemdf, "BACKFILL_ROWS", 5)  # ...and of index rows (PostgreSQL)
    db = await Database.connect(database_target)
    try:
        assert await db.schema_version() == LATEST
        filled = await _table(db)
        assert filled[""] == len(STORIES) * 3 and filled["ukrain"] == 9
        await _exact(db)
        async with db.transaction() as conn:  # filled again (as after an interrupted run): the same
            await (stemdf.backfill_pg(conn.raw) if engine == "postgresql" else stemdf.backfill_sqlite(conn))
        assert await _table(db) == filled
        if engine == "postgresql":  # the rows above were given their ids
            await db.execute("SELECT setval(pg_get_serial_sequence('articles', 'id'), 100)")
        await db.articles.insert(_new(100, "ukrain", "ukrain"), now=NOW)  # and kept from then on
        await _exact(db)
    finally:
        await db.close()


@pytest.mark.sqlite_only("FTS5's own tokenizer is what is mirrored")
def test_stem_tokens_are_what_fts5_makes_of_a_stem(tmp_path: Path) -> None:
    """Character by character, as ``_Fold`` learns them, equals FTS5 tokenizing a whole string:
    accents, case, Greek final sigma, combining marks, separators and digits mixed."""
    pool = list("aAzZ09éÉçñøßſ" "йЙёЁїЇиИ" "σςΣ" "\u0301\u0306" "-_.'’ " "µ") + ["ǅ", "ﬁ", "İ", "ᦰ"]
    rng = random.Random(7)
    words = ["".join(rng.choice(pool) for _ in range(rng.randint(1, 6))) for _ in range(3000)]
    conn = sqlite3.connect(tmp_path / "t.db")
    conn.execute("CREATE VIRTUAL TABLE t USING fts5 (x, tokenize = 'unicode61 remove_diacritics 2')")
    conn.execute("CREATE VIRTUAL TABLE v USING fts5vocab (t, 'instance')")
    conn.executemany("INSERT INTO t (rowid, x) VALUES (?, ?)", [(i + 1, w) for i, w in enumerate(words)])
    tokens: dict[int, list[tuple[int, str]]] = {}
    for term, doc, offset in conn.execute("SELECT term, doc, offset FROM v"):
        tokens.setdefault(doc, []).append((offset, term))
    for index, word in enumerate(words):
        expected = tuple(t for _, t in sorted(tokens.get(index + 1, [])))
        assert stemdf.stem_tokens(word.replace(" ", "-")) == expected, repr(word)
