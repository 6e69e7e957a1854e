"""Search over stems in a real SQLite FTS5 table, with the MATCH expressions storage builds
(``storage.fulltext.plan_parts``; their safety against FTS5 syntax: ``test_fulltext_syntax.py``)."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.news.textsearch import index_terms, query_groups, stem_terms
from storage import fulltext

TOKENIZER = "unicode61 remove_diacritics 2"  # as in storage/schema.py

DOCUMENTS = {
    1: (
        "Putin's visit to Beijing ends with pledges of 'no limits' partnership",
        "Vladimir Putin's two-day visit to China ended with a joint statement on energy and "
        "trade. The Russian president met Xi Jinping for talks.",
    ),
    2: (
        "Зеленський прокоментував візит Путіна до Китаю",
        "Президент України заявив, що переговори Путіна в Пекіні не змінять позицію "
        "партнерів. Він закликав посилити санкції.",
    ),
    3: (
        "Песков рассказал об итогах визита Путина в Китай",
        "По словам пресс-секретаря, Путину удалось договориться о поставках газа. Ёмкость "
        "рынка оценивается в миллиарды долларов.",
    ),
    4: (
        "Heavy rain floods streets in Lviv",
        "Firefighters pumped water from basements after a storm. Нова злива очікується у "
        "вівторок, повідомили синоптики.",
    ),
}


@pytest.fixture
def db() -> Iterator[sqlite3.Connection]:
    connection = sqlite3.connect(":memory:")
    connection.execute(f"CREATE VIRTUAL TABLE docs USING fts5 (title, body, tokenize = '{TOKENIZER}')")
    for rowid, (title, body) in DOCUMENTS.items():
        connection.execute(
            "INSERT INTO docs (rowid, title, body) VALUES (?, ?, ?)",
            (rowid, index_terms(title), index_terms(body)),
        )
    yield connection
    connection.close()


def planned_match(words: str, *, match_all: bool = False) -> str:
    """The planner's MATCH expression for ``words`` taken as common words: the newest matching
    any word (``match_all``: every word)."""
    groups = query_groups(words)
    if not groups:
        return ""
    parts = {p.matching: p.expression for p in fulltext.plan_parts(fulltext.Plan(groups, [], {}, 500, 100))}
    return parts["every word"] if match_all else parts["any word"]


def search(connection: sqlite3.Connection, words: str) -> list[int]:
    query = planned_match(words)
    if not query:
        return []
    rows = connection.execute(
        "SELECT rowid FROM docs WHERE docs MATCH ? ORDER BY bm25(docs)", (query,)
    ).fetchall()
    return [rowid for (rowid,) in rows]


def test_possessive_and_plain_forms_meet() -> None:
    assert index_terms("Putin's visits") == index_terms("Putin visit") == "putin visit"
    assert index_terms("Путіна Путину Путина ПУТИН") == "путин путин путин путин"


def test_ukrainian_letters_fold_to_russian_ones() -> None:
    assert stem_terms("України") == stem_terms("Украины") == stem_terms("Україна")
    assert stem_terms("Єрусалим ґанок") == stem_terms("Ерусалим ганок")
    assert stem_terms("ёмкость") == stem_terms("емкость")


def test_ukrainian_and_russian_spellings_of_a_word_meet() -> None:
    assert stem_terms("Зеленського") == stem_terms("Зеленского")
    assert stem_terms("вибори") == stem_terms("выборы")
    assert stem_terms("об'єкт") == stem_terms("объект")
    assert stem_terms("економіка") == stem_terms("экономика")


def test_apostrophes_and_stress_marks_stay_inside_words() -> None:
    assert stem_terms("п'ять м’ячів") == stem_terms("пять мячів")
    assert stem_terms("Пути́на") == stem_terms("Путина")
    assert stem_terms("новый") != stem_terms("новыи")  # "й" is a letter, not "и" + accent


def test_stop_words_are_dropped_in_all_three_languages() -> None:
    assert stem_terms("the and of") == []
    assert stem_terms("що це та він") == []
    assert stem_terms("что это и он") == []
    assert planned_match("the of та и") == ""


def test_numbers_and_abbreviations_are_kept() -> None:
    assert stem_terms("16% in 2024") == ["16", "2024"]
    assert stem_terms("US sanctions") == ["us", "sanction"]


@pytest.mark.parametrize(
    ("words", "expected"),
    [
        ("Putin's visit", {1}),  # no transliteration: "Putin" does not find "Путин"
        ("visits of Putin", {1}),
        ("Путіна", {2, 3}),
        ("Путина", {2, 3}),
        ("Путин", {2, 3}),
        ("визит", {2, 3}),  # "визит" and "візит" stem to "виз", "визита" to "визит"
        ("визита", {2, 3}),
        ("переговоры", {2}),  # Russian word, Ukrainian document: "переговори"
        ("газу", {3}),
        ("емкость", {3}),
        ("rains flooding", {4}),
        ("злива", {4}),
    ],
)
def test_queries_find_the_right_documents(
    db: sqlite3.Connection, words: str, expected: set[int]
) -> None:
    assert set(search(db, words)) == expected


def test_or_ranks_documents_with_more_terms_first(db: sqlite3.Connection) -> None:
    found = search(db, "Песков о визите Путина")
    assert found == [3, 2]  # 3 has "песков", "визит" and "путин"; 2 only "візит" and "путін"


def test_match_all_requires_every_term(db: sqlite3.Connection) -> None:
    query = planned_match("Путин газ", match_all=True)
    rows = db.execute("SELECT rowid FROM docs WHERE docs MATCH ?", (query,)).fetchall()
    assert rows == [(3,)]
    query = planned_match("визит Зеленский", match_all=True)  # a word with several stems
    assert query.startswith('("виз" OR "визит") AND ')
    assert db.execute("SELECT rowid FROM docs WHERE docs MATCH ?", (query,)).fetchall() == [(2,)]


@pytest.fixture(scope="module")
def vocab_db() -> Iterator[sqlite3.Connection]:
    connection = sqlite3.connect(":memory:")
    connection.execute(f"CREATE VIRTUAL TABLE t USING fts5 (x, tokenize = '{TOKENIZER}')")
    connection.execute("CREATE VIRTUAL TABLE t_vocab USING fts5vocab (t, 'instance')")
    yield connection
    connection.close()


_WORDS = st.one_of(
    st.text(max_size=30),
    st.lists(
        st.sampled_from(["Putin's", "Путіна", "п'ять", "Пути́на", "ёж", "ґанок", "naïve", "İstanbul", "x²", "ß", "₂"]),
        max_size=6,
    ).map(" ".join),
)


@settings(max_examples=300, deadline=None)
@given(_WORDS)
def test_every_stem_is_one_fts5_token(vocab_db: sqlite3.Connection, words: str) -> None:
    stems = stem_terms(words)
    vocab_db.execute("DELETE FROM t")
    vocab_db.executemany("INSERT INTO t (rowid, x) VALUES (?, ?)", list(enumerate(stems, 1)))
    tokens_per_row = dict(vocab_db.execute("SELECT doc, count(*) FROM t_vocab GROUP BY doc").fetchall())
    assert tokens_per_row == {row: 1 for row in range(1, len(stems) + 1)}
