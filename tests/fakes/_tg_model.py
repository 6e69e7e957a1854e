"""The Telegram side of the fake Bot API: chats, members, messages, the update queue and
the Bot API methods, answering in Telegram's wire format and refusing like Telegram does.

HTTP, recorded calls, injected faults and the helpers that push updates live in
``telegram_api``; this module only knows what Telegram would answer.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import logging
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from contextlib import suppress
from dataclasses import dataclass
from typing import Any

from ._tg_media import MediaMethods
from ._tg_webhook import WebhookMethods
from ._tg_rules import CHAT_NOT_FOUND, ApiError, FloodLimits, check_text, forbidden_text, seconds_source
from ._tg_rules import NOT_MODIFIED as _NOT_MODIFIED
from ._tg_rules import inline_markup as _inline_markup
from ._tg_updates import (
    DEFAULT_ALLOWED_UPDATES,
    JSON,
    chat_dict,
    default_chat,
    full_chat_info,
    member_dict,
    message_dict,
    update_type,
    user_dict,
)

log = logging.getLogger(__name__)

Handler = Callable[[JSON, "dict[str, UploadedFile]"], Awaitable[Any]]


@dataclass(frozen=True)
class UploadedFile:
    """One file part of a multipart request."""

    field: str
    filename: str | None
    content_type: str
    data: bytes


@dataclass
class _StoredMessage:
    """A message in a chat; ``source`` is what an edit must change to be a modification."""

    message: JSON
    from_bot: bool
    source: tuple[Any, ...] = ()


class Signal:
    """Wakes every current waiter at once; ``notify`` works from plain (non-async) code."""

    def __init__(self) -> None:
        self._event = asyncio.Event()

    def notify(self) -> None:
        self._event.set()
        self._event = asyncio.Event()

    async def wait(self, timeout: float) -> None:
        with suppress(TimeoutError):
            await asyncio.wait_for(self._event.wait(), max(timeout, 0))


class TelegramModel(MediaMethods, WebhookMethods):
    """What Telegram knows and answers: the bot, the chats, their messages and members, the
    pending updates, the bot's commands and files, and (when enabled) the flood limits."""

    def __init__(self, token: str, bot_username: str, wall_clock: Callable[[], float]) -> None:
        self.token = token
        self.bot_id = int(token.split(":", 1)[0])
        self.bot_user: JSON = {
            **user_dict(self.bot_id, bot_username, is_bot=True),
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
        }
        #: Check HTML texts like Telegram (known tags, balanced); off to accept anything.
        self.validate_html = True
        self._wall_clock = wall_clock
        self._chats: dict[int, JSON] = {}
        self._members: dict[tuple[int, int], JSON] = {}
        self._messages: dict[tuple[int, int], _StoredMessage] = {}
        self._last_message_id: Counter[int] = Counter()
        self._updates: list[JSON] = []
        self._update_ids = itertools.count(1)
        self._allowed_updates = DEFAULT_ALLOWED_UPDATES
        self._poll_generation = 0
        self._polls_waiting = 0
        self._poll_signal = Signal()
        self._open_queries: set[str] = set()
        self._commands: dict[str, list[JSON]] = {}
        self._files: dict[str, UploadedFile] = {}
        self._init_webhook()
        self._flood: FloodLimits | None = None
        self._updates_signal = Signal()
        #: Set while the server shuts down: long polls and slow answers return at once.
        self._closing = asyncio.Event()
        self._init_media()
        self._methods: dict[str, tuple[str, Handler]] = {
            name.lower(): (name, handler) for name, handler in self._method_table().items()
        }

    # -- chats and members -------------------------------------------------------------------

    def add_chat(
        self, chat_id: int, type: str = "private", title: str | None = None, username: str | None = None
    ) -> JSON:
        """Register a chat so getChat finds it and messages carry its type and title."""
        chat = chat_dict(chat_id, type, title, username)
        self._chats[chat_id] = chat
        return chat

    def set_member(self, chat_id: int, user_id: int, status: str = "administrator", **rights: Any) -> JSON:
        """What getChatMember answers for ``user_id`` in ``chat_id``; ``rights`` such as
        ``can_post_messages=False`` override the defaults of the status."""
        user = self.bot_user if user_id == self.bot_id else user_dict(user_id)
        member = member_dict(user, status, **rights)
        self._members[(chat_id, user_id)] = member
        return member

    # -- updates -----------------------------------------------------------------------------

    @property
    def pending_updates(self) -> list[JSON]:
        """Updates not yet confirmed by a getUpdates offset."""
        return list(self._updates)

    def push_update(self, update: JSON) -> int:
        """Queue an update (an ``update_id`` is assigned) and wake a waiting getUpdates."""
        update_id = next(self._update_ids)
        self._updates.append({**update, "update_id": update_id})
        self._updates_signal.notify()
        self._wake_pusher()
        log.debug("queued update %d (%s)", update_id, update_type(update))
        return update_id

    async def wait_until_polling(self, timeout: float = 5.0) -> None:
        """Return once a getUpdates request is being held open (the bot is listening)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while not self._polls_waiting:
            if loop.time() >= deadline:
                raise TimeoutError(f"no getUpdates long poll within {timeout}s")
            await self._poll_signal.wait(deadline - loop.time())

    # -- flood limits ------------------------------------------------------------------------

    def enforce_flood_limits(
        self,
        clock: Callable[[], float] | Any = time.monotonic,
        *,
        global_per_sec: int = 30,
        private_per_sec: int = 1,
        group_per_min: int = 20,
    ) -> None:
        """Refuse sends and edits over Telegram's limits with 429, timed by ``clock``
        (a ``time.monotonic``-like callable, or an object whose ``now()`` gives a datetime)."""
        self._flood = FloodLimits(seconds_source(clock), global_per_sec, private_per_sec, group_per_min)

    @property
    def flood_violations(self) -> Counter[str]:
        """Refusals by limit: "global", "private", "group" (one refusal may break two)."""
        return self._flood.violations if self._flood else Counter()

    @property
    def flood_429_count(self) -> int:
        """Sends and edits refused with 429 by the flood limits (injected 429s not counted)."""
        return self._flood.refusals if self._flood else 0

    # -- chat and message helpers ------------------------------------------------------------

    def _chat_key(self, chat_ref: Any) -> Any:
        """A chat_id parameter as the int id when it can be known ("@name" of a registered chat)."""
        if isinstance(chat_ref, str) and chat_ref.startswith("@"):
            name = chat_ref[1:].lower()
            found = [cid for cid, chat in self._chats.items() if chat.get("username", "").lower() == name]
            return found[0] if found else chat_ref
        with suppress(TypeError, ValueError):
            return int(chat_ref)
        return chat_ref

    def _chat_type(self, chat_key: Any) -> str | None:
        if isinstance(chat_key, int):
            return self._chat(chat_key)["type"]
        return "channel" if isinstance(chat_key, str) else None

    def _chat(self, chat_ref: Any) -> JSON:
        """The chat a chat_id parameter names: registered, or how Telegram shows an unknown id."""
        if chat_ref is None or chat_ref == "":
            raise ApiError(400, "Bad Request: chat_id is empty")
        key = self._chat_key(chat_ref)
        if not isinstance(key, int):
            raise ApiError(400, CHAT_NOT_FOUND)
        return self._chats.get(key) or default_chat(key)

    def _known_chat(self, chat_ref: Any) -> JSON:
        chat = self._chats.get(self._chat_key(chat_ref))  # type: ignore[arg-type]
        if chat is None:
            raise ApiError(400, CHAT_NOT_FOUND)
        return chat

    def _now(self) -> int:
        return int(self._wall_clock())

    def _store(self, chat: JSON, *, sender: JSON | None, source: tuple[Any, ...] = (), **fields: Any) -> JSON:
        """Give a new message the chat's next id and keep it for edits, deletes and replies."""
        self._last_message_id[chat["id"]] += 1
        message_id = self._last_message_id[chat["id"]]
        message = message_dict(message_id, chat, self._now(), sender=sender, **fields)
        self._messages[(chat["id"], message_id)] = _StoredMessage(message, sender is self.bot_user, source)
        return message

    def _stored(self, params: JSON, verb: str) -> _StoredMessage:
        chat = self._chat(params.get("chat_id"))
        stored = self._messages.get((chat["id"], params.get("message_id")))  # type: ignore[arg-type]
        if stored is None:
            raise ApiError(400, f"Bad Request: message to {verb} not found")
        if verb == "edit" and not stored.from_bot:
            raise ApiError(400, "Bad Request: message can't be edited")
        return stored

    def _admit(self, chat: JSON) -> None:
        """Refuse a send or edit the way Telegram would: the bot left the chat, lacks the
        right to post in a channel, or is over a flood limit."""
        member = self._members.get((chat["id"], self.bot_id))
        if member and member["status"] in ("left", "kicked"):
            raise ApiError(403, forbidden_text(chat["type"]))
        if member and chat["type"] == "channel" and not member.get("can_post_messages", member["status"] == "creator"):
            raise ApiError(400, "Bad Request: need administrator rights in the channel chat")
        if self._flood is not None:
            self._flood.admit(chat["id"], private=chat["type"] == "private")

    def _text(self, params: JSON, key: str = "text") -> str:
        parse_mode = params.get("parse_mode") if self.validate_html else None
        return check_text(params.get(key), parse_mode, caption=key == "caption")

    # -- Bot API methods ---------------------------------------------------------------------

    def _method_table(self) -> dict[str, Handler]:
        return {
            "getMe": self._get_me, "getUpdates": self._get_updates,
            "setWebhook": self._set_webhook, "deleteWebhook": self._delete_webhook,
            "getWebhookInfo": self._get_webhook_info, "sendMessage": self._send_message,
            "editMessageText": self._edit_message_text,
            "editMessageReplyMarkup": self._edit_message_reply_markup,
            "deleteMessage": self._delete_message, "answerCallbackQuery": self._answer_callback,
            "setMyCommands": self._set_my_commands, "getMyCommands": self._get_my_commands,
            "deleteMyCommands": self._delete_my_commands, "getChat": self._get_chat,
            "getChatMember": self._get_chat_member,
            "getChatAdministrators": self._get_chat_administrators,
            "sendDocument": self._send_document, "getFile": self._get_file,
            "sendChatAction": self._chat_action, "leaveChat": self._leave_chat,
            **self._media_methods(),
        }  # fmt: skip

    async def _get_me(self, params: JSON, files: dict[str, UploadedFile]) -> JSON:
        return self.bot_user

    async def _get_updates(self, params: JSON, files: dict[str, UploadedFile]) -> list[JSON]:
        """Long polling: answer as soon as there are updates, or after ``timeout`` seconds."""
        if self._webhook_url:
            raise ApiError(409, "Conflict: can't use getUpdates method while webhook is active; "
                                "use deleteWebhook to delete the webhook first")  # fmt: skip
        self._confirm(params.get("offset"))
        if (allowed := params.get("allowed_updates")) is not None:
            self._allowed_updates = frozenset(allowed) or DEFAULT_ALLOWED_UPDATES
        limit = min(max(int(params.get("limit") or 100), 1), 100)
        self._poll_generation += 1
        generation = self._poll_generation
        self._updates_signal.notify()  # a newer poll ends an older one, as on Telegram
        loop = asyncio.get_running_loop()
        deadline = loop.time() + float(params.get("timeout") or 0)
        while True:
            if generation != self._poll_generation:
                raise ApiError(409, "Conflict: terminated by other getUpdates request; "
                                    "make sure that only one bot instance is running")  # fmt: skip
            ready = self._deliverable(limit)
            if ready or loop.time() >= deadline or self._closing.is_set():
                return ready
            self._polls_waiting += 1
            self._poll_signal.notify()
            try:
                await self._updates_signal.wait(deadline - loop.time())
            finally:
                self._polls_waiting -= 1

    def _confirm(self, offset: int | None) -> None:
        """Forget updates below ``offset``; a negative offset keeps only the last -offset."""
        if offset is None:
            return
        if offset < 0:
            self._updates = self._updates[offset:]
        else:
            self._updates = [update for update in self._updates if update["update_id"] >= offset]

    def _deliverable(self, limit: int) -> list[JSON]:
        """The oldest pending updates of allowed types; Telegram never queues the others."""
        dropped = [u for u in self._updates if update_type(u) not in self._allowed_updates]
        for update in dropped:
            log.info("dropping update %d: %s is not in allowed_updates", update["update_id"], update_type(update))
            self._updates.remove(update)
        return self._updates[:limit]

    async def _send_message(self, params: JSON, files: dict[str, UploadedFile]) -> JSON:
        chat = self._chat(params.get("chat_id"))
        text = self._text(params)
        thread = self._thread(chat, params)
        self._admit(chat)
        markup = _inline_markup(params.get("reply_markup"))
        source = (params.get("text"), params.get("parse_mode"), markup)
        return self._store(chat, sender=self.bot_user, source=source, text=text, reply_markup=markup,
                           **self._topic_fields(thread), **self._replied(chat, params))

    def _replied(self, chat: JSON, params: JSON) -> JSON:
        """``reply_parameters`` (same chat): the answered message, shown as ``reply_to_message``;
        one that does not exist is refused unless ``allow_sending_without_reply``."""
        wanted = params.get("reply_parameters")
        if not isinstance(wanted, dict) or "message_id" not in wanted:
            return {}
        stored = self._messages.get((chat["id"], wanted["message_id"]))
        if stored is not None:
            return {"reply_to_message": stored.message}
        if wanted.get("allow_sending_without_reply"):
            return {}
        raise ApiError(400, "Bad Request: message to be replied not found")

    async def _edit_message_text(self, params: JSON, files: dict[str, UploadedFile]) -> JSON | bool:
        if "inline_message_id" in params:
            return True
        stored = self._stored(params, "edit")
        text = self._text(params)
        markup = _inline_markup(params.get("reply_markup"))
        source = (params.get("text"), params.get("parse_mode"), markup)
        if source == stored.source:
            raise ApiError(400, _NOT_MODIFIED)
        self._admit(stored.message["chat"])
        stored.source = source
        stored.message = {**stored.message, "text": text, "edit_date": self._now()}
        stored.message.pop("reply_markup", None)  # an edit without a keyboard removes it
        if markup:
            stored.message["reply_markup"] = markup
        return stored.message

    async def _edit_message_reply_markup(self, params: JSON, files: dict[str, UploadedFile]) -> JSON | bool:
        if "inline_message_id" in params:
            return True
        stored = self._stored(params, "edit")
        markup = _inline_markup(params.get("reply_markup"))
        if markup == stored.message.get("reply_markup"):
            raise ApiError(400, _NOT_MODIFIED)
        stored.source = (*stored.source[:2], markup)
        stored.message = {key: value for key, value in stored.message.items() if key != "reply_markup"}
        stored.message["edit_date"] = self._now()
        if markup:
            stored.message["reply_markup"] = markup
        return stored.message

    async def _delete_message(self, params: JSON, files: dict[str, UploadedFile]) -> bool:
        stored = self._stored(params, "delete")
        del self._messages[(stored.message["chat"]["id"], stored.message["message_id"])]
        return True

    async def _answer_callback(self, params: JSON, files: dict[str, UploadedFile]) -> bool:
        if params.get("callback_query_id") not in self._open_queries:
            raise ApiError(400, "Bad Request: query is too old and response timeout expired or query ID is invalid")
        return True

    async def _set_my_commands(self, params: JSON, files: dict[str, UploadedFile]) -> bool:
        self._commands[_commands_key(params)] = list(params.get("commands") or [])
        return True

    async def _get_my_commands(self, params: JSON, files: dict[str, UploadedFile]) -> list[JSON]:
        return self._commands.get(_commands_key(params), [])

    async def _delete_my_commands(self, params: JSON, files: dict[str, UploadedFile]) -> bool:
        self._commands.pop(_commands_key(params), None)
        return True

    async def _get_chat(self, params: JSON, files: dict[str, UploadedFile]) -> JSON:
        return full_chat_info(self._known_chat(params.get("chat_id")))

    async def _get_chat_member(self, params: JSON, files: dict[str, UploadedFile]) -> JSON:
        chat = self._chat(params.get("chat_id"))
        user_id = int(params.get("user_id") or 0)
        if member := self._members.get((chat["id"], user_id)):
            return member
        return member_dict(self.bot_user if user_id == self.bot_id else user_dict(user_id), "member")

    async def _get_chat_administrators(self, params: JSON, files: dict[str, UploadedFile]) -> list[JSON]:
        chat = self._known_chat(params.get("chat_id"))
        return [
            member
            for (chat_id, _), member in self._members.items()
            if chat_id == chat["id"] and member["status"] in ("creator", "administrator")
        ]

    async def _send_document(self, params: JSON, files: dict[str, UploadedFile]) -> JSON:
        chat = self._chat(params.get("chat_id"))
        caption = self._text(params, "caption")
        upload = self._upload(params, files, "document")
        thread = self._thread(chat, params)
        self._admit(chat)
        file_id = f"doc-{len(self._files) + 1}"
        self._files[f"documents/{file_id}"] = upload
        document = {"file_id": file_id, "file_unique_id": f"u{file_id}", "file_name": upload.filename,
                    "mime_type": upload.content_type, "file_size": len(upload.data)}  # fmt: skip
        return self._store(chat, sender=self.bot_user, document=document, caption=caption or None,
                           **self._topic_fields(thread))

    def _upload(self, params: JSON, files: dict[str, UploadedFile], name: str) -> UploadedFile:
        """The file sent as ``name``: its own part, an ``attach://`` part, or a file_id."""
        ref = params.get(name)
        if name in files:
            return files[name]
        if isinstance(ref, str) and ref.startswith("attach://") and ref[9:] in files:
            return files[ref[9:]]
        if isinstance(ref, str) and f"documents/{ref}" in self._files:
            return self._files[f"documents/{ref}"]
        raise ApiError(400, "Bad Request: wrong file identifier/HTTP URL specified")

    async def _get_file(self, params: JSON, files: dict[str, UploadedFile]) -> JSON:
        path = f"documents/{params.get('file_id')}"
        if path not in self._files:
            raise ApiError(400, "Bad Request: invalid file_id")
        return {"file_id": params["file_id"], "file_unique_id": f"u{params['file_id']}",
                "file_size": len(self._files[path].data), "file_path": path}  # fmt: skip

    async def _chat_action(self, params: JSON, files: dict[str, UploadedFile]) -> bool:
        self._chat(params.get("chat_id"))
        return True

    async def _leave_chat(self, params: JSON, files: dict[str, UploadedFile]) -> bool:
        chat = self._chat(params.get("chat_id"))
        self.set_member(chat["id"], self.bot_id, "left")
        return True


def _commands_key(params: JSON) -> str:
    scope = params.get("scope") or {"type": "default"}
    return f"{json.dumps(scope, sort_keys=True)}|{params.get('language_code') or ''}"
