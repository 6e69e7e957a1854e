"""/channel CHAT schedule … and /channel CHAT overflow …: a channel's digest timetables.

Called from the /channel command (bot.handlers.admin); the timetable grammar and its error
messages live in bot.delivery.schedule, the digests themselves in bot.delivery.digests.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from bot.app import NewsContext
from bot.delivery.digests import timetable_of
from bot.delivery.schedule import MAX_TIMES, ScheduleError, next_slot, parse_schedule, timetable_from_text
from bot.news.render import escape
from storage.chats import Chat
from storage.schedules import Schedule

SCHEDULE_USAGE = (
    "/channel CHANNEL schedule digest 08:00,20:00 — a digest every day at these times\n"
    "/channel CHANNEL schedule digest mon 09:00 — weekly (days: mon..sun, mon-fri, weekdays, weekends)\n"
    "   options after the times: include posted, even empty, summaries, only (stories only in digests)\n"
    "/channel CHANNEL schedule off — remove every digest (or: schedule off 2, the second one)\n"
    "/channel CHANNEL overflow digest — with max N, the stories over the cap go out as a digest at the "
    "end of the hour (overflow wait: they wait for the next hour)"
)


async def channel_schedule(context: NewsContext, target: Chat, action: str, args: list[str]) -> str:
    """Apply one schedule subcommand to a channel; returns the reply, in plain words."""
    now = context.services.clock.now()
    db = context.db
    words = [a.lower() for a in args]
    name = escape(target.display_name)
    if action == "overflow":
        if words[:1] == ["digest"] or words[:1] == ["on"]:
            if not await db.schedules.for_chat(target.id, "overflow"):
                await db.schedules.add(target.id, "overflow", days="", times="", now=now)
            answer = f"Done. {name}: stories over the hourly cap go out as one digest at the end of the hour."
            if not target.max_per_hour:
                answer += f" It takes effect once the channel has a cap: /channel {target.id} max 6"
            return answer
        if words[:1] in (["wait"], ["off"]):
            await db.schedules.remove(target.id, kind="overflow")
            return f"Done. {name}: stories over the hourly cap wait for the next hour."
        return "Send /channel CHANNEL overflow digest (or overflow wait)."
    if words[:1] == ["off"]:
        return await _remove(context, target, words[1:])
    if words[:1] != ["digest"]:
        return "Usage:\n" + SCHEDULE_USAGE
    try:
        table, options = parse_schedule(" ".join(args[1:]))
    except ScheduleError as exc:
        return f"I could not read that timetable: {escape(str(exc))}."
    existing = next((s for s in await db.schedules.for_chat(target.id, "digest")
                     if s.days == table.days_text and (s.include_posted, s.post_empty, s.summaries, s.only_digests)
                     == (options.include_posted, options.post_empty, options.summaries, options.only)), None)
    if existing is not None:  # more times on the same days: one timetable, so no story twice
        merged = timetable_from_text(existing.days, f"{existing.times},{table.times_text}")
        if len(merged.times) > MAX_TIMES:
            return f"{name} would then have {len(merged.times)} digest times; at most {MAX_TIMES}."
        await db.schedules.set_times(existing.id, merged.times_text, now=now)
        schedule = await db.schedules.get(existing.id)
        assert schedule is not None
    else:
        schedule = await db.schedules.add(
            target.id, "digest", days=table.days_text, times=table.times_text, now=now,
            include_posted=options.include_posted, post_empty=options.post_empty,
            summaries=options.summaries, only_digests=options.only,
        )
    zone = target.zone(context.settings.zone)
    return f"Done. {name}: {escape(describe(schedule))}; next {escape(_next_run(schedule, zone, now))}."


async def _remove(context: NewsContext, target: Chat, words: list[str]) -> str:
    schedules = await context.db.schedules.for_chat(target.id, "digest")
    name = escape(target.display_name)
    if not words:
        removed = await context.db.schedules.remove(target.id, kind="digest")
        return f"Done. {name} has no digest schedule now." if removed else f"{name} had no digest schedule."
    if not words[0].isdigit() or not 1 <= int(words[0]) <= len(schedules):
        return f"{name} has {len(schedules)} digest schedules; send schedule off 1 to {len(schedules)} (see /channels)."
    await context.db.schedules.remove(target.id, schedule_id=schedules[int(words[0]) - 1].id)
    return f"Done. Removed digest {int(words[0])} of {name}."


def describe(schedule: Schedule) -> str:
    """'digest daily at 08:00, 20:00 (include posted, only)'."""
    if schedule.kind == "overflow":
        return "overflow digest at the end of each hour over the cap"
    flags = [label for label, on in (("include posted", schedule.include_posted), ("even empty", schedule.post_empty),
                                     ("summaries", schedule.summaries), ("only", schedule.only_digests)) if on]
    return f"digest {timetable_of(schedule).describe()}" + (f" ({', '.join(flags)})" if flags else "")


def _next_run(schedule: Schedule, zone: ZoneInfo, now: datetime) -> str:
    slot = next_slot(timetable_of(schedule), zone, now)
    return f"{slot.at.astimezone(zone):%a %d.%m %H:%M} {zone.key}"


async def schedule_lines(context: NewsContext, chat: Chat) -> list[str]:
    """Lines for /channels: each timetable, numbered, with its next run in local time."""
    zone = chat.zone(context.settings.zone)
    now = context.services.clock.now()
    lines = []
    digests = 0
    for schedule in await context.db.schedules.for_chat(chat.id):
        if schedule.kind == "digest":
            digests += 1
            lines.append(f"   {digests}. {escape(describe(schedule))} — next {escape(_next_run(schedule, zone, now))}")
        else:
            lines.append(f"   • {escape(describe(schedule))}")
    return lines
