"""Polling one feed: fetch, parse, process new entries, store stories, queue deliveries.

One orchestrator per feed refresh (the shape of miniflux's RefreshFeed): fetch with cache
headers; on error count it on the feed and stop, touching none of its entries; on success
parse, process only entries not seen before (oldest first), store, queue them for the chats
that follow the feed, then save the new validators and reset the error count. Used by the
poll job, the admin commands and the CLI alike.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from bot.clock import Clock
from bot.delivery.backlog import BacklogRule
from bot.delivery.filters import StoryText, matches
from bot.news.errors import ExtractionError, FeedError, FetchError, NewsError
from bot.news.feeds import parse_feed
from bot.news.fingerprint import is_near_duplicate
from bot.news.http import FEED, PAGE, Fetcher
from bot.news.images import lead_image
from bot.news.netguard import Resolver, check_url
from bot.news.models import FeedEntry, ParsedFeed
from bot.news.pipeline import ProcessedArticle, SummaryOptions, process_page
from bot.news.stories import StoryProfile, story_profile
from bot.news.summarize import Summarizer
from bot.news.textsafe import clip, valid_fields
from bot.news.urls import canonical_url
from bot.retention import forgotten_page, unforgotten
from bot.storyflow import EditLimits, apply_correction, entry_hash, find_story, remember, source_joined
from bot.news.urls import canonical_url, public_link
from storage import Database
from storage.articles import NewArticle
from storage.feeds import Feed

log = logging.getLogger(__name__)

MAX_TITLE_CHARS = 300
_DECIDE_TRIES = 3  # decisions made again when the story found was deleted meanwhile (retention)


def poll_jitter() -> float:
    """A factor of 0.9 to 1.1 for the next poll interval: feeds added together drift apart."""
    return random.uniform(0.9, 1.1)


@dataclass(frozen=True, slots=True)
class IngestOptions:
    poll_interval: timedelta = timedelta(minutes=15)
    max_errors: int = 10
    backlog: BacklogRule = BacklogRule()  # a first poll queues only the newest N; none too old
    max_entries_per_poll: int = 50  # newest entries processed per poll; older ones are skipped
    dedupe_window: timedelta = timedelta(days=7)  # near-duplicate search looks this far back
    summary: SummaryOptions = SummaryOptions()
    edits: EditLimits = EditLimits()
    retention_days: float = 0  # RETENTION_DAYS: entries dated before it are not stored (0: any date)


@dataclass(slots=True)
class PollReport:
    """What one poll did, for logs, admin replies and the CLI."""

    feed_id: int
    feed_url: str
    not_modified: bool = False
    new_articles: list[int] = field(default_factory=list)
    duplicates: int = 0
    queued: int = 0
    item_errors: list[str] = field(default_factory=list)
    error: str | None = None
    disabled: bool = False
    title: str = ""
    warning: str | None = None  # the feed was read, but not all of it (shown in /feeds)


@dataclass(frozen=True, slots=True)
class StoredStory:
    article_id: int
    created: bool  # False: the story was known (another URL, GUID or near-identical text)


class Ingestor:
    def __init__(
        self, db: Database, fetcher: Fetcher, *, clock: Clock, executor: Executor | None = None,
        options: IngestOptions = IngestOptions(), summarizer: Summarizer | None = None,
        on_queued: Callable[[int, list[int]], Awaitable[None]] | None = None,
        on_corrected: Callable[[int], Awaitable[None]] | None = None,
        jitter: Callable[[], float] = poll_jitter,
    ) -> None:
        """``summarizer`` replaces the offline extractive summary (e.g. an LLM endpoint); when it
        fails with a NewsError the extractive summary stays. It runs before the story is known
        to be a duplicate; the bot's LLM summaries use ``on_queued`` instead, called with a
        story and the chats it was just queued for, once they are stored, and ``on_corrected``
        with a story whose text a correction replaced (stored). ``jitter`` gives the
        factor each poll interval is multiplied by (random by default; tests pin it)."""
        self._jitter = jitter
        self._db = db
        self._fetcher = fetcher
        self._clock = clock
        self._executor = executor
        self._options = options
        self._summarizer = summarizer
        self._on_queued = on_queued
        self._on_corrected = on_corrected

    async def check_feed(self, url: str) -> ParsedFeed:
        """Fetch and parse a feed URL without storing anything (for /addfeed's validation)."""
        result = await self._fetcher.fetch(url, accept=FEED)
        return await self._run(parse_feed, result.content, result.url, result.content_type)

    async def poll(self, feed: Feed) -> PollReport:
        """Refresh one feed; never raises for a problem of the feed or its pages."""
        report = PollReport(feed_id=feed.id, feed_url=feed.url, title=feed.title)
        now = self._clock.now()
        try:
            result = await self._fetcher.fetch(
                feed.url, etag=feed.etag, last_modified=feed.last_modified, accept=FEED
            )
            if result.not_modified:
                report.not_modified = True
                await self._record_success(feed, now, result.etag or feed.etag, result.last_modified or feed.last_modified)
                return report
            parsed = await self._run(parse_feed, result.content, result.url, result.content_type)
        except (FetchError, FeedError) as exc:
            message = str(exc)
            if isinstance(exc, FeedError) and exc.alternates:
                message += f" (this page offers a feed at {exc.alternates[0]})"
            updated = await self.record_failure(feed, message)
            report.error, report.disabled = message, not updated.enabled
            return report

        report.title = feed.title or parsed.title
        if parsed.problem:
            report.warning = (f"the feed is damaged ({parsed.problem}); I read the {len(parsed.entries)} "
                              f"{'entry' if len(parsed.entries) == 1 else 'entries'} before the damage")
        await self._ingest_entries(feed, parsed.entries, report, first_poll=feed.last_success_at is None)
        await self._record_success(feed, now, result.etag, result.last_modified, parsed, warning=report.warning)
        return report

    async def record_failure(self, feed: Feed, message: str) -> Feed:
        """Count a failed poll on the feed, back off, disable it at ``max_errors``."""
        now = self._clock.now()
        updated = await self._db.feeds.record_failure(
            feed.id, message, now=now, next_poll_at=now + self._backoff(feed.error_count + 1),
            max_errors=self._options.max_errors,
        )
        log.warning("feed %s failed (%d in a row): %s", feed.url, updated.error_count, message)
        return updated

    async def _ingest_entries(self, feed: Feed, entries: Sequence[FeedEntry], report: PollReport, *, first_poll: bool) -> None:
        fresh: list[FeedEntry] = []
        changed: list[tuple[int, FeedEntry]] = []  # known entries that look corrected
        for entry in entries[-self._options.max_entries_per_poll :]:
            seen = await self._db.articles.source_hash(feed.id, entry.guid, _canonical(entry.url))
            if seen is None:
                fresh.append(entry)
            elif seen[1] is not None and seen[1] != entry_hash(entry):
                changed.append((seen[0], entry))
        for story_id, entry in changed:
            await self._correct(story_id, entry, report)
        # Entries of stories retention deleted are seen, not new (bot.retention).
        fresh = await unforgotten(self._db, feed.id, fresh, now=self._clock.now(), days=self._options.retention_days)
        processed = await asyncio.gather(*(self._process_entry(entry, report) for entry in fresh))
        if fresh and all(item is None for item in processed):
            failed = f"none of the {len(fresh)} new entries could be read" if len(fresh) > 1 else "the new entry could not be read"
            report.warning = "; ".join(filter(None, [report.warning, f"{failed}: {report.item_errors[0]}"]))
        rule, now = self._options.backlog, self._clock.now()
        to_queue = set(range(len(fresh) - rule.size, len(fresh))) if first_poll else set(range(len(fresh)))
        subscriptions = await self._db.subscriptions.for_feed(feed.id)
        for index, (entry, item) in enumerate(zip(fresh, processed, strict=True)):  # oldest first
            if item is None or await forgotten_page(self._db, feed.id, entry, item.canonical_url, now=now):
                continue
            chats: list[int] = []
            if index in to_queue and rule.is_fresh(item.article.published or entry.published, now):
                story_text = StoryText(f"{item.article.title}\n{item.article.text}")
                chats = [s.chat_id for s in subscriptions if matches(s.include, s.exclude, story_text)]
            threads = {s.chat_id: s.topic_id for s in subscriptions if s.topic_id is not None}
            # Storing the story and queueing it are one transaction: a crash between the two
            # would leave a story marked as seen that nobody ever gets.
            async with self._db.transaction():
                story = await self.store(item, feed_id=feed.id, entry=entry)
                queued = await self._db.deliveries.enqueue_article(
                    story.article_id, chats, now=self._clock.now(), threads=threads)
            report.queued += queued
            if queued and self._on_queued is not None:
                await self._on_queued(story.article_id, chats)
            if story.created:
                report.new_articles.append(story.article_id)
            else:
                report.duplicates += 1

    async def _correct(self, story_id: int, entry: FeedEntry, report: PollReport) -> None:
        """A known entry changed in the feed: re-read its page; a material change of the text
        updates the story and queues edits of its posts (never a new post)."""
        item = await self._process_entry(entry, report)
        if item is not None:
            corrected = await apply_correction(
                self._db, story_id, item, url=_canonical(entry.url) or item.canonical_url, entry_hash=entry_hash(entry),
                now=self._clock.now(), limits=self._options.edits,
            )
            if corrected and self._on_corrected is not None:
                await self._on_corrected(story_id)

    async def _process_entry(self, entry: FeedEntry, report: PollReport) -> ProcessedArticle | None:
        html: str | bytes | None = None
        if entry.url:
            try:
                html = (await self._fetcher.fetch(entry.url, accept=PAGE)).text
            except FetchError as exc:
                report.item_errors.append(f"{entry.url}: {exc}")
                log.info("page %s not fetched, using the feed's description: %s", entry.url, exc)
        try:
            item = await self._run(process_page, html, entry.url or entry.guid, entry=entry, options=self._options.summary)
        except ExtractionError as exc:
            report.item_errors.append(f"{entry.url or entry.guid}: {exc}")
            return None
        item = await self._with_image(item, html, entry.url or entry.guid, entry.image)
        return await self._resummarize(item)

    async def _with_image(self, item: ProcessedArticle, html: str | bytes | None, url: str, feed_image: str = "") -> ProcessedArticle:
        """The story's lead image (page metadata, then the feed's media), if the bot may hand its
        URL on: http(s) only, no private address unless ALLOW_PRIVATE_URLS."""
        image = await self._run(lead_image, html, url, feed_image)
        image = await checked_image_url(image, allow_private=self._fetcher.policy.allow_private) if image else ""
        return replace(item, image_url=image) if image else item

    async def _resummarize(self, item: ProcessedArticle) -> ProcessedArticle:
        """Let the configured summarizer, if any, write the summary; keep ours if it fails."""
        if self._summarizer is None:
            return item
        options = self._options.summary
        try:
            summary = await self._summarizer.summarize(
                item.article, max_sentences=options.max_sentences, max_chars=options.max_chars
            )
        except NewsError as exc:
            log.warning("summarizer failed for %s, keeping the extractive summary: %s", item.article.url, exc)
            return item
        return replace(item, summary=summary) if summary.strip() else item

    async def process_url(self, url: str) -> ProcessedArticle:
        """Fetch and process any page (for /post and ``newsbot summarize``)."""
        page = await self._fetcher.fetch(url, accept=PAGE)
        item = await self._run(process_page, page.text, page.url, options=self._options.summary)
        item = await self._with_image(item, page.text, page.url)
        return await self._resummarize(item)

    async def store(self, item: ProcessedArticle, *, feed_id: int | None, entry: FeedEntry | None = None) -> StoredStory:
        """Store a processed article as a new story, or as another source of a known one."""
        article = item.article
        guid = entry.guid if entry else None
        source_url = entry.url if entry and entry.url else article.url
        urls = [item.canonical_url, _canonical(source_url), _canonical(article.url)]
        # The link readers click: the page's declared canonical URL, else the link we had,
        # without tracking parameters.
        link = public_link(article.canonical_url, article.url or source_url)
        now = self._clock.now()
        # One write transaction: the dedupe decision and the insert are a single step, so two
        # feeds carrying the same story at once still store it once.
        profile = item.profile or story_profile(article.title, article.text)
        async with self._db.transaction():
            known = await self._known_story(item, urls, profile, feed_id=feed_id, now=now)
            source_key = _canonical(source_url) or item.canonical_url
            if known is not None:
                if await self._db.articles.add_source(
                    known, feed_id=feed_id, url=source_url, canonical_url=source_key, guid=guid, now=now,
                ):
                    await remember(self._db, known, profile, now=now)
                    await source_joined(self._db, known, now=now, limits=self._options.edits)
                    await self._db.articles.set_entry_hash(known, [source_key], entry_hash(entry) or "")
                return StoredStory(known, created=False)
            article_id = await self._db.articles.insert(
                stored_form(NewArticle(
                    feed_id=feed_id, url=link, canonical_url=item.canonical_url, guid=guid,
                    title=article.title, text=article.text, summary=item.summary, language=article.language,
                    author=article.author, published_at=article.published or (entry.published if entry else None),
                    from_feed=article.from_feed, related=tuple((r.title, r.url) for r in article.related),
                    fingerprint=item.fingerprint, bands=item.bands,
                    title_terms=item.title_terms, body_terms=item.body_terms,
                )),
                now=now,
            )
            if item.image_url or (entry and entry.categories):
                await self._db.articles.set_media(
                    article_id, image_url=item.image_url, categories=entry.categories if entry else ())
            if _canonical(source_url) and _canonical(source_url) != item.canonical_url:
                await self._db.articles.add_source(
                    article_id, feed_id=feed_id, url=source_url, canonical_url=_canonical(source_url), guid=None, now=now
                )
            await remember(self._db, article_id, profile, now=now)
            if entry is not None:
                await self._db.articles.set_entry_hash(
                    article_id, [source_key, item.canonical_url], entry_hash(entry) or ""
                )
            return StoredStory(article_id, created=True)

    async def _known_story(self, item: ProcessedArticle, urls: Sequence[str], profile: StoryProfile, *,
                           feed_id: int | None, now: datetime) -> int | None:
        """The stored story this article is another source of, if any (same address, near-identical
        text, or another outlet's own write-up), held until the caller's transaction ends. A story
        found and then deleted by retention before it could be held (another replica's pass on
        PostgreSQL) is not joined: the decision is made again without it, and with no other
        match the article is a story of its own."""
        for _ in range(_DECIDE_TRIES):
            known = await self._db.articles.by_canonical_url(urls)
            # A cookie wall or an error page looks the same on every site: never a merge key.
            if known is None and not profile.boilerplate and item.bands is not None and item.fingerprint is not None:
                for candidate_id, candidate_fp in await self._db.articles.fingerprint_candidates(
                    item.bands, now - self._options.dedupe_window
                ):
                    if is_near_duplicate(candidate_fp, item.fingerprint):
                        known = candidate_id
                        break
            if known is None:  # another outlet's own write-up of a stored story
                known = (await find_story(
                    self._db, profile, now=now, window=self._options.dedupe_window, feed_id=feed_id
                )).story_id
            if known is None or await self._db.articles.hold(known):
                return known
            log.info("story %s was deleted by retention as an article joined it; deciding again", known)
        return None

    async def _record_success(
        self, feed: Feed, now: datetime, etag: str | None, last_modified: str | None, parsed: ParsedFeed | None = None,
        *, warning: str | None = None,
    ) -> None:
        """A poll that read the feed; a 304 keeps the last poll's warning, a full read replaces it."""
        await self._db.feeds.record_success(
            feed.id, now=now, next_poll_at=now + self._interval(feed), etag=etag, last_modified=last_modified,
            title=parsed.title if parsed else "", site_url=parsed.link if parsed else "",
            warning=warning if parsed else feed.last_warning,
        )

    def _interval(self, feed: Feed) -> timedelta:
        base = timedelta(seconds=feed.poll_interval_s) if feed.poll_interval_s else self._options.poll_interval
        return base * self._jitter()

    def _backoff(self, errors: int) -> timedelta:
        """Exponential backoff after consecutive failures, capped at a day."""
        return min(self._options.poll_interval * (2 ** min(errors - 1, 10)), timedelta(days=1))

    async def _run(self, fn, /, *args, **kwargs):  # type: ignore[no-untyped-def]
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, lambda: fn(*args, **kwargs))


def stored_form(article: NewArticle) -> NewArticle:
    """What is stored of an article: text made valid (a lone surrogate or a NUL in a feed once
    made storing fail at every poll) and the title clipped (a 750 KB title was stored whole)."""
    article = valid_fields(article)
    title = clip(article.title, MAX_TITLE_CHARS)
    return article if title == article.title else replace(article, title=title)


async def checked_image_url(url: str, *, allow_private: bool, resolver: Resolver | None = None) -> str:
    """``url`` if the bot may hand it to Telegram as a story's picture, else "".

    The same guard as every fetched URL (``check_url``): http(s) only, no credentials, and no
    private, loopback or link-local address unless ALLOW_PRIVATE_URLS.
    """
    try:
        return await check_url(url, allow_private=allow_private, resolver=resolver)
    except FetchError as exc:  # UnsafeURLError included
        log.info("lead image dropped: %s", exc)
        return ""


def _canonical(url: str) -> str:
    return canonical_url(url) if url else ""
