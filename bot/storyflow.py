"""Which story a new article joins, and what that changes: the glue between the pure decision
(``bot.news.stories``) and storage (``storage.stories``, ``storage.edits``).

Called by the ingest pipeline inside its store transaction, so the decision and the insert are
one step.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.news.models import FeedEntry
from bot.news.pipeline import ProcessedArticle
from bot.news.stories import (
    Candidate,
    Decision,
    StoryProfile,
    decide,
    is_material_change,
    key_terms,
    profile_from_json,
    profile_to_json,
    story_profile,
    story_vectors,
    vectors_from_json,
    vectors_to_json,
)
from storage import Database

CANDIDATES = 20  # stored profiles scored per new article, those sharing most key stems (on the story
# benchmark 20 hold 99.2% of the same-story pairs the score would join, as many as 30 do)


@dataclass(frozen=True, slots=True)
class EditLimits:
    """How often a sent post may be edited (any reason) and corrected (its summary)."""

    max_edits: int = 10
    max_corrections: int = 3


async def find_story(
    db: Database, profile: StoryProfile, *, now: datetime, window: timedelta, feed_id: int | None = None
) -> Decision:
    """The stored story (seen within ``window``) that ``profile`` reports, if any.

    A story the same feed already carried is not joined: an outlet's second article on an
    event is its follow-up, a post of its own (copies under another URL are caught earlier,
    by canonical URL and SimHash)."""
    if profile.boilerplate:
        return Decision(None, 0.0)
    df, documents, stored = await db.stories.find_candidates(
        _counted_terms(profile), lambda df, documents: key_terms(profile, df, documents),
        since=now - window, limit=CANDIDATES,
    )
    if feed_id is not None and stored:
        own = await db.articles.carried_by_feed([s.article_id for s in stored], feed_id)
        stored = [s for s in stored if s.article_id not in own]
    decoded = db.stories.decoded.decoded  # decoded once while the stored text stays the same (storage.decoded)
    candidates = [Candidate(s.article_id, decoded(s.profile_id, s.vectors, vectors_from_json), s.seen_at)  # type: ignore[arg-type]
                  for s in stored]
    return decide(profile, candidates, df, documents, now=now, window=window)


async def remember(db: Database, article_id: int, profile: StoryProfile, *, now: datetime) -> None:
    """Keep a source text's profile so later articles can find its story (boilerplate: never)."""
    terms = _counted_terms(profile)
    if profile.boilerplate:
        return
    df, documents = await db.stories.document_frequencies(terms)
    await db.stories.add_profile(
        article_id, profile_to_json(profile), vectors_to_json(story_vectors(profile, df, documents)),
        keys=key_terms(profile, df, documents), terms=terms, now=now,
    )


async def source_joined(db: Database, article_id: int, *, now: datetime, limits: EditLimits) -> int:
    """Another outlet carried a story: queue an edit of its sent posts (the "Also:" line)."""
    return await db.edits.enqueue_for_article(
        article_id, "sources", now=now, max_edits=limits.max_edits, max_corrections=limits.max_corrections
    )


async def story_corrected(db: Database, article_id: int, *, now: datetime, limits: EditLimits) -> int:
    """A story's text changed materially: queue an edit of its sent posts (a new summary)."""
    return await db.edits.enqueue_for_article(
        article_id, "correction", now=now, max_edits=limits.max_edits, max_corrections=limits.max_corrections
    )


async def apply_correction(
    db: Database, story_id: int, item: ProcessedArticle, *, url: str, entry_hash: str | None, now: datetime,
    limits: EditLimits,
) -> bool:
    """A known entry was re-read: when it is the story's own source and its text changed
    materially, store the new text and summary, drop the cached LLM summaries of the old text,
    and queue edits of the sent posts (True)."""
    async with db.transaction():
        # Read inside the transaction, held: retention may delete the story while its page is
        # read again (or hold the write lock as this asks for it), and a correction of a story
        # gone is no correction.
        stored = await db.articles.get(story_id) if await db.articles.hold(story_id) else None
        await db.articles.set_entry_hash(story_id, [url, item.canonical_url], entry_hash or "")
        if stored is None or stored.canonical_url not in (url, item.canonical_url):
            return False  # another outlet's correction does not rewrite this story's text
        article = item.article
        if not is_material_change(stored.title, stored.text, article.title, article.text):
            return False
        await db.articles.correct(
            story_id, title=article.title, text=article.text, summary=item.summary, title_terms=item.title_terms,
            body_terms=item.body_terms, fingerprint=item.fingerprint, bands=item.bands,
        )
        await db.summaries.forget(story_id)  # LLM summaries of the old text must not come back
        await refresh_profile(db, story_id, story_profile(stored.title, stored.text),
                              item.profile or story_profile(article.title, article.text), now=now)
        await story_corrected(db, story_id, now=now, limits=limits)
    return True


async def refresh_profile(db: Database, story_id: int, old: StoryProfile, new: StoryProfile, *, now: datetime) -> None:
    """A story's own text was corrected from what ``old`` profiles to what ``new`` does: its
    stored profile (found by its words among the story's sources) becomes the new one, so later
    articles are matched against what the story says now. None stored (the old text was
    boilerplate, or stored before profiles were): the new one is stored, unless boilerplate."""
    stored = next(((pid, profile_from_json(text)) for pid, text in await db.stories.profiles_of(story_id)
                   if dict(profile_from_json(text).terms) == dict(old.terms)), None)
    if stored is None:
        await remember(db, story_id, new, now=now)
        return
    profile_id, previous = stored
    if new.boilerplate:  # a correction to a cookie wall keys nothing
        await db.stories.replace_profile(profile_id, None, None, keys=(), old_terms=_counted_terms(previous), terms=())
        return
    terms = _counted_terms(new)
    df, documents = await db.stories.document_frequencies(terms)
    await db.stories.replace_profile(
        profile_id, profile_to_json(new), vectors_to_json(story_vectors(new, df, documents)),
        keys=key_terms(new, df, documents), old_terms=_counted_terms(previous), terms=terms,
    )


def entry_hash(entry: FeedEntry | None) -> str | None:
    """What a feed entry says about its article, hashed: a change hints at a correction."""
    if entry is None:
        return None
    seen = "\x1f".join((entry.title, entry.summary, entry.published.isoformat() if entry.published else ""))
    return hashlib.blake2b(seen.encode("utf-8", "replace"), digest_size=12).hexdigest()  # lone surrogates too


def stored_profile_terms(text: str) -> list[str]:
    """The terms a stored profile (its JSON) counted in the document frequencies when it was
    remembered: what deleting it must take away again (``bot.retention``)."""
    return _counted_terms(profile_from_json(text))


def _counted_terms(profile: StoryProfile) -> list[str]:
    return list(dict.fromkeys([*profile.terms, *profile.names, *sorted(profile.numbers), *profile.lead, *profile.phrases]))
