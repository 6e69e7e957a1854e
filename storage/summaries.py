"""LLM summaries cached per story and language, and the LLM's daily usage counters.

A ``story_summaries`` row is written once per (story, language) the LLM was asked for: the
answer when the guard accepted it (outcome ``ok``), else an empty summary and the reason it
was discarded. Either way the pair is never asked again, so a story that comes back from
another source, or is posted again, costs no second call; only a correction of the story's
text drops its rows (``forget``). ``llm_usage`` counts, per UTC day,
requests, tokens, cache hits and fallbacks by reason: the budget and ``/stats`` read it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from storage._time import to_db

if TYPE_CHECKING:
    from storage.db import Database

OK = "ok"


@dataclass(frozen=True, slots=True)
class CachedSummary:
    article_id: int
    language: str
    summary: str  # "" unless outcome is "ok"
    outcome: str  # "ok", or why the answer was discarded ("timeout", "link", ...)
    model: str

    @property
    def usable(self) -> bool:
        return self.outcome == OK and bool(self.summary)


class SummaryRepo:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def get(self, article_id: int, language: str) -> CachedSummary | None:
        row = await self._db.fetchone(
            "SELECT article_id, language, summary, outcome, model FROM story_summaries "
            "WHERE article_id = ? AND language = ?",
            (article_id, language),
        )
        return None if row is None else CachedSummary(*row)

    async def save(
        self, article_id: int, language: str, *, summary: str, outcome: str, model: str, now: datetime
    ) -> bool:
        """Record the LLM's outcome for a story and language; False if one was already stored
        (the first answer stays: a story is summarized once per language)."""
        return await self._db.execute(
            "INSERT INTO story_summaries (article_id, language, summary, outcome, model, created_at) "
            "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (article_id, language) DO NOTHING",
            (article_id, language, summary, outcome, model, to_db(now)),
        ) > 0

    async def forget(self, article_id: int) -> int:
        """Drop a story's cached summaries in every language (its text was corrected: they
        summarize the old one); returns how many were dropped. The next post asks again."""
        return await self._db.execute("DELETE FROM story_summaries WHERE article_id = ?", (article_id,))

    async def count_usage(self, day: str, counts: Mapping[str, int]) -> None:
        """Add ``counts`` (name → amount) to the day's usage counters."""
        rows = [(day, name, amount) for name, amount in counts.items() if amount]
        if not rows:
            return
        async with self._db.transaction() as conn:
            await conn.executemany(
                "INSERT INTO llm_usage (day, name, count) VALUES (?, ?, ?) "
                "ON CONFLICT (day, name) DO UPDATE SET count = llm_usage.count + excluded.count",
                rows,
            )

    async def usage(self, day: str) -> dict[str, int]:
        """The day's counters (name → count)."""
        rows = await self._db.fetchall("SELECT name, count FROM llm_usage WHERE day = ?", (day,))
        return {str(name): int(count) for name, count in rows}
