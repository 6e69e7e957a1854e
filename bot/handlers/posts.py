"""How posts look, per chat: pictures, article mode, hashtags, parts; forum topics; the article button.

``/channel CHAT images on|off``, ``article off|button|post``, ``hashtags N|off``,
``parts source,readalso,buttons|all|none``, ``subscribe FEED topic NAME|ID``; readers have
``/settings images`` and ``/settings article``. ``/start article_<id>`` (the "Read in
Telegram" button) answers with the whole article as a rich message.
"""

from __future__ import annotations

import logging

from telegram import Update
from telegram.error import BadRequest, TelegramError

from bot.app import NewsContext
from bot.delivery.compose import (
    ARTICLE_MODES,
    PARTS,
    article_mode,
    images_on,
    post_defaults,
    rich_article,
)
from bot.delivery.send import Post
from bot.handlers.common import chat_language, chat_zone, reply
from bot.news.captions import MAX_TAGS
from bot.news.render import PostContent, escape, render_post
from bot.related import read_also_links
from bot.texts import pick_language, t
from bot.topic_names import topic_name
from storage.chats import Chat
from storage.feeds import Feed

log = logging.getLogger(__name__)

POST_USAGE = (
    "/channel CHANNEL images on|off — photo posts when a story has a picture\n"
    "/channel CHANNEL article off|button|post — the whole article in Telegram: a button, or as the post\n"
    f"/channel CHANNEL hashtags N|off — up to N (≤{MAX_TAGS}) #tags from the feed's categories\n"
    "/channel CHANNEL parts source,readalso,buttons|all|none — the parts posts show\n"
    "/channel CHANNEL subscribe FEED topic NAME|ID — a forum group's feed into one topic"
)
_SWITCH = {"on": True, "off": False, "yes": True, "no": False}
MAX_TOPIC_ID = 2**31 - 1  # a topic's id is the id of the message that opened it: 32-bit on Telegram


async def set_post_setting(context: NewsContext, target: Chat, action: str, value: str) -> str | None:
    """Apply a post-look setting of ``/channel``; a plain-words error, or None when done.
    Raises KeyError for an action that is not one of these."""
    now = context.services.clock.now()
    value = value.strip().lower()
    if action == "images":
        if value not in _SWITCH:
            return f"Send /channel {target.id} images on (or off)."
        await context.db.chats.update_settings(target.id, {"images": _SWITCH[value]}, now=now)
    elif action == "article":
        if value not in ARTICLE_MODES:
            return f"Send /channel {target.id} article off, button or post."
        await context.db.chats.update_settings(target.id, {"article_mode": value}, now=now)
    elif action == "hashtags":
        count = 0 if value in ("off", "no", "0") else (int(value) if value.isascii() and value.isdigit() else -1)
        if not 0 <= count <= MAX_TAGS:
            return f"Send /channel {target.id} hashtags 3 (at most {MAX_TAGS}), or hashtags off."
        await context.db.chats.update_settings(target.id, {"hashtags": count}, now=now)
    elif action == "parts":
        shown = set(PARTS) if value == "all" else set() if value == "none" else {
            p.strip() for p in value.replace(" ", ",").split(",") if p.strip()}
        if shown - set(PARTS):
            return f"Posts have these parts: {', '.join(PARTS)}. Send e.g. /channel {target.id} parts source,buttons"
        hidden = ",".join(p for p in PARTS if p not in shown)
        await context.db.chats.update_settings(target.id, {"hidden_parts": hidden}, now=now)
    else:
        raise KeyError(action)
    return None


def post_look(chat: Chat, context: NewsContext) -> str:
    """One line of what a chat's posts look like, for replies and /channels."""
    defaults = post_defaults(context.settings)
    shown = [p for p in PARTS if p not in chat.hidden_parts] or ["title and summary only"]
    tags = f"{chat.hashtags} hashtags" if chat.hashtags else "no hashtags"
    return (f"pictures {'on' if images_on(chat, defaults) else 'off'}, article {article_mode(chat, defaults)}, "
            f"{tags}, parts: {', '.join(shown)}")


async def subscribe_into_topic(context: NewsContext, target: Chat, feed: Feed, topic: str) -> str:
    """Subscribe ``target`` to ``feed`` in a forum topic given by id or name (created if new)."""
    now = context.services.clock.now()
    topic = topic_name(topic)  # 128 code points, never half a character (bot.topic_names)
    if not topic:
        return "Send /channel CHAT subscribe FEED topic NAME (or topic ID)."
    if topic.isascii() and topic.isdigit():
        topic_id, name, created = int(topic), None, False
        if not 0 < topic_id <= MAX_TOPIC_ID:
            return f"{escape(topic)} is not a topic id: send the number in the topic's link, or the topic's name."
    else:
        name = topic
        known = await context.db.subscriptions.topic_named(target.id, name)
        created = known is None
        if known is None:
            try:
                forum_topic = await context.bot.create_forum_topic(target.id, name)
            except BadRequest as exc:
                return _topic_refusal(target, name, exc.message)
            except TelegramError as exc:
                return f"I could not create the topic “{escape(name)}”: {escape(exc.message)}. Try again later."
            known = forum_topic.message_thread_id
        topic_id = known
    await context.db.subscriptions.add(target.id, feed.id, now=now)
    await context.db.subscriptions.set_topic(target.id, feed.id, topic_id, name)
    where = f"the topic “{escape(name)}”" if name else f"topic {topic_id}"
    return (f"{escape(target.display_name)} now gets {escape(feed.name)} in {where}"
            + (" (I created it)." if created else "."))


def _topic_refusal(target: Chat, name: str, message: str) -> str:
    lowered = message.lower()
    if "not a forum" in lowered:
        return (f"{escape(target.display_name)} has no topics: turn on Topics in the group's settings, "
                "or subscribe without “topic”.")
    if "rights" in lowered:
        return (f"I may not create topics in {escape(target.display_name)}: give me the “Manage topics” admin "
                f"right, or create the topic “{escape(name)}” yourself and send its id: "
                "/channel CHAT subscribe FEED topic ID.")
    return f"Telegram refused to create the topic “{escape(name)}”: {escape(message)}"


async def topic_lines(context: NewsContext, chat: Chat) -> list[str]:
    """"feed → topic" lines of a chat's subscriptions that post into topics."""
    lines = []
    for sub in await context.db.subscriptions.for_chat(chat.id):
        if sub.topic_id is None:
            continue
        feed = await context.db.feeds.get(sub.feed_id)
        topic = f"“{escape(sub.topic_name)}” ({sub.topic_id})" if sub.topic_name else str(sub.topic_id)
        lines.append(f"   {escape(feed.name if feed else str(sub.feed_id))} → topic {topic}")
    return lines


async def reader_post_setting(context: NewsContext, chat_id: int, name: str, value: str, lang: str) -> bool:
    """/settings images on|off and /settings article off|button|post; False if not one of these."""
    value = value.lower()
    now = context.services.clock.now()
    if name in ("images", "pictures") and value in _SWITCH:
        await context.db.chats.update_settings(chat_id, {"images": _SWITCH[value]}, now=now)
    elif name == "article" and value in ARTICLE_MODES:
        await context.db.chats.update_settings(chat_id, {"article_mode": value}, now=now)
    else:
        return False
    return True


def reader_settings_text(chat: Chat, context: NewsContext, lang: str) -> str:
    defaults = post_defaults(context.settings)
    return t(lang, "settings_media", images=t(lang, "on" if images_on(chat, defaults) else "off"),
             article=article_mode(chat, defaults))


async def send_article(update: Update, context: NewsContext, article_id: int | None) -> None:
    """The "Read in Telegram" button: the whole article as a rich message in this private chat;
    the usual post when this Bot API has no rich messages. ``None``: an id no story can have."""
    lang = await chat_language(update, context)
    chat = update.effective_chat
    article = await context.db.articles.get(article_id) if article_id is not None else None
    if article is None or chat is None:
        await reply(update, t(lang, "story_gone"))
        return
    zone = await chat_zone(update, context)
    related = await read_also_links(context.db, article, now=context.services.clock.now())
    story_lang = pick_language(article.language, None)
    text = render_post(
        PostContent(title=article.title, url=article.url, summary=article.summary, source=article.feed_title,
                    when=article.when, language=article.language),
        related=related, zone=zone, read_also=t(story_lang, "read_also"),
    )
    post = Post(text=text, rich=rich_article(article, related=related, zone=zone, lang=story_lang))
    sent = await context.services.publisher.sender.send(chat.id, post)
    log.info("article %s sent to chat %s as %s", article_id, chat.id, sent.kind)
