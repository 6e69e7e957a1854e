"""Updates the fake Bot API hands to the bot: what users, admins and channels do.

Each ``push_*`` builds the Update Telegram would send (a user's text or command with its
``bot_command`` entity, a button press, the bot's own membership changing, a channel post),
stores its message so replies and edits find it, and queues it for getUpdates or the webhook.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable

from ._tg_model import TelegramModel
from ._tg_updates import JSON, callback_query_dict, chat_member_updated_dict, member_dict, message_dict, user_dict

#: The user behind pushed updates in groups and channels unless a test names one.
DEFAULT_USER_ID = 4242


class PushingModel(TelegramModel):
    """The chat model plus the updates a test pushes through it."""

    def __init__(self, token: str, bot_username: str, wall_clock: Callable[[], float]) -> None:
        super().__init__(token, bot_username, wall_clock)
        self._query_ids = itertools.count(1)

    def push_text(
        self,
        chat_id: int,
        text: str,
        *,
        user_id: int | None = None,
        chat_type: str = "private",
        reply_to: int | None = None,
        username: str | None = "reader",
        language_code: str | None = None,
    ) -> int:
        """A user's text message; a leading ``/command`` gets its ``bot_command`` entity.
        ``language_code`` is the user's Telegram app language ("uk", "ru", ...)."""
        private = chat_type == "private"
        chat = self._chat_for_push(chat_id, chat_type, username=username if private else None)
        user = user_dict(user_id or (chat_id if private else DEFAULT_USER_ID), username)
        if language_code:
            user["language_code"] = language_code
        replied = self._messages.get((chat_id, reply_to)) if reply_to is not None else None
        message = self._store(chat, sender=user, text=text, reply_to_message=replied.message if replied else None)
        return self.push_update({"message": message})

    def push_command(
        self,
        chat_id: int,
        text: str,
        *,
        user_id: int | None = None,
        chat_type: str = "private",
        reply_to: int | None = None,
        username: str | None = "reader",
        language_code: str | None = None,
    ) -> int:
        """A user's command such as ``/subscribe tech`` (a text message starting with "/")."""
        if not text.startswith("/"):
            raise ValueError(f"a command starts with '/': {text!r}")
        return self.push_text(chat_id, text, user_id=user_id, chat_type=chat_type, reply_to=reply_to,
                              username=username, language_code=language_code)

    def push_callback(
        self, chat_id: int, data: str, message_id: int, *, user_id: int | None = None, chat_type: str = "private"
    ) -> int:
        """A press of an inline button with ``data`` under message ``message_id``."""
        chat = self._chat_for_push(chat_id, chat_type)
        stored = self._messages.get((chat_id, message_id))
        message = stored.message if stored else message_dict(message_id, chat, self._now(), sender=self.bot_user)
        user = user_dict(user_id or (chat_id if chat_type == "private" else DEFAULT_USER_ID), "reader")
        query_id = f"cbq-{next(self._query_ids)}"
        self._open_queries.add(query_id)
        return self.push_update({"callback_query": callback_query_dict(query_id, user, message, data)})

    def push_my_chat_member(
        self,
        chat_id: int,
        chat_type: str = "channel",
        title: str | None = None,
        old_status: str = "left",
        new_status: str = "administrator",
        can_post_messages: bool = True,
        from_user_id: int = DEFAULT_USER_ID,
        username: str | None = None,
    ) -> int:
        """The bot's own membership changing (added to a channel, promoted, removed). The
        registry follows, so later getChatMember calls see the new status."""
        if chat_id not in self._chats or title or username:
            self.add_chat(chat_id, chat_type, title, username)
        rights = {"can_post_messages": can_post_messages} if new_status == "administrator" else {}
        new_member = self.set_member(chat_id, self.bot_id, new_status, **rights)
        old_member = member_dict(self.bot_user, old_status)
        change = chat_member_updated_dict(
            self._chats[chat_id], user_dict(from_user_id), self._now(), old_member, new_member
        )
        return self.push_update({"my_chat_member": change})

    def push_channel_post(self, chat_id: int, text: str, title: str | None = None) -> int:
        """A post in a channel where the bot is an administrator."""
        chat = self._chat_for_push(chat_id, "channel", title=title)
        return self.push_update({"channel_post": self._store(chat, sender=None, text=text)})

    def _chat_for_push(self, chat_id: int, chat_type: str, **names: str | None) -> JSON:
        """A pushed update reveals its chat to the bot, so the chat becomes known."""
        return self._chats.get(chat_id) or self.add_chat(chat_id, chat_type, **names)
