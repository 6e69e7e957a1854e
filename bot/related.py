"""Related stories: search over every stored article, for /related and "Read also" under posts.

Related means related. FTS5 (BM25 with a recency boost) finds candidates; then:

* a story asking for its relatives (``related_to``: "Read also", the Related button, /related
  as a reply to a post) keeps only candidates whose words are close enough to its own
  (``bot.news.stories.relatedness`` >= ``RELATED_FLOOR``, calibrated on the story benchmark by
  ``bench/bench_related_floor.py``). When nothing passes, there is no "Read also" section;
* free words (/related words) rank stories by how many of the words they match, and a query of
  several words never returns a story matching only one of them ("South Dakota meth" does
  not return a plague story because it says "South") — unless that is the only word of the
  query any story holds, and it is not a generic one (in more than 2% of the stories).
"""

from __future__ import annotations

import re
from datetime import datetime

from bot.news.render import Link
from bot.news.stories import RELATED_FLOOR, StoryProfile, profile_from_json, relatedness, terms_profile
from bot.news.namekeys import query_groups
from storage import Database
from storage.articles import StoredArticle

_SPACE = re.compile(r"\W+", re.UNICODE)


def _title_key(title: str) -> str:
    return _SPACE.sub(" ", title.lower()).strip()


GENERIC_SHARE = 0.02  # a word in more than this share of stored stories (and > 3) is generic


async def search_stories(db: Database, words: str, *, now: datetime, limit: int = 5,
                         exclude: tuple[int, ...] = ()) -> list[StoredArticle]:
    """Stored stories best matching free text (any of en/uk/ru), best first: the more of the
    words a story matches the higher it ranks. A story matching one word of two only when
    the other is stored nowhere and that word is not generic; one word of three or more,
    never (in an archive of a few hundred stories "campaign" is rare, and "South Dakota meth
    campaign" would get the one election story that holds it)."""
    groups = query_groups(words)
    if not groups:
        return []
    counts = await db.articles.match_counts([t for g in groups for t in g])
    known = [g for g in groups if any(counts.get(t) for t in g)]  # words some story holds
    if not known:
        return []
    need = 2 if len(known) >= 2 else 1
    if len(known) == 1 and len(groups) >= 3:
        return []  # one word of three or more is no answer, however rare it is in a small archive
    if len(known) == 1 and len(groups) > 1:
        stories_with_it = sum(counts.get(t, 0) for t in known[0])
        if stories_with_it > max(3, GENERIC_SHARE * await db.articles.count()):
            return []
    # The counts just probed are handed on: search would otherwise probe every stem again.
    found = await db.articles.search(known, limit=max(limit * 4, 20), now=now, exclude=exclude, counts=counts)
    matches = await db.articles.groups_matched([a.id for a in found], known)
    scored = []
    for rank, article in enumerate(found):
        matched = matches.get(article.id, 0)
        if matched >= need:
            scored.append((-matched, rank, article))
    scored.sort(key=lambda s: (s[0], s[1]))
    return _distinct([a for _, _, a in scored], limit=limit)


async def related_to(db: Database, article: StoredArticle, *, now: datetime, limit: int = 3) -> list[StoredArticle]:
    """Stories related to a stored one, above the relevance floor: never itself, never a
    duplicate of it (same story row, same title)."""
    words = f"{article.title} {article.summary[:300]}"
    groups = query_groups(words)
    if not groups:
        return []
    found = await db.articles.search(groups, limit=(limit + 3) * 2, now=now, exclude=(article.id,))
    own = _title_key(article.title)
    found = [a for a in found if _title_key(a.title) != own]
    if not found:
        return []
    stored = await db.stories.first_profiles([article.id, *(a.id for a in found)])
    profiles = {a.id: _profile(a, stored.get(a.id)) for a in [article, *found]}
    terms = {t for p in profiles.values() for t in p.terms}
    df, documents = await db.stories.document_frequencies(terms)
    documents = max(documents, 1)
    mine = profiles[article.id]
    close = [a for a in found if relatedness(mine, profiles[a.id], df, documents) >= RELATED_FLOOR]
    return _distinct(close, limit=limit)


async def read_also_links(db: Database, article: StoredArticle, *, now: datetime, limit: int = 3) -> list[Link]:
    """Links for "Read also": related stored stories first, then links the page itself listed;
    never one of the story's own sources (those are its "Also:" line)."""
    links = [Link(a.title, a.url, a.feed_title, a.when) for a in await related_to(db, article, now=now, limit=limit)]
    own = {source.url for source in await db.articles.sources(article.id)}
    seen = {article.url, article.canonical_url, *own, *(link.url for link in links)}
    for title, url in article.related:
        if len(links) >= limit:
            break
        if url not in seen and title.strip():
            links.append(Link(title, url))
            seen.add(url)
    return links[:limit]


def _profile(article: StoredArticle, stored: str | None) -> StoryProfile:
    """A story's stored profile, or one made now for a story stored before profiles existed."""
    return profile_from_json(stored) if stored else terms_profile(article.title, article.text)


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
