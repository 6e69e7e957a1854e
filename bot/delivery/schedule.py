"""Timetables for digests: parsing what an admin types, and when the slots fall.

Pure functions over plain values and an explicit ``now``. A slot is a (local date, local time)
pair in the chat's zone; its key is that pair as text, so a slot exists once whatever the
clocks do. Daylight-saving changes:

- spring forward: a time the clocks skip (02:30 on the night 02:00 jumps to 03:00) is taken
  with the offset before the jump, so it runs once, an hour "late" on the wall clock (03:30);
- fall back: a time that happens twice (01:30 on the night 02:00 goes back to 01:00) runs at
  its first occurrence only.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_DAY_ALIASES = {
    "daily": tuple(range(7)), "everyday": tuple(range(7)), "weekdays": tuple(range(5)), "weekends": (5, 6),
    **{name: (i,) for i, name in enumerate(DAY_NAMES)},
    **{full: (i,) for i, full in enumerate(("monday", "tuesday", "wednesday", "thursday", "friday",
                                             "saturday", "sunday"))},
}
_TIME = re.compile(r"^(\d{1,2}):(\d{2})$")
MAX_TIMES = 24
# How far back a plan looks for missed slots; older ones are not even reported.
LOOKBACK = timedelta(days=8)


class ScheduleError(ValueError):
    """What the admin typed is not a timetable; the message says exactly what was wrong."""


@dataclass(frozen=True, slots=True)
class Timetable:
    """Local times on some days of the week (all days when ``days`` is empty)."""

    times: tuple[time, ...]
    days: frozenset[int] = frozenset()  # 0 = Monday

    def runs_on(self, day: date) -> bool:
        return not self.days or day.weekday() in self.days

    @property
    def times_text(self) -> str:
        return ",".join(t.strftime("%H:%M") for t in self.times)

    @property
    def days_text(self) -> str:
        """As stored: 'mon,thu', or '' for every day."""
        return ",".join(DAY_NAMES[d] for d in sorted(self.days)) if self.days and len(self.days) < 7 else ""

    def describe(self) -> str:
        """'daily at 08:00, 20:00' or 'mon, thu at 09:00'."""
        when = ", ".join(t.strftime("%H:%M") for t in self.times)
        days = self.days_text
        return f"{days.replace(',', ', ') if days else 'daily'} at {when}"


@dataclass(frozen=True, slots=True)
class DigestOptions:
    include_posted: bool = False  # also stories the channel already got on their own
    post_empty: bool = False  # post "nothing new" rather than nothing
    summaries: bool = False  # one sentence of summary under each title
    only: bool = False  # the channel gets its stories only in digests, not one by one


@dataclass(frozen=True, slots=True)
class Slot:
    key: str  # local 'YYYY-MM-DDTHH:MM' in the chat's zone
    at: datetime  # UTC


@dataclass(frozen=True, slots=True)
class SlotPlan:
    """What a tick should do for one timetable: run at most one slot, skip the others."""

    run: Slot | None
    skipped: tuple[Slot, ...] = ()


def parse_time(text: str) -> time:
    """'8:00' or '08:00' → time(8, 0); ScheduleError naming the bad text otherwise."""
    match = _TIME.match(text)
    if not match or int(match.group(1)) > 23 or int(match.group(2)) > 59:
        raise ScheduleError(f"{text} is not a time; use HH:MM, e.g. 08:00 or 20:30")
    return time(int(match.group(1)), int(match.group(2)))


def _parse_days(text: str) -> frozenset[int]:
    days: set[int] = set()
    for part in text.split(","):
        start, dash, end = part.partition("-")
        if dash:  # a range such as mon-fri, possibly wrapping (fri-mon)
            first, last = _one_day(start), _one_day(end)
            days.update((first + i) % 7 for i in range((last - first) % 7 + 1))
        else:
            days.update(_DAY_ALIASES.get(part, ()) or (_one_day(part),))
    return frozenset(days)


def _one_day(text: str) -> int:
    if text in DAY_NAMES:
        return DAY_NAMES.index(text)
    found = _DAY_ALIASES.get(text)
    if found is not None and len(found) == 1:
        return found[0]
    raise ScheduleError(f"'{text}' is not a day; use mon..sun (or mon-fri, weekdays, weekends, daily)")


_OPTIONS = {
    ("include", "posted"): "include_posted",
    ("even", "empty"): "post_empty",
    ("always",): "post_empty",
    ("summaries",): "summaries",
    ("only",): "only",
}


def parse_schedule(text: str) -> tuple[Timetable, DigestOptions]:
    """Read '08:00,20:00', 'mon 09:00', 'mon-fri 07:30 summaries', 'sat,sun 10:00 include posted'.

    The days come first (none: every day), then one or more times, then options: ``include
    posted``, ``even empty`` (or ``always``), ``summaries``, ``only``.
    """
    # Day lists and time lists may have spaces after their commas: "mon, thu 08:00, 20:00".
    tokens = [w for w in re.split(r"\s+", re.sub(r"\s*,\s*", ",", text.strip().lower())) if w]
    if not tokens:
        raise ScheduleError("say when, e.g. 08:00,20:00 (daily) or mon 09:00 (weekly)")
    days: frozenset[int] = frozenset()
    times: list[time] = []
    flags: dict[str, bool] = {}
    index = 0
    while index < len(tokens):
        token = tokens[index]
        pair = tuple(tokens[index:index + 2])
        if pair in _OPTIONS or (token,) in _OPTIONS:
            key = pair if pair in _OPTIONS else (token,)
            flags[_OPTIONS[key]] = True
            index += len(key)
            continue
        parts = [p for p in token.split(",") if p]
        if any(":" in p or p[:1].isdigit() for p in parts):
            if flags:
                raise ScheduleError(f"put the times before the options: {token} comes after {', '.join(flags)}")
            times.extend(parse_time(p) for p in parts)
        elif times:
            raise ScheduleError(f"'{token}' is not an option; use include posted, even empty, summaries or only")
        else:
            days |= _parse_days(token)
        index += 1
    if not times:
        raise ScheduleError("no time given; add one or more HH:MM, e.g. mon 09:00 or 08:00,20:00")
    unique = tuple(sorted(set(times)))
    if len(unique) > MAX_TIMES:
        raise ScheduleError(f"{len(unique)} times is more than the {MAX_TIMES} a timetable may have")
    if len(days) == 7:
        days = frozenset()
    return Timetable(unique, days), DigestOptions(**flags)


def timetable_from_text(days: str, times: str) -> Timetable:
    """A stored timetable (``Timetable.days_text`` and ``times_text``) read back."""
    return Timetable(tuple(sorted({parse_time(t) for t in times.split(",") if t})),
                     _parse_days(days) if days else frozenset())


def hourly() -> Timetable:
    """Every local hour on the hour (the overflow digest's timetable)."""
    return Timetable(tuple(time(h, 0) for h in range(24)))


def slot_for(day: date, at: time, zone: ZoneInfo) -> Slot:
    """The one UTC moment of a local (date, time): first occurrence; skipped times at the old offset."""
    local = datetime.combine(day, at, tzinfo=zone)  # fold=0: see the module docstring
    return Slot(f"{day.isoformat()}T{at.strftime('%H:%M')}", local.astimezone(UTC))


def slots_between(table: Timetable, zone: ZoneInfo, start: datetime, end: datetime) -> list[Slot]:
    """Every slot with ``start < slot.at <= end``, in time order."""
    first = start.astimezone(zone).date() - timedelta(days=1)
    last = end.astimezone(zone).date() + timedelta(days=1)
    found = []
    day = first
    while day <= last:
        if table.runs_on(day):
            found.extend(s for t in table.times if start < (s := slot_for(day, t, zone)).at <= end)
        day += timedelta(days=1)
    return sorted(found, key=lambda s: s.at)


def next_slot(table: Timetable, zone: ZoneInfo, after: datetime) -> Slot:
    """The first slot strictly after ``after`` (a week and a day always holds one)."""
    slots = slots_between(table, zone, after, after + timedelta(days=8))
    return slots[0]


def previous_slot(table: Timetable, zone: ZoneInfo, before: datetime) -> Slot:
    """The last slot strictly before ``before``: where a first digest's period starts."""
    slots = [s for s in slots_between(table, zone, before - timedelta(days=8), before) if s.at < before]
    return slots[-1]


def plan_due(
    table: Timetable, zone: ZoneInfo, *, after: datetime, now: datetime, catchup: timedelta,
    after_key: str | None = None,
) -> SlotPlan:
    """Which slot to run now, given the last one handled (its moment ``after``, its key
    ``after_key``).

    Only the newest due slot runs, and only if it is at most ``catchup`` old (a slot missed
    while the bot was down runs once at start); every older one is skipped, to be logged.
    Slots whose local key is not after ``after_key`` were handled already: when the chat's
    zone moves west, "08:00 today" comes round again in the new zone and must not run twice.
    """
    slots = slots_between(table, zone, max(after, now - LOOKBACK), now)
    if after_key is not None:
        slots = [s for s in slots if s.key > after_key]
    if not slots:
        return SlotPlan(None)
    newest = slots[-1]
    if now - newest.at <= catchup:
        return SlotPlan(newest, tuple(slots[:-1]))
    return SlotPlan(None, tuple(slots))
