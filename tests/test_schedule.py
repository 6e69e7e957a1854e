"""Digest timetables: what admins type, and when slots fall across DST changes and restarts."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.delivery.schedule import (
    ScheduleError, Timetable, hourly, next_slot, parse_schedule, plan_due, previous_slot, slot_for, slots_between,
    timetable_from_text,
)

NEW_YORK = ZoneInfo("America/New_York")  # 2026: 02:00 → 03:00 on 8 March, 02:00 → 01:00 on 1 November
KYIV = ZoneInfo("Europe/Kyiv")  # 2026: 03:00 → 04:00 on 29 March, 04:00 → 03:00 on 25 October


def test_daily_weekly_and_options_are_read() -> None:
    table, options = parse_schedule("08:00,20:00")
    assert table == Timetable((time(8), time(20))) and table.describe() == "daily at 08:00, 20:00"
    table, _ = parse_schedule("mon 9:00")
    assert table.days == frozenset({0}) and table.times == (time(9),)
    table, options = parse_schedule("mon-fri 07:30, 12:00 include posted summaries")
    assert table.days == frozenset(range(5)) and table.times == (time(7, 30), time(12))
    assert options.include_posted and options.summaries and not options.post_empty and not options.only
    table, options = parse_schedule("sat, sun 10:00 even empty only")
    assert table.days_text == "sat,sun" and options.post_empty and options.only
    assert parse_schedule("fri-mon 10:00")[0].days == frozenset({4, 5, 6, 0})
    assert parse_schedule("daily 06:00")[0].days == frozenset()  # every day
    stored = parse_schedule("thu,mon 20:00,08:00")[0]
    assert timetable_from_text(stored.days_text, stored.times_text) == stored


@pytest.mark.parametrize(("text", "message"), [
    ("25:00", "25:00 is not a time; use HH:MM"),
    ("mun 09:00", "'mun' is not a day; use mon..sun"),
    ("mon", "no time given"),
    ("", "say when"),
    ("08:00 loud", "'loud' is not an option"),
    ("08:60", "08:60 is not a time"),
    ("mon 9", "9 is not a time"),
    ("mon-fry 08:00", "'fry' is not a day"),
    ("summaries 08:00", "put the times before the options"),
])
def test_bad_timetables_say_exactly_what_was_wrong(text: str, message: str) -> None:
    with pytest.raises(ScheduleError) as caught:
        parse_schedule(text)
    assert message in str(caught.value)


def _local(moments: list[datetime], zone: ZoneInfo) -> list[str]:
    return [m.astimezone(zone).strftime("%m-%d %H:%M %Z") for m in moments]


def test_a_slot_in_the_skipped_hour_runs_once_an_hour_later_on_the_wall_clock() -> None:
    table = Timetable((time(2, 30),))
    slots = slots_between(table, NEW_YORK, datetime(2026, 3, 6, tzinfo=UTC), datetime(2026, 3, 10, tzinfo=UTC))
    assert _local([s.at for s in slots], NEW_YORK) == [
        "03-06 02:30 EST", "03-07 02:30 EST", "03-08 03:30 EDT", "03-09 02:30 EDT",
    ]
    assert len({s.key for s in slots}) == 4


def test_a_slot_in_the_doubled_hour_runs_once_at_its_first_occurrence() -> None:
    table = Timetable((time(1, 30),))
    slots = slots_between(table, NEW_YORK, datetime(2026, 10, 31, tzinfo=UTC), datetime(2026, 11, 3, tzinfo=UTC))
    assert _local([s.at for s in slots], NEW_YORK) == ["10-31 01:30 EDT", "11-01 01:30 EDT", "11-02 01:30 EST"]
    # The tick after the first 01:30 finds nothing due at the second 01:30 (an hour later).
    first = slots[1]
    again = plan_due(table, NEW_YORK, after=first.at, now=first.at + timedelta(hours=1, minutes=1),
                     catchup=timedelta(hours=3))
    assert again.run is None and not again.skipped


def test_two_daily_slots_stay_at_local_time_across_the_change() -> None:
    table = Timetable((time(8), time(20)))
    slots = slots_between(table, KYIV, datetime(2026, 3, 28, tzinfo=UTC), datetime(2026, 3, 30, 23, tzinfo=UTC))
    assert [s.at.hour for s in slots] == [6, 18, 5, 17, 5, 17]  # UTC+2, then UTC+3
    assert {s.at.astimezone(KYIV).hour for s in slots} == {8, 20}


def test_weekly_next_and_previous_slot() -> None:
    table = parse_schedule("mon 09:00")[0]
    thursday = datetime(2026, 1, 1, 12, tzinfo=UTC)
    assert next_slot(table, KYIV, thursday).key == "2026-01-05T09:00"
    assert previous_slot(table, KYIV, thursday).key == "2025-12-29T09:00"
    assert next_slot(hourly(), KYIV, thursday).key == "2026-01-01T15:00"


def test_a_missed_slot_runs_within_the_catchup_window_and_is_skipped_after_it() -> None:
    table = Timetable((time(8), time(20)))
    slot = datetime(2026, 1, 1, 6, tzinfo=UTC)  # 08:00 Kyiv
    before = slot - timedelta(minutes=1)
    plan = plan_due(table, KYIV, after=before, now=slot + timedelta(minutes=29), catchup=timedelta(minutes=30))
    assert plan.run is not None and plan.run.key == "2026-01-01T08:00" and not plan.skipped
    late = plan_due(table, KYIV, after=before, now=slot + timedelta(minutes=31), catchup=timedelta(minutes=30))
    assert late.run is None and [s.key for s in late.skipped] == ["2026-01-01T08:00"]
    # Down for a day and a half: only the newest slot may run, the older ones are skipped.
    long = plan_due(table, KYIV, after=before, now=slot + timedelta(hours=36, minutes=5), catchup=timedelta(minutes=30))
    assert long.run is not None and long.run.key == "2026-01-02T20:00"
    assert [s.key for s in long.skipped] == ["2026-01-01T08:00", "2026-01-01T20:00", "2026-01-02T08:00"]
    # Nothing before the schedule's start, and nothing twice: "after" is exclusive.
    assert plan_due(table, KYIV, after=slot, now=slot + timedelta(minutes=1), catchup=timedelta(hours=1)).run is None


def test_a_clock_set_back_finds_nothing_new() -> None:
    table = Timetable((time(8),))
    ran = datetime(2026, 1, 1, 6, tzinfo=UTC)
    plan = plan_due(table, KYIV, after=ran, now=ran - timedelta(minutes=50), catchup=timedelta(hours=1))
    assert plan.run is None and not plan.skipped


def test_a_zone_moved_west_does_not_run_todays_slot_again() -> None:
    table, utc = Timetable((time(8),)), ZoneInfo("UTC")
    ran = datetime(2026, 1, 1, 6, tzinfo=UTC)  # 08:00 in Kyiv; then the chat moves to UTC
    now = datetime(2026, 1, 1, 8, 5, tzinfo=UTC)  # 08:05 UTC: "08:00 today" again, by the wall clock
    assert plan_due(table, utc, after=ran, now=now, catchup=timedelta(hours=1)).run is not None
    plan = plan_due(table, utc, after=ran, now=now, catchup=timedelta(hours=1), after_key="2026-01-01T08:00")
    assert plan.run is None and not plan.skipped
    tomorrow = plan_due(table, utc, after=ran, now=now + timedelta(days=1), catchup=timedelta(hours=1),
                        after_key="2026-01-01T08:00")
    assert tomorrow.run is not None and tomorrow.run.key == "2026-01-02T08:00"


ZONES = ["America/New_York", "Europe/Kyiv", "Australia/Lord_Howe", "America/Santiago", "Asia/Kolkata",
         "Pacific/Chatham", "UTC"]


def _instants_with_wall_time(day: date, at: time, zone: ZoneInfo) -> list[datetime]:
    """The oracle: every UTC moment (on a 15-minute grid) whose wall clock shows ``day at``."""
    naive = datetime.combine(day, at)
    base = naive.replace(tzinfo=UTC)
    found = []
    for quarter in range(-15 * 4, 15 * 4 + 1):
        moment = base + timedelta(minutes=15 * quarter)
        if moment.astimezone(zone).replace(tzinfo=None) == naive:
            found.append(moment)
    return found


@settings(max_examples=15, deadline=None)
@given(
    zone_name=st.sampled_from(ZONES),
    times=st.lists(st.tuples(st.integers(0, 23), st.sampled_from([0, 15, 30, 45])), min_size=1, max_size=3),
    days=st.sets(st.integers(0, 6), max_size=3),
    start_day=st.sampled_from([date(2026, 3, 6), date(2026, 3, 27), date(2026, 4, 3), date(2026, 9, 3),
                               date(2026, 9, 25), date(2026, 10, 23), date(2026, 10, 30)]),
    # A restart costs one tick, so two plans can be 2 × step apart: at most the catch-up (30 min).
    step=st.integers(5, 15),
    restarts=st.lists(st.integers(0, 1400), max_size=4),
)
def test_ticks_run_every_slot_exactly_once_in_any_zone(
    zone_name: str, times: list[tuple[int, int]], days: set[int], start_day: date, step: int, restarts: list[int],
) -> None:
    """Ticks at most ``catchup`` apart, with restarts (a new planner that knows only the last
    run, as the database does), handle each local slot once: it runs, at its wall time or, when
    the clocks skip it, less than an hour later; when the wall time happens twice, at its first
    occurrence. A slot is only passed over for a newer one due in the same tick, which then
    covers its stories."""
    zone = ZoneInfo(zone_name)
    table = Timetable(tuple(sorted({time(h, m) for h, m in times})), frozenset(days))
    start = datetime.combine(start_day, time(0), tzinfo=UTC)
    end = start + timedelta(days=4)
    catchup = timedelta(minutes=30)
    ran: dict[str, datetime] = {}
    folded: set[str] = set()
    last_at, last_key = start, None
    now, ticks = start, 0
    while now <= end:
        if ticks in restarts:  # down for one tick; only the last run survives, as in the database
            now += timedelta(minutes=step)
        plan = plan_due(table, zone, after=last_at, now=now, catchup=catchup, after_key=last_key)
        assert plan.run is not None or not plan.skipped  # never missed: ticks are closer than the catch-up
        if plan.run is not None:
            assert plan.run.key not in ran and plan.run.key not in folded
            assert timedelta(0) <= now - plan.run.at <= catchup
            ran[plan.run.key] = plan.run.at
            folded.update(s.key for s in plan.skipped)
            last_at, last_key = plan.run.at, plan.run.key
        now += timedelta(minutes=step)
        ticks += 1
    assert not folded & set(ran)
    day = start.astimezone(zone).date()
    while day <= end.astimezone(zone).date():
        if table.runs_on(day):
            for at in table.times:
                slot = slot_for(day, at, zone)
                if not start < slot.at <= end - timedelta(minutes=2 * step):
                    continue
                assert slot.key in ran or slot.key in folded, slot
                walls = _instants_with_wall_time(day, at, zone)
                if walls:  # the first occurrence
                    assert slot.at == walls[0], (slot, walls)
                else:  # skipped by the clocks: after the wall time, within the gap
                    local = slot.at.astimezone(zone).replace(tzinfo=None)
                    assert timedelta(0) < local - datetime.combine(day, at) <= timedelta(hours=1)
        day += timedelta(days=1)
