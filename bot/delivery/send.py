"""Sending one post: which Bot API call carries it, and the fallbacks when Telegram says no.

The publisher hands over a ``Post`` (its text form always, optionally a lead image, a rich
message, a forum topic) and gets back what was sent. The choice is made here and only here:

1. ``rich`` — ``sendRichMessage`` (article mode ``post``). A Bot API that does not know the
   method (404, an older self-hosted server) or refuses it (400) gets the next form, and the
   admins are told once; after a 404 the bot stops trying rich messages until it restarts.
2. ``photo`` — ``sendPhoto`` with the post as its caption, when the lead image is set and the
   post fits the 1,024 characters Telegram allows a caption (counted after entities parsing),
   or its shortened caption does (``Post.caption``: the summary whole, fewer links around it).
   If Telegram cannot fetch the image (400 "wrong file identifier/HTTP URL specified",
   "failed to get HTTP URL content", "wrong type of the web page content"), the next form.
3. ``text`` — ``sendMessage``; with a lead image, a large link preview of it above the text
   (``link_preview_options``: url, prefer_large_media, show_above_text).

Every fallback happens at once, in the same call: a refused form was not delivered (Telegram
answered 400), so the next form can never make a second copy, and the post keeps its slot.
A forum topic that was closed or deleted (400 "message thread not found", "TOPIC_CLOSED")
sends the same form to the group's General topic; its feeds are moved to General and the
admins are told in plain words. Anything else (429, 403, 5xx, timeouts) is raised for the
publisher's outbox rules, exactly as a plain send would be.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Iterable
from dataclasses import dataclass
from datetime import datetime

from telegram import Bot, InlineKeyboardMarkup, LinkPreviewOptions, Message, ReplyParameters
from telegram.error import BadRequest, EndPointNotFound

from bot.clock import Clock
from bot.news.captions import fits_caption
from bot.news.rich import RichMessage
from bot.news.textsafe import valid_text
from bot.notify import notify_admins
from storage import Database
from storage.errors import DATABASE_ERRORS

log = logging.getLogger(__name__)

IMAGE_REFUSALS = (
    "wrong file identifier/http url specified", "failed to get http url content",
    "wrong type of the web page content", "image_process_failed", "photo_invalid_dimensions",
)
TOPIC_REFUSALS = ("message thread not found", "topic_closed", "topic_deleted")
RICH_NOTICE_KEY = "notice.rich_messages_refused"
PHOTO_READ_TIMEOUT = 30.0  # seconds


@dataclass(frozen=True, slots=True)
class Post:
    """One outgoing message in every form it may take."""

    text: str  # Telegram HTML; the text form, and the caption of the photo form unless ``caption``
    keyboard: InlineKeyboardMarkup | None = None
    previews: bool = False  # link previews in the text form (without a lead image)
    image_url: str = ""
    rich: RichMessage | None = None
    thread_id: int | None = None
    html: bool = True  # False: plain text (the publisher's last try for a post Telegram refused)
    reply_to: int | None = None  # the message the text form answers (a queued reply's command)
    caption: str = ""  # the photo form's caption when ``text`` is too long for one (shortened)

    @property
    def photo_caption(self) -> str:
        return self.caption or self.text


@dataclass(frozen=True, slots=True)
class Sent:
    message: Message
    kind: str  # 'rich' | 'photo' | 'text'
    thread_id: int | None  # where it went (None: the chat itself / General)
    fallbacks: tuple[str, ...] = ()  # forms tried first and refused, for logs and tests

    @property
    def message_id(self) -> int:
        return self.message.message_id


def is_topic_refusal(exc: BadRequest) -> bool:
    return any(text in exc.message.lower() for text in TOPIC_REFUSALS)


def is_image_refusal(exc: BadRequest) -> bool:
    return any(text in exc.message.lower() for text in IMAGE_REFUSALS)


class Sender:
    """Sends ``Post``s for the publisher and the article button; one per bot process."""

    def __init__(self, bot: Bot, db: Database, *, admin_ids: Iterable[int], clock: Clock) -> None:
        self._bot = bot
        self._db = db
        self._admin_ids = list(admin_ids)
        self._clock = clock
        self.rich_supported = True  # False after a 404 for sendRichMessage

    def forms(self, post: Post) -> list[str]:
        """The forms to try, best first; the text form is always last."""
        forms = []
        if post.rich is not None and self.rich_supported:
            forms.append("rich")
        if post.image_url and fits_caption(post.photo_caption, html=post.html):
            forms.append("photo")
        forms.append("text")
        return forms

    async def send(self, chat_id: int, post: Post, *, chat_name: str = "") -> Sent:
        forms = self.forms(post)
        thread = post.thread_id
        refused: list[str] = []
        index = 0
        while True:
            kind = forms[index]
            try:
                message = await self._send_form(kind, chat_id, post, thread)
            except EndPointNotFound as exc:  # do_api_request's 404: the server has no such method
                if kind != "rich":
                    raise
                self.rich_supported = False
                await self._noting(self._rich_refused(
                    f"this Bot API server does not know sendRichMessage ({exc.message})",
                    "Article mode needs Bot API 10.1 or newer; until then posts go out as usual."))
            except BadRequest as exc:
                if thread is not None and is_topic_refusal(exc):
                    await self._noting(self._topic_gone(chat_id, thread, exc.message, chat_name))
                    thread = None
                    continue  # the same form, to General
                if kind == "photo" and is_image_refusal(exc):
                    log.info("Telegram could not use the image %s for chat %s (%s); sending text",
                             post.image_url, chat_id, exc.message)
                elif kind == "rich":
                    await self._noting(self._rich_refused(
                        f"Telegram refused a rich message: {exc.message}",
                        "Whenever that happens the usual post goes out instead."))
                else:
                    raise
            else:
                return Sent(message, kind, thread, tuple(refused))
            refused.append(kind)
            index += 1

    async def _send_form(self, kind: str, chat_id: int, post: Post, thread: int | None) -> Message:
        if kind == "rich":
            assert post.rich is not None
            kwargs: dict[str, object] = {"chat_id": chat_id, "rich_message": post.rich.as_input()}
            if thread is not None:
                kwargs["message_thread_id"] = thread
            if post.keyboard is not None:
                kwargs["reply_markup"] = post.keyboard
            return await self._bot.do_api_request("sendRichMessage", api_kwargs=kwargs, return_type=Message)
        if kind == "photo":
            # Telegram downloads the image before it answers: give it longer than a text send, so
            # a slow image server does not turn into a timeout and a repeated post.
            return await self._bot.send_photo(
                chat_id, post.image_url, caption=valid_text(post.photo_caption), parse_mode=self._parse_mode(post),
                reply_markup=post.keyboard, message_thread_id=thread, read_timeout=PHOTO_READ_TIMEOUT,
            )
        if post.image_url:
            # is_disabled=False said outright: PTB fills unset fields from the Application's
            # Defaults, whose LINK_PREVIEWS=false would otherwise switch this preview off.
            preview = LinkPreviewOptions(is_disabled=False, url=post.image_url, prefer_large_media=True,
                                         show_above_text=True)
        else:
            preview = LinkPreviewOptions(is_disabled=not post.previews)
        # A queued reply quotes its command; if that message is gone by then, it still goes.
        answers = None if post.reply_to is None else ReplyParameters(post.reply_to, allow_sending_without_reply=True)
        return await self._bot.send_message(
            chat_id, valid_text(post.text), parse_mode=self._parse_mode(post), reply_markup=post.keyboard,
            link_preview_options=preview, message_thread_id=thread, reply_parameters=answers,
        )

    @staticmethod
    def _parse_mode(post: Post) -> str | None:
        return "HTML" if post.html else None

    @staticmethod
    async def _noting(step: Awaitable[None]) -> None:
        """Run a bookkeeping step of a fallback; a database fault there must not stop the post
        (the next form still goes out in this slot), so it is logged and the send goes on."""
        try:
            await step
        except DATABASE_ERRORS as exc:
            log.error("could not record a send fallback (%s); sending on", exc)

    async def _topic_gone(self, chat_id: int, thread: int, reason: str, chat_name: str) -> None:
        """Move the topic's feeds to General and tell the admins, once per topic."""
        names_of_topic = [s.topic_name for s in await self._db.subscriptions.for_chat(chat_id)
                          if s.topic_id == thread and s.topic_name]
        feeds = await self._db.subscriptions.drop_topic(chat_id, thread)
        log.warning("topic %s of chat %s refused a post (%s); posting to General", thread, chat_id, reason)
        if not feeds:
            return  # told already, when the first post found the topic gone
        names = []
        for feed_id in feeds:
            feed = await self._db.feeds.get(feed_id)
            names.append(feed.name if feed else str(feed_id))
        closed = "closed" if "closed" in reason.lower() else "closed or deleted"
        await notify_admins(
            self._bot, self._admin_ids,
            f"The topic {f'“{names_of_topic[0]}” ({thread})' if names_of_topic else thread} in "
            f"{chat_name or chat_id} was {closed}, so I posted to the group's "
            f"General topic instead; nothing was lost. {', '.join(names)} now post to General. To use a "
            f"topic again: /channel {chat_id} subscribe FEED topic NAME.",
        )

    async def _rich_refused(self, reason: str, hint: str) -> None:
        log.warning("rich message not sent, falling back to the text post: %s", reason)
        if await self._db.state.get(RICH_NOTICE_KEY):
            return
        await self._db.state.set(RICH_NOTICE_KEY, _stamp(self._clock.now()))
        await notify_admins(
            self._bot, self._admin_ids,
            f"{reason}. I sent the usual post instead; no post is lost. {hint}",
        )


def _stamp(moment: datetime) -> str:
    return moment.isoformat()
