"""Long lists a reader pages through: /subscribe, /unsubscribe and /list, with "Previous" and
"Next" buttons that show another page in the same message."""

from __future__ import annotations

from collections.abc import Sequence

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.app import NewsContext
from bot.handlers.common import feed_line
from bot.news.pages import Page, page_of
from bot.news.render import escape
from bot.texts import t
from storage.feeds import Feed

FEEDS_PER_PAGE = 15  # lines and buttons per page


def _nav_row(lang: str, page: Page, kind: str) -> list[InlineKeyboardButton]:
    """"Previous" / "Next" buttons of a paged list (callback ``<kind>:<page>``)."""
    row = []
    if page.has_previous:
        row.append(InlineKeyboardButton(t(lang, "previous"), callback_data=f"{kind}:{page.number - 1}"))
    if page.has_next:
        row.append(InlineKeyboardButton(t(lang, "next"), callback_data=f"{kind}:{page.number + 1}"))
    return row


def _page_footer(lang: str, page: Page) -> str:
    return "\n" + t(lang, "page", number=page.number + 1, count=page.count) if page.count > 1 else ""


def subscribe_page(lang: str, feeds: Sequence[Feed], number: int, *, action: str = "sub") -> tuple[str, InlineKeyboardMarkup]:
    """One page of /subscribe (``action`` "sub") or /unsubscribe ("unsub"): the numbered feeds,
    a button for each, "Previous"/"Next" (callbacks ``subpage:N`` / ``unsubpage:N``)."""
    page = page_of(len(feeds), number, FEEDS_PER_PAGE)
    shown = range(page.start, page.stop)
    lines = [feed_line(i + 1, feeds[i]) for i in shown]
    buttons = [[InlineKeyboardButton(feeds[i].name[:60], callback_data=f"{action}:{feeds[i].id}")] for i in shown]
    nav = _nav_row(lang, page, f"{action}page")
    if nav:
        buttons.append(nav)
    heading = t(lang, "pick_feed" if action == "sub" else "which_unsubscribe")
    text = heading + "\n" + "\n".join(lines) + _page_footer(lang, page)
    return text, InlineKeyboardMarkup(buttons)


async def list_page(context: NewsContext, chat_id: int, lang: str, number: int) -> tuple[str, InlineKeyboardMarkup | None]:
    """One page of /list: the feeds the chat follows with their filters, "Previous"/"Next"."""
    pairs = []
    for sub in await context.db.subscriptions.for_chat(chat_id):
        feed = await context.db.feeds.get(sub.feed_id)
        if feed is not None:
            pairs.append((sub, feed))
    if not pairs:
        return t(lang, "follow_nothing"), None
    page = page_of(len(pairs), number, FEEDS_PER_PAGE)
    lines = [f"<b>{t(lang, 'you_follow')}</b>"]
    for index in range(page.start, page.stop):
        sub, feed = pairs[index]
        line = feed_line(index + 1, feed)
        if sub.include:
            line += f" — {t(lang, 'only')}: {escape(', '.join(sub.include)[:300])}"
        if sub.exclude:
            line += f" — {t(lang, 'without')}: {escape(', '.join(sub.exclude)[:300])}"
        lines.append(line)
    nav = _nav_row(lang, page, "listpage")
    return "\n".join(lines) + _page_footer(lang, page), InlineKeyboardMarkup([nav]) if nav else None
