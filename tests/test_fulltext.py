"""Related-story search on SQLite (storage.fulltext): BM25 scored outside FTS5 is FTS5's own,
both scorers rank alike, the newest matches of any word are skipped when enough match every
word, and new search stems change the counts search plans with.

Stories are stored through ``ArticleRepo.insert`` into a real SQLite file, with search stems
written out (what ``namekeys.index_text`` would give), so the counts are known."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

import storage.articles
from storage import Database, fulltext
from storage.articles import NewArticle

NOW = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
pytestmark = pytest.mark.sqlite_only("FTS5: its bm25(), its shadow tables and the plan around them")

# (title stems, body stems): adjacent repeats, a stem in both columns, an empty title, sizes apart.
STORIES = [
    ("ukrain war", "ukrain war ukrain 0ukrn dam flood dam dam river"),
    ("dam", "dam dam open gate ukrain"),
    ("", "war war war ukrain"),
    ("flood river ukrain", "river " * 40 + "ukrain"),
    ("kyiv 0kv war", "kyiv war 0ukrn ukrain ukrain ukrain election"),
    ("election", "vote election count war"),
    ("ukrain ukrain", "war"),
    ("river flood", "flood flood flood flood ukrain war dam"),
]


async def _store(db: Database, stories: list[tuple[str, str]], *, start: datetime = NOW) -> list[int]:
    ids = []
    for index, (title, body) in enumerate(stories):
        ids.append(await db.articles.insert(NewArticle(
            feed_id=None, url=f"https://n.example/{start.timestamp()}/{index}",
            canonical_url=f"https://n.example/{start.timestamp()}/{index}", guid=None, title=title or "untitled",
            text=body, summary=body[:100], language="en", author="", published_at=start - timedelta(hours=index),
            from_feed=False, related=(), fingerprint=None, bands=None, title_terms=title, body_terms=body,
        ), now=start))
    return ids


@pytest.fixture
async def sqlite_db(tmp_path: Path) -> Database:
    db = await Database.open(tmp_path / "bot.db")
    yield db  # type: ignore[misc]
    await db.close()


async def test_bm25_scored_here_is_fts5s_to_the_bit(sqlite_db: Database) -> None:
    db = sqlite_db
    await _store(db, STORIES)
    averages = await db.scalar("SELECT block FROM articles_fts_data WHERE id = 1")
    totals = fulltext.Totals.from_averages(averages)  # type: ignore[arg-type]
    assert totals.rows == len(STORIES)
    assert totals.tokens == sum(len(f"{t} {b}".split()) for t, b in STORIES)
    for phrases, expression in [
        (["ukrain", "0ukrn", "war"], '("ukrain" OR "0ukrn") AND "war"'),
        (["dam", "river", "flood", "ukrain"], '"dam" OR "river" OR "flood" OR "ukrain"'),
        (["war", "war"], '"war" AND "war"'),  # one stem twice: two phrases, as FTS5 counts them
    ]:
        rows = await db.fetchall(
            "SELECT f.rowid, -bm25(articles_fts, 3.0, 1.0), CAST(c.c0 AS BLOB), CAST(c.c1 AS BLOB) FROM articles_fts f "
            "JOIN articles_fts_content c ON c.id = f.rowid WHERE articles_fts MATCH ?", (expression,)
        )
        assert rows
        idfs = []
        for phrase in phrases:
            matches = await db.scalar("SELECT count(*) FROM articles_fts WHERE articles_fts MATCH ?", (f'"{phrase}"',))
            idfs.append(fulltext.idf(int(matches), totals.rows))  # type: ignore[call-overload]
        ours = fulltext.scores([(r[2], r[3]) for r in rows], phrases, idfs, totals.average_size)
        assert ours == [r[1] for r in rows], expression


def test_varints_read_sqlites_encoding() -> None:
    assert fulltext.varints(bytes([0x05, 0x81, 0x00, 0xFF, 0x7F])) == [5, 128, 0x3FFF]
    assert fulltext.varints(bytes([0xFF] * 8 + [0x01])) == [(2**56 - 1) << 8 | 1]


def _force(monkeypatch: pytest.MonkeyPatch, scorer: str) -> None:
    """Make the cost model pick one scorer: scoring here free, or FTS5's walks free."""
    if scorer == "here":
        monkeypatch.setattr(fulltext, "HERE_FIXED_US", 0.0)
        monkeypatch.setattr(fulltext, "HERE_PER_ROW_PHRASE_US", 0.0)
    else:
        monkeypatch.setattr(fulltext, "FTS_PER_MATCH_US", 0.0)


@pytest.fixture
def small_common(monkeypatch: pytest.MonkeyPatch) -> None:
    """A stem in more than 3 stories counts as common (500 at the bot's scale)."""
    monkeypatch.setattr(storage.articles, "_RARE_DOCS", 3)
    monkeypatch.setattr(storage.articles, "_RARE_BUDGET", 6)


@pytest.mark.usefixtures("small_common")
async def test_both_scorers_rank_the_newest_matches_of_common_words_alike(
    sqlite_db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = sqlite_db
    await _store(db, STORIES)
    await _store(db, STORIES[::-1], start=NOW - timedelta(days=3))
    queries = [[("ukrain", "0ukrn")], [("ukrain", "0ukrn"), ("war",)], [("dam",), ("flood",)],
               [("election",), ("ukrain",)], [("river",), ("kyiv", "0kv")]]
    answers: dict[str, list[list[int]]] = {}
    for scorer in ("fts5", "here"):
        with monkeypatch.context() as patch:
            _force(patch, scorer)
            answers[scorer] = [[a.id for a in await db.articles.search(q, limit=6, now=NOW)] for q in queries]
    assert answers["here"] == answers["fts5"]
    assert all(answers["here"])


@pytest.mark.usefixtures("small_common")
@pytest.mark.parametrize("scorer", ["fts5", "here"])
async def test_the_newest_matches_of_any_word_only_when_too_few_match_every_word(
    sqlite_db: Database, monkeypatch: pytest.MonkeyPatch, scorer: str
) -> None:
    db = sqlite_db
    _force(monkeypatch, scorer)
    ids = await _store(db, [("ukrain war", "ukrain war"), ("ukrain war", "war ukrain"), ("ukrain", "ukrain"),
                            ("war", "war"), ("ukrain", "peace"), ("war", "loss")])
    both = {ids[0], ids[1]}
    groups = [("ukrain",), ("war",)]  # each in 4 stories: both common
    found = {a.id for a in await db.articles.search(groups, limit=6, now=NOW, candidates=2)}
    assert found == both  # two match every word: as many as wanted, no story with one word
    found = {a.id for a in await db.articles.search(groups, limit=6, now=NOW, candidates=3)}
    assert both < found and len(found) > 2  # too few match both: stories with either come too


@pytest.mark.usefixtures("small_common")
async def test_new_search_stems_change_the_counts_search_plans_with(
    sqlite_db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = sqlite_db
    _force(monkeypatch, "here")
    ids = await _store(db, STORIES)
    assert await db.articles.search([("ukrain",), ("war",)], limit=3, now=NOW)
    assert await db.articles.match_counts(["ukrain"]) == {"ukrain": 3}  # common: capped
    await db.articles.replace_index_terms([(i, "peace", "peace") for i in ids])
    assert await db.articles.match_counts(["ukrain", "peace"]) == {"ukrain": 0, "peace": 3}
    assert await db.articles.search([("ukrain",), ("war",)], limit=3, now=NOW) == []
