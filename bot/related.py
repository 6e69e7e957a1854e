"""Related stories: search over every stored article, for /related and "Read also" under posts."""

from __future__ import annotations

import re
from datetime import datetime

from bot.news.render import Link
from bot.news.textsearch import query_groups
from storage import Database
from storage.articles import StoredArticle

_SPACE = re.compile(r"\W+", re.UNICODE)


def _title_key(title: str) -> str:
    return _SPACE.sub(" ", title.lower()).strip()


async def search_stories(db: Database, words: str, *, now: datetime, limit: int = 5,
                         exclude: tuple[int, ...] = ()) -> list[StoredArticle]:
    """Stored stories best matching free text (any of en/uk/ru), best first."""
    groups = query_groups(words)
    if not groups:
        return []
    found = await db.articles.search(groups, limit=limit * 2, now=now, exclude=exclude)
    return _distinct(found, limit=limit)


async def related_to(db: Database, article: StoredArticle, *, now: datetime, limit: int = 3) -> list[StoredArticle]:
    """Stories related to a stored one: never itself, never a duplicate of it (same story row,
    same title)."""
    words = f"{article.title} {article.summary[:300]}"
    found = await search_stories(db, words, now=now, limit=limit + 3, exclude=(article.id,))
    own = _title_key(article.title)
    return [a for a in found if _title_key(a.title) != own][:limit]


async def read_also_links(db: Database, article: StoredArticle, *, now: datetime, limit: int = 3) -> list[Link]:
    """Links for "Read also": related stored stories first, then links the page itself listed."""
    links = [Link(a.title, a.url, a.feed_title, a.when) for a in await related_to(db, article, now=now, limit=limit)]
    seen = {article.url, article.canonical_url, *(link.url for link in links)}
    for title, url in article.related:
        if len(links) >= limit:
            break
        if url not in seen and title.strip():
            links.append(Link(title, url))
            seen.add(url)
    return links[:limit]


def _distinct(articles: list[StoredArticle], *, limit: int) -> list[StoredArticle]:
    seen: set[str] = set()
    result = []
    for article in articles:
        key = _title_key(article.title)
        if key in seen:
            continue
        seen.add(key)
        result.append(article)
        if len(result) >= limit:
            break
    return result
