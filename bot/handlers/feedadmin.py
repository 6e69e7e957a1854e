"""Admin commands about feeds: adding, removing, poll intervals, health, OPML import and export."""

from __future__ import annotations

import logging
from datetime import datetime
from zoneinfo import ZoneInfo

from telegram import Update

from bot.app import NewsContext
from bot.handlers.common import (
    MAX_LIST_MESSAGES, admin_only, argument_text, chat_zone, feed_line, find_feed, missing_feed, parse_id, reply,
    reply_paced,
)
from bot.config import PRIVATE_URL_HINT
from bot.news.errors import FeedError, FetchError, UnsafeURLError
from bot.news.pages import split_messages
from bot.news.render import MAX_MESSAGE, escape
from bot.news.urls import is_http_url
from bot.opml import OpmlError, OpmlFeed, export_opml, import_opml
from storage.feeds import Feed

log = logging.getLogger(__name__)


def _when(moment: datetime | None, zone: ZoneInfo) -> str:
    return moment.astimezone(zone).strftime("%Y-%m-%d %H:%M %Z") if moment else "never"


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
        hint = f" {PRIVATE_URL_HINT}" if isinstance(exc, UnsafeURLError) else ""
        await reply(update, f"I could not fetch it: {escape(str(exc))}{hint}")
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
    await context.services.write_faults.feed_removed(feed.id)  # no poll of it will end its write fault now
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
    first = (parse_id(ref) or 0) if ref else 1
    if not 1 <= first <= len(feeds):
        await reply(update, missing_feed(ref, feeds))
        return
    zone = await chat_zone(update, context)
    lines = ["<b>Feeds</b>" + (f" (from {first})" if first > 1 else "")]
    lines += [feed_health_line(number, feed, zone) for number, feed in enumerate(feeds, start=1) if number >= first]
    messages = split_messages(lines)
    if len(messages) > MAX_LIST_MESSAGES:
        # Leave room in the last message for the line that says how to see the rest.
        messages = split_messages(lines, limit=MAX_MESSAGE - 200)[:MAX_LIST_MESSAGES]
        after = first + sum(text.count("\n") + 1 for text in messages) - 1  # minus the heading
        messages[-1] += f"\n…and {len(feeds) - after + 1} more: send /feeds {after} to see them."
    await reply_paced(update, context, messages)


def feed_health_line(number: int, feed: Feed, zone: ZoneInfo) -> str:
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
