"""Telegram presentation shared by handlers and jobs: inline keyboards and deep links."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.news.urls import strip_tracking

RELATED_PAYLOAD = "related_"
SUBSCRIBE_PAYLOAD = "sub_"
ARTICLE_PAYLOAD = "article_"  # /start article_<id>: the whole article as a rich message


def deep_link(bot_username: str, payload: str) -> str:
    """https://t.me/<bot>?start=<payload>: opens a private chat with the bot and sends /start payload."""
    return f"https://t.me/{bot_username}?start={payload}"


def post_keyboard(
    *, article_id: int, url: str, bot_username: str | None, private: bool,
    labels: tuple[str, str] = ("Read more", "Related"),
) -> InlineKeyboardMarkup:
    """"Read more" (the article) and "Related" (in place in private chats, by deep link elsewhere)."""
    read_more, related = labels
    buttons = []
    url = strip_tracking(url)
    if url.lower().startswith(("http://", "https://")):
        buttons.append(InlineKeyboardButton(read_more, url=url))
    if private:
        buttons.append(InlineKeyboardButton(related, callback_data=f"rel:{article_id}"))
    elif bot_username:
        buttons.append(InlineKeyboardButton(related, url=deep_link(bot_username, f"{RELATED_PAYLOAD}{article_id}")))
    return InlineKeyboardMarkup([buttons])
