"""Reader commands: subscribing, the latest and related stories, filters, settings, stopping."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import BadRequest

from bot.app import NewsContext
from bot.delivery.policy import parse_hhmm
from bot.following import follow_feed
from bot.handlers.common import (
    argument_text, chat_admin_or_private, chat_language, chat_zone, find_feed, parse_id, reply,
)
from bot.handlers.listing import list_page, subscribe_page
from bot.handlers.posts import reader_post_setting, reader_settings_text
from bot.news.pages import fit_message
from bot.news.ranking import rank_by_sources_and_recency
from bot.news.render import Link, escape, render_links
from bot.related import related_to, search_stories
from bot.texts import LANGUAGES, t
from storage.articles import StoredArticle

log = logging.getLogger(__name__)

MAX_LATEST = 20
LATEST_POOL = 50  # newest stories /latest ranks by sources and recency


def _links(articles: list[StoredArticle]) -> list[Link]:
    return [Link(a.title, a.url, a.feed_title, a.when) for a in articles]


async def subscribe(update: Update, context: NewsContext) -> None:
    lang = await chat_language(update, context)
    if not await chat_admin_or_private(update, context):
        return
    feeds = await context.db.feeds.list(enabled_only=True)
    if not feeds:
        await reply(update, t(lang, "no_feeds_yet"))
        return
    ref = argument_text(context)
    if not ref:
        text, markup = subscribe_page(lang, feeds, 0)
        await reply(update, text, reply_markup=markup)
        return
    feed = find_feed(feeds, ref)
    if feed is None:
        await reply(update, t(lang, "no_feed_matches", ref=escape(ref[:100])))
        return
    await subscribe_to(update, context, feed.id, checked=True)


async def subscribe_to(update: Update, context: NewsContext, feed_id: int | None, *, checked: bool = False) -> None:
    """Make the update's chat follow a feed, by any path (command, button, deep link): only a
    group's admins may, only an enabled feed, and the reply says what backlog is on its way."""
    lang = await chat_language(update, context)
    if not checked and not await chat_admin_or_private(update, context):
        return
    feed = await context.db.feeds.get(feed_id) if feed_id is not None else None
    chat = update.effective_chat
    if feed is None or not feed.enabled or chat is None:
        await reply(update, t(lang, "feed_gone"))
        return
    result = await follow_feed(context.db, chat.id, feed.id, rule=context.settings.backlog_rule(),
                               now=context.services.clock.now())
    text = t(lang, "subscribed" if result.added else "already_subscribed", name=escape(feed.name))
    if result.queued:
        text += " " + (t(lang, "backlog_one") if result.queued == 1 else t(lang, "backlog_many", count=result.queued))
    await reply(update, text)


async def unsubscribe(update: Update, context: NewsContext) -> None:
    lang = await chat_language(update, context)
    if not await chat_admin_or_private(update, context):
        return
    chat_id = update.effective_chat.id  # type: ignore[union-attr]
    followed = await _followed_feeds(context, chat_id)
    if not followed:
        await reply(update, t(lang, "follow_nothing"))
        return
    ref = argument_text(context)
    if not ref:
        text, markup = subscribe_page(lang, followed, 0, action="unsub")
        await reply(update, text, reply_markup=markup)
        return
    feed = find_feed(followed, ref)
    if feed is None:
        await reply(update, t(lang, "not_following", ref=escape(ref[:100])))
        return
    await context.db.subscriptions.remove(chat_id, feed.id)
    await reply(update, t(lang, "unsubscribed", name=escape(feed.name)))


async def _followed_feeds(context: NewsContext, chat_id: int):  # type: ignore[no-untyped-def]
    subs = await context.db.subscriptions.for_chat(chat_id)
    feeds = [await context.db.feeds.get(s.feed_id) for s in subs]
    return [f for f in feeds if f is not None]


async def list_subscriptions(update: Update, context: NewsContext) -> None:
    lang = await chat_language(update, context)
    text, markup = await list_page(context, update.effective_chat.id, lang, 0)  # type: ignore[union-attr]
    await reply(update, text, reply_markup=markup)


async def latest(update: Update, context: NewsContext) -> None:
    lang = await chat_language(update, context)
    arg = argument_text(context)
    if arg and not arg.isdigit():
        await reply(update, t(lang, "latest_usage"))
        return
    count = min(max(int(arg[:3] or 5), 1), MAX_LATEST)
    subs = await context.db.subscriptions.for_chat(update.effective_chat.id)  # type: ignore[union-attr]
    if not subs:
        await reply(update, t(lang, "follow_nothing"))
        return
    # The newest stories, then the ones more outlets carried first (a story is one row, listed once).
    newest = await context.db.articles.latest(feed_ids=[s.feed_id for s in subs], limit=max(LATEST_POOL, count))
    articles = rank_by_sources_and_recency(newest, now=context.services.clock.now(),
                                           sources=lambda a: a.source_count, when=lambda a: a.when)[:count]
    if not articles:
        await reply(update, t(lang, "no_stories_yet"))
        return
    await reply(update, render_links(t(lang, "latest"), _links(articles), zone=await chat_zone(update, context)))


async def related(update: Update, context: NewsContext) -> None:
    """/related words, or /related as a reply to a post: the most related stored stories."""
    lang = await chat_language(update, context)
    now = context.services.clock.now()
    words = argument_text(context)
    message = update.effective_message
    replied = message.reply_to_message if message else None
    if replied is not None and not words:
        article_id = await context.db.deliveries.article_for_message(replied.chat_id, replied.message_id)
        article = await context.db.articles.get(article_id) if article_id else None
        if article is not None:
            found = await related_to(context.db, article, now=now, limit=5)
            await _answer_related(update, context, found, t(lang, "related_to", title=article.title[:100]))
            return
        words = (replied.text or replied.caption or "")[:300]
    if not words:
        await reply(update, t(lang, "related_usage"))
        return
    found = await search_stories(context.db, words, now=now, limit=5)
    await _answer_related(update, context, found, t(lang, "related"))


async def _answer_related(update: Update, context: NewsContext, found: list[StoredArticle], heading: str) -> None:
    """Reply with linked stories under ``heading`` (plain text: it is escaped here)."""
    lang = await chat_language(update, context)
    if not found:
        await reply(update, t(lang, "nothing_related"))
        return
    await reply(update, render_links(heading, _links(found), zone=await chat_zone(update, context)))


async def related_for_article(update: Update, context: NewsContext, article_id: int | None) -> None:
    """Deep link /start related_<id> and the "Related" button: stories related to one article."""
    lang = await chat_language(update, context)
    article = await context.db.articles.get(article_id) if article_id is not None else None
    if article is None:
        await reply(update, t(lang, "story_gone"))
        return
    found = await related_to(context.db, article, now=context.services.clock.now(), limit=5)
    await _answer_related(update, context, found, t(lang, "related_to", title=article.title[:100]))


async def filter_command(update: Update, context: NewsContext) -> None:
    """/filter <feed> include|exclude <words, comma separated> | /filter <feed> clear | /filter"""
    lang = await chat_language(update, context)
    if not await chat_admin_or_private(update, context):
        return
    chat_id = update.effective_chat.id  # type: ignore[union-attr]
    args = context.args or []
    usage = t(lang, "filter_usage")
    if len(args) < 2:
        await reply(update, usage)
        return
    followed = await _followed_feeds(context, chat_id)
    feed = find_feed(followed, args[0])
    if feed is None:
        await reply(update, t(lang, "not_following", ref=escape(args[0][:100])))
        return
    action, words = args[1].lower(), [w.strip() for w in " ".join(args[2:])[:500].split(",") if w.strip()]
    subs = {s.feed_id: s for s in await context.db.subscriptions.for_chat(chat_id)}
    current = subs[feed.id]
    if action == "clear":
        include, exclude = (), ()
    elif action in ("include", "only") and words:
        include, exclude = tuple(words), current.exclude
    elif action in ("exclude", "without") and words:
        include, exclude = current.include, tuple(words)
    else:
        await reply(update, usage)
        return
    await context.db.subscriptions.set_filter(chat_id, feed.id, include=include, exclude=exclude)
    saved = {s.feed_id: s for s in await context.db.subscriptions.for_chat(chat_id)}[feed.id]
    await reply(update, filter_text(lang, feed.name, saved.include, saved.exclude))


def filter_text(lang: str, name: str, include: Sequence[str], exclude: Sequence[str]) -> str:
    """A filter in words: "only stories with “apple”", "every story except …", "every story"."""
    quote = "“{}”" if lang == "en" else "«{}»"
    words = lambda items: t(lang, "or").join(quote.format(escape(w)) for w in items)  # noqa: E731
    if include and exclude:
        rule = t(lang, "filter_both", include=words(include), exclude=words(exclude))
    elif include:
        rule = t(lang, "filter_only", include=words(include))
    elif exclude:
        rule = t(lang, "filter_except", exclude=words(exclude))
    else:
        rule = t(lang, "filter_none")
    return t(lang, "filter_set", name=escape(name), rule=rule)


async def settings_command(update: Update, context: NewsContext) -> None:
    """/settings [tz ZONE | digest HH:MM|off | summaries on|off | previews on|off | lang en|uk|ru]"""
    lang = await chat_language(update, context)
    chat_id = update.effective_chat.id  # type: ignore[union-attr]
    args = context.args or []
    if args:
        if not await chat_admin_or_private(update, context):
            return
        error = await _change_setting(context, chat_id, args[0].lower(), " ".join(args[1:])[:100].strip(), lang)
        if error:
            await reply(update, error)
            return
        lang = await chat_language(update, context)
    chat = await context.db.chats.get(chat_id)
    assert chat is not None
    previews = chat.link_previews if chat.link_previews is not None else context.settings.link_previews
    on_off = lambda flag: t(lang, "on" if flag else "off")  # noqa: E731
    await reply(update, t(
        lang, "settings",
        zone=escape(chat.timezone or f"{context.settings.timezone} ({t(lang, 'default')})"),
        digest=chat.digest_time or t(lang, "off"), summaries=on_off(chat.summaries), previews=on_off(previews),
        language=chat.language or f"{lang} ({t(lang, 'default')})",
    ) + "\n" + reader_settings_text(chat, context, lang))


async def _change_setting(context: NewsContext, chat_id: int, name: str, value: str, lang: str) -> str | None:
    """Apply one setting; returns a plain-words error or None."""
    now = context.services.clock.now()
    switch = {"on": True, "off": False, "yes": True, "no": False}
    if name in ("tz", "timezone", "zone"):
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            return t(lang, "bad_zone", value=escape(value))
        await context.db.chats.update_settings(chat_id, {"timezone": value}, now=now)
    elif name == "digest":
        if value.lower() in ("off", "no", "none"):
            await context.db.chats.update_settings(chat_id, {"digest_time": None}, now=now)
        else:
            try:
                at = parse_hhmm(value)
            except ValueError:
                return t(lang, "bad_digest")
            await context.db.chats.update_settings(
                chat_id, {"digest_time": at.strftime("%H:%M"), "last_digest_at": now}, now=now
            )
    elif name in ("summaries", "previews") and value.lower() in switch:
        column = "summaries" if name == "summaries" else "link_previews"
        await context.db.chats.update_settings(chat_id, {column: switch[value.lower()]}, now=now)
    elif name in ("lang", "language") and value.lower() in LANGUAGES:
        await context.db.chats.update_settings(chat_id, {"language": value.lower()}, now=now)
    elif not await reader_post_setting(context, chat_id, name, value, lang):
        return t(lang, "bad_setting")
    return None


async def digest_now(update: Update, context: NewsContext) -> None:
    """/digest: today's top stories (from the chat's feeds, or all feeds if it follows none)."""
    lang = await chat_language(update, context)
    chat_id = update.effective_chat.id  # type: ignore[union-attr]
    subs = await context.db.subscriptions.for_chat(chat_id)
    now = context.services.clock.now()
    stories = await context.db.articles.top(feed_ids=[s.feed_id for s in subs] or None,
                                            since=now - timedelta(days=1), limit=10)
    if not stories:
        await reply(update, t(lang, "no_stories_today"))
        return
    await reply(update, render_links(t(lang, "top_today"), _links(stories), zone=await chat_zone(update, context)))


async def stop(update: Update, context: NewsContext) -> None:
    lang = await chat_language(update, context)
    if not await chat_admin_or_private(update, context):
        return
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton(t(lang, "stop_yes"), callback_data="stop:yes"),
                                      InlineKeyboardButton(t(lang, "stop_no"), callback_data="stop:no")]])
    await reply(update, t(lang, "stop_confirm"), reply_markup=keyboard)


async def on_button(update: Update, context: NewsContext) -> None:
    """Inline buttons of reader messages: sub:<id>, unsub:<id>, rel:<id>, stop:yes|no, and
    the pages of /subscribe and /list (subpage:<n>, listpage:<n>)."""
    query = update.callback_query
    assert query is not None
    await query.answer()
    kind, _, value = (query.data or "").partition(":")
    chat = update.effective_chat
    if chat is None:
        return
    if kind in ("unsub", "stop") and not await chat_admin_or_private(update, context):
        return
    number = parse_id(value) if value != "0" else 0
    lang = await chat_language(update, context)
    if kind == "sub":
        await subscribe_to(update, context, number)
    elif kind == "unsub":
        feed = await context.db.feeds.get(number) if number else None
        if feed is None or not await context.db.subscriptions.remove(chat.id, feed.id):
            await reply(update, t(lang, "feed_gone"))
            return
        await reply(update, t(lang, "unsubscribed", name=escape(feed.name)))
    elif kind == "rel":
        await related_for_article(update, context, number)
    elif kind == "subpage" and number is not None:
        feeds = await context.db.feeds.list(enabled_only=True)
        text, markup = subscribe_page(lang, feeds, number) if feeds else (t(lang, "no_feeds_yet"), None)
        await _edit(query, text, markup)
    elif kind == "unsubpage" and number is not None:
        followed = await _followed_feeds(context, chat.id)
        text, markup = subscribe_page(lang, followed, number, action="unsub") if followed else (t(lang, "follow_nothing"), None)
        await _edit(query, text, markup)
    elif kind == "listpage" and number is not None:
        text, markup = await list_page(context, chat.id, lang, number)
        await _edit(query, text, markup)
    elif kind == "stop" and value == "yes":
        await context.db.chats.delete(chat.id)
        await query.edit_message_text(t(lang, "stopped"))
    elif kind == "stop":
        await query.edit_message_text(t(lang, "nothing_changed"))


async def _edit(query, text: str, markup: InlineKeyboardMarkup | None) -> None:  # type: ignore[no-untyped-def]
    """Show another page in the same message; pressing the page it already shows changes nothing."""
    try:
        await query.edit_message_text(fit_message(text), reply_markup=markup)
    except BadRequest as exc:
        if "not modified" not in exc.message.lower():
            raise
