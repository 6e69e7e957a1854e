"""The engine seam: DATABASE_URL picks PostgreSQL, statements are translated in one place, the
two schemas keep the same numbered versions, and a PostgreSQL database that cannot be used
says so in plain words."""

from __future__ import annotations

import socket
from datetime import UTC, datetime
from pathlib import Path

import asyncpg
import pytest

from bot.config import load_core_settings
from bot.news.textsearch import index_terms
from storage import Database, SchemaTooNewError, StorageError
from storage.db import redacted, sqlite_path
from storage.schema import LATEST, MIGRATIONS
from storage.schema_pg import PG_MIGRATIONS
from storage.sqltext import numbered_placeholders
from tests.pgserver import PostgresServer, new_pg_database
from tests.stories import DAM, KYIV_UK, MUSEUM

NOW = datetime(2026, 3, 1, 9, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    ("sql", "expected"),
    [
        ("SELECT * FROM t WHERE a = ? AND b IN (?, ?)", "SELECT * FROM t WHERE a = $1 AND b IN ($2, $3)"),
        ("SELECT '?' AS q, ? FROM t", "SELECT '?' AS q, $1 FROM t"),
        ("SELECT 'it''s ?', ? -- is it?\nFROM t WHERE x = ?", "SELECT 'it''s ?', $1 -- is it?\nFROM t WHERE x = $2"),
        ('SELECT "odd?name" FROM t WHERE y = ?', 'SELECT "odd?name" FROM t WHERE y = $1'),
        ("UPDATE t SET a = 1", "UPDATE t SET a = 1"),
        ("SELECT 10 - 1, ?", "SELECT 10 - 1, $1"),
    ],
)
def test_placeholders_are_numbered_outside_quotes_and_comments(sql: str, expected: str) -> None:
    assert numbered_placeholders(sql) == expected


def test_every_migration_has_a_postgresql_twin() -> None:
    assert len(PG_MIGRATIONS) == len(MIGRATIONS) == LATEST, (
        "a migration appended to storage/schema.py MIGRATIONS needs its PostgreSQL version "
        "appended to storage/schema_pg.py PG_MIGRATIONS"
    )


def test_database_urls_are_read_as_documented(tmp_path: Path) -> None:
    assert sqlite_path("sqlite:///data/bot.db") == "data/bot.db"
    assert sqlite_path("sqlite:////srv/bot.db") == "/srv/bot.db"
    assert sqlite_path(str(tmp_path / "x.db")) == str(tmp_path / "x.db")
    with pytest.raises(StorageError, match="sqlite:///"):
        sqlite_path("sqlite://bot.db")
    assert redacted("postgresql://bot:s3cret@db.local:5432/news") == "postgresql://bot:***@db.local:5432/news"
    assert redacted("postgresql://bot@db.local/news") == "postgresql://bot@db.local/news"


def test_the_database_url_setting_selects_the_engine(tmp_path: Path) -> None:
    plain = load_core_settings(_env_file=None, database_path=tmp_path / "a.db")
    assert plain.database_target == str(tmp_path / "a.db") and plain.database_file == tmp_path / "a.db"
    pg = load_core_settings(_env_file=None, database_url="postgresql://bot:pw@db/news")
    assert pg.database_target == "postgresql://bot:pw@db/news" and pg.database_file is None
    with pytest.raises(Exception, match="DATABASE_URL"):
        load_core_settings(_env_file=None, database_url="mysql://bot@db/news")


async def test_each_engine_names_itself_and_counts_the_same_schema_version(database_target: str, engine: str) -> None:
    db = await Database.connect(database_target)
    try:
        assert db.engine == engine
        assert await db.schema_version() == LATEST
        await db.chats.upsert(-1001, "channel", title="News", now=NOW)
        assert (await db.chats.get(-1001)).title == "News"  # type: ignore[union-attr]
    finally:
        await db.close()


async def test_a_new_postgresql_database_is_migrated_from_version_0(pg_server: PostgresServer | None) -> None:
    url = await new_pg_database(pg_server, template=None)
    db = await Database.connect(url)
    try:
        assert db.engine == "postgresql" and await db.schema_version() == LATEST
        tables = {r[0] for r in await db.fetchall(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'")}
        assert {"feeds", "articles", "article_sources", "articles_fts", "chats", "subscriptions", "deliveries",
                "schedules", "story_profiles", "post_edits", "schema_version"} <= tables
    finally:
        await db.close()
    again = await Database.connect(url)  # a second start finds the schema current
    try:
        assert await again.schema_version() == LATEST
    finally:
        await again.close()


async def test_a_newer_postgresql_schema_is_refused(pg_server: PostgresServer | None) -> None:
    url = await new_pg_database(pg_server)
    conn = await asyncpg.connect(url)
    await conn.execute("UPDATE schema_version SET version = $1", LATEST + 1)
    await conn.close()
    with pytest.raises(SchemaTooNewError, match="upgrade newsbot"):
        await Database.connect(url)


async def test_an_unreachable_server_is_one_clear_error_without_the_password() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # nothing listens there once closed
    with pytest.raises(StorageError) as caught:
        await Database.connect(f"postgresql://bot:topsecret@127.0.0.1:{port}/news")
    message = str(caught.value)
    assert "cannot connect to the PostgreSQL database DATABASE_URL=postgresql://bot:***@127.0.0.1" in message
    assert "topsecret" not in message


async def test_a_failed_step_inside_a_transaction_leaves_nothing_on_either_engine(database_target: str) -> None:
    db = await Database.connect(database_target)
    try:
        with pytest.raises(RuntimeError):
            async with db.transaction():
                await db.chats.upsert(5, "private", now=NOW)
                assert await db.chats.get(5) is not None  # the step sees its own rows
                raise RuntimeError("crash")
        assert await db.chats.get(5) is None
    finally:
        await db.close()


SAMPLES = (
    DAM, KYIV_UK, MUSEUM,
    "Путіна, Путину і ПУТИН: об'єкт, п'ять м’ячів, Пути́на; 16% in 2024, Putin's visits, US sanctions, café naïve",
    "Владимир Путин провел переговоры о поставках зерна через Черное море; ёмкость рынка оценивается в миллиардах.",
)


async def test_every_stem_is_one_postgresql_lexeme_on_both_sides(pg_server: PostgresServer | None) -> None:
    """PostgreSQL's 'simple' parser keeps each stored stem whole and as it is, in documents
    (to_tsvector) and in queries (phraseto_tsquery), so the two engines match the same stems."""
    url = await new_pg_database(pg_server)
    conn = await asyncpg.connect(url)
    try:
        for text in SAMPLES:
            stems = index_terms(text, "")
            lexemes = await conn.fetchval("SELECT tsvector_to_array(to_tsvector('simple', $1))", stems)
            assert set(lexemes) == set(stems.split()), text[:40]
            for stem in set(stems.split()):
                assert await conn.fetchval("SELECT phraseto_tsquery('simple', $1)::text", stem) == f"'{stem}'"
    finally:
        await conn.close()


def test_without_postgresql_ci_fails_where_a_user_skips(monkeypatch: pytest.MonkeyPatch) -> None:
    """.ci/run requires the PostgreSQL variants: there a missing server must fail the run."""
    from tests.pgserver import REQUIRE_ENV, skip_without_postgres

    monkeypatch.delenv(REQUIRE_ENV, raising=False)
    with pytest.raises(pytest.skip.Exception):
        skip_without_postgres()
    monkeypatch.setenv(REQUIRE_ENV, "1")
    with pytest.raises(pytest.fail.Exception, match=REQUIRE_ENV):
        skip_without_postgres()
