"""Whatever a user types, the search planner's MATCH expressions are words to FTS5, never its
syntax (quotes, OR/AND/NOT/NEAR, *, ^, column filters, NUL), and they find the text they came
from. The expressions are the ones ``storage.fulltext`` runs (``plan_parts``); the same words
also go through ``ArticleRepo.search`` on both engines (PostgreSQL's ``phraseto_tsquery``)."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.news.textsearch import MAX_QUERY_TERMS, index_terms, query_groups
from storage import Database, fulltext
from storage.articles import NewArticle

TOKENIZER = "unicode61 remove_diacritics 2"  # as in storage/schema.py
NOW = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)

HOSTILE = [
    '"foo" OR bar* NEAR(',
    ") AND (",
    "NOT",
    "title: body:",
    "^start *",
    '"""',
    "a + b - c",
    "{title body}: x",
    "NEAR(a b, 5)",
    "\x00\x01 nul",
    "Путин' OR 1=1 --",
    "«Путін» AND „Зеленський“",
    "x" * 5000,
]


def expressions(words: str, *, rare: bool) -> list[fulltext.Part]:
    """The planner's parts for ``words``: all its words rare (their best matches), or all common
    (the newest matching every word, and any word)."""
    groups = query_groups(words)
    if not groups:
        return []
    plan = fulltext.Plan(groups, groups if rare else [], {}, 500, 100)
    return fulltext.plan_parts(plan)


@pytest.fixture(scope="module")
def fts() -> Iterator[sqlite3.Connection]:
    connection = sqlite3.connect(":memory:")
    connection.execute(f"CREATE VIRTUAL TABLE t USING fts5 (x, tokenize = '{TOKENIZER}')")
    yield connection
    connection.close()


def _matches(fts: sqlite3.Connection, text: str, expression: str) -> list[tuple[int]]:
    fts.execute("DELETE FROM t")
    fts.execute("INSERT INTO t (rowid, x) VALUES (1, ?)", (index_terms(text),))
    return fts.execute("SELECT rowid FROM t WHERE t MATCH ?", (expression,)).fetchall()


@pytest.mark.parametrize("words", HOSTILE)
@pytest.mark.parametrize("rare", [True, False])
def test_hostile_input_is_plain_words_to_fts5(fts: sqlite3.Connection, words: str, rare: bool) -> None:
    for part in expressions(words, rare=rare):
        assert _matches(fts, words, part.expression) == [(1,)]  # valid, and finds its own text
        unquoted = part.expression
        for joint in ('" OR "', '" AND "', '" AND ("', '") AND "', '") AND ("', '("', '")'):
            unquoted = unquoted.replace(joint, "")
        assert '"' not in unquoted.strip('"')  # no quote but our own


def test_operators_and_syntax_characters_become_words_or_nothing() -> None:
    [rare] = expressions('"foo" OR bar* NEAR(', rare=True)
    assert rare.expression == '"foo" OR "bar" OR "near"'
    every, any_word = expressions('"foo" OR bar* NEAR(', rare=False)
    assert every.expression == '"foo" AND "bar" AND "near"' and any_word.expression == rare.expression
    assert query_groups(") AND (") == [] and query_groups("the of та и") == []


def test_a_word_with_several_stems_matches_any_of_them(fts: sqlite3.Connection) -> None:
    every, _ = expressions("визит Зеленский", rare=False)
    assert every.expression.startswith('("виз" OR "визит") AND ')
    assert _matches(fts, "Зеленський прокоментував візит Путіна", every.expression) == [(1,)]
    assert _matches(fts, "Зеленський прокоментував вибори", every.expression) == []


def test_query_words_are_deduplicated_and_capped() -> None:
    assert query_groups("visit visits visited") == [("visit",)]
    assert len(query_groups(" ".join(f"word{index}" for index in range(100)))) == MAX_QUERY_TERMS


_WORDS = st.one_of(
    st.text(max_size=30),
    st.lists(
        st.sampled_from(["Putin's", "Путіна", "п'ять", "Пути́на", "ёж", "ґанок", "naïve", "İstanbul", "x²", "ß", "₂",
                         "OR", "NEAR(", '"', "*", "^", ":"]),
        max_size=6,
    ).map(" ".join),
)


@settings(max_examples=300, deadline=None)
@given(_WORDS)
def test_any_input_gives_valid_expressions_that_find_their_own_text(fts: sqlite3.Connection, words: str) -> None:
    for rare in (True, False):
        for part in expressions(words, rare=rare):
            assert _matches(fts, words, part.expression) == [(1,)]


async def test_hostile_words_search_stored_stories_on_both_engines(db: Database) -> None:
    titles = ["Putin visits Beijing", "Зеленський прокоментував візит Путіна", "NEAR the title: body of x"]
    for index, title in enumerate(titles):
        await db.articles.insert(NewArticle(
            feed_id=None, url=f"https://n.example/{index}", canonical_url=f"https://n.example/{index}", guid=None,
            title=title, text=title, summary=title, language="en", author="", published_at=NOW, from_feed=False,
            related=(), fingerprint=None, bands=None, title_terms=index_terms(title), body_terms=index_terms(title),
        ), now=NOW)
    for words in HOSTILE:
        await db.articles.search(query_groups(words), limit=5, now=NOW)  # never an error
    found = await db.articles.search(query_groups("«Путін» AND „Зеленський“"), limit=5, now=NOW)
    assert [a.title for a in found][:1] == [titles[1]]
    found = await db.articles.search(query_groups('title: NEAR(x "body"'), limit=5, now=NOW)
    assert [a.title for a in found] == [titles[2]]
