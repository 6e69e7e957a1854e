"""The publisher: claims due outbox rows, sends them, and settles each row by what Telegram said.

Delivery is at-least-once: a row is marked sent right after Telegram accepts the message; a
crash between the two (a window of one database write per message in flight) sends that
message again after the restart, because losing a post is worse than a rare repeat. The
README states this rule.

Telegram's limits: the Application's AIORateLimiter keeps the whole bot under 30 messages/s
and each group or channel under 20/minute; the posting policy here keeps private chats under
one message a second and applies each channel's own pace, hourly cap and quiet hours. A 429
puts the row back for ``retry_after`` and pauses all sending as long; nothing is dropped.
"""

from __future__ import annotations

import asyncio
import logging
import warnings
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from telegram import Bot, InlineKeyboardMarkup, LinkPreviewOptions
from telegram.error import BadRequest, ChatMigrated, Forbidden, RetryAfter, TelegramError
from telegram.warnings import PTBDeprecationWarning

from bot.clock import Clock
from bot.config import Settings
from bot.delivery.edits import EditSender
from bot.delivery.policy import GROUP_GAP, PRIVATE_GAP, PostingPolicy, next_send_time, parse_hhmm
from bot.delivery.postview import also_links, render_story
from bot.news.render import Link, escape
from bot.notify import notify_admins
from bot.related import read_also_links
from storage import Database
from storage.articles import StoredArticle
from storage.chats import Chat
from storage.deliveries import Delivery

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
CONCURRENCY = 8
READ_ALSO_TTL = timedelta(minutes=10)
STUCK_AFTER = timedelta(minutes=10)  # a row 'sending' this long between drains is retried


@dataclass(slots=True)
class PublishReport:
    sent: int = 0
    retried: int = 0
    failed: int = 0
    deferred: int = 0
    rate_limited: int = 0
    errors: list[str] = field(default_factory=list)


class Publisher:
    def __init__(self, db: Database, bot: Bot, *, settings: Settings, clock: Clock) -> None:
        self._db = db
        self._bot = bot
        self._settings = settings
        self._clock = clock
        self._paused_until = clock.now()
        self._stopping = False
        self._lock = asyncio.Lock()  # one drain at a time (job tick, /post, /broadcast)
        self._read_also_cache: dict[int, tuple[datetime, list[Link]]] = {}
        self.edits = EditSender(db, bot, settings=settings, clock=clock, read_also=self._read_also)

    def stop(self) -> None:
        """Claim nothing more; sends already under way finish and are recorded."""
        self._stopping = True

    async def drain(self, *, batch: int = 100, max_batches: int = 1000) -> PublishReport:
        """Send every due row, batch by batch, until none is due or Telegram asks us to wait."""
        report = PublishReport()
        async with self._lock:
            # Nothing is 'sending' between drains unless recording an outcome failed.
            await self._db.deliveries.recover_interrupted(
                now=self._clock.now(), claimed_before=self._clock.now() - STUCK_AFTER
            )
            for _ in range(max_batches):
                if self._stopping or self._clock.now() < self._paused_until:
                    break
                rows = await self._db.deliveries.claim_due(self._clock.now(), batch)
                if not rows:
                    break
                await self._send_batch(rows, report)
            await self.edits.drain(may_send=lambda: not self._stopping and self._clock.now() >= self._paused_until)
        return report

    async def _send_batch(self, rows: list[Delivery], report: PublishReport) -> None:
        by_chat: dict[int, list[Delivery]] = {}
        for row in rows:
            by_chat.setdefault(row.chat_id, []).append(row)
        gate = asyncio.Semaphore(CONCURRENCY)

        async def one_chat(chat_rows: list[Delivery]) -> None:
            async with gate:
                await self._send_for_chat(chat_rows, report)

        await asyncio.gather(*(one_chat(chat_rows) for chat_rows in by_chat.values()))

    async def _send_for_chat(self, rows: list[Delivery], report: PublishReport) -> None:
        """Send the first row a chat may get now; the rest wait for the chat's next slot."""
        chat = await self._db.chats.get(rows[0].chat_id)
        now = self._clock.now()
        if chat is None or self._stopping or now < self._paused_until:
            await self._db.deliveries.release((r.id for r in rows), now=now)
            return
        policy = _policy(chat, self._settings)
        hour_ago = now - timedelta(hours=1)
        sent_last_hour, oldest = (
            await self._db.deliveries.sent_since(chat.id, hour_ago) if policy.max_per_hour else (0, None)
        )
        slot = next_send_time(
            policy, now=now, last_post_at=chat.last_post_at, sent_in_last_hour=sent_last_hour,
            oldest_in_last_hour=oldest,
        )
        first, rest = rows[0], rows[1:]
        if slot > now:
            await self._defer([first, *rest], slot, report)
            return
        await self._send_one(chat, first, report)
        if rest:
            later = next_send_time(policy, now=self._clock.now(), last_post_at=self._clock.now())
            await self._defer(rest, later, report)

    async def _defer(self, rows: Iterable[Delivery], at, report: PublishReport) -> None:  # type: ignore[no-untyped-def]
        for row in rows:
            await self._db.deliveries.retry_later(row.id, at=at, count_attempt=False)
            report.deferred += 1

    async def _send_one(self, chat: Chat, row: Delivery, report: PublishReport) -> None:
        try:
            text, keyboard, previews = await self._render(chat, row)
            if text is None:
                await self._db.deliveries.mark_failed(row.id, "the story is no longer stored", state="skipped")
                return
            message = await self._bot.send_message(
                chat.id, text, reply_markup=keyboard,
                link_preview_options=LinkPreviewOptions(is_disabled=not previews),
            )
        except RetryAfter as exc:
            wait = _retry_after(exc)
            self._paused_until = self._clock.now() + wait
            await self._db.deliveries.retry_later(row.id, at=self._paused_until, error=f"429: retry after {wait}", count_attempt=False)
            report.rate_limited += 1
            log.warning("Telegram asked to wait %s before sending more (chat %s)", wait, chat.id)
        except ChatMigrated as exc:
            log.info("chat %s became supergroup %s; moving its rows", chat.id, exc.new_chat_id)
            await self._db.chats.migrate(chat.id, exc.new_chat_id, now=self._clock.now())
            await self._db.deliveries.retry_later(row.id, at=self._clock.now(), count_attempt=False)
            report.retried += 1
        except Forbidden as exc:
            await self._chat_gone(chat, row, f"Telegram refused: {exc.message}", report)
        except BadRequest as exc:
            if "chat not found" in exc.message.lower():
                await self._chat_gone(chat, row, "chat not found", report)
            else:  # the message itself is wrong; sending it again would fail again
                await self._db.deliveries.mark_failed(row.id, f"Telegram refused the message: {exc.message}")
                report.failed += 1
                report.errors.append(f"chat {chat.id}: {exc.message}")
        except TelegramError as exc:  # timeouts, 5xx and the like: try again later, up to a limit
            await self._transient_failure(row, str(exc), report)
        else:
            await self._db.deliveries.mark_sent(row.id, message_id=message.message_id, now=self._clock.now())
            report.sent += 1

    async def _transient_failure(self, row: Delivery, error: str, report: PublishReport) -> None:
        if row.attempts >= MAX_ATTEMPTS:
            await self._db.deliveries.mark_failed(row.id, f"gave up after {row.attempts} attempts: {error}")
            report.failed += 1
            report.errors.append(error)
        else:
            delay = timedelta(seconds=30 * 2 ** (row.attempts - 1))
            await self._db.deliveries.retry_later(row.id, at=self._clock.now() + delay, error=error)
            report.retried += 1

    async def _chat_gone(self, chat: Chat, row: Delivery, reason: str, report: PublishReport) -> None:
        """The bot was blocked or removed: stop sending there, keep the data, tell the admins."""
        await self._db.deliveries.mark_failed(row.id, reason)
        report.failed += 1
        if await self._db.chats.deactivate(chat.id, reason, now=self._clock.now()) and chat.is_channel_like:
            await notify_admins(
                self._bot, self._settings.admin_ids,
                f"I can no longer post to {chat.kind} {chat.display_name} ({reason}). I stopped posting there; "
                "add me back as an admin and send /resume to continue.",
            )

    async def _read_also(self, article: StoredArticle) -> list[Link]:
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

    async def _render(self, chat: Chat, row: Delivery) -> tuple[str | None, InlineKeyboardMarkup | None, bool]:
        previews = chat.link_previews if chat.link_previews is not None else self._settings.link_previews
        if row.link_preview is not None:
            previews = row.link_preview
        if row.kind == "broadcast":
            return escape(row.payload or ""), None, previews
        if row.kind == "digest":
            return row.payload, None, False
        article = await self._db.articles.get(row.article_id or 0)
        if article is None:
            return None, None, previews
        related = await self._read_also(article)
        text, keyboard = render_story(self._bot, self._settings, chat, article, related=related,
                                      also=await also_links(self._db, article))
        return text, keyboard, previews


def _policy(chat: Chat, settings: Settings) -> PostingPolicy:
    return PostingPolicy(
        zone=chat.zone(settings.zone),
        interval=timedelta(minutes=chat.post_interval_min),
        max_per_hour=chat.max_per_hour,
        quiet_start=parse_hhmm(chat.quiet_start) if chat.quiet_start else None,
        quiet_end=parse_hhmm(chat.quiet_end) if chat.quiet_end else None,
        min_gap=PRIVATE_GAP if chat.kind == "private" else GROUP_GAP,
    )


def _retry_after(exc: RetryAfter) -> timedelta:
    """Telegram's wait, as a timedelta whichever type PTB gives (int now, timedelta later)."""
    with warnings.catch_warnings():  # PTB 22 warns that the int is deprecated on every read
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        value = exc.retry_after
    return value if isinstance(value, timedelta) else timedelta(seconds=float(value))

