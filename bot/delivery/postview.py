"""The other outlets of a story, for its post's "Also: B, C" line (sends and edits alike)."""

from __future__ import annotations

from urllib.parse import urlsplit

from bot.news.render import Link
from storage import Database
from storage.articles import StoredArticle


async def also_links(db: Database, article: StoredArticle) -> list[Link]:
    """The other outlets that carried a story, one link each, in the order they joined."""
    primary = article.feed_title or _host(article.url)
    seen = {primary.casefold()}
    links = []
    for source in await db.articles.sources(article.id):
        name = source.feed_title or _host(source.url)
        if source.feed_id == article.feed_id and source.feed_id is not None:
            continue
        if not name or name.casefold() in seen:
            continue
        seen.add(name.casefold())
        links.append(Link(name, source.url))
    return links


def _host(url: str) -> str:
    host = urlsplit(url).hostname or ""
    return host.removeprefix("www.")
