"""An outbox row made into the message it carries, for the chat it goes to.

A story's row becomes a ``Post`` in every form it may take (text, photo, rich article; the
sender picks one, bot.delivery.send), with its "Read also" links, the other outlets that
reported it and, when ready, the LLM summary in the chat's language; a broadcast or a digest
row carries its text already.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

from telegram import Bot

from bot.clock import Clock
from bot.config import Settings
from bot.delivery.compose import compose_post, post_defaults
from bot.delivery.postview import also_links
from bot.delivery.send import Post
from bot.news.render import Link, escape
from bot.related import read_also_links
from bot.story_summaries import StorySummaries
from bot.texts import pick_language
from storage import Database
from storage.articles import StoredArticle
from storage.chats import Chat
from storage.deliveries import REPLY_KEY_PREFIX, Delivery

__all__ = ["READ_ALSO_TTL", "RowRenderer"]

READ_ALSO_TTL = timedelta(minutes=10)


class RowRenderer:
    """Renders outbox rows; keeps each story's "Read also" links a few minutes."""

    def __init__(self, db: Database, bot: Bot, *, settings: Settings, clock: Clock,
                 summaries: StorySummaries | None = None) -> None:
        self._db = db
        self._bot = bot
        self._settings = settings
        self._clock = clock
        self._summaries = summaries  # LLM summaries, when configured
        self._read_also_cache: dict[int, tuple[datetime, list[Link]]] = {}

    async def read_also(self, article: StoredArticle) -> list[Link]:
        """"Read also" links of a story, searched once per story and kept a few minutes: a
        fan-out to thousands of chats must not run the same search for each of them."""
        now = self._clock.now()
        cached = self._read_also_cache.get(article.id)
        if cached is not None and now - cached[0] < READ_ALSO_TTL:
            return cached[1]
        links = await read_also_links(self._db, article, now=now)
        if len(self._read_also_cache) >= 256:
            self._read_also_cache.clear()
        self._read_also_cache[article.id] = (now, links)
        return links

    async def render(self, chat: Chat, row: Delivery) -> Post | None:
        """The row's message in every form it may take; the sender picks one (bot.delivery.send)."""
        previews = chat.link_previews if chat.link_previews is not None else self._settings.link_previews
        if row.link_preview is not None:
            previews = row.link_preview
        if row.kind == "broadcast":
            return Post(escape(row.payload or ""), previews=previews)
        if row.kind == "digest" and (row.digest_key or "").startswith(REPLY_KEY_PREFIX):
            # A queued reply goes out as the reply would have: its previews, topic, quote.
            return Post(row.payload or "", previews=bool(row.link_preview), thread_id=row.thread_id,
                        reply_to=row.reply_to)
        if row.kind == "digest":
            return Post(row.payload or "")
        article = await self._db.articles.get(row.article_id or 0)
        if article is None:
            return None
        related = await self.read_also(article)
        # A channel speaks its readers' language: its own setting, else the story's.
        lang = pick_language(chat.language or article.language, None)
        if self._summaries is not None and chat.summaries:  # the LLM's, in the chat's language, if ready
            article = replace(article, summary=await self._summaries.text_for(article, chat))
        return compose_post(
            chat, article, related=related, zone=chat.zone(self._settings.zone), lang=lang,
            defaults=post_defaults(self._settings), previews=previews, thread_id=row.thread_id,
            bot_username=self._bot.username if _has_me(self._bot) else None,
            also=await also_links(self._db, article),
        )


def _has_me(bot: Bot) -> bool:
    try:
        return bool(bot.username)
    except RuntimeError:  # bot not initialized (no getMe yet)
        return False
