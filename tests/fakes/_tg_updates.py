"""Builders of Bot API objects in their wire form (plain dicts), as Telegram would send them.

The fake Bot API server answers with these dicts and python-telegram-bot parses them into its
real classes, so every builder fills the fields PTB requires (``ChatFullInfo`` needs
``accepted_gift_types``, ``ChatMemberAdministrator`` a dozen rights, ...). Everything here is
pure: ids and dates come in as arguments, so the server owns all counters.
"""

from __future__ import annotations

import re
from typing import Any

JSON = dict[str, Any]

#: Update types Telegram delivers when a bot never set ``allowed_updates``.
DEFAULT_ALLOWED_UPDATES = frozenset(
    {
        "message", "edited_message", "channel_post", "edited_channel_post",
        "business_connection", "business_message", "edited_business_message",
        "deleted_business_messages", "inline_query", "chosen_inline_result", "callback_query",
        "shipping_query", "pre_checkout_query", "purchased_paid_media", "poll", "poll_answer",
        "my_chat_member", "chat_join_request", "chat_boost", "removed_chat_boost",
    }
)  # fmt: skip

_COMMAND = re.compile(r"^/[A-Za-z0-9_]{1,32}(?:@[A-Za-z0-9_]{3,64})?")

_ADMIN_RIGHTS: JSON = {
    "can_be_edited": False, "is_anonymous": False, "can_manage_chat": True,
    "can_delete_messages": True, "can_manage_video_chats": True, "can_restrict_members": True,
    "can_promote_members": False, "can_change_info": True, "can_invite_users": True,
    "can_post_stories": True, "can_edit_stories": True, "can_delete_stories": True,
    "can_post_messages": True, "can_edit_messages": True, "can_pin_messages": True,
}  # fmt: skip
_RESTRICTED_RIGHTS: JSON = {
    "is_member": True, "can_change_info": False, "can_invite_users": False,
    "can_pin_messages": False, "can_send_messages": False, "can_send_polls": False,
    "can_send_other_messages": False, "can_add_web_page_previews": False,
    "can_manage_topics": False, "until_date": 0, "can_send_audios": False,
    "can_send_documents": False, "can_send_photos": False, "can_send_videos": False,
    "can_send_video_notes": False, "can_send_voice_notes": False, "can_edit_tag": False,
}  # fmt: skip
_STATUS_DEFAULTS: dict[str, JSON] = {
    "creator": {"is_anonymous": False},
    "administrator": _ADMIN_RIGHTS,
    "member": {},
    "restricted": _RESTRICTED_RIGHTS,
    "left": {},
    "kicked": {"until_date": 0},
}
CHAT_TYPES = frozenset({"private", "group", "supergroup", "channel"})


def user_dict(user_id: int, username: str | None = None, *, is_bot: bool = False) -> JSON:
    """A ``User``: a first name is always there, a username only when given."""
    user: JSON = {"id": user_id, "is_bot": is_bot, "first_name": username or f"User{user_id}"}
    if username:
        user["username"] = username
    return user


def chat_dict(chat_id: int, chat_type: str, title: str | None = None, username: str | None = None) -> JSON:
    """A ``Chat``: private chats carry a first name, the others a title."""
    if chat_type not in CHAT_TYPES:
        raise ValueError(f"unknown chat type {chat_type!r}; use one of {sorted(CHAT_TYPES)}")
    chat: JSON = {"id": chat_id, "type": chat_type}
    if chat_type == "private":
        chat["first_name"] = title or username or f"User{chat_id}"
    else:
        chat["title"] = title or f"{chat_type.title()} {chat_id}"
    if username:
        chat["username"] = username.lstrip("@")
    return chat


def default_chat(chat_id: int) -> JSON:
    """The chat Telegram would report for an id nobody registered: private for users,
    supergroup for ``-100…`` ids, group for other negative ids."""
    if chat_id > 0:
        return chat_dict(chat_id, "private")
    return chat_dict(chat_id, "supergroup" if str(chat_id).startswith("-100") else "group")


def full_chat_info(chat: JSON) -> JSON:
    """A ``ChatFullInfo`` for getChat, with the fields PTB insists on."""
    gifts = dict.fromkeys(
        ("unlimited_gifts", "limited_gifts", "unique_gifts", "premium_subscription",
         "gifts_from_channels"),
        False,
    )  # fmt: skip
    return {**chat, "accent_color_id": 0, "max_reaction_count": 11, "accepted_gift_types": gifts}


def member_dict(user: JSON, status: str, **rights: Any) -> JSON:
    """A ``ChatMember`` of the given status; ``rights`` override the defaults of that status."""
    if status not in _STATUS_DEFAULTS:
        raise ValueError(f"unknown member status {status!r}; use one of {sorted(_STATUS_DEFAULTS)}")
    return {"status": status, "user": user, **_STATUS_DEFAULTS[status], **rights}


def command_entities(text: str) -> list[JSON]:
    """The ``bot_command`` entity Telegram adds when a text starts with ``/command``."""
    match = _COMMAND.match(text)
    if not match:
        return []
    return [{"type": "bot_command", "offset": 0, "length": utf16_len(match.group())}]


def utf16_len(text: str) -> int:
    """Length in UTF-16 code units, the unit of Telegram's offsets and length limits."""
    return len(text.encode("utf-16-le")) // 2


def message_dict(
    message_id: int,
    chat: JSON,
    date: int,
    *,
    sender: JSON | None,
    text: str | None = None,
    **extra: Any,
) -> JSON:
    """A ``Message``. Channel posts have no sender, only ``sender_chat``, like on Telegram."""
    message: JSON = {"message_id": message_id, "date": date, "chat": chat}
    if chat["type"] == "channel":
        message["sender_chat"] = chat
    elif sender is not None:
        message["from"] = sender
    if text is not None:
        message["text"] = text
        if entities := command_entities(text):
            message["entities"] = entities
    message.update({key: value for key, value in extra.items() if value is not None})
    return message


def callback_query_dict(query_id: str, user: JSON, message: JSON, data: str) -> JSON:
    """A ``CallbackQuery`` for a button pressed under ``message``."""
    return {
        "id": query_id,
        "from": user,
        "message": message,
        "chat_instance": str(abs(message["chat"]["id"])),
        "data": data,
    }


def chat_member_updated_dict(chat: JSON, from_user: JSON, date: int, old_member: JSON, new_member: JSON) -> JSON:
    """A ``ChatMemberUpdated``, the body of a ``my_chat_member`` update."""
    return {
        "chat": chat,
        "from": from_user,
        "date": date,
        "old_chat_member": old_member,
        "new_chat_member": new_member,
    }


def update_type(update: JSON) -> str:
    """The kind of an update (``message``, ``callback_query``, ...): its one non-id key."""
    return next((key for key in update if key != "update_id"), "")
