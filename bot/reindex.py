"""Bring the search index of stored stories up to what this version of the bot writes.

The FTS columns hold normalized stems made in Python (``bot.news.namekeys.index_text``), so a
change of normalization, such as the cross-script name keys, is a re-index of existing rows —
done here at start-up, once per version, in batches, rather than in a schema migration (storage
knows nothing of stemming).
"""

from __future__ import annotations

import asyncio
import logging
from concurrent.futures import Executor

from bot.news.namekeys import index_text
from storage import Database

log = logging.getLogger(__name__)

SEARCH_INDEX_VERSION = "3"  # 1: stems; 2: stems and name keys across scripts; 3: keys keep "-ів"/"-ов"
_STATE_KEY = "search_index_version"


async def reindex_search(db: Database, *, executor: Executor | None = None, batch: int = 500) -> int:
    """Re-index every stored story if the index is older than ``SEARCH_INDEX_VERSION``;
    returns how many were re-indexed (0 when already current)."""
    if await db.state.get(_STATE_KEY) == SEARCH_INDEX_VERSION:
        return 0
    loop = asyncio.get_running_loop()
    last, done = 0, 0
    while rows := await db.articles.texts_after(last, batch):
        terms = await loop.run_in_executor(
            executor, lambda rows=rows: [(i, index_text(title, lang), index_text(text, lang)) for i, title, text, lang in rows]
        )
        await db.articles.replace_index_terms(terms)
        last, done = rows[-1][0], done + len(rows)
    await db.state.set(_STATE_KEY, SEARCH_INDEX_VERSION)
    if done:
        log.info("re-indexed %d stories for search (index version %s)", done, SEARCH_INDEX_VERSION)
    return done
