"""Admin commands: feeds, channels, posting, pausing, stats, broadcasts, OPML import and export."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from telegram import Update
from telegram.error import TelegramError

from bot.app import NewsContext
from bot.channels import posting_problem, register_chat, remember_chat
from bot.delivery.policy import parse_hhmm
from bot.following import follow_feed
from bot.handlers.common import (
    MAX_LIST_MESSAGES, admin_only, argument_text, chat_zone, feed_line, find_feed, missing_feed, parse_id, reply,
    reply_paced,
)
from bot.news.pages import split_messages
from bot.news.errors import FeedError, FetchError, NewsError
from bot.news.render import MAX_MESSAGE, escape, telegram_length
from bot.news.urls import is_http_url
from bot.opml import OpmlError, OpmlFeed, export_opml, import_opml
from storage.chats import Chat
from storage.feeds import Feed

log = logging.getLogger(__name__)

CHANNEL_KINDS = ("channel", "group", "supergroup")
READER_KINDS = ("private", "group", "supergroup")
MAX_BROADCAST = 3500


def _when(moment: datetime | None, zone: ZoneInfo) -> str:
    return moment.astimezone(zone).strftime("%Y-%m-%d %H:%M %Z") if moment else "never"


def _stories(count: int, adjective: str = "") -> str:
    """"3 newest stories", "newest story" (for one: "Its newest story is ...")."""
    if count == 1:
        return f"{adjective} story".strip()
    return f"{count} {adjective} stories".replace("  ", " ")


def _bad_feed_address(url: str) -> str:
    """Why /addfeed's argument is not a feed address, in plain words."""
    if not url:
        return "Send /addfeed with the feed's address, e.g. /addfeed https://example.com/rss"
    scheme, sep, _ = url.partition("://")
    if sep and scheme.isascii() and scheme.isalpha() and scheme.lower() not in ("http", "https"):
        return (f"I can only poll http:// and https:// addresses, not {escape(scheme.lower()[:20])}://. "
                "Send the feed's web address, e.g. /addfeed https://example.com/rss")
    return (f"“{escape(url[:100])}” is not a web address. Send the feed's full address, "
            "e.g. /addfeed https://example.com/rss")


@admin_only
async def add_feed(update: Update, context: NewsContext) -> None:
    url = argument_text(context)
    if not is_http_url(url):
        await reply(update, _bad_feed_address(url))
        return
    feeds = await context.db.feeds.list()
    known = next((f for f in feeds if f.url == url), None)
    if known is not None and known.enabled:
        number = feeds.index(known) + 1
        await reply(update, f"I already have {escape(known.name)}: it is feed {number} in /feeds. "
                            f"Send /channel CHANNEL subscribe {number} to post it to a channel.")
        return
    try:
        parsed = await context.services.ingestor.check_feed(url)
    except FeedError as exc:
        hint = f"\nThis page offers a feed: /addfeed {escape(exc.alternates[0])}" if exc.alternates else ""
        await reply(update, f"That is not a feed I can read: {escape(str(exc))}{hint}")
        return
    except FetchError as exc:
        await reply(update, f"I could not fetch it: {escape(str(exc))}")
        return
    feed, created = await context.db.feeds.add(
        url, title=parsed.title, site_url=parsed.link, added_by=update.effective_user.id,  # type: ignore[union-attr]
        now=context.services.clock.now(),
    )
    number = [f.id for f in await context.db.feeds.list()].index(feed.id) + 1
    verb = "Added" if created else "Re-enabled"
    damaged = f"\nBut: the feed is damaged ({escape(parsed.problem[:200])})." if parsed.problem else ""
    await reply(update, f"{verb} {escape(feed.name)} as feed {number}: {len(parsed.entries)} items now. I will poll "
                        f"it every {context.settings.poll_interval_minutes:g} minutes. Send /channel CHANNEL "
                        f"subscribe {number} to post it to a channel.{damaged}")


@admin_only
async def remove_feed(update: Update, context: NewsContext) -> None:
    feeds = await context.db.feeds.list()
    ref = argument_text(context)
    feed = find_feed(feeds, ref)
    if feed is None:
        await reply(update, missing_feed(ref, feeds) if ref else "Send /removefeed with the feed's number from /feeds.")
        return
    await context.db.feeds.remove(feed.id)
    await reply(update, f"Removed {escape(feed.name)} and its subscriptions. Stored stories stay searchable.")


@admin_only
async def feed_interval(update: Update, context: NewsContext) -> None:
    """/interval FEED MINUTES|default: how often one feed is polled."""
    args = context.args or []
    usage = "Send /interval FEED MINUTES (5 to 1440), or /interval FEED default. FEED is its number in /feeds."
    if len(args) != 2:
        await reply(update, usage)
        return
    feeds = await context.db.feeds.list()
    feed = find_feed(feeds, args[0])
    if feed is None:
        await reply(update, missing_feed(args[0], feeds))
        return
    value = args[1].lower()
    if value == "default":
        seconds = None
    elif value.isdigit() and 5 <= int(value) <= 1440:
        seconds = int(value) * 60
    else:
        await reply(update, usage)
        return
    await context.db.feeds.set_interval(feed.id, seconds)
    every = f"every {int(value)} minutes" if seconds else f"every {context.settings.poll_interval_minutes:g} minutes (default)"
    await reply(update, f"I will poll {escape(feed.name)} {every}, from its next poll on.")


@admin_only
async def list_feeds(update: Update, context: NewsContext) -> None:
    """/feeds [FROM]: every feed's health, from feed FROM on, in as many messages as it takes
    (at most ``MAX_LIST_MESSAGES``; the rest go out paced, through the outbox)."""
    feeds = await context.db.feeds.list()
    if not feeds:
        await reply(update, "No feeds yet. Add one with /addfeed URL.")
        return
    ref = argument_text(context)
    first = parse_id(ref) or 1 if ref else 1
    if first > len(feeds):
        await reply(update, missing_feed(ref, feeds))
        return
    zone = await chat_zone(update, context)
    lines = ["<b>Feeds</b>" + (f" (from {first})" if first > 1 else "")]
    lines += [_feed_health(number, feed, zone) for number, feed in enumerate(feeds, start=1) if number >= first]
    messages = split_messages(lines)
    if len(messages) > MAX_LIST_MESSAGES:
        # Leave room in the last message for the line that says how to see the rest.
        messages = split_messages(lines, limit=MAX_MESSAGE - 200)[:MAX_LIST_MESSAGES]
        after = first + sum(text.count("\n") + 1 for text in messages) - 1  # minus the heading
        messages[-1] += f"\n…and {len(feeds) - after + 1} more: send /feeds {after} to see them."
    await reply_paced(update, context, messages)


def _feed_health(number: int, feed: Feed, zone: ZoneInfo) -> str:
    """One /feeds line: on/disabled, last success, next poll, errors and warnings."""
    state = "on" if feed.enabled else "<b>disabled</b>"
    if feed.enabled and feed.last_warning and not feed.error_count:
        state = "⚠️ warning"
    line = (f"{feed_line(number, feed)} — {state}; last success {_when(feed.last_success_at, zone)}; "
            f"next poll {_when(feed.next_poll_at, zone) if feed.enabled else '—'}")
    if feed.error_count:
        line += f"; {feed.error_count} errors, last: {escape(_one_line(feed.last_error or '')[:200])}"
    if feed.last_warning:
        line += f"; warning: {escape(_one_line(feed.last_warning)[:300])}"
    return line


def _one_line(text: str) -> str:
    return " ".join(text.split())


@admin_only
async def list_channels(update: Update, context: NewsContext) -> None:
    chats = await context.db.chats.list(kinds=CHANNEL_KINDS)
    if not chats:
        await reply(update, "I am in no channels or groups yet. Add me to a channel as an admin with the "
                            "“Post messages” right.")
        return
    lines = ["<b>Channels and groups</b>"]
    for chat in chats:
        subs = await context.db.subscriptions.for_chat(chat.id)
        problem = posting_problem(chat)
        state = "paused" if chat.paused else ("ok" if problem is None else escape(problem))
        lines.append(f"{escape(chat.display_name)} ({chat.id}) — {len(subs)} feeds — {state}")
    await reply_paced(update, context, split_messages(lines)[:MAX_LIST_MESSAGES])


async def _find_channel(context: NewsContext, ref: str) -> Chat | None:
    chat = await context.db.chats.find(ref)
    if chat is None and (ref.startswith("@") or ref.lstrip("-").isdigit()):
        try:  # a channel the bot was added to before it started tracking
            chat = await register_chat(context.db, context.bot, ref, clock=context.services.clock)
        except TelegramError:
            return None
    return chat


CHANNEL_USAGE = (
    "Usage:\n/channel CHANNEL subscribe FEED\n/channel CHANNEL unsubscribe FEED\n"
    "/channel CHANNEL pace MINUTES — at most one post every N minutes (0: at once)\n"
    "/channel CHANNEL max N — at most N posts an hour (0: no limit)\n"
    "/channel CHANNEL quiet 23:00-07:00 — no posts then (or: quiet off)\n"
    "/channel CHANNEL tz Europe/Kyiv — its time zone\n"
    "CHANNEL is @username or its id from /channels; FEED is a number from /feeds."
)


@admin_only
async def channel(update: Update, context: NewsContext) -> None:
    args = context.args or []
    if len(args) < 3:
        await reply(update, CHANNEL_USAGE)
        return
    target = await _find_channel(context, args[0])
    if target is None:
        await reply(update, f"I don't know the chat “{escape(args[0][:100])}”. Add me to it first, then see /channels.")
        return
    action, value = args[1].lower(), " ".join(args[2:])[:200]
    now = context.services.clock.now()
    if action in ("subscribe", "unsubscribe"):
        feeds = await context.db.feeds.list()
        feed = find_feed(feeds, value)
        if feed is None:
            await reply(update, missing_feed(value, feeds))
            return
        if action == "subscribe":
            result = await follow_feed(context.db, target.id, feed.id, rule=context.settings.backlog_rule(), now=now)
            if not result.added:
                answer = f"{escape(target.display_name)} already gets {escape(feed.name)}."
            else:
                answer = f"{escape(target.display_name)} now gets {escape(feed.name)}."
                answer += (f" Its {_stories(result.queued, 'newest')} {'is' if result.queued == 1 else 'are'} on "
                           "the way now." if result.queued else " New stories go there as the feed publishes them.")
            if not feed.enabled:
                answer += f"\nBut: the feed is disabled after failures; /resume {feeds.index(feed) + 1} polls it again."
            if problem := posting_problem(target):
                answer += f"\nBut: {escape(problem)}"
        else:
            await context.db.subscriptions.remove(target.id, feed.id)
            answer = f"{escape(target.display_name)} no longer gets {escape(feed.name)}."
        await reply(update, answer)
        return
    error = await _set_policy(context, target, action, value.strip())
    await reply(update, error or f"Done. {escape(target.display_name)}: {escape(_policy_text(await context.db.chats.get(target.id)))}")


async def _set_policy(context: NewsContext, target: Chat, action: str, value: str) -> str | None:
    now = context.services.clock.now()
    if action in ("pace", "max"):
        if not value.isdigit() or int(value) > 10_000:
            return f"Send a whole number of {'minutes' if action == 'pace' else 'posts'}, e.g. /channel {target.id} {action} 30"
        column = "post_interval_min" if action == "pace" else "max_per_hour"
        number = int(value)
        await context.db.chats.update_settings(target.id, {column: number if number or action == "pace" else None}, now=now)
    elif action == "quiet":
        if value.lower() == "off":
            await context.db.chats.update_settings(target.id, {"quiet_start": None, "quiet_end": None}, now=now)
            return None
        start, _, end = value.partition("-")
        try:
            begin, finish = parse_hhmm(start), parse_hhmm(end)
        except ValueError:
            return "Send quiet hours as HH:MM-HH:MM in the channel's time zone, e.g. 23:00-07:00, or off."
        await context.db.chats.update_settings(
            target.id, {"quiet_start": begin.strftime("%H:%M"), "quiet_end": finish.strftime("%H:%M")}, now=now)
    elif action in ("tz", "timezone"):
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            return f"I don't know the time zone “{escape(value[:60])}”. Use a name like Europe/Kyiv."
        await context.db.chats.update_settings(target.id, {"timezone": value}, now=now)
    else:
        return CHANNEL_USAGE
    return None


def _policy_text(chat: Chat | None) -> str:
    if chat is None:
        return ""
    pace = f"one post every {chat.post_interval_min} min" if chat.post_interval_min else "posts at once"
    cap = f", at most {chat.max_per_hour}/hour" if chat.max_per_hour else ""
    quiet = f", quiet {chat.quiet_start}-{chat.quiet_end}" if chat.quiet_start else ""
    return f"{pace}{cap}{quiet}, time zone {chat.timezone or 'default'}"


@admin_only
async def post(update: Update, context: NewsContext) -> None:
    """/post URL [CHANNEL] [preview]: summarize any page and post it now, through the outbox."""
    args = context.args or []
    if not args or not is_http_url(args[0]):
        await reply(update, "Send /post URL, optionally followed by a channel (@name or id) and “preview”.")
        return
    url, rest = args[0], [a for a in args[1:]]
    preview = "preview" in [a.lower() for a in rest]
    rest = [a for a in rest if a.lower() != "preview"]
    target_id = update.effective_chat.id  # type: ignore[union-attr]
    if not rest:  # posted to this chat: it must be known to the outbox, even without a /start
        await remember_chat(context.db, update.effective_chat, clock=context.services.clock)  # type: ignore[arg-type]
    if rest:
        target = await _find_channel(context, rest[0])
        if target is None:
            await reply(update, f"I don't know the chat “{escape(rest[0][:100])}”. See /channels.")
            return
        target_id = target.id
    try:
        item = await context.services.ingestor.process_url(url)
    except NewsError as exc:
        await reply(update, f"I could not summarize that page: {escape(str(exc))}")
        return
    story = await context.services.ingestor.store(item, feed_id=None)
    queued = await context.db.deliveries.enqueue_article(
        story.article_id, [target_id], now=context.services.clock.now(), link_preview=True if preview else None
    )
    if not queued:
        await reply(update, "That story was already posted there; I won't post it twice.")
        return
    report = await context.services.publisher.drain()
    if target_id != update.effective_chat.id:  # type: ignore[union-attr]
        outcome = "Posted." if report.sent else "Queued; it goes out as soon as the channel's pace allows."
        await reply(update, outcome)


@admin_only
async def pause(update: Update, context: NewsContext) -> None:
    await _set_paused(update, context, True)


@admin_only
async def resume(update: Update, context: NewsContext) -> None:
    ref = argument_text(context)
    now = context.services.clock.now()
    if ref:
        target = await context.db.chats.find(ref)
        if target is None:
            feed = find_feed(await context.db.feeds.list(), ref)
            if feed is not None:
                await context.db.feeds.set_enabled(feed.id, True, now=now)
                await reply(update, f"Polling {escape(feed.name)} again.")
                return
    await _set_paused(update, context, False)
    if not ref:
        disabled = [f for f in await context.db.feeds.list() if not f.enabled]
        for feed in disabled:
            await context.db.feeds.set_enabled(feed.id, True, now=now)
        if disabled:
            await reply(update, f"Polling {len(disabled)} disabled feeds again.")


async def _set_paused(update: Update, context: NewsContext, paused: bool) -> None:
    ref = argument_text(context)
    now = context.services.clock.now()
    if ref:
        target = await context.db.chats.find(ref)
        if target is None:
            await reply(update, f"I don't know the chat “{escape(ref[:100])}”. See /channels.")
            return
        targets = [target]
    else:
        targets = await context.db.chats.list(kinds=CHANNEL_KINDS)
    for chat in targets:
        await context.db.chats.update_settings(chat.id, {"paused": paused}, now=now)
        if not paused and not chat.active and chat.is_channel_like:
            await context.db.chats.upsert(chat.id, chat.kind, now=now)  # added back by the admin
    if not targets:
        await reply(update, "I am in no channels or groups yet, so there is nothing to "
                            f"{'pause' if paused else 'resume'}.")
        return
    if len(targets) == 1:
        what = escape(targets[0].display_name)
    else:
        what = f"all {len(targets)} channels and groups"
    await reply(update, f"{'Paused' if paused else 'Resumed'} posting to {what}.")


@admin_only
async def stats(update: Update, context: NewsContext) -> None:
    db, now = context.db, context.services.clock.now()
    day = now - timedelta(days=1)
    feeds = await db.feeds.list()
    chats = await db.chats.count_by_kind()
    failures = await db.deliveries.recent_failures(3)
    lines = [
        "<b>Stats</b>",
        f"Feeds: {len(feeds)} ({sum(f.enabled for f in feeds)} on, {sum(1 for f in feeds if f.error_count)} failing)",
        f"Stories: {await db.articles.count()} ({await db.articles.count_since(day)} in 24 h)",
        "Chats: " + (", ".join(f"{n} {k}" for k, n in sorted(chats.items())) or "none"),
        f"Posts in 24 h: {await db.deliveries.count('sent', since=day)}; waiting: "
        f"{await db.deliveries.count('pending')}; failed: {await db.deliveries.count('failed')}",
    ]
    lines += [f"• chat {f.chat_id}: {escape((f.last_error or '')[:150])}" for f in failures]
    await reply(update, "\n".join(lines))


@admin_only
async def broadcast(update: Update, context: NewsContext) -> None:
    message = update.effective_message
    text = (message.text or "").partition(" ")[2].strip() if message else ""
    if not text:
        await reply(update, "Send /broadcast followed by the message for every reader.")
        return
    if telegram_length(text) > MAX_BROADCAST:
        # Telegram counts UTF-16 code units: an emoji is two of them.
        await reply(update, f"That is {telegram_length(text)} characters as Telegram counts them; "
                            f"a broadcast can have at most {MAX_BROADCAST}.")
        return
    readers = [c.id for c in await context.db.chats.list(kinds=READER_KINDS, active_only=True)]
    _, queued = await context.db.deliveries.enqueue_broadcast(
        text, readers, created_by=update.effective_user.id, now=context.services.clock.now())  # type: ignore[union-attr]
    await reply(update, f"Queued for {queued} chats; it goes out within Telegram's limits.")
    await context.services.publisher.drain()


@admin_only
async def export_feeds(update: Update, context: NewsContext) -> None:
    feeds = await context.db.feeds.list()
    data = export_opml([OpmlFeed(f.url, f.title) for f in feeds])
    await update.effective_message.reply_document(  # type: ignore[union-attr]
        document=data, filename="newsbot-feeds.opml", caption=f"{len(feeds)} feeds"
    )


@admin_only
async def import_feeds(update: Update, context: NewsContext) -> None:
    """/import as the caption of an OPML file, or as a reply to one."""
    message = update.effective_message
    document = message.document if message else None
    if document is None and message and message.reply_to_message:
        document = message.reply_to_message.document
    if document is None:
        await reply(update, "Send an OPML file with /import as its caption, or reply /import to the file.")
        return
    if document.file_size and document.file_size > 2_000_000:
        await reply(update, "That file is larger than 2 MB; an OPML feed list is far smaller.")
        return
    data = bytes(await (await document.get_file()).download_as_bytearray())
    try:
        entries = import_opml(data)
    except OpmlError as exc:
        await reply(update, f"I could not read it: {escape(str(exc))}")
        return
    now, added = context.services.clock.now(), 0
    for entry in entries:
        _, created = await context.db.feeds.add(entry.url, title=entry.title, now=now,
                                                added_by=update.effective_user.id)  # type: ignore[union-attr]
        added += created
    await reply(update, f"Imported {added} new feeds ({len(entries) - added} were known). "
                        "They are checked at their first poll; /feeds shows their health.")
