"""PostgreSQL's match counts (storage/fulltext_pg.py) come from ``stem_df``, which a trigger keeps:
the counts a search plans with are exactly those of counting the index, up to RARE_DOCS, whatever
the planner's statistics of the index say (they once stood in for counting common stems)."""

from __future__ import annotations

import pytest

from storage import Database
from storage.fulltext_pg import RARE_DOCS


@pytest.fixture
def engine() -> str:
    return "postgresql"


async def test_match_counts_are_the_same_with_the_index_statistics_and_without(database_target: str) -> None:
    db = await Database.connect(database_target)
    try:
        bodies = [" ".join(["common"] + (["mid"] if n % 2 else []) + (["rare"] if n < 40 else []))
                  for n in range(3 * RARE_DOCS)]
        async with db.transaction() as conn:
            await conn.executemany("INSERT INTO articles_fts (rowid, body) VALUES (?, ?)",
                                   [(n + 1, body) for n, body in enumerate(bodies)])
        terms = ["common", "mid", "rare", "absent"]
        expected = {"common": RARE_DOCS, "mid": RARE_DOCS, "rare": 40, "absent": 0}
        assert await db.articles.match_counts(terms) == expected  # no statistics yet: all counted
        await db.execute("ANALYZE articles_fts")
        assert await db.fetchone("SELECT 1 FROM pg_stats WHERE tablename = 'articles_fts' AND attname = 'tsv' "
                                 "AND most_common_elems IS NOT NULL") is not None
        assert await db.articles.match_counts(terms) == expected  # "common" from the statistics
    finally:
        await db.close()
