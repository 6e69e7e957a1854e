"""The one wiring point: settings in, a ready python-telegram-bot Application out.

The CLI and the tests both call ``build_application``; tests pass settings that point the bot
at a fake Bot API server and a temporary database.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import timedelta

from telegram import LinkPreviewOptions
from telegram.constants import ParseMode
from telegram.error import TelegramError
from telegram.ext import Application, CallbackContext, ContextTypes, Defaults, ExtBot

from bot.clock import Clock, SystemClock
from bot.config import CoreSettings, Settings
from bot.delivery import shared_budget
from bot.delivery.notices import NoticeOutbox
from bot.delivery.ratelimit import ReservingRateLimiter
from bot.following import follow_from_settings
from bot.ingest import IngestOptions, Ingestor
from bot.feed_claims import FeedClaims
from bot.jobs.poll import FeedPoller
from bot.jobs.publish import Publisher
from bot.logging_setup import quiet_handled_rate_limits
from bot.news.http import FetchPolicy, Fetcher
from bot.news.lang import detect_language
from bot.news.llm import ChatCompletions, LLMOptions, LLMSummarizer
from bot.news.pipeline import SummaryOptions
from bot.notify import attach_outbox
from bot.replica import Heartbeat, Lease, new_replica_id
from bot.reindex import reindex_search
from bot.story_summaries import StorySummaries, UsageBudget
from bot.write_faults import WriteFaults
from bot.runmode import TokenSafeUpdater
from bot.stopping import NewsApplication, Stopping
from bot.database_bugs import DatabaseBugs
from bot.storyflow import EditLimits
from storage import Database
from storage.warmup import warm_up_in_background

log = logging.getLogger(__name__)

# The fan-out's share of Telegram's overall limit for a budget that paces by rate alone (one
# shared between processes): the rest is kept for replies. This process's own window needs no
# share: it counts as Telegram does and keeps replies first (bot/delivery/ratelimit.py).
FANOUT_SHARE = 0.98

# The update types the bot handles; anything else Telegram keeps to itself. Not
# "edited_message": an edited command must not run again (an edited /broadcast would reach
# every reader twice), and nothing else of the bot reads edits.
ALLOWED_UPDATES = ["message", "callback_query", "my_chat_member", "channel_post"]


@dataclass
class Services:
    """What handlers and jobs need, opened in ``post_init`` and closed in ``post_shutdown``."""

    settings: Settings
    clock: Clock
    bot: ExtBot[None]
    db: Database = field(init=False)
    fetcher: Fetcher = field(init=False)
    ingestor: Ingestor = field(init=False)
    publisher: Publisher = field(init=False)
    executor: ThreadPoolExecutor = field(init=False)
    poller: FeedPoller = field(init=False)
    write_faults: WriteFaults = field(init=False)
    database_bugs: DatabaseBugs = field(init=False)  # a statement of ours rejected: logged, told once
    summaries: StorySummaries | None = None  # LLM summaries; None when LLM_BASE_URL is empty
    heartbeat: Heartbeat | None = None  # this replica's row and lease renewals, while running
    feed_claims: FeedClaims = field(default_factory=FeedClaims)  # polls under way (bot.feed_claims)
    fatal: str | None = None  # why the bot stopped itself, for the CLI's last line
    warm_up: asyncio.Task[str | None] | None = None  # reading the same-story check's pages at start

    @property
    def lease(self) -> Lease:
        """Whose claims this process makes, and how long they hold (bot.replica)."""
        if not hasattr(self, "_lease"):
            self._lease = Lease(new_replica_id(), self.settings.replica_lease_seconds)
        return self._lease

    async def open(self) -> None:
        settings = self.settings
        self.db = await Database.connect(settings.database_target)
        self.fetcher = Fetcher(fetch_policy(settings))
        # Extraction is CPU-bound: a small pool keeps the event loop answering meanwhile.
        self.executor = ThreadPoolExecutor(max_workers=2, thread_name_prefix="extract")
        await reindex_search(self.db, executor=self.executor)  # stories stored by an older version
        # Read the pages the same-story check reads while the bot starts (storage.warmup).
        self.warm_up = asyncio.create_task(warm_up_in_background(
            self.db, since=self.clock.now() - timedelta(hours=settings.story_window_hours)))
        self.summaries = llm_summaries(settings, self.db, self.clock)
        self.ingestor = Ingestor(self.db, self.fetcher, clock=self.clock, executor=self.executor,
                                 options=ingest_options(settings),
                                 on_queued=self.summaries.request if self.summaries else None,
                                 on_corrected=self.summaries.forget if self.summaries else None)
        self.database_bugs = DatabaseBugs(self.bot, settings.admin_ids, database=self.db.path)
        self.publisher = Publisher(self.db, self.bot, settings=settings, clock=self.clock, summaries=self.summaries,
                                   lease=self.lease, database_bugs=self.database_bugs)
        self.poller = FeedPoller(self)
        self.write_faults = WriteFaults(self.bot, settings.admin_ids, self.clock)  # a full disk while polling
        # Admin notices Telegram refuses with 429 wait in the outbox (bot.delivery.notices).
        attach_outbox(self.bot, NoticeOutbox(self.db, self.clock, link_preview=settings.link_previews,
                                             wake=self.publisher.wake))
        # The language model takes about a second to load: do it now, off the event loop,
        # rather than stall the first poll.
        await asyncio.get_running_loop().run_in_executor(self.executor, detect_language, "warm up the model")

    async def close(self) -> None:
        if self.warm_up is not None:
            self.warm_up.cancel()
            await asyncio.gather(self.warm_up, return_exceptions=True)
        if self.heartbeat is not None:
            await self.heartbeat.aclose()
        if hasattr(self, "poller"):
            await self.poller.aclose()
        if hasattr(self, "publisher"):
            await self.publisher.aclose()
        if self.summaries is not None:
            await self.summaries.close()
        if hasattr(self, "fetcher"):
            await self.fetcher.aclose()
        if hasattr(self, "executor"):
            self.executor.shutdown(wait=True, cancel_futures=True)
        if hasattr(self, "db"):
            attach_outbox(self.bot, None)
            await self.db.close()


def fetch_policy(settings: CoreSettings) -> FetchPolicy:
    return FetchPolicy(
        timeout_s=settings.http_timeout_seconds,
        connect_timeout_s=settings.http_connect_timeout_seconds,
        max_bytes=settings.http_max_bytes,
        user_agent=settings.http_user_agent,
        allow_private=settings.allow_private_urls,
    )


def llm_summaries(settings: CoreSettings, db: Database, clock: Clock) -> StorySummaries | None:
    """The LLM summaries the settings ask for, or None (LLM_BASE_URL empty: offline only)."""
    if not settings.llm_enabled:
        return None
    budget = UsageBudget(db, clock, daily_requests=settings.llm_daily_requests, daily_tokens=settings.llm_daily_tokens)
    client = ChatCompletions(
        LLMOptions(
            base_url=settings.llm_base_url, model=settings.llm_model,
            api_key=settings.llm_api_key.get_secret_value(), timeout_s=settings.llm_timeout_seconds,
            concurrency=settings.llm_concurrency, max_retries=settings.llm_max_retries,
        ),
        budget=budget,
    )
    log.info("LLM summaries on: model %s at %s", settings.llm_model, settings.llm_base_url)
    return StorySummaries(db, LLMSummarizer(client), clock=clock, budget=budget,
                          options=SummaryOptions(settings.summary_sentences, settings.summary_max_chars))


def ingest_options(settings: CoreSettings) -> IngestOptions:
    return IngestOptions(
        poll_interval=timedelta(minutes=settings.poll_interval_minutes),
        max_errors=settings.max_feed_errors,
        backlog=settings.backlog_rule(),
        dedupe_window=timedelta(hours=settings.story_window_hours),
        edits=EditLimits(max_corrections=settings.story_max_corrections),
        retention_days=settings.retention_days,
        summary=SummaryOptions(max_sentences=settings.summary_sentences, max_chars=settings.summary_max_chars),
    )


class NewsContext(CallbackContext[ExtBot[None], dict, dict, dict]):
    """The callback context of this bot: typed access to the shared services."""

    @property
    def services(self) -> Services:
        return self.application.bot_data["services"]

    @property
    def db(self) -> Database:
        return self.services.db

    @property
    def settings(self) -> Settings:
        return self.services.settings


def build_application(settings: Settings, *, clock: Clock | None = None, schedule_jobs: bool = True,
                      sleep: Callable[[float], Awaitable[None]] | None = None,
                      flood_clock: Callable[[], float] | None = None) -> Application:
    """Build the Application: Bot API endpoint, rate limiter, job queue, handlers and jobs.

    Tests pass ``schedule_jobs=False`` and call the job bodies themselves with a fake clock,
    ``sleep`` (``FakeClock.sleep``) for a reply's wait after a 429, and ``flood_clock``
    (``FakeClock.timestamp``) to run the shared flood budget of PostgreSQL on the fake clock
    too (a 429's hold then ends when the test's clock says, not seconds of real time later).
    """
    from bot.handlers import register_handlers
    from bot.jobs import register_jobs

    quiet_handled_rate_limits()
    application = (
        Application.builder()
        .application_class(NewsApplication)  # its start-up can be stopped (bot.stopping)
        .token(settings.bot_token.get_secret_value())
        .base_url(settings.telegram_api_base_url)
        .base_file_url(settings.file_base_url)
        .rate_limiter(
            # Overall: a one-second window as Telegram counts it (a message holds its place
            # until a second after its answer), the fan-out evenly spaced and yielding to
            # replies, so a command never queues behind a fan-out (bot/delivery/ratelimit.py).
            # Per group the limit is per minute and a burst within it is fine.
            ReservingRateLimiter(
                per_second=settings.telegram_messages_per_second,
                group_max_rate=settings.telegram_group_messages_per_minute, group_time_period=60,
                private_chat_gap=settings.telegram_private_chat_gap_seconds,
                sleep=sleep or asyncio.sleep,
            )
        )
        .context_types(ContextTypes(context=NewsContext))
        .defaults(
            Defaults(
                parse_mode=ParseMode.HTML,
                link_preview_options=LinkPreviewOptions(is_disabled=not settings.link_previews),
                tzinfo=settings.zone,
            )
        )
        .concurrent_updates(8)
        .post_init(_post_init)
        .post_stop(_post_stop)
        .post_shutdown(_post_shutdown)
        .build()
    )
    application.bot_data["services"] = Services(settings=settings, clock=clock or SystemClock(), bot=application.bot)
    application.updater = TokenSafeUpdater(application.bot, application.update_queue)  # a revoked token stops cleanly
    # The publisher's own task runs with the scheduled jobs; tests drive ``drain()`` themselves.
    application.bot_data["run_publisher"] = schedule_jobs
    application.bot_data["flood_clock"] = flood_clock
    register_handlers(application)
    if schedule_jobs:
        register_jobs(application)
    return application


async def _post_init(application: Application) -> None:
    services: Services = application.bot_data["services"]
    await services.open()
    resent = await _recover(services)
    mode = application.bot_data.get("run_mode")
    services.heartbeat = Heartbeat(services.db, services.lease, services.clock,
                                   role=getattr(mode, "role", "all"), webhook=bool(getattr(mode, "webhook", False)),
                                   feeds=services.feed_claims)
    await services.heartbeat.start()
    if services.db.engine != "sqlite" and isinstance(application.bot.rate_limiter, ReservingRateLimiter):
        # Replicas may share the token: the fan-out takes its slots from one budget in the database.
        shared_budget.install(application.bot.rate_limiter, services.db, bot_id=application.bot.id,
                              settings=services.settings, clock=application.bot_data.get("flood_clock"))
    if resent:
        log.warning("%d messages were being sent when the bot stopped; they will be sent again", resent)
    await _seed_feeds(services)
    await _register_channels(application, services)
    await _register_commands(application)
    if application.bot_data.get("run_publisher"):
        services.publisher.start()
    log.info("bot @%s started; database %s", application.bot.username, services.db.path)


async def _recover(services: Services) -> int:
    """Claims left by a process that is gone go back to the queue: on SQLite every one (its
    file lock proves this is the only process), with replicas only those whose lease ended."""
    db, now = services.db, services.clock.now()
    if db.engine == "sqlite":
        await db.edits.recover_interrupted(now=now)
        return await db.deliveries.recover_interrupted(now=now)
    await db.edits.recover_expired(now=now)
    return await db.deliveries.recover_expired(now=now)


def install_graceful_stop(application: Application, stopping: Stopping) -> None:
    """Let SIGINT/SIGTERM stop ``application`` at any point of its run (``bot.stopping``), the
    publisher told to claim nothing more *before* PTB waits for running jobs.

    PTB stops the loop and then waits for running jobs, which could mean a whole fan-out; the
    publisher told first, only sends under way finish (and are recorded), and the rest stay in
    the outbox for the next start. The open of the services (``post_init``) is a step of the
    start-up that a signal ends: what it opened is closed by ``post_shutdown``.
    """
    def stop_publisher() -> None:
        services: Services = application.bot_data["services"]
        if hasattr(services, "publisher"):
            services.publisher.stop()

    stopping.before_stop(stop_publisher)
    assert isinstance(application, NewsApplication)
    application.stopping = stopping
    start = application.post_init

    async def post_init(app: Application) -> None:
        if start:
            await stopping.step(start(app), doing="opening the database and registering the channels")

    application.post_init = post_init


async def _post_stop(application: Application) -> None:
    """Stop claiming outbox rows; sends under way finish and are recorded before shutdown."""
    services: Services = application.bot_data["services"]
    if hasattr(services, "publisher"):
        await services.publisher.aclose()



async def _post_shutdown(application: Application) -> None:
    await application.bot_data["services"].close()


async def _seed_feeds(services: Services) -> None:
    now = services.clock.now()
    for url in services.settings.feeds:
        _, created = await services.db.feeds.add(url, now=now)
        if created:
            log.info("feed from FEEDS setting added: %s", url)


async def _register_channels(application: Application, services: Services) -> None:
    """Register the CHANNELS setting's chats; a channel that cannot be used is reported, not fatal."""
    from bot.channels import posting_problem, register_chat
    from bot.notify import notify_admins

    settings = services.settings
    for ref in settings.channels:
        try:
            chat = await register_chat(services.db, application.bot, ref, clock=services.clock)
        except TelegramError as exc:
            problem = f"I cannot use the channel {ref} from the CHANNELS setting: {exc}. Add me to it as an admin."
        else:
            problem = posting_problem(chat)
            queued = await follow_from_settings(services.db, chat.id, settings.feeds_for_channel(ref),
                                                rule=settings.backlog_rule(), now=services.clock.now())
            if queued:
                log.info("channel %s follows its feeds from the settings; %d stories queued", ref, queued)
        if problem:
            log.warning("%s", problem)
            await notify_admins(application.bot, services.settings.admin_ids, problem)


async def _register_commands(application: Application) -> None:
    """Fill Telegram's command menu; a Bot API that refuses it must not stop the bot."""
    from bot.handlers.commands import menu_commands

    for lang in ("en", "uk", "ru"):
        try:
            await application.bot.set_my_commands(menu_commands(lang), language_code=None if lang == "en" else lang)
        except TelegramError as exc:
            log.warning("could not register the command menu (setMyCommands, %s): %s", lang, exc)
            return
