"""Related stories: search over every stored article, for /related and "Read also" under posts.

Related means related. FTS5 (BM25 with a recency boost) finds candidates; then:

* a story asking for its relatives (``related_to``: "Read also", the Related button, /related
  as a reply to a post) keeps only candidates whose words are close enough to its own
  (``bot.news.stories.relatedness`` >= ``RELATED_FLOOR``, calibrated on the story benchmark by
  ``bench/bench_related_floor.py``). When nothing passes, there is no "Read also" section;
* free words (/related words) rank stories by how many of the words they match, and a query of
  several words never returns a story matching only one of them ("South Dakota meth" does
  not return a plague story because it says "South") — unless that is the only word of the
  query any story holds, and it is not a generic one (in more than 2% of the stories). A
  story must also hold ``WORDS_FLOOR`` of the query's weight, each word weighted by its
  rarity (``words_score``, from the match counts the search probes anyway: no extra query),
  calibrated by the same benchmark. When nothing passes, /related says it found nothing.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime

from bot.news.render import Link
from bot.news.stories import RELATED_FLOOR, StoryProfile, profile_from_json, relatedness, terms_profile
from bot.news.namekeys import QueryWord, query_groups, query_terms, word_groups
from storage import Database
from storage.articles import MATCH_COUNT_CAP, StoredArticle

_SPACE = re.compile(r"\W+", re.UNICODE)


def _title_key(title: str) -> str:
    return _SPACE.sub(" ", title.lower()).strip()


GENERIC_SHARE = 0.02  # a word in more than this share of stored stories (and > 3) is generic
COMMON_SHARE = 0.1  # ... and common in more than this share: three common words are no question


WORDS_FLOOR = 0.75  # share of a query's weight a story must hold: fitted on either half of bench_related_floor.py


def word_weight(matches: int, stories: int) -> float:
    """How much a query word says: its rarity among the stored stories (BM25's IDF, smoothed
    to stay positive; a word stored nowhere weighs the most)."""
    matches = min(max(matches, 0), stories)
    return math.log(1.0 + (stories - matches + 0.5) / (matches + 0.5))


def words_score(held: Iterable[int], weights: Sequence[float]) -> float:
    """The share of a query's weight a story holds, 0..1: the words it matches, each weighted
    by its rarity, over every word of the query (its best possible score)."""
    total = sum(weights)
    return sum(weights[i] for i in set(held)) / total if total > 0 else 0.0


def above_floor(scored: Sequence[tuple[StoredArticle, float]], *, floor: float, limit: int) -> list[StoredArticle]:
    """The stories of ``scored`` (best first) at or above ``floor``, distinct, at most ``limit``."""
    return _distinct([a for a, score in scored if score >= floor], limit=limit)


async def search_stories(db: Database, words: str, *, now: datetime, limit: int = 5,
                         exclude: tuple[int, ...] = ()) -> list[StoredArticle]:
    """Stored stories best matching free text (any of en/uk/ru), best first: the more of the
    words a story matches the higher it ranks, and a story holding less than ``WORDS_FLOOR``
    of the words' weight (each word weighted by its rarity, a word stored nowhere the most:
    ``words_score``) is no answer: a query that shares only its common words with a story
    ("Jury convicts woman" and a hit-and-run story that "convicts" a "woman") gets nothing.
    A story matching one word of two only when the other is stored nowhere and that word is
    not generic ("Putin Kharkiv" with no Kharkiv stored: the Putin story); one word of three
    or more, never (in an archive of a few hundred stories "campaign" is rare, and "South
    Dakota meth campaign" would get the one election story that holds it); and of a query of
    three words or more, a story holding only common words of it (each in more than
    ``COMMON_SHARE`` of the stories), never ("show running years"; two common words are still
    a fair question)."""
    scored = await scored_stories(db, words, now=now, limit=limit, exclude=exclude)
    return above_floor(scored, floor=WORDS_FLOOR, limit=limit)


async def scored_stories(db: Database, words: str, *, now: datetime, limit: int = 5,
                         exclude: tuple[int, ...] = ()) -> list[tuple[StoredArticle, float]]:
    """The candidates of ``search_stories`` before its floor, best first, each with its
    ``words_score`` (the benchmark fits the floor on these)."""
    terms = query_terms(words)
    if not terms:
        return []
    # The doubtful keys (a lower-case word's) are counted last: the words' own stems first.
    probe = [t for w in terms for t in w.group(with_key=w.sure)] + [w.key for w in terms if w.key and not w.sure]
    counts, stories = await db.articles.match_counts_and_stories(probe)
    names = await used_as_names(db, terms, counts)
    groups = word_groups(terms, names)
    known = [g for g in groups if any(counts.get(t) for t in g)]  # words some story holds
    if not known:
        return []
    need = 2 if len(known) >= 2 else 1
    if len(known) == 1 and len(groups) >= 3:
        return []  # one word of three or more is no answer, however rare it is in a small archive
    held_by = [sum(counts.get(t, 0) for t in g) for g in known]
    if len(known) == 1 and len(groups) > 1 and held_by[0] > max(3, GENERIC_SHARE * stories):
        return []
    common = {i for i, n in enumerate(held_by) if n > max(3, COMMON_SHARE * stories)}
    weights = [word_weight(sum(counts.get(t, 0) for t in g), stories) for g in known]
    if len(known) >= 2:  # one word of two known is judged by the generic rule above instead
        weights += [word_weight(0, stories)] * (len(groups) - len(known))  # words stored nowhere
    # The counts just probed are handed on: search would otherwise probe every stem again.
    found = await db.articles.search(known, limit=max(limit * 4, 20), now=now, exclude=exclude, counts=counts)
    held = await db.articles.groups_held([a.id for a in found], known)
    scored = []
    for rank, article in enumerate(found):
        mine = held.get(article.id, frozenset())
        if len(mine) >= need and not (len(groups) >= 3 and mine <= common):  # common words alone: no answer
            scored.append((-len(mine), rank, article, words_score(mine, weights)))
    scored.sort(key=lambda s: (s[0], s[1]))
    return [(a, score) for _, _, a, score in scored]


NAME_USE_SHARE = 0.5  # a lower-case query word is a name where this share of its stories hold its key


async def used_as_names(db: Database, terms: Sequence[QueryWord], counts: Mapping[str, int]) -> frozenset[str]:
    """The keys of the query words whose key is not sure (lower case: "putin visit") that the
    archive shows used as names: stored only under the key (no story holds the word itself,
    stories in the other script hold the name), or stored mostly where the key is (at least
    ``NAME_USE_SHARE`` of the stories holding "putin" hold the key of a capitalized "Putin";
    "cave" is rarely in a story beside "Kyiv", whose key it shares). ``counts``: the match
    counts of the words' stems and keys, read a moment ago."""
    doubtful = [w for w in terms if w.key and not w.sure and counts.get(w.key)]
    names = {w.key for w in doubtful if not any(counts.get(t) for t in w.variants)}
    asked = [w for w in doubtful if w.key not in names]
    if asked:
        both = await db.articles.co_match_counts([(w.variants, w.key) for w in asked])
        for word, together in zip(asked, both):
            alone = min(sum(counts.get(t, 0) for t in word.variants), MATCH_COUNT_CAP)
            if together >= NAME_USE_SHARE * alone:
                names.add(word.key)
    return frozenset(names)


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
