"""Edits of sent posts: a story that another outlet reported shows "Also: B, C", a corrected
story shows its new summary. The rows are ``post_edits`` (``storage.edits``), processed here
after each drain of the publisher.

The edit re-renders the post as a send would now (``bot.delivery.postview``; the LLM's summary
when there is one, asked again after a correction dropped the old one) and uses the
method that fits what was sent: ``editMessageText`` for a text post, ``editMessageCaption`` for
a photo (``deliveries.sent_as``), whose caption is rendered for a caption's 1,024 characters
(its summary makes room for the sources, ``bot.news.render``). Telegram's answers settle the row: "message is not modified"
means it already shows this (done); "message to edit not found" or any other Bad Request is
final (failed, the post stays as it was); 429 waits ``retry_after`` without counting a try;
timeouts and server errors are tried ``MAX_ATTEMPTS`` times, then given up. Nothing is lost:
the story, its sources and the post are untouched by a failed edit.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from datetime import timedelta

from telegram import Bot, LinkPreviewOptions
from telegram.error import BadRequest, Forbidden, InvalidToken, RetryAfter, TelegramError
from telegram.warnings import PTBDeprecationWarning

from bot.clock import Clock
from bot.config import Settings
from bot.delivery.compose import compose_post, post_defaults
from bot.delivery.postview import also_links
from bot.delivery.ratelimit import SendingPaused, bulk_sends
from bot.news.captions import fits_caption
from bot.news.render import Link
from bot.replica import Lease
from bot.story_summaries import StorySummaries
from bot.texts import pick_language
from storage import Database
from storage.articles import StoredArticle
from storage.edits import PendingEdit

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 3
_NOT_MODIFIED = "message is not modified"

ReadAlso = Callable[[StoredArticle], Awaitable[list[Link]]]


@dataclass(slots=True)
class EditReport:
    done: int = 0
    unchanged: int = 0
    failed: int = 0
    retried: int = 0


class EditSender:
    def __init__(self, db: Database, bot: Bot, *, settings: Settings, clock: Clock, read_also: ReadAlso,
                 lease: Lease | None = None, summaries: StorySummaries | None = None) -> None:
        self._db = db
        self._summaries = summaries  # LLM summaries: an edit shows the one a send would
        self._bot = bot
        self._settings = settings
        self._clock = clock
        self._read_also = read_also
        self._lease = lease

    async def drain(self, *, may_send: Callable[[], bool] = lambda: True, batch: int = 50,
                    max_batches: int = 100) -> EditReport:
        """Make every due edit, until none is due or ``may_send`` says to stop."""
        report = EditReport()
        # Edits whose claim's lease ended (their replica died) are made again: twice is harmless.
        await self._db.edits.recover_expired(now=self._clock.now())
        for _ in range(max_batches):
            if not may_send():
                break
            now = self._clock.now()
            rows = await self._db.edits.claim_due(now, batch, owner=self._lease.owner if self._lease else None,
                                                  lease_until=self._lease.until(now) if self._lease else None)
            if not rows:
                break
            for index, row in enumerate(rows):
                if not may_send():
                    await self._postpone(rows[index:])
                    return report
                try:
                    # Background work like the fan-out: it yields to replies, and a pause that
                    # begins while an edit waits for its turn stops it (bot/delivery/ratelimit.py).
                    with bulk_sends(may_send=may_send):
                        made = await self._edit(row, report)
                except SendingPaused:
                    await self._postpone(rows[index:])
                    return report
                except InvalidToken:  # 401: BOT_TOKEN revoked; no edit can work until it is replaced
                    await self._postpone(rows[index:])
                    raise
                if not made:
                    await self._postpone(rows[index + 1 :])
                    return report
        return report

    async def _postpone(self, rows: list[PendingEdit]) -> None:
        """Give claimed edits back for the next drain, without counting a try."""
        for row in rows:
            await self._db.edits.retry_later(row.id, at=self._clock.now(), error="postponed", count_attempt=False)

    async def _edit(self, row: PendingEdit, report: EditReport) -> bool:
        """Make one edit; False when Telegram asked to wait (stop this drain)."""
        chat = await self._db.chats.get(row.chat_id)
        article = await self._db.articles.get(row.article_id)
        if chat is None or article is None:
            await self._db.edits.mark_failed(row.id, "the chat or the story is no longer stored")
            report.failed += 1
            return True
        if row.sent_as == "rich":  # a whole article as the post: its text is the article, not the summary
            await self._db.edits.mark_done(row.id, now=self._clock.now(), note="rich posts are not edited")
            report.unchanged += 1
            return True
        previews = row.link_preview if row.link_preview is not None else (
            chat.link_previews if chat.link_previews is not None else self._settings.link_previews
        )
        related = await self._read_also(article)
        if self._summaries is not None and chat.summaries:  # else an "Also:" edit drops the LLM's summary
            article = replace(article, summary=await self._summaries.text_for(article, chat))
        post = compose_post(
            chat, article, related=related, zone=chat.zone(self._settings.zone),
            lang=pick_language(chat.language or article.language, None), defaults=post_defaults(self._settings),
            bot_username=self._bot.username if _has_me(self._bot) else None, previews=previews,
            also=await also_links(self._db, article), caption=row.sent_as == "photo",
        )
        try:
            if row.sent_as == "photo":
                if not fits_caption(post.text):  # rendered for a caption: only a title past all room
                    await self._db.edits.mark_done(row.id, now=self._clock.now(), note="caption full")
                    report.unchanged += 1
                    return True
                await self._bot.edit_message_caption(
                    chat_id=chat.id, message_id=row.message_id, caption=post.text, reply_markup=post.keyboard
                )
            else:
                await self._bot.edit_message_text(
                    post.text, chat_id=chat.id, message_id=row.message_id, reply_markup=post.keyboard,
                    link_preview_options=LinkPreviewOptions(is_disabled=not previews),
                )
        except RetryAfter as exc:
            await self._db.edits.retry_later(row.id, at=self._clock.now() + _retry_after(exc),
                                             error="429: Telegram asked to wait", count_attempt=False)
            report.retried += 1
            return False
        except BadRequest as exc:
            if _NOT_MODIFIED in exc.message.lower():
                await self._db.edits.mark_done(row.id, now=self._clock.now(), note="already up to date")
                report.unchanged += 1
            else:  # the message is gone or cannot be edited: asking again would not help
                await self._db.edits.mark_failed(row.id, f"Telegram refused the edit: {exc.message}")
                report.failed += 1
                log.info("edit of message %s in chat %s refused: %s", row.message_id, chat.id, exc.message)
        except Forbidden as exc:
            await self._db.edits.mark_failed(row.id, f"Telegram refused: {exc.message}")
            report.failed += 1
        except InvalidToken:  # not a passing error: the drain keeps the edit and stops
            raise
        except TelegramError as exc:  # timeouts, 5xx: a few more tries, then give up
            if row.attempts >= MAX_ATTEMPTS:
                await self._db.edits.mark_failed(row.id, f"gave up after {row.attempts} attempts: {exc}")
                report.failed += 1
            else:
                delay = timedelta(seconds=30 * 2 ** (row.attempts - 1))
                await self._db.edits.retry_later(row.id, at=self._clock.now() + delay, error=str(exc))
                report.retried += 1
        else:
            await self._db.edits.mark_done(row.id, now=self._clock.now())
            report.done += 1
        return True


def _retry_after(exc: RetryAfter) -> timedelta:
    with warnings.catch_warnings():  # PTB 22 warns that the int is deprecated on every read
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        value = exc.retry_after
    return value if isinstance(value, timedelta) else timedelta(seconds=float(value))


def _has_me(bot: Bot) -> bool:
    try:
        return bool(bot.username)
    except RuntimeError:  # bot not initialized (no getMe yet)
        return False
