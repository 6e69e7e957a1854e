"""Stored stories, their sources, and the full-text index behind related-story search."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from storage.db import Database


class ArticleRepo:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def count(self) -> int:
        return int(await self._db.scalar("SELECT count(*) FROM articles") or 0)
