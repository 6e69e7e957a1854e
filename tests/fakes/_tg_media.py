"""The fake Bot API's photos, rich messages, forum topics and caption edits.

Where each rule comes from (core.telegram.org, read through the docs corpus):

- ``sendPhoto`` (/bots/api#sendphoto): ``photo`` is a file_id, an HTTP URL for Telegram to
  fetch, or an upload; ``caption`` is 0-1024 characters *after entities parsing* (the same
  check as texts, ``check_text(caption=True)``); ``message_thread_id`` for forum topics.
  When Telegram cannot use a URL it answers 400 with one of the texts in ``IMAGE_ERRORS``
  (seen from the real API: "wrong file identifier/HTTP URL specified" for something that is
  no URL or file id, "failed to get HTTP URL content" when the download fails, "wrong type
  of the web page content" when the URL is no image). The fake fetches nothing: a test marks
  a URL as one Telegram cannot fetch with ``mark_unfetchable``; every other http(s) URL works.
- ``sendRichMessage`` (/bots/api/methods/sendrichmessage.md, Bot API 10.1): ``chat_id``,
  ``rich_message`` (an InputRichMessage, /bots/api/types/inputrichmessage.md: exactly one of
  ``html``, ``markdown`` or ``blocks``; ``media``, ``is_rtl``, ``skip_entity_detection``),
  ``message_thread_id``, ``reply_markup``. Limits from /bots/api/rich-messages.md "Rich
  Message Limits": up to 32768 characters of text (counted, like every Telegram text length,
  in UTF-16 code units: an emoji is two), up to 500 blocks (nested blocks, list
  items, table rows, quotations and details blocks count), up to 16 levels of nesting, up to
  50 media, up to 20 table columns. The tag set checked here is the page's block and text
  kinds (paragraph, section heading, preformatted, footer, divider, list, block and pull
  quotation, collage/slideshow/figure, table, details, media) in their HTML spelling; the
  full tag table of the page was not readable in the corpus, so a tag outside this set is
  refused as Telegram refuses unknown tags in classic HTML. The error wordings for rich
  limits are not on the page; they follow the style of the classic ones and are ours.
  ``rich_messages_supported = False`` makes the server an older one: 404 "Not Found".
- ``createForumTopic`` (/bots/api#createforumtopic): the chat must be a forum supergroup and
  the bot an administrator with ``can_manage_topics``; ``name`` "1-128 characters": the Bot
  API server passes it to TDLib, which cleans it and cuts a longer one at 128 code points
  silently, anywhere (``_tg_names.clean_name``), and refuses only an empty one ("title must be
  non-empty"); ``icon_color`` one of six values; returns a ForumTopic whose ``message_thread_id`` is the
  id of the "topic created" service message. Refusals seen from the real API: "the chat is
  not a forum", "not enough rights to create a topic".
- ``message_thread_id`` on every send (the method pages): a topic that does not exist or was
  deleted answers 400 "message thread not found"; a closed one 400 "TOPIC_CLOSED" (both seen
  in the field, e.g. rteixeirax/qbittorrent_telegram_notification#12).
- ``editMessageCaption`` (/bots/api#editmessagecaption): caption 0-1024 after entities; a
  message without media answers "there is no caption in the message to edit"; an identical
  caption and markup answer "message is not modified".
"""

from __future__ import annotations

from dataclasses import dataclass
from html.parser import HTMLParser
from typing import TYPE_CHECKING, Any

from ._tg_names import TITLE_EMPTY, clean_name
from ._tg_rules import NOT_MODIFIED, ApiError, inline_markup
from ._tg_updates import JSON, utf16_len

if TYPE_CHECKING:
    from ._tg_model import UploadedFile

WRONG_FILE = "Bad Request: wrong file identifier/HTTP URL specified"
FAILED_URL = "Bad Request: failed to get HTTP URL content"
WRONG_TYPE = "Bad Request: wrong type of the web page content"
IMAGE_ERRORS = {"wrong_id": WRONG_FILE, "failed": FAILED_URL, "wrong_type": WRONG_TYPE}
THREAD_NOT_FOUND = "Bad Request: message thread not found"
TOPIC_CLOSED = "Bad Request: TOPIC_CLOSED"
NOT_A_FORUM = "Bad Request: the chat is not a forum"
NO_TOPIC_RIGHTS = "Bad Request: not enough rights to create a topic"
MAX_TOPIC_NAME = 128  # code points (TDLib's MAX_FORUM_TOPIC_TITLE_LENGTH)
TOPIC_ICON_COLORS = frozenset({0x6FB9F0, 0xFFD67E, 0xCB86DB, 0x8EEE98, 0xFF93B2, 0xFB6F5F})

RICH_MAX_CHARS = 32768
RICH_MAX_BLOCKS = 500
RICH_MAX_DEPTH = 16
RICH_MAX_MEDIA = 50
RICH_MAX_COLUMNS = 20
_RICH_BLOCKS = frozenset(
    {"p", "h1", "h2", "h3", "h4", "h5", "h6", "pre", "footer", "hr", "ul", "ol", "li", "blockquote",
     "aside", "figure", "table", "tr", "details", "img", "video", "audio"}
)  # fmt: skip
_RICH_OTHER = frozenset(
    {"figcaption", "cite", "thead", "tbody", "td", "th", "caption", "summary", "br", "b", "strong",
     "i", "em", "u", "ins", "s", "strike", "del", "a", "code", "span", "tg-spoiler", "tg-emoji",
     "mark", "sub", "sup", "tg-math"}
)  # fmt: skip
_RICH_MEDIA = frozenset({"img", "video", "audio"})
_VOID = frozenset({"img", "hr", "br"})


@dataclass
class Topic:
    thread_id: int
    name: str
    icon_color: int
    closed: bool = False
    deleted: bool = False

    def as_json(self) -> JSON:
        return {"message_thread_id": self.thread_id, "name": self.name, "icon_color": self.icon_color}


class MediaMethods:
    """Mixed into ``TelegramModel``: photo, rich and topic methods and their test helpers."""

    #: False: an older Bot API server that does not know sendRichMessage (answers 404).
    rich_messages_supported = True

    def _init_media(self) -> None:
        self._unfetchable: dict[str, str] = {}
        self._topics: dict[int, dict[int, Topic]] = {}

    # -- test helpers ------------------------------------------------------------------------

    def mark_unfetchable(self, url: str, kind: str = "failed") -> None:
        """Make ``url`` one Telegram cannot fetch: kind "failed", "wrong_type" or "wrong_id"."""
        self._unfetchable[url] = IMAGE_ERRORS[kind]

    def add_forum(self, chat_id: int, title: str | None = None, username: str | None = None) -> JSON:
        """Register a forum supergroup (a supergroup with topics enabled)."""
        chat = self.add_chat(chat_id, "supergroup", title, username)  # type: ignore[attr-defined]
        chat["is_forum"] = True
        self._topics.setdefault(chat_id, {})
        return chat

    def topics(self, chat_id: int) -> list[Topic]:
        return list(self._topics.get(chat_id, {}).values())

    def close_topic(self, chat_id: int, thread_id: int) -> None:
        self._topics[chat_id][thread_id].closed = True

    def delete_topic(self, chat_id: int, thread_id: int) -> None:
        self._topics[chat_id][thread_id].deleted = True

    # -- rules shared by every send ------------------------------------------------------------

    def _thread(self, chat: JSON, params: JSON) -> int | None:
        """The send's ``message_thread_id``, refused like Telegram refuses a gone topic."""
        raw = params.get("message_thread_id")
        if raw is None:
            return None
        thread = int(raw)
        topic = self._topics.get(chat["id"], {}).get(thread) if chat.get("is_forum") else None
        if topic is None or topic.deleted:
            raise ApiError(400, THREAD_NOT_FOUND)
        if topic.closed:
            raise ApiError(400, TOPIC_CLOSED)
        return thread

    @staticmethod
    def _topic_fields(thread: int | None) -> JSON:
        return {"message_thread_id": thread, "is_topic_message": True} if thread is not None else {}

    # -- methods -----------------------------------------------------------------------------

    def _media_methods(self) -> dict[str, Any]:
        return {
            "sendPhoto": self._send_photo, "sendRichMessage": self._send_rich_message,
            "createForumTopic": self._create_forum_topic, "editMessageCaption": self._edit_message_caption,
        }

    async def _send_photo(self, params: JSON, files: dict[str, UploadedFile]) -> JSON:
        chat = self._chat(params.get("chat_id"))  # type: ignore[attr-defined]
        caption = self._text(params, "caption")  # type: ignore[attr-defined]
        thread = self._thread(chat, params)
        photo_ref = self._photo(params, files)
        self._admit(chat)  # type: ignore[attr-defined]
        markup = inline_markup(params.get("reply_markup"))
        source = (params.get("caption"), params.get("parse_mode"), markup)
        sizes = [{"file_id": f"{photo_ref}-{w}", "file_unique_id": f"u{photo_ref}-{w}", "width": w,
                  "height": w * 3 // 4, "file_size": w * 100} for w in (320, 1280)]  # fmt: skip
        return self._store(chat, sender=self.bot_user, source=source, photo=sizes,  # type: ignore[attr-defined]
                           caption=caption or None, reply_markup=markup, **self._topic_fields(thread))

    def _photo(self, params: JSON, files: dict[str, UploadedFile]) -> str:
        """A photo from an upload, a known file id or a URL Telegram can fetch; a short ref."""
        ref = params.get("photo")
        if "photo" in files or (isinstance(ref, str) and ref.startswith("attach://") and ref[9:] in files):
            return f"upload{len(self._files) + 1}"  # type: ignore[attr-defined]
        if not isinstance(ref, str) or not ref:
            raise ApiError(400, "Bad Request: there is no photo in the request")
        if ref in self._unfetchable:
            raise ApiError(400, self._unfetchable[ref])
        if ref.lower().startswith(("http://", "https://")):
            return f"url{abs(hash(ref)) % 10**8}"
        if f"documents/{ref}" in self._files:  # type: ignore[attr-defined]
            return ref
        raise ApiError(400, WRONG_FILE)

    async def _send_rich_message(self, params: JSON, files: dict[str, UploadedFile]) -> JSON:
        if not self.rich_messages_supported:
            raise ApiError(404, "Not Found")
        chat = self._chat(params.get("chat_id"))  # type: ignore[attr-defined]
        rich = params.get("rich_message")
        if not isinstance(rich, dict):
            raise ApiError(400, "Bad Request: rich_message is empty")
        given = [key for key in ("html", "markdown", "blocks") if rich.get(key)]
        if len(given) != 1:
            raise ApiError(400, "Bad Request: exactly one of html, markdown or blocks must be specified")
        if "html" not in given:
            raise ApiError(400, "Bad Request: this fake checks only the html form of rich messages")
        summary = check_rich_html(str(rich["html"]))
        thread = self._thread(chat, params)
        self._admit(chat)  # type: ignore[attr-defined]
        markup = inline_markup(params.get("reply_markup"))
        content = {"blocks": summary["blocks"], "is_rtl": bool(rich.get("is_rtl"))}
        return self._store(chat, sender=self.bot_user, source=(rich.get("html"), markup),  # type: ignore[attr-defined]
                           rich_message=content, reply_markup=markup, **self._topic_fields(thread))

    async def _create_forum_topic(self, params: JSON, files: dict[str, UploadedFile]) -> JSON:
        chat = self._known_chat(params.get("chat_id"))  # type: ignore[attr-defined]
        if not chat.get("is_forum"):
            raise ApiError(400, NOT_A_FORUM)
        member = self._members.get((chat["id"], self.bot_id))  # type: ignore[attr-defined]
        allowed = member is not None and (
            member["status"] == "creator" or (member["status"] == "administrator" and member.get("can_manage_topics"))
        )
        if not allowed:
            raise ApiError(400, NO_TOPIC_RIGHTS)
        name = clean_name(str(params.get("name") or ""), MAX_TOPIC_NAME)  # a longer name is cut, not refused
        if not name:
            raise ApiError(400, TITLE_EMPTY)
        color = int(params.get("icon_color") or 0x6FB9F0)
        if color not in TOPIC_ICON_COLORS:
            raise ApiError(400, "Bad Request: TOPIC_ICON_COLOR_INVALID")
        service = self._store(chat, sender=self.bot_user,  # type: ignore[attr-defined]
                              forum_topic_created={"name": name, "icon_color": color})
        topic = Topic(service["message_id"], name, color)
        self._topics.setdefault(chat["id"], {})[topic.thread_id] = topic
        return topic.as_json()

    async def _edit_message_caption(self, params: JSON, files: dict[str, UploadedFile]) -> JSON | bool:
        if "inline_message_id" in params:
            return True
        stored = self._stored(params, "edit")  # type: ignore[attr-defined]
        if "photo" not in stored.message and "document" not in stored.message:
            raise ApiError(400, "Bad Request: there is no caption in the message to edit")
        caption = self._text(params, "caption")  # type: ignore[attr-defined]
        markup = inline_markup(params.get("reply_markup"))
        source = (params.get("caption"), params.get("parse_mode"), markup)
        if source == stored.source:
            raise ApiError(400, NOT_MODIFIED)
        self._admit(stored.message["chat"])  # type: ignore[attr-defined]
        stored.source = source
        stored.message = {k: v for k, v in stored.message.items() if k not in ("caption", "reply_markup")}
        stored.message["edit_date"] = self._now()  # type: ignore[attr-defined]
        if caption:
            stored.message["caption"] = caption
        if markup:
            stored.message["reply_markup"] = markup
        return stored.message


def check_rich_html(source: str) -> JSON:
    """Validate rich-message HTML against the documented limits; return what was counted."""
    parser = _RichHtml()
    parser.feed(source)
    parser.close()
    if parser.open_tags:
        tag = parser.open_tags[-1]
        raise ApiError(400, f'Bad Request: can\'t parse rich message: can\'t find end tag corresponding to start tag "{tag}"')
    chars = utf16_len("".join(parser.text))  # UTF-16 code units, as Telegram counts every length
    if chars > RICH_MAX_CHARS:
        raise ApiError(400, "Bad Request: rich message text is too long")
    if not chars and not parser.media:
        raise ApiError(400, "Bad Request: rich message is empty")
    if len(parser.blocks) > RICH_MAX_BLOCKS:
        raise ApiError(400, "Bad Request: too many blocks in the rich message")
    if parser.max_depth > RICH_MAX_DEPTH:
        raise ApiError(400, "Bad Request: rich message nesting is too deep")
    if parser.media > RICH_MAX_MEDIA:
        raise ApiError(400, "Bad Request: too many media in the rich message")
    return {"chars": chars, "blocks": [{"type": tag} for tag in parser.blocks], "media": parser.media}


class _RichHtml(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.open_tags: list[str] = []
        self.blocks: list[str] = []
        self.text: list[str] = []
        self.media = 0
        self.max_depth = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in _RICH_BLOCKS and tag not in _RICH_OTHER:
            raise ApiError(400, f'Bad Request: can\'t parse rich message: Unsupported start tag "{tag}"')
        values = dict(attrs)
        if tag == "a" and not (values.get("href") or "").strip():
            raise ApiError(400, "Bad Request: can't parse rich message: a link has no href")
        if tag in _RICH_MEDIA:
            src = values.get("src") or ""
            if not src.lower().startswith(("http://", "https://", "tg://")):
                raise ApiError(400, f"Bad Request: can't parse rich message: wrong media URL {src[:50]!r}")
            self.media += 1
        if tag in _RICH_BLOCKS:
            self.blocks.append(tag)
        self.max_depth = max(self.max_depth, len(self.open_tags) + 1)
        if tag not in _VOID:
            self.open_tags.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag not in _VOID and self.open_tags and self.open_tags[-1] == tag:
            self.open_tags.pop()

    def handle_endtag(self, tag: str) -> None:
        if tag in _VOID:
            return
        if not self.open_tags or self.open_tags[-1] != tag:
            raise ApiError(400, "Bad Request: can't parse rich message: unexpected end tag")
        self.open_tags.pop()

    def handle_data(self, data: str) -> None:
        self.text.append(data)
