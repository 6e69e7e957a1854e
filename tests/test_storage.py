"""Storage: migrations, refusal of newer schemas, and the chat repository."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest

from storage import Database, SchemaTooNewError, StorageError
from storage.schema import LATEST
from tests.old_schema import at_version

NOW = datetime(2026, 3, 1, 9, 30, tzinfo=UTC)


@pytest.mark.sqlite_only("SQLite's journal mode and foreign-key pragma; the PostgreSQL twin is test_engines' migrated-from-version-0 test")
async def test_new_database_gets_latest_schema_with_wal_and_foreign_keys(tmp_path: Path) -> None:
    db = await Database.open(tmp_path / "sub" / "dir" / "bot.db")
    try:
        assert await db.scalar("PRAGMA user_version") == LATEST
        assert await db.scalar("PRAGMA journal_mode") == "wal"
        assert await db.scalar("PRAGMA foreign_keys") == 1
        tables = {r[0] for r in await db.fetchall("SELECT name FROM sqlite_master WHERE type = 'table'")}
        assert {"feeds", "articles", "article_sources", "articles_fts", "chats", "subscriptions", "deliveries"} <= tables
    finally:
        await db.close()


async def test_reopening_does_not_migrate_again(database_target: str) -> None:
    db = await Database.connect(database_target)
    await db.chats.upsert(1, "private", title="Ann", now=NOW)
    await db.close()
    db = await Database.connect(database_target)
    try:
        assert (await db.chats.get(1)) is not None
    finally:
        await db.close()


@pytest.mark.sqlite_only("PRAGMA user_version; the PostgreSQL twin is test_engines.py::test_a_newer_postgresql_schema_is_refused")
async def test_newer_schema_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "bot.db"
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version = {LATEST + 1}")
    conn.close()
    with pytest.raises(SchemaTooNewError, match="upgrade newsbot"):
        await Database.open(path)


@pytest.mark.sqlite_only("a file at DATABASE_PATH that is not SQLite; PostgreSQL has no file")
async def test_a_file_that_is_not_a_database_gets_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "bot.db"
    path.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(StorageError, match="DATABASE_PATH"):
        await Database.open(path)


async def test_chat_upsert_reactivates_and_keeps_title(database_target: str) -> None:
    db = await Database.connect(database_target)
    try:
        await db.chats.upsert(-100, "channel", title="News", username="news", now=NOW)
        assert await db.chats.deactivate(-100, "removed from channel", now=NOW)
        assert not (await db.chats.get(-100)).active  # type: ignore[union-attr]
        chat = await db.chats.upsert(-100, "channel", now=NOW)
        assert chat.active and chat.title == "News" and chat.inactive_reason is None
        assert (await db.chats.find("@NEWS")).id == -100  # type: ignore[union-attr]
    finally:
        await db.close()


async def test_chat_migration_moves_subscriptions(database_target: str) -> None:
    db = await Database.connect(database_target)
    try:
        await db.chats.upsert(-5, "group", title="G", now=NOW)
        feed, _ = await db.feeds.add("https://example.org/rss", now=NOW)
        await db.subscriptions.add(-5, feed.id, now=NOW)
        await db.chats.migrate(-5, -1005, now=NOW)
        assert await db.chats.get(-5) is None
        assert (await db.chats.get(-1005)).kind == "supergroup"  # type: ignore[union-attr]
        assert [s.feed_id for s in await db.subscriptions.for_chat(-1005)] == [feed.id]
    finally:
        await db.close()


async def test_settings_update_rejects_unknown_columns(database_target: str) -> None:
    db = await Database.connect(database_target)
    try:
        await db.chats.upsert(7, "private", now=NOW)
        with pytest.raises(ValueError):
            await db.chats.update_settings(7, {"id = 0; DROP TABLE chats; --": 1}, now=NOW)
        await db.chats.update_settings(7, {"timezone": "Europe/Kyiv", "summaries": False}, now=NOW)
        chat = await db.chats.get(7)
        assert chat is not None and chat.timezone == "Europe/Kyiv" and chat.summaries is False
    finally:
        await db.close()


async def test_upgrade_from_version_1_keeps_rows(database_target: str, engine: str) -> None:
    await at_version(engine, database_target, 1, [
        "INSERT INTO chats (id, kind, created_at, updated_at) VALUES (1, 'private', 'x', 'x')",
        "INSERT INTO articles (id, url, canonical_url, title, fetched_at) VALUES (1, 'u', 'u', 't', 'x')",
        "INSERT INTO deliveries (chat_id, kind, article_id, next_attempt_at, created_at) "
        "VALUES (1, 'article', 1, '2026-01-01 00:00:00', 'x')",
    ])
    db = await Database.connect(database_target)
    try:
        assert await db.schema_version() == LATEST
        [row] = await db.deliveries.for_chat(1)
        assert row.state == "pending" and row.link_preview is None
    finally:
        await db.close()


async def test_repository_calls_inside_a_transaction_are_one_atomic_step(database_target: str) -> None:
    db = await Database.connect(database_target)
    try:
        with pytest.raises(RuntimeError):
            async with db.transaction():
                await db.chats.upsert(1, "private", now=NOW)  # joins the outer transaction
                await db.feeds.add("https://example.org/rss", now=NOW)
                raise RuntimeError("crash before the end of the step")
        assert await db.chats.get(1) is None and await db.feeds.list() == []
        async with db.transaction():
            await db.chats.upsert(1, "private", now=NOW)
        assert await db.chats.get(1) is not None
    finally:
        await db.close()


async def test_migration_onto_a_known_supergroup_keeps_the_groups_settings(database_target: str) -> None:
    db = await Database.connect(database_target)
    try:
        await db.chats.upsert(-5, "group", title="G", now=NOW)
        await db.chats.update_settings(-5, {"timezone": "Europe/Kyiv", "quiet_start": "23:00"}, now=NOW)
        await db.chats.upsert(-1005, "supergroup", title="G", now=NOW)  # it spoke first
        await db.chats.migrate(-5, -1005, now=NOW)
        chat = await db.chats.get(-1005)
        assert chat is not None and chat.timezone == "Europe/Kyiv" and chat.quiet_start == "23:00"
        assert await db.chats.get(-5) is None
    finally:
        await db.close()


async def test_rows_stuck_in_sending_are_recovered_after_a_while(database_target: str) -> None:
    from datetime import timedelta

    db = await Database.connect(database_target)
    try:
        await db.chats.upsert(1, "private", now=NOW)
        _, queued = await db.deliveries.enqueue_broadcast("hi", [1], created_by=None, now=NOW)
        [row] = await db.deliveries.claim_due(NOW, 10)
        assert await db.deliveries.recover_interrupted(now=NOW, claimed_before=NOW - timedelta(minutes=10)) == 0
        later = NOW + timedelta(minutes=11)
        assert await db.deliveries.recover_interrupted(now=later, claimed_before=later - timedelta(minutes=10)) == 1
        [again] = await db.deliveries.claim_due(later, 10)
        assert again.id == row.id and again.attempts == 2
    finally:
        await db.close()


@pytest.mark.sqlite_only("the directory of DATABASE_PATH; PostgreSQL has no file")
async def test_a_path_that_cannot_hold_a_database_gets_a_clear_error(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("a file where a directory should be", encoding="utf-8")
    with pytest.raises(StorageError, match="cannot create the directory for DATABASE_PATH"):
        await Database.open(blocker / "data" / "bot.db")


@pytest.mark.sqlite_only("reads SQLite's EXPLAIN QUERY PLAN through aiosqlite's trace callback")
async def test_a_new_followers_backlog_finds_a_feeds_stories_by_index_not_by_scanning(tmp_path: Path) -> None:
    """The backlog query (a feed's newest stories a chat never had) runs whenever a chat
    starts following a feed; without an index on the sources' feed it read every source."""
    db = await Database.open(tmp_path / "bot.db")
    try:
        statements: list[str] = []
        await db.conn.set_trace_callback(statements.append)
        await db.articles.unsent_from_feed(1, 2, limit=3)
        await db.conn.set_trace_callback(None)
        [query] = [s for s in statements if "article_sources" in s]
        plan = " | ".join(str(r["detail"]) for r in await db.fetchall(f"EXPLAIN QUERY PLAN {query}"))
        assert "article_sources_feed" in plan, plan
        assert "SCAN article_sources" not in plan, plan
    finally:
        await db.close()
