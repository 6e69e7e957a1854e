"""The one wiring point: settings in, a ready python-telegram-bot Application out.

The CLI and the tests both call ``build_application``; tests pass settings that point the bot
at a fake Bot API server and a temporary database.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from telegram import LinkPreviewOptions
from telegram.constants import ParseMode
from telegram.error import TelegramError
from telegram.ext import AIORateLimiter, Application, CallbackContext, ContextTypes, Defaults, ExtBot

from bot.clock import Clock, SystemClock
from bot.config import Settings
from storage import Database

log = logging.getLogger(__name__)

# The update types the bot handles; anything else Telegram keeps to itself.
ALLOWED_UPDATES = ["message", "edited_message", "callback_query", "my_chat_member", "channel_post"]


@dataclass
class Services:
    """What handlers and jobs need, opened in ``post_init`` and closed in ``post_shutdown``."""

    settings: Settings
    clock: Clock
    db: Database = field(init=False)


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


def build_application(settings: Settings, *, clock: Clock | None = None) -> Application:
    """Build the Application: Bot API endpoint, rate limiter, job queue, handlers and jobs."""
    from bot.handlers import register_handlers
    from bot.jobs import register_jobs

    application = (
        Application.builder()
        .token(settings.bot_token.get_secret_value())
        .base_url(settings.telegram_api_base_url)
        .base_file_url(settings.file_base_url)
        .rate_limiter(AIORateLimiter(overall_max_rate=30, overall_time_period=1, group_max_rate=20, group_time_period=60))
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
        .post_shutdown(_post_shutdown)
        .build()
    )
    application.bot_data["services"] = Services(settings=settings, clock=clock or SystemClock())
    register_handlers(application)
    register_jobs(application)
    return application


async def _post_init(application: Application) -> None:
    services: Services = application.bot_data["services"]
    services.db = await Database.open(services.settings.database_path)
    await _seed_feeds(services)
    await _register_commands(application)
    log.info("bot @%s started; database %s", application.bot.username, services.db.path)


async def _post_shutdown(application: Application) -> None:
    services: Services = application.bot_data["services"]
    if hasattr(services, "db"):
        await services.db.close()


async def _seed_feeds(services: Services) -> None:
    now = services.clock.now()
    for url in services.settings.feeds:
        _, created = await services.db.feeds.add(url, now=now)
        if created:
            log.info("feed from FEEDS setting added: %s", url)


async def _register_commands(application: Application) -> None:
    """Fill Telegram's command menu; a Bot API that refuses it must not stop the bot."""
    from bot.handlers.commands import menu_commands

    try:
        await application.bot.set_my_commands(menu_commands())
    except TelegramError as exc:
        log.warning("could not register the command menu (setMyCommands): %s", exc)
