"""``stem_df``: how many indexed stories hold each search token, kept exact with the index.

Related-story search needs, for BM25's IDF, each query stem's number of matching stories.
Counting a common stem in FTS5 walks its whole document list ("Ukraine" and its name key:
94,000 entries at 100,000 stories, about 5 ms); ``stem_df`` answers it from one B-tree row.
The row ``''`` (``DOCS``) counts the indexed stories themselves.

Kept exact in the transaction that writes the index rows:

* SQLite: by ``ArticleRepo`` through ``change`` (FTS5 tables take no triggers). The key is the
  token FTS5 stores, so a count is exactly what ``count(*) ... MATCH '"stem"'`` gives: the
  ``unicode61 remove_diacritics 2`` tokenizer folds case and Latin accents ("são" is stored
  as "sao"). ``_Fold`` learns each character's folding from SQLite's own tokenizer, once a
  character, on a private in-memory FTS5 table, so the two never disagree.
* PostgreSQL: by a trigger on ``articles_fts`` (``storage.schema_pg``), over the
  ``tsvector``'s own lexemes.

The character-by-character model gave the same counts as FTS5 for all 140,297 tokens of the
100,000-story bench corpus, and ``tests/test_stem_df.py`` checks it on mixed strings.

``backfill_sqlite`` fills it from an existing index (the migration that adds it): FTS5's
``fts5vocab`` table already holds every token's document count, read in batches of tokens
(2.96 s for the bench corpus); ``backfill_pg`` adds up rows' lexemes a batch of rows at a time.
Each runs inside its migration's transaction: interrupted, nothing is kept and the schema
version stays, so the next start runs it again from the beginning; run again, it writes the
same rows (SQLite sets each count, PostgreSQL empties the table first).
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from functools import lru_cache
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from storage.db import Database

DOCS = ""  # the row counting the indexed stories (no token is empty)
BACKFILL_BATCH = 20_000  # tokens a statement of the SQLite backfill reads and writes
BACKFILL_ROWS = 5_000  # index rows a statement of the PostgreSQL backfill reads

TABLE = "CREATE TABLE IF NOT EXISTS stem_df (term TEXT PRIMARY KEY, df INTEGER NOT NULL) WITHOUT ROWID"
_ADD = "INSERT INTO stem_df (term, df) VALUES (?, ?) ON CONFLICT (term) DO UPDATE SET df = stem_df.df + excluded.df"
_DROP_ZERO = "DELETE FROM stem_df WHERE term = ? AND df <= 0"


class _Fold:
    """What FTS5's tokenizer makes of each character: its folded form ('' when dropped, as a
    combining accent is), or None where it separates tokens. Learnt from SQLite itself."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._chars: dict[str, str | None] = {}
        self._conn: sqlite3.Connection | None = None

    def of(self, text: str) -> dict[str, str | None]:
        missing = [c for c in dict.fromkeys(text) if c not in self._chars]
        if missing:
            with self._lock:
                self._learn([c for c in missing if c not in self._chars])
        return self._chars

    def _learn(self, chars: list[str]) -> None:
        if not chars:
            return
        if self._conn is None:
            self._conn = sqlite3.connect(":memory:", check_same_thread=False)
            self._conn.execute("CREATE VIRTUAL TABLE t USING fts5 (x, tokenize = 'unicode61 remove_diacritics 2')")
            self._conn.execute("CREATE VIRTUAL TABLE v USING fts5vocab (t, 'instance')")
        conn = self._conn
        # Each character between two "a"s: one token "a…a" if it is a token character.
        conn.executemany("INSERT INTO t (rowid, x) VALUES (?, ?)", [(i + 1, f"a{c}a") for i, c in enumerate(chars)])
        tokens: dict[int, list[str]] = {}
        for term, doc in conn.execute("SELECT term, doc FROM v"):
            tokens.setdefault(int(doc), []).append(term)
        conn.execute("DELETE FROM t")
        for index, char in enumerate(chars):
            found = tokens.get(index + 1, [])
            self._chars[char] = found[0][1:-1] if len(found) == 1 else None


_FOLD = _Fold()


@lru_cache(maxsize=65536)
def stem_tokens(stem: str) -> tuple[str, ...]:
    """The tokens FTS5 stores for one space-free stem (almost always one)."""
    chars = _FOLD.of(stem)
    tokens, current = [], []
    for char in stem:
        folded = chars[char]
        if folded is None:
            if current:
                tokens.append("".join(current))
            current = []
        else:
            current.append(folded)
    if current:
        tokens.append("".join(current))
    return tuple(t for t in tokens if t)


def key(stem: str) -> str | None:
    """The ``stem_df`` row a stem's MATCH count is; None when FTS5 reads it as no token or
    as a phrase of several (then only a MATCH can count it)."""
    tokens = stem_tokens(stem)
    return tokens[0] if len(tokens) == 1 else None


def row_tokens(title: str, body: str) -> set[str]:
    """The distinct tokens of one index row (its title and body stems)."""
    return {t for stem in f"{title} {body}".split() for t in stem_tokens(stem)}


async def change(conn: Any, added: Iterable[tuple[str, str]] = (), removed: Iterable[tuple[str, str]] = ()) -> None:
    """Count index rows (title stems, body stems) just added and take away those just removed,
    in the caller's transaction (SQLite; PostgreSQL's trigger does this itself)."""
    delta: Counter[str] = Counter()
    for title, body in added:
        delta.update(row_tokens(title, body))
        delta[DOCS] += 1
    for title, body in removed:
        delta.subtract(row_tokens(title, body))
        delta[DOCS] -= 1
    changes = sorted((term, n) for term, n in delta.items() if n)
    if changes:
        await conn.executemany(_ADD, changes)
    gone = [(term,) for term, n in changes if n < 0]
    if gone:
        await conn.executemany(_DROP_ZERO, gone)


async def index_rows(conn: Any, article_ids: Sequence[int]) -> list[tuple[str, str]]:
    """The index rows (title stems, body stems) stored now for these stories (SQLite), read in
    the caller's transaction before they are replaced or removed."""
    ids, rows = list(dict.fromkeys(article_ids)), []
    for start in range(0, len(ids), 500):
        chunk = ids[start:start + 500]
        async with conn.execute(
            f"SELECT title, body FROM articles_fts WHERE rowid IN ({','.join('?' for _ in chunk)})", chunk
        ) as cursor:
            rows += [(r[0] or "", r[1] or "") for r in await cursor.fetchall()]
    return rows


async def counts(db: Database, stems: Sequence[str]) -> tuple[dict[str, int], int]:
    """(each stem's number of matching stories, the number of indexed stories), one read
    (SQLite; on PostgreSQL ``storage.fulltext_pg`` reads the table in its own statement).
    Stems FTS5 would read as no token or as a phrase (``key`` None) are left out."""
    keys = {stem: k for stem in stems if (k := key(stem)) is not None}
    wanted = sorted({*keys.values(), DOCS})
    found: Mapping[str, int] = {r[0]: int(r[1]) for r in await db.fetchall(
        "SELECT term, df FROM stem_df WHERE term IN (SELECT value FROM json_each(?))",
        (json.dumps(wanted, ensure_ascii=False),))}
    return {stem: found.get(k, 0) for stem, k in keys.items()}, found.get(DOCS, 0)


async def backfill_sqlite(conn: Any) -> None:
    """Fill ``stem_df`` from the FTS5 index as it is, a batch of tokens at a time (in token
    order, each statement reading on from the last token written). Counts are set, not added:
    run again, it writes the same rows."""
    await conn.execute("CREATE VIRTUAL TABLE IF NOT EXISTS temp.stem_df_vocab USING fts5vocab (main, articles_fts, 'row')")
    last = DOCS  # every token sorts after ''
    while True:
        async with conn.execute(
            "SELECT term, doc FROM temp.stem_df_vocab WHERE term > ? ORDER BY term LIMIT ?", (last, BACKFILL_BATCH)
        ) as cursor:
            rows = list(await cursor.fetchall())
        if not rows:
            break
        await conn.executemany(
            "INSERT INTO stem_df (term, df) VALUES (?, ?) ON CONFLICT (term) DO UPDATE SET df = excluded.df",
            [(r[0], int(r[1])) for r in rows],
        )
        last = rows[-1][0]
    await conn.execute(
        "INSERT INTO stem_df (term, df) VALUES ('', (SELECT count(*) FROM articles_fts)) "
        "ON CONFLICT (term) DO UPDATE SET df = excluded.df"
    )
    await conn.execute("DROP TABLE temp.stem_df_vocab")


async def backfill_pg(conn: Any) -> None:
    """Fill ``stem_df`` from PostgreSQL's index as it is (an asyncpg connection, inside the
    caller's transaction): emptied first, then a batch of index rows at a time in rowid
    order, each batch's lexemes counted and added. All or nothing with the transaction."""
    await conn.execute("DELETE FROM stem_df")
    last = 0
    while True:
        upto = await conn.fetchval(
            "SELECT max(rowid) FROM (SELECT rowid FROM articles_fts WHERE rowid > $1 ORDER BY rowid LIMIT $2) AS b",
            last, BACKFILL_ROWS,
        )
        if upto is None:
            return
        await conn.execute(
            "INSERT INTO stem_df (term, df) SELECT t.term, count(*) FROM articles_fts f, "
            "unnest(tsvector_to_array(f.tsv) || '{\"\"}'::text[]) AS t (term) WHERE f.rowid > $1 AND f.rowid <= $2 "
            'GROUP BY t.term ORDER BY t.term COLLATE "C" '
            "ON CONFLICT (term) DO UPDATE SET df = stem_df.df + excluded.df",
            last, upto,
        )
        last = upto
