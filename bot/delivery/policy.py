"""When a chat may get its next message: posting pace, hourly caps, quiet hours, digests.

Pure functions over plain values and an explicit ``now``; times are stored in UTC and turned
into the chat's local time only here, with zoneinfo, so daylight-saving changes are right.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

# Telegram's flood limits per chat: about 1 message a second in a private chat, and 20 a
# minute in a group or channel (TELEGRAM_GROUP_MESSAGES_PER_MINUTE). We stay a little under both.
PRIVATE_GAP = timedelta(seconds=1.1)
GAP_MARGIN = timedelta(seconds=0.1)


def group_gap(per_minute: int) -> timedelta:
    """The pace of posts to one group or channel under ``per_minute`` (20: 3.1 s apart)."""
    return timedelta(seconds=60 / per_minute) + GAP_MARGIN


GROUP_GAP = group_gap(20)

_HHMM = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")


def parse_hhmm(text: str) -> time:
    """'7:30' or '07:30' → time(7, 30); ValueError with a plain message otherwise."""
    match = _HHMM.match(text.strip())
    if not match:
        raise ValueError(f"{text!r} is not a time of day like 08:00 or 21:30")
    return time(int(match.group(1)), int(match.group(2)))


@dataclass(frozen=True, slots=True)
class PostingPolicy:
    zone: ZoneInfo
    interval: timedelta = timedelta(0)  # at least this between two posts (0: immediately)
    max_per_hour: int | None = None
    quiet_start: time | None = None  # local; with quiet_end, e.g. 23:00-07:00
    quiet_end: time | None = None
    min_gap: timedelta = PRIVATE_GAP  # Telegram's own per-chat pace


def in_quiet_hours(policy: PostingPolicy, moment: datetime) -> datetime | None:
    """If ``moment`` falls in the chat's quiet hours, the UTC moment they end; else None."""
    if policy.quiet_start is None or policy.quiet_end is None or policy.quiet_start == policy.quiet_end:
        return None
    local = moment.astimezone(policy.zone)
    start, end, now_t = policy.quiet_start, policy.quiet_end, local.time().replace(tzinfo=None)
    if start < end:
        inside = start <= now_t < end
        end_day = local.date()
    else:  # wraps midnight, e.g. 23:00-07:00
        inside = now_t >= start or now_t < end
        end_day = local.date() + timedelta(days=1) if now_t >= start else local.date()
    if not inside:
        return None
    local_end = datetime.combine(end_day, end, tzinfo=policy.zone)
    return local_end.astimezone(UTC)


def next_send_time(
    policy: PostingPolicy, *, now: datetime, last_post_at: datetime | None,
    sent_in_last_hour: int = 0, oldest_in_last_hour: datetime | None = None,
) -> datetime:
    """The earliest moment, not before ``now``, at which the chat may get its next post."""
    moment = now
    for _ in range(4):  # each rule can push the moment into another rule's window
        before = moment
        if last_post_at is not None:
            moment = max(moment, last_post_at + max(policy.interval, policy.min_gap))
        if policy.max_per_hour and sent_in_last_hour >= policy.max_per_hour and oldest_in_last_hour:
            moment = max(moment, oldest_in_last_hour + timedelta(hours=1))
        quiet_end = in_quiet_hours(policy, moment)
        if quiet_end is not None:
            moment = max(moment, quiet_end)
        if moment == before:
            break
    return moment


def digest_policy(policy: PostingPolicy) -> PostingPolicy:
    """The rules for a digest post: it goes at its scheduled time, so the channel's pace, hourly
    cap and quiet hours (meant for single stories) do not hold it; Telegram's gap still does."""
    return replace(policy, interval=timedelta(0), max_per_hour=None, quiet_start=None, quiet_end=None)
