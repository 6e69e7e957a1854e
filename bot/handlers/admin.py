"""Admin commands: channels, posting, pausing, stats and broadcasts (feeds: ``feedadmin``)."""

from __future__ import annotations

import logging
from datetime import timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from telegram import Update
from telegram.error import TelegramError

from bot.app import NewsContext
from bot.channels import posting_problem, register_chat, remember_chat
from bot.delivery.policy import parse_hhmm
from bot.following import follow_feed
from bot.handlers.common import MAX_LIST_MESSAGES, admin_only, argument_text, find_feed, missing_feed, reply, reply_paced
from bot.handlers.posts import POST_USAGE, post_look, set_post_setting, subscribe_into_topic, topic_lines
from bot.handlers.schedule import SCHEDULE_USAGE, channel_schedule, schedule_lines
from bot.news.errors import NewsError
from bot.news.pages import split_messages
from bot.news.render import escape, telegram_length
from bot.news.urls import is_http_url
from bot.retention import retention_stats_line
from bot.story_summaries import llm_stats_line
from bot.texts import LANGUAGES
from storage.chats import Chat

log = logging.getLogger(__name__)

CHANNEL_KINDS = ("channel", "group", "supergroup")
READER_KINDS = ("private", "group", "supergroup")
MAX_BROADCAST = 3500


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
        lines.append(f"{escape(chat.display_name)} ({chat.id}) — {len(subs)} feeds — {state} — {post_look(chat, context)}")
        lines.extend(await topic_lines(context, chat))
        lines.extend(await schedule_lines(context, chat))
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
    "/channel CHANNEL lang uk — its language: labels, and summaries translated by the LLM if one is set "
    "(en, uk, ru; off: each story's own)\n"
    f"{POST_USAGE}\n"
    f"{SCHEDULE_USAGE}\n"
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
    words = value.split()
    if action == "subscribe" and len(words) >= 3 and words[1].lower() == "topic":
        feed = find_feed(await context.db.feeds.list(), words[0])
        if feed is None:
            await reply(update, f"No feed “{escape(words[0][:100])}”. See /feeds for the numbers.")
            return
        await reply(update, await subscribe_into_topic(context, target, feed, " ".join(words[2:])))
        return
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
                if result.queued == 1:
                    answer += " Its newest story is on the way now."
                elif result.queued:
                    answer += f" Its {result.queued} newest stories are on the way now."
                else:
                    answer += " New stories go there as the feed publishes them."
            if not feed.enabled:
                answer += f"\nBut: the feed is disabled after failures; /resume {feeds.index(feed) + 1} polls it again."
            if problem := posting_problem(target):
                answer += f"\nBut: {escape(problem)}"
        else:
            await context.db.subscriptions.remove(target.id, feed.id)
            answer = f"{escape(target.display_name)} no longer gets {escape(feed.name)}."
        await reply(update, answer)
        return
    if action in ("schedule", "overflow"):
        await reply(update, await channel_schedule(context, target, action, args[2:]))
        return
    error = await _set_policy(context, target, action, value.strip())
    updated = await context.db.chats.get(target.id)
    done = f"Done. {escape(target.display_name)}: {escape(_policy_text(updated))}"
    if updated is not None:
        done += f"; {escape(post_look(updated, context))}"
    await reply(update, error or done)


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
    elif action in ("lang", "language"):
        code = value.lower()
        if code not in (*LANGUAGES, "off", "default"):
            return f"I can post in {', '.join(LANGUAGES)}; send e.g. /channel {target.id} lang uk, or lang off."
        await context.db.chats.update_settings(target.id, {"language": code if code in LANGUAGES else None}, now=now)
    else:
        try:
            return await set_post_setting(context, target, action, value)
        except KeyError:
            return CHANNEL_USAGE
    return None


def _policy_text(chat: Chat | None) -> str:
    if chat is None:
        return ""
    pace = f"one post every {chat.post_interval_min} min" if chat.post_interval_min else "posts at once"
    cap = f", at most {chat.max_per_hour}/hour" if chat.max_per_hour else ""
    quiet = f", quiet {chat.quiet_start}-{chat.quiet_end}" if chat.quiet_start else ""
    language = f", language {chat.language}" if chat.language else ""
    return f"{pace}{cap}{quiet}, time zone {chat.timezone or 'default'}{language}"


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
    context.services.publisher.wake()  # the publisher's task sends it; this reply does not wait
    if target_id != update.effective_chat.id:  # type: ignore[union-attr]
        await reply(update, "Queued; it goes out as soon as the channel's pace allows.")


@admin_only
async def pause(update: Update, context: NewsContext) -> None:
    await reply(update, await _set_paused(context, True))


@admin_only
async def resume(update: Update, context: NewsContext) -> None:
    ref = argument_text(context)
    now = context.services.clock.now()
    target = await context.db.chats.find(ref) if ref else None
    if ref and target is None:
        feed = find_feed(await context.db.feeds.list(), ref)
        if feed is not None:
            await context.db.feeds.set_enabled(feed.id, True, now=now)
            await reply(update, f"Polling {escape(feed.name)} again.")
        else:
            await reply(update, f"I don't know the chat or feed “{escape(ref[:100])}”. See /channels and /feeds.")
        return
    await reply(update, await _set_paused(context, False))
    # Posts that failed (an outage longer than DELIVERY_RETRY_HOURS, a channel that had
    # removed the bot) are queued again, each with a fresh retry window.
    requeued = await context.db.deliveries.requeue_failed(now=now, chat_id=target.id if target else None)
    if requeued:
        await reply(update, f"Queued {requeued} failed {'post' if requeued == 1 else 'posts'} again.")
        context.services.publisher.wake()
    if not ref:
        disabled = [f for f in await context.db.feeds.list() if not f.enabled]
        for feed in disabled:
            await context.db.feeds.set_enabled(feed.id, True, now=now)
        if disabled:
            await reply(update, f"Polling {len(disabled)} disabled {'feed' if len(disabled) == 1 else 'feeds'} again.")


async def _set_paused(context: NewsContext, paused: bool) -> str:
    """Pause or resume the chat named in the arguments (else every channel and group); says what."""
    ref = argument_text(context)
    now = context.services.clock.now()
    if ref:
        target = await context.db.chats.find(ref)
        if target is None:
            return f"I don't know the chat “{escape(ref[:100])}”. See /channels."
        targets = [target]
    else:
        targets = await context.db.chats.list(kinds=CHANNEL_KINDS)
    for chat in targets:
        await context.db.chats.update_settings(chat.id, {"paused": paused}, now=now)
        if not paused and not chat.active and chat.is_channel_like:
            await context.db.chats.upsert(chat.id, chat.kind, now=now)  # added back by the admin
    if not targets:
        return f"{'Paused' if paused else 'Resumed'} posting — though I am in no channels or groups yet."
    what = escape(targets[0].display_name) if len(targets) == 1 else f"all {len(targets)} channels and groups"
    return f"{'Paused' if paused else 'Resumed'} posting to {what}."


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
    lines.append(await llm_stats_line(context.services.summaries))
    lines.append(escape(await retention_stats_line(db, context.settings.retention_days)))
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
    context.services.publisher.wake()
