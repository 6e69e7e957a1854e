"""`newsbot migrate --from sqlite:///… --to postgresql://…`: an installation moves with all its
data, its search still finds the same stories, new rows get new ids, and a database that
already holds data is never written to."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.cli import main
from bot.clock import FakeClock
from bot.ingest import Ingestor
from bot.news.http import FetchPolicy, Fetcher
from bot.news.models import Article
from bot.news.pipeline import process_article
from bot.related import search_stories
from storage import Database
from tests.pgserver import PostgresServer, new_pg_database
from tests.stories import DAM, ELECTION, QUAKE_AP

NOW = datetime(2026, 3, 1, 9, 30, tzinfo=UTC)


async def _installation(path: Path) -> dict[str, int]:
    """An SQLite installation with a bit of everything: feeds, stories, chats, outbox, schedules."""
    db = await Database.connect(path)
    clock = FakeClock(NOW)
    try:
        feed, _ = await db.feeds.add("https://news.example/rss", now=NOW, title="News")
        await db.chats.upsert(-1001, "channel", title="Channel", now=NOW)
        await db.chats.upsert(42, "private", title="Ann", now=NOW)
        await db.subscriptions.add(-1001, feed.id, now=NOW)
        ingestor = Ingestor(db, Fetcher(FetchPolicy()), clock=clock)
        ids = {}
        for key, (title, text) in {"dam": ("Dam gates open after repairs", DAM),
                                   "election": ("Portugal votes for stability", ELECTION),
                                   "quake": ("Strong earthquake shakes the coast", QUAKE_AP)}.items():
            item = process_article(Article(url=f"https://{key}.example/story", title=title, text=text, language="en"))
            ids[key] = (await ingestor.store(item, feed_id=feed.id)).article_id
        await db.deliveries.enqueue_article(ids["dam"], [-1001, 42], now=NOW)
        [first, _] = await db.deliveries.claim_due(NOW, 10)
        await db.deliveries.mark_sent(first.id, message_id=7, now=NOW)
        await db.deliveries.enqueue_broadcast("Hello", [42], created_by=1, now=NOW)
        await db.schedules.add(-1001, "digest", days="", times="09:00", now=NOW)
        await db.state.set("last_cleanup", "2026-03-01")
        return ids
    finally:
        await db.close()


async def _counts(db: Database) -> dict[str, int]:
    tables = ("feeds", "articles", "article_sources", "articles_fts", "chats", "subscriptions", "broadcasts",
              "deliveries", "schedules", "app_state", "story_profiles", "story_keys", "term_df")
    return {t: int(await db.scalar(f"SELECT count(*) FROM {t}") or 0) for t in tables}


@pytest.mark.sqlite_only("the SQLite installation is the source newsbot migrate copies to PostgreSQL")
def test_an_sqlite_installation_is_copied_whole_to_postgresql(
    tmp_path: Path, pg_server: PostgresServer | None, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "newsbot.db"
    ids = asyncio.run(_installation(source))
    target = asyncio.run(new_pg_database(pg_server, template=None))  # brand-new: migrate creates the schema

    assert main(["migrate", "--from", f"sqlite:///{source}", "--to", target]) == 0
    out = capsys.readouterr().out
    assert "copied" in out and "articles: 3" in out
    asyncio.run(_check_copy(source, target, ids))


async def _check_copy(source: Path, target: str, ids: dict[str, int]) -> None:
    old, new = await Database.connect(source), await Database.connect(target)
    try:
        assert new.engine == "postgresql"
        assert await _counts(new) == await _counts(old)
        assert [d.state for d in await new.deliveries.for_chat(-1001)] == ["sent"]
        assert (await new.chats.get(-1001)).title == "Channel"  # type: ignore[union-attr]
        # The search index was rebuilt from the stems: the same query finds the same story.
        for db in (old, new):
            found = await search_stories(db, "earthquake coast", now=NOW + timedelta(hours=1), limit=3)
            assert [a.id for a in found][:1] == [ids["quake"]]
        # stem_df counted from the copied index, in PostgreSQL's lexemes (not copied from FTS5's tokens).
        lexemes = await new.fetchall(
            "SELECT t.term, count(*) FROM articles_fts f, unnest(tsvector_to_array(f.tsv)) AS t (term) GROUP BY t.term"
        )
        assert {r[0]: int(r[1]) for r in await new.fetchall("SELECT term, df FROM stem_df")} == {
            "": 3, **{r[0]: int(r[1]) for r in lexemes}}
        # Vacuumed and analyzed: the planner knows the copied tables from the start.
        assert await new.scalar(
            "SELECT last_vacuum IS NOT NULL AND last_analyze IS NOT NULL FROM pg_stat_user_tables "
            "WHERE relname = 'articles_fts'"
        )
        # Sequences moved past the copied ids: a new row gets a new id, no collision.
        feed, created = await new.feeds.add("https://other.example/rss", now=NOW)
        assert created and feed.id > max(f.id for f in await old.feeds.list())
        broadcast_id, queued = await new.deliveries.enqueue_broadcast("Again", [42], created_by=1, now=NOW)
        assert queued == 1 and broadcast_id == 2
    finally:
        await old.close()
        await new.close()


@pytest.mark.sqlite_only("the SQLite installation is the source newsbot migrate copies to PostgreSQL")
def test_a_target_that_holds_data_is_refused_and_left_alone(
    tmp_path: Path, pg_server: PostgresServer | None, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "newsbot.db"
    asyncio.run(_installation(source))
    target = asyncio.run(new_pg_database(pg_server))

    async def one_chat() -> None:
        db = await Database.connect(target)
        await db.chats.upsert(7, "private", title="Already here", now=NOW)
        await db.close()

    asyncio.run(one_chat())
    assert main(["migrate", "--from", f"sqlite:///{source}", "--to", target]) == 2
    err = capsys.readouterr().err
    assert "is not empty (table chats has rows)" in err and "new, empty database" in err

    async def unchanged() -> None:
        db = await Database.connect(target)
        try:
            assert [c.title for c in await db.chats.list()] == ["Already here"]
            assert await db.feeds.list() == []
        finally:
            await db.close()

    asyncio.run(unchanged())


def test_wrong_urls_get_a_plain_message(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["migrate", "--from", f"sqlite:///{tmp_path}/missing.db", "--to", "postgresql://db/x"]) == 2
    assert "there is no SQLite database at" in capsys.readouterr().err
    assert main(["migrate", "--from", "postgresql://a/b", "--to", "postgresql://db/x"]) == 2
    assert "--from must be an SQLite URL" in capsys.readouterr().err
    assert main(["migrate", "--from", f"sqlite:///{tmp_path}/x.db"]) == 2
    assert "give both --from" in capsys.readouterr().err
