"""A story made into a ``Post`` for one chat: its text, image, rich form, topic and buttons.

What a chat chose decides the parts: photo posts (``images``), the article mode (``off``,
``button`` — a "Read in Telegram" button that opens the whole article in a private chat with
the bot —, ``post`` — the rich article as the post itself), hashtags from the feed's
categories, and which parts show (the source/time line, "Read also", the buttons). Pure: the
publisher and the article button read what they need and call these.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from zoneinfo import ZoneInfo

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.config import CoreSettings
from bot.delivery.send import Post
from bot.news.captions import fits_caption, hashtags
from bot.news.render import Link, PostContent, render_caption, render_post
from bot.news.rich import RichArticle, RichLabels, RichMessage, render_rich_article
from bot.news.urls import strip_tracking
from bot.texts import t
from bot.ui import ARTICLE_PAYLOAD, deep_link, post_keyboard
from storage.articles import StoredArticle
from storage.chats import Chat

ARTICLE_MODES = ("off", "button", "post")
PARTS = ("source", "readalso", "buttons")


@dataclass(frozen=True, slots=True)
class Defaults:
    """The bot-wide defaults for chats that chose nothing (POST_IMAGES, ARTICLE_MODE, LINK_PREVIEWS)."""

    images: bool = True
    article_mode: str = "off"
    link_previews: bool = False


def post_defaults(settings: CoreSettings) -> Defaults:
    return Defaults(images=settings.post_images, article_mode=settings.article_mode,
                    link_previews=settings.link_previews)


def article_mode(chat: Chat, defaults: Defaults) -> str:
    return chat.article_mode or defaults.article_mode


def images_on(chat: Chat, defaults: Defaults) -> bool:
    return defaults.images if chat.images is None else chat.images


def compose_post(
    chat: Chat, article: StoredArticle, *, related: list[Link], zone: ZoneInfo, lang: str,
    defaults: Defaults, bot_username: str | None, previews: bool, thread_id: int | None = None,
    also: Sequence[Link] = (), caption: bool = False,
) -> Post:
    """The post of ``article`` for ``chat``, in every form the sender may choose from; ``also``
    links the other outlets that reported the story. ``caption`` True: the text is held to a
    photo caption's room (the edit of a post sent as a photo).

    A post with an image whose text is too long for a caption also gets the caption a photo
    would carry (``Post.caption``): the same post with its summary whole and fewer parts
    around it (``render_caption``), so the photo is kept; only a summary that cannot fit whole
    leaves the text post, with the image above it."""
    hidden = set(chat.hidden_parts)
    content = PostContent(title=article.title, url=article.url, summary=article.summary if chat.summaries else "",
                          source=article.feed_title, when=article.when, language=article.language)
    links = [] if "readalso" in hidden else related
    options = dict(
        zone=zone, read_also=t(lang, "read_also"),
        tags=hashtags(article.categories, chat.hashtags) if chat.hashtags else (),
        show_meta="source" not in hidden, also=also, also_label=t(lang, "also_sources"),
        also_more=t(lang, "also_more", count="{count}"),
    )
    image_url = article.image_url if images_on(chat, defaults) else ""
    photo_caption = ""
    if caption:  # an edit of a photo's caption: held to a caption's room as the first one was
        text = render_caption(content, related=links, **options) or render_post(
            content, related=links, caption=True, **options)
    else:
        text = render_post(content, related=links, **options)
        if image_url and not fits_caption(text):
            photo_caption = render_caption(content, related=links, **options) or ""
    mode = article_mode(chat, defaults)
    keyboard = None
    if "buttons" not in hidden:
        keyboard = post_keyboard(
            article_id=article.id, url=article.url, bot_username=bot_username, private=chat.kind == "private",
            labels=(t(lang, "read_more"), t(lang, "related_button")),
        )
        if mode == "button" and bot_username and article.text.strip():
            read_here = InlineKeyboardButton(t(lang, "read_in_telegram"),
                                             url=deep_link(bot_username, f"{ARTICLE_PAYLOAD}{article.id}"))
            keyboard = InlineKeyboardMarkup([[read_here], *keyboard.inline_keyboard])
    rich = None
    if mode == "post" and article.text.strip():
        rich = rich_article(article, related=[] if "readalso" in hidden else related, zone=zone, lang=lang)
    return Post(
        text=text, keyboard=keyboard, previews=previews, image_url=image_url, rich=rich, thread_id=thread_id,
        caption=photo_caption,
    )


def rich_article(article: StoredArticle, *, related: list[Link], zone: ZoneInfo, lang: str) -> RichMessage:
    """The whole stored article as a rich message (for article mode and the button)."""
    clean = [replace(item, url=strip_tracking(item.url)) for item in related]  # also rows stored unclean
    return render_rich_article(
        RichArticle(title=article.title, url=strip_tracking(article.url), paragraphs=[p for p in article.text.split("\n\n")],
                    source=article.feed_title, when=article.when, language=article.language,
                    image_url=article.image_url, related=clean),
        zone=zone,
        labels=RichLabels(read_also=t(lang, "read_also").rstrip(":"),
                          original=t(lang, "original_on", source="{source}"),  # filled in by the renderer
                          continue_on=t(lang, "continue_on", source="{source}")),
    )
