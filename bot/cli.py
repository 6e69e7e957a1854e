"""The ``newsbot`` command: run the bot, migrate the database, and core tools for the shell."""

from __future__ import annotations

import argparse
import asyncio
import faulthandler
import logging
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from bot import __version__
from bot.config import PRIVATE_URL_HINT, ConfigError, CoreSettings, Settings, load_core_settings, load_settings
from bot.news.urls import public_link
from bot.logging_setup import configure_logging, logging_restored
from storage import Database, StorageError

if TYPE_CHECKING:
    from bot.news.llm import LLMAnswer
    from bot.news.models import Article
    from bot.news.pipeline import SummaryOptions
    from bot.ingest import PollReport

log = logging.getLogger(__name__)


class CliError(Exception):
    """A problem the user can fix; printed as one line, exit status 2."""


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command. Called with ``argv`` (by a program or a test rather than as the
    ``newsbot`` process, which passes none), it leaves the caller's logging as it found it."""
    parser = _parser()
    args = parser.parse_args(argv)
    if not getattr(args, "handler", None):
        parser.print_help()
        return 2
    try:
        if argv is None:  # the process's own command line: its logging lasts until it exits
            return args.handler(args) or 0
        with logging_restored():
            return args.handler(args) or 0
    except (ConfigError, StorageError, CliError) as exc:
        print(f"newsbot: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="newsbot", description="Telegram news bot.")
    sub = parser.add_subparsers(title="commands", metavar="COMMAND")

    run = sub.add_parser("run", help="run the bot (long polling, or --webhook) until Ctrl+C or SIGTERM")
    run.add_argument("--webhook", action="store_true",
                     help="take updates by webhook (WEBHOOK_URL, WEBHOOK_SECRET_TOKEN ...) instead of long polling")
    run.add_argument("--role", choices=("all", "worker", "web"), default="all",
                     help="all: updates and jobs (default); worker: only the jobs (polling feeds, publishing, "
                          "digests), no updates; web: only updates")
    run.set_defaults(handler=_cmd_run)

    migrate = sub.add_parser(
        "migrate", help="create or upgrade the database, then exit; or copy an SQLite installation to PostgreSQL",
        description="Without options: create or upgrade the database of the settings. With --from and --to: "
                    "copy all data of an SQLite database into a new, empty PostgreSQL database.",
    )
    migrate.add_argument("--from", dest="source", metavar="sqlite:///FILE",
                         help="the SQLite database to copy (e.g. sqlite:///data/newsbot.db)")
    migrate.add_argument("--to", dest="target", metavar="postgresql://…",
                         help="an empty PostgreSQL database to copy into (e.g. postgresql://bot:secret@db/newsbot)")
    migrate.set_defaults(handler=_cmd_migrate)

    requeue = sub.add_parser("requeue", help="queue failed posts again (e.g. after a long Telegram outage)")
    requeue.add_argument("--chat", type=int, metavar="CHAT_ID", help="only this chat's failed posts")
    requeue.set_defaults(handler=_cmd_requeue)

    version = sub.add_parser("version", help="print the version")
    version.set_defaults(handler=lambda args: print(f"newsbot {__version__}"))

    summarize = sub.add_parser("summarize", help="print the title, language, summary and related links of a page")
    summarize.add_argument("source", metavar="URL|FILE", help="a web page address or a saved HTML file")
    summarize.add_argument("--lang", default="", metavar="CODE",
                           help="with LLM_BASE_URL set, also ask the LLM for a summary in this language")
    summarize.set_defaults(handler=_cmd_summarize)

    fetch = sub.add_parser("fetch", help="ingest one feed into the database and print what was new")
    fetch.add_argument("url", metavar="FEED_URL")
    fetch.set_defaults(handler=_cmd_fetch)

    search = sub.add_parser("search", help="print the stored stories most related to some words")
    search.add_argument("words", nargs="+")
    search.add_argument("-n", "--limit", type=int, default=10)
    search.set_defaults(handler=_cmd_search)
    return parser


def _settings() -> Settings:
    settings = load_settings()
    configure_logging(settings.log_level, settings.bot_token.get_secret_value())
    return settings


def _core_settings() -> CoreSettings:
    """Settings for the shell tools. They print their results and errors themselves, so only
    our own errors are logged (LOG_LEVEL=DEBUG shows everything, other libraries' lines too)."""
    settings = load_core_settings()
    if settings.log_level == "DEBUG":
        configure_logging("DEBUG")
    else:
        configure_logging("ERROR" if settings.log_level in ("INFO", "WARNING") else settings.log_level, only_ours=True)
    return settings


def _fetch_problem(exc: Exception) -> str:
    """A fetch error as one line, naming the setting that would allow a refused local address."""
    from bot.news.errors import UnsafeURLError

    message = str(exc)
    if isinstance(exc, UnsafeURLError):
        message += f" {PRIVATE_URL_HINT}"
    return message


def _read_page_file(path: Path, max_bytes: int) -> bytes:
    """A saved page; ``.gz`` files are decompressed (at most ``max_bytes``, like a download)."""
    import gzip
    import zlib

    try:
        if path.suffix.lower() != ".gz":
            return path.read_bytes()
        with gzip.open(path) as stream:
            data = stream.read(max_bytes + 1)
    except (OSError, EOFError, zlib.error) as exc:
        raise CliError(f"cannot read {path}: {exc}") from None
    if len(data) > max_bytes:
        raise CliError(f"{path} is larger than HTTP_MAX_BYTES={max_bytes} bytes once decompressed")
    return data


def _cmd_summarize(args: argparse.Namespace) -> int:
    from bot.app import fetch_policy
    from bot.news.errors import NewsError
    from bot.news.http import PAGE, Fetcher
    from bot.news.pipeline import SummaryOptions, process_page

    settings = _core_settings()
    options = SummaryOptions(settings.summary_sentences, settings.summary_max_chars)
    source = Path(args.source)
    is_address = "://" in args.source
    if not is_address and not source.is_file():
        raise CliError(f"no such file: {args.source} (give a saved HTML file or an http(s) address)")

    async def load() -> tuple[bytes | str, str]:
        if not is_address:
            return _read_page_file(source, settings.http_max_bytes), source.resolve().as_uri()
        async with Fetcher(fetch_policy(settings)) as fetcher:
            page = await fetcher.fetch(args.source, accept=PAGE)
        return page.text, page.url

    try:
        html, url = asyncio.run(load())
        item = process_page(html, url, options=options)
    except NewsError as exc:
        raise CliError(_fetch_problem(exc)) from None
    article = item.article
    print(article.title)
    print(f"language: {article.language or 'unknown'}" + (f" · by {article.author}" if article.author else "")
          + (f" · {article.published:%Y-%m-%d %H:%M} UTC" if article.published else ""))
    print(f"url: {public_link(article.canonical_url, article.url)}\n")
    print(item.summary or "(no summary: the page has no article text)")
    if article.related:
        print("\nRelated links on the page:")
        for link in article.related:
            print(f"- {link.title} <{link.url}>")
    if settings.llm_enabled:
        _print_llm_summary(settings, article, args.lang or article.language, options)
    return 0


def _print_llm_summary(settings: CoreSettings, article: Article, language: str, options: SummaryOptions) -> None:
    """What the LLM would post for this page, or why its answer would be discarded."""
    from bot.news.llm import ChatCompletions, LLMOptions, LLMSummarizer

    async def ask() -> LLMAnswer:
        client = ChatCompletions(LLMOptions(
            base_url=settings.llm_base_url, model=settings.llm_model, api_key=settings.llm_api_key.get_secret_value(),
            timeout_s=settings.llm_timeout_seconds, max_retries=settings.llm_max_retries))
        try:
            return await LLMSummarizer(client).answer(article, language, max_sentences=options.max_sentences,
                                                      max_chars=options.max_chars)
        finally:
            await client.aclose()

    answer = asyncio.run(ask())
    print(f"\nLLM summary ({settings.llm_model}, {language or 'the page language'}, {answer.elapsed_s:.1f} s):")
    print(answer.summary if answer.ok else f"(discarded: {answer.outcome}: {answer.detail}; a post would carry "
                                           "the extractive summary above)")


def _cmd_fetch(args: argparse.Namespace) -> int:
    from bot.app import fetch_policy, ingest_options
    from bot.clock import SystemClock
    from bot.ingest import Ingestor
    from bot.news.http import Fetcher

    settings = _core_settings()

    async def fetch() -> int:
        db = await Database.connect(settings.database_target)
        try:
            async with Fetcher(fetch_policy(settings)) as fetcher:
                ingestor = Ingestor(db, fetcher, clock=SystemClock(), options=ingest_options(settings))
                feed = await db.feeds.get_by_url(args.url)
                if feed is None:
                    feed, _ = await db.feeds.add(args.url, now=SystemClock().now())
                report = await ingestor.poll(feed)
            if report.error:
                raise CliError(report.error + (f" {PRIVATE_URL_HINT}" if "private or local address" in report.error else ""))
            print(f"{report.title or args.url}: {_fetch_summary(report)}")
            for article in await db.articles.get_many(report.new_articles):
                print(f"- {article.title} <{article.url}>")
            if report.warning:
                print(f"warning: {report.warning}", file=sys.stderr)
            for problem in report.item_errors:
                print(f"  ! {problem}", file=sys.stderr)
            return 0
        finally:
            await db.close()

    return asyncio.run(fetch())


def _fetch_summary(report: PollReport) -> str:
    """"3 new items: 2 new stories, 1 the same story as one already stored" (and the like)."""
    if report.not_modified:
        return "nothing new (not modified since the last fetch)"
    stored = len(report.new_articles) + report.duplicates
    items = stored
    if not stored:
        return "nothing new" + (f"; {len(report.item_errors)} entries could not be read" if report.item_errors else "")
    parts = [f"{len(report.new_articles)} new {'story' if len(report.new_articles) == 1 else 'stories'}"]
    if report.duplicates:
        parts.append(f"{report.duplicates} the same story as one already stored (merged)")
    return f"{items} new {'item' if items == 1 else 'items'}: " + ", ".join(parts)


def _cmd_search(args: argparse.Namespace) -> int:
    from bot.clock import SystemClock
    from bot.related import search_stories

    settings = _core_settings()
    if settings.database_file is not None and not settings.database_file.exists():
        raise CliError(f"there is no database at {settings.database_file} (DATABASE_PATH): "
                       "store stories first with newsbot fetch FEED_URL or newsbot run")

    async def search() -> int:
        db = await Database.connect(settings.database_target)
        try:
            found = await search_stories(db, " ".join(args.words), now=SystemClock().now(), limit=max(1, args.limit))
        finally:
            await db.close()
        if not found:
            print("no stored stories match; try fewer or broader words")
            return 1
        for article in found:
            print(f"{article.when:%Y-%m-%d} {article.feed_title or '-'}: {article.title} <{article.url}>")
        return 0

    return asyncio.run(search())


def _cmd_migrate(args: argparse.Namespace) -> int:
    if args.source or args.target:
        return _copy_database(args.source, args.target)
    settings = _core_settings()

    async def migrate() -> int:
        db = await Database.connect(settings.database_target)
        version = await db.schema_version()
        shown = db.path
        await db.close()
        print(f"database {shown} is at schema version {version}")
        return 0

    return asyncio.run(migrate())


def _copy_database(source: str | None, target: str | None) -> int:
    from storage.copy import copy_database
    from storage.db import is_postgres_url, redacted, sqlite_path

    if not source or not target:
        raise CliError("give both --from sqlite:///FILE and --to postgresql://USER:PASSWORD@HOST/DB")
    if not source.startswith("sqlite:///"):
        raise CliError(f"--from must be an SQLite URL, sqlite:///path/to/newsbot.db (got {redacted(source)})")
    if not is_postgres_url(target):
        raise CliError(f"--to must be a PostgreSQL URL, postgresql://USER:PASSWORD@HOST:5432/DB (got {redacted(target)})")
    file = Path(sqlite_path(source))
    if not file.is_file():
        raise CliError(f"there is no SQLite database at {file} (from --from {source})")
    configure_logging("ERROR", only_ours=True)
    report = asyncio.run(copy_database(source, target))
    print(f"copied {report.rows} rows of {len(report.tables)} tables from {file} to {redacted(target)} "
          f"(schema version {report.schema_version}); set DATABASE_URL to it and start newsbot run")
    for table, count in report.tables.items():
        print(f"  {table}: {count}")
    return 0


def _cmd_requeue(args: argparse.Namespace) -> int:
    from bot.clock import SystemClock

    settings = _core_settings()

    async def requeue() -> int:
        db = await Database.connect(settings.database_target)
        try:
            count = await db.deliveries.requeue_failed(now=SystemClock().now(), chat_id=args.chat)
        finally:
            await db.close()
        print(f"queued {count} failed posts again; a running bot sends them within a second"
              + ("" if count else " (there were none of active chats)"))
        return 0

    return asyncio.run(requeue())


def _cmd_run(args: argparse.Namespace) -> int:
    from bot.app import ALLOWED_UPDATES, build_application, install_graceful_stop
    from bot.jobs.token_watch import watch_token
    from bot.runmode import RunMode, RunModeError, run
    from bot.stopping import Stopping, StopSignal
    from storage.errors import DATABASE_ERRORS, is_damaged, recover_advice
    from storage.lock import DatabaseLock

    # A fatal signal (SIGBUS from a database file cut short under SQLite's mmap, see
    # storage.db.MMAP_BYTES) then leaves every thread's traceback on stderr, not silence.
    if sys.__stderr__ is not None:  # the process's own stderr (a test's capture has no descriptor)
        faulthandler.enable(file=sys.__stderr__)
    settings = _settings()
    mode = RunMode(role=args.role, webhook=args.webhook)
    try:
        mode.check(settings)
    except RunModeError as exc:
        raise CliError(str(exc)) from None
    # One bot per SQLite database, checked before anything else: a second one would claim the
    # first one's rows and post them twice. The kernel drops the lock when this process ends.
    # On PostgreSQL there is no file to lock: replicas share the database, their claims
    # guarded by leases (bot/replica.py).
    lock = DatabaseLock.acquire(settings.database_file) if settings.database_file is not None else None
    # Ctrl+C and SIGTERM from here to the end, start-up included, stop the bot cleanly (bot.stopping).
    stopping = Stopping()
    stopping.install()
    try:
        stopping.run(_preflight(settings), doing="checking the database and the Bot API")
        if not settings.admin_ids:  # runs, but nobody may /addfeed and every notice is only logged
            log.warning("ADMIN_IDS is empty: nobody can use the admin commands (/addfeed, /channel ...) and "
                        "the bot's notices (a channel it cannot post to, a full disk) only go to this log; "
                        "set ADMIN_IDS to your Telegram user id (see the README, Create the bot)")
        application = build_application(settings, schedule_jobs=mode.runs_jobs)
        watch_token(application)  # a token revoked while nothing is sent (bot.jobs.token_watch)
        install_graceful_stop(application, stopping)
        # PTB's run loop stops on the signal: it stops taking updates and the job queue, then
        # runs post_stop (settling the publisher's rows) and post_shutdown (closing the database).
        try:
            run(application, settings, mode, allowed_updates=ALLOWED_UPDATES)
        except DATABASE_ERRORS as exc:  # PTB has cleaned up (the database closed) and re-raised
            if not is_damaged(exc) or settings.database_file is None:
                raise
            raise CliError(f"the database file {settings.database_file} is damaged ({exc}), found while starting: "
                           f"{recover_advice(str(settings.database_file), stopped=True)}") from None
    except StopSignal:  # before PTB's run loop: the step that was stopped has closed what it opened
        return 0
    finally:
        stopping.close()
        if lock is not None:
            lock.release()
    fatal = application.bot_data["services"].fatal
    if fatal:
        raise CliError(fatal)
    return 0


async def _preflight(settings: Settings) -> None:
    """Check the database and the Bot API once before starting.

    A bad path, a newer schema, a wrong token or an unreachable API then stops start-up with
    one clear line instead of a traceback from inside the event loop.
    """
    from telegram import Bot
    from telegram.error import InvalidToken, NetworkError

    db = await Database.connect(settings.database_target)
    await db.close()
    bot = Bot(
        settings.bot_token.get_secret_value(),
        base_url=settings.telegram_api_base_url,
        base_file_url=settings.file_base_url,
    )
    try:
        try:
            await bot.initialize()  # asks getMe
        finally:  # a stop signal too (a cancellation, which ``async with bot`` would not close for)
            await bot.shutdown()
        log.info("Bot API answers: the bot is @%s", bot.username)
    except InvalidToken:
        raise CliError("Telegram refused BOT_TOKEN (401 Unauthorized): copy the token from @BotFather again") from None
    except NetworkError as exc:
        raise CliError(
            f"cannot reach the Bot API at TELEGRAM_API_BASE_URL={settings.telegram_api_base_url}: {exc}"
        ) from None


if __name__ == "__main__":
    sys.exit(main())
