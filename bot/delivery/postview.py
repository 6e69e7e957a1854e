"""A story's post as a chat sees it: shared by the first send (the publisher) and its later
edits (``bot.delivery.edits``), so an edit shows exactly what a send would show now."""

from __future__ import annotations

from collections.abc import Sequence
from urllib.parse import urlsplit

from telegram import Bot, InlineKeyboardMarkup

from bot.config import Settings
from bot.news.render import MAX_MESSAGE, Link, PostContent, render_post
from bot.texts import pick_language, t
from bot.ui import post_keyboard
from storage import Database
from storage.articles import StoredArticle
from storage.chats import Chat


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


def render_story(
    bot: Bot, settings: Settings, chat: Chat, article: StoredArticle, *, related: Sequence[Link],
    also: Sequence[Link], limit: int = MAX_MESSAGE,
) -> tuple[str, InlineKeyboardMarkup]:
    """The post's HTML text and keyboard for ``chat``."""
    zone = chat.zone(settings.zone)
    # A channel speaks its readers' language: its own setting, else the story's.
    lang = pick_language(chat.language or article.language, None)
    text = render_post(
        PostContent(
            title=article.title, url=article.url, summary=article.summary if chat.summaries else "",
            source=article.feed_title, when=article.when, language=article.language,
        ),
        related=related, zone=zone, read_also=t(lang, "read_also"), also=also, also_label=t(lang, "also_sources"),
        limit=limit,
    )
    keyboard = post_keyboard(
        article_id=article.id, url=article.url, bot_username=bot.username if _has_me(bot) else None,
        private=chat.kind == "private", labels=(t(lang, "read_more"), t(lang, "related_button")),
    )
    return text, keyboard


def _host(url: str) -> str:
    host = urlsplit(url).hostname or ""
    return host.removeprefix("www.")


def _has_me(bot: Bot) -> bool:
    try:
        return bool(bot.username)
    except RuntimeError:  # bot not initialized (no getMe yet)
        return False
