"""The ``newsbot`` command: run the bot, migrate the database, and core tools for the shell."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from collections.abc import Sequence

from bot import __version__
from bot.config import ConfigError, Settings, load_settings
from bot.logging_setup import configure_logging
from storage import Database, StorageError

log = logging.getLogger(__name__)


class CliError(Exception):
    """A problem the user can fix; printed as one line, exit status 2."""


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if not getattr(args, "handler", None):
        parser.print_help()
        return 2
    try:
        return args.handler(args) or 0
    except (ConfigError, StorageError, CliError) as exc:
        print(f"newsbot: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="newsbot", description="Telegram news bot.")
    sub = parser.add_subparsers(title="commands", metavar="COMMAND")

    run = sub.add_parser("run", help="run the bot (long polling) until Ctrl+C or SIGTERM")
    run.set_defaults(handler=_cmd_run)

    migrate = sub.add_parser("migrate", help="create or upgrade the database, then exit")
    migrate.set_defaults(handler=_cmd_migrate)

    version = sub.add_parser("version", help="print the version")
    version.set_defaults(handler=lambda args: print(f"newsbot {__version__}"))
    return parser


def _settings() -> Settings:
    settings = load_settings()
    configure_logging(settings.log_level, settings.bot_token.get_secret_value())
    return settings


def _cmd_migrate(args: argparse.Namespace) -> int:
    settings = _settings()

    async def migrate() -> int:
        db = await Database.open(settings.database_path)
        version = await db.scalar("PRAGMA user_version")
        await db.close()
        print(f"database {settings.database_path} is at schema version {version}")
        return 0

    return asyncio.run(migrate())


def _cmd_run(args: argparse.Namespace) -> int:
    from bot.app import ALLOWED_UPDATES, build_application

    settings = _settings()
    asyncio.run(_preflight(settings))
    application = build_application(settings)
    # run_polling handles SIGINT/SIGTERM: it stops polling and the job queue, then runs
    # post_shutdown (closing the database) before returning.
    application.run_polling(allowed_updates=ALLOWED_UPDATES)
    return 0


async def _preflight(settings: Settings) -> None:
    """Check the database and the Bot API once before starting.

    A bad path, a newer schema, a wrong token or an unreachable API then stops start-up with
    one clear line instead of a traceback from inside the event loop.
    """
    from telegram import Bot
    from telegram.error import InvalidToken, NetworkError

    db = await Database.open(settings.database_path)
    await db.close()
    bot = Bot(
        settings.bot_token.get_secret_value(),
        base_url=settings.telegram_api_base_url,
        base_file_url=settings.file_base_url,
    )
    try:
        async with bot:  # initialize() asks getMe
            log.info("Bot API answers: the bot is @%s", bot.username)
    except InvalidToken:
        raise CliError("Telegram refused BOT_TOKEN (401 Unauthorized): copy the token from @BotFather again") from None
    except NetworkError as exc:
        raise CliError(
            f"cannot reach the Bot API at TELEGRAM_API_BASE_URL={settings.telegram_api_base_url}: {exc}"
        ) from None
