"""LLM summaries of stored stories: asked once per story and language, cached, never awaited long.

The flow: when a story is queued for chats, ``request`` starts (without waiting) one LLM
request per language those chats read that is not cached yet: the story's own language, and
one more per chat language that differs (a Ukrainian channel of an English feed). When a post
is rendered, ``text_for`` gives the summary to use: the cached answer in the chat's language,
or, while a request is still running, that request's answer, waiting at most until the
request's own deadline (``LLM_TIMEOUT_SECONDS`` after it started, so a post of a paced channel
never waits, and one posted at once waits at most that long). Whatever fails (a timeout, a
refusal, the guard, the budget) falls back at once: to the story's summary in its own
language, else the extractive one.

The cache is the ``story_summaries`` table: one row per story and language, written once,
whatever the answer, so a story that comes back from a second source, or is posted again,
costs nothing. When the endpoint could not be used at all (a wrong key, unreachable), the
outcome is kept in memory only, so a restart with fixed settings asks again. ``/stats`` reads the day's counters (``llm_usage``) through ``usage``.
"""

from __future__ import annotations

import asyncio
import logging
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, field

from bot.clock import Clock
from bot.news.llm import LLMSummarizer
from bot.news.models import Article
from bot.news.pipeline import SummaryOptions
from storage import Database
from storage.articles import StoredArticle
from storage.chats import Chat
from storage.summaries import OK, CachedSummary

log = logging.getLogger(__name__)

MEMORY_ENTRIES = 512  # recent answers kept in memory, so a fan-out reads the database once
# Outcomes that most likely mean a wrong setting rather than a bad story: said once, not cached.
CONFIG_PROBLEMS = frozenset({"auth", "bad_request", "unreachable", "bad_response"})


def _day(clock: Clock) -> str:
    return clock.now().date().isoformat()


class UsageBudget:
    """The daily request and token allowance, counted in the database (a restart keeps it)."""

    def __init__(self, db: Database, clock: Clock, *, daily_requests: int, daily_tokens: int) -> None:
        self._db = db
        self._clock = clock
        self.daily_requests = daily_requests  # 0: no limit
        self.daily_tokens = daily_tokens

    async def exhausted(self) -> bool:
        used = await self._db.summaries.usage(_day(self._clock))
        return bool(
            (self.daily_requests and used.get("requests", 0) >= self.daily_requests)
            or (self.daily_tokens and used.get("tokens", 0) >= self.daily_tokens)
        )

    async def spend(self, *, requests: int, tokens: int) -> None:
        await self._db.summaries.count_usage(_day(self._clock), {"requests": requests, "tokens": tokens})


@dataclass(frozen=True, slots=True)
class LLMUsage:
    """One day's LLM figures, for /stats."""

    requests: int
    tokens: int
    answers: int  # answers the guard accepted
    cache_hits: int
    fallbacks: dict[str, int] = field(default_factory=dict)
    requests_left: int | None = None  # None: no limit
    tokens_left: int | None = None


def language_for(article: StoredArticle, chat: Chat) -> str:
    """The language a chat's post of ``article`` is summarized in: the chat's, else the story's."""
    return chat.language or article.language


class StorySummaries:
    def __init__(
        self, db: Database, summarizer: LLMSummarizer, *, clock: Clock, budget: UsageBudget,
        options: SummaryOptions = SummaryOptions(),
    ) -> None:
        self._db = db
        self._summarizer = summarizer
        self._clock = clock
        self._budget = budget
        self._options = options
        self._running: dict[tuple[int, str], asyncio.Task[CachedSummary | None]] = {}
        self._memory: OrderedDict[tuple[int, str], CachedSummary] = OrderedDict()
        # Asked while the day's budget was spent: not asked again (nor counted) that day.
        self._unpaid: dict[tuple[int, str], str] = {}
        self._closed = False
        self._told: set[str] = set()  # configuration problems already logged

    async def request(self, article_id: int, chat_ids: Sequence[int]) -> None:
        """Start the requests the chats need for a story just queued for them; do not wait.

        A language already cached counts a cache hit and costs nothing. Never raises: a story
        whose request could not start is asked for when its first post is sent.
        """
        try:
            await self._request(article_id, chat_ids)
        except Exception:  # the hook's boundary: polling goes on, the post asks at send time
            log.exception("could not start the LLM summaries of story %d", article_id)

    async def _request(self, article_id: int, chat_ids: Sequence[int]) -> None:
        article = await self._db.articles.get(article_id)
        if article is None or self._closed:
            return
        languages: set[str] = set()
        for chat_id in chat_ids:
            chat = await self._db.chats.get(chat_id)
            if chat is not None and chat.summaries:
                languages.add(language_for(article, chat))
        hits = 0
        for language in sorted(languages):
            key = (article.id, language)
            if key in self._memory or key in self._running or self._refused_today(key):
                hits += key in self._memory and self._memory[key].outcome not in CONFIG_PROBLEMS
                continue
            if (cached := await self._db.summaries.get(*key)) is not None:
                self._remember(cached)
                hits += 1
                continue
            if key not in self._running and key not in self._memory and not self._closed:
                self._start(article, language)  # unless a post asked meanwhile
        await self._count({"cache_hits": hits})

    async def text_for(self, article: StoredArticle, chat: Chat) -> str:
        """The summary to post to ``chat``: the LLM's in the chat's language if it has one by
        its deadline, else the story's own-language LLM summary if cached, else the extractive."""
        language = language_for(article, chat)
        found = await self._get(article, language, start=True)
        if found is not None and found.outcome == OK and found.summary:
            return found.summary
        if language != article.language:
            original = await self._get(article, article.language, start=False)
            if original is not None and original.outcome == OK and original.summary:
                return original.summary
        return article.summary

    async def forget(self, article_id: int) -> None:
        """A story's text was corrected: its summaries in every language are stale. Drop them
        from memory and the database and cancel a request under way (a post awaiting it falls
        back), so the edited post and later ones get a summary of the new text."""
        for key in [k for k in self._memory if k[0] == article_id]:
            del self._memory[key]
        self._unpaid = {k: d for k, d in self._unpaid.items() if k[0] != article_id}
        running = [task for key, task in self._running.items() if key[0] == article_id]
        for task in running:
            task.cancel()
        await asyncio.gather(*running, return_exceptions=True)
        await self._db.summaries.forget(article_id)  # also what a cancelled request saved meanwhile

    async def usage(self) -> LLMUsage:
        counts = await self._db.summaries.usage(_day(self._clock))
        fallbacks = {name.removeprefix("fallback:"): n for name, n in counts.items() if name.startswith("fallback:")}
        limit_r, limit_t = self._budget.daily_requests, self._budget.daily_tokens
        return LLMUsage(
            requests=counts.get("requests", 0), tokens=counts.get("tokens", 0), answers=counts.get("answers", 0),
            cache_hits=counts.get("cache_hits", 0), fallbacks=dict(sorted(fallbacks.items())),
            requests_left=max(0, limit_r - counts.get("requests", 0)) if limit_r else None,
            tokens_left=max(0, limit_t - counts.get("tokens", 0)) if limit_t else None,
        )

    async def wait_idle(self) -> None:
        """Wait for the requests under way (tests and benchmarks; each ends by its deadline)."""
        while self._running:
            await asyncio.gather(*list(self._running.values()), return_exceptions=True)

    async def close(self) -> None:
        """Cancel the requests under way (their posts fall back), start no more, close the client."""
        self._closed = True
        for task in list(self._running.values()):
            task.cancel()
        await asyncio.gather(*list(self._running.values()), return_exceptions=True)
        await self._summarizer.client.aclose()

    # -- inside ---------------------------------------------------------------------------

    async def _get(self, article: StoredArticle, language: str, *, start: bool) -> CachedSummary | None:
        key = (article.id, language)
        if key in self._memory:
            self._memory.move_to_end(key)
            return self._memory[key]
        task = self._running.get(key)
        if task is None:
            cached = await self._db.summaries.get(*key)
            if cached is not None:
                self._remember(cached)
                return cached
            if not start or self._closed or self._refused_today(key):
                return None
            # Queued by a path that did not ask (or asked before a restart): ask now, unless
            # another post of the story started the request while we read the database.
            if key in self._memory:
                return self._memory[key]
            task = self._running.get(key) or self._start(article, language)
        # Shielded: a post given up on must not cancel the answer other posts await.
        try:
            return await asyncio.shield(task)
        except asyncio.CancelledError:
            current = asyncio.current_task()
            if task.cancelled() and not (current and current.cancelling()):
                return None  # the request was cancelled (shutdown): this post falls back
            raise

    def _start(self, article: StoredArticle, language: str) -> asyncio.Task[CachedSummary | None]:
        key = (article.id, language)
        task = asyncio.create_task(self._ask(article, language), name=f"llm-summary-{article.id}-{language}")
        self._running[key] = task
        task.add_done_callback(lambda _: self._running.pop(key, None))
        return task

    async def _ask(self, article: StoredArticle, language: str) -> CachedSummary | None:
        """One guarded LLM answer, stored and counted; None when none was asked (budget, error)."""
        try:
            answer = await self._summarizer.answer(
                _news_article(article), language, max_sentences=self._options.max_sentences,
                max_chars=self._options.max_chars,
            )
            if answer.ok:
                log.info("LLM summary of story %d in %s: %.1f s", article.id, language or "?", answer.elapsed_s)
                await self._count({"answers": 1})
            else:
                self._log_fallback(article.id, language, answer.outcome, answer.detail)
                await self._count({f"fallback:{answer.outcome}": 1})
            if answer.outcome == "budget":
                self._unpaid = {k: d for k, d in self._unpaid.items() if d == _day(self._clock)}
                self._unpaid[(article.id, language)] = _day(self._clock)
                return None  # nothing was asked: tomorrow's budget may pay for it
            result = CachedSummary(article.id, language, answer.summary, answer.outcome, self._summarizer.model)
            if answer.outcome in CONFIG_PROBLEMS:
                self._remember(result)  # in memory only: once the setting is fixed, a restart asks again
                return result
            await self._db.summaries.save(article.id, language, summary=answer.summary, outcome=answer.outcome,
                                          model=self._summarizer.model, now=self._clock.now())
            self._remember(result)
            return result
        except asyncio.CancelledError:
            raise
        except Exception:  # a task boundary: the post falls back, the next story tries again
            log.exception("LLM summary of story %d in %s failed", article.id, language)
            return None

    def _log_fallback(self, article_id: int, language: str, reason: str, detail: str) -> None:
        """A warning per discarded answer; a setting that is wrong is said once, in plain words."""
        if reason in CONFIG_PROBLEMS:
            if reason not in self._told:
                self._told.add(reason)
                log.error("LLM summaries are not working (%s): %s. Check LLM_BASE_URL, LLM_MODEL and LLM_API_KEY; "
                          "posts carry the extractive summary meanwhile.", reason, detail[:200])
            return
        log.warning("LLM summary of story %d in %s discarded (%s): %s; using the extractive one",
                    article_id, language or "?", reason, detail[:200])

    def _refused_today(self, key: tuple[int, str]) -> bool:
        return self._unpaid.get(key) == _day(self._clock)

    def _remember(self, cached: CachedSummary) -> None:
        self._memory[(cached.article_id, cached.language)] = cached
        while len(self._memory) > MEMORY_ENTRIES:
            self._memory.popitem(last=False)

    async def _count(self, counts: dict[str, int]) -> None:
        await self._db.summaries.count_usage(_day(self._clock), counts)


def _news_article(article: StoredArticle) -> Article:
    return Article(url=article.url, title=article.title, text=article.text, canonical_url=article.canonical_url,
                   author=article.author, published=article.published_at, language=article.language,
                   from_feed=article.from_feed)


async def llm_stats_line(summaries: StorySummaries | None) -> str:
    """The /stats line on LLM summaries (today, UTC): calls, cache hits, fallbacks, budget left."""
    if summaries is None:
        return "LLM summaries: off (LLM_BASE_URL is empty); every summary is extractive"
    usage = await summaries.usage()
    fallbacks = ", ".join(f"{reason} {count}" for reason, count in usage.fallbacks.items()) or "none"
    left = [
        f"{usage.requests_left} requests" if usage.requests_left is not None else "requests unlimited",
        f"{usage.tokens_left} tokens" if usage.tokens_left is not None else "tokens unlimited",
    ]
    return (
        f"LLM today: {usage.requests} calls, {usage.tokens} tokens, {usage.answers} summaries used, "
        f"{usage.cache_hits} cache hits; fallbacks: {fallbacks}; budget left: {', '.join(left)}"
    )
