"""Posting policy: pace, hourly caps, quiet hours across midnight and DST, daily digests."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.delivery.policy import (
    GROUP_GAP, PostingPolicy, in_quiet_hours, next_send_time, parse_hhmm,
)

KYIV = ZoneInfo("Europe/Kyiv")


def test_parse_hhmm() -> None:
    assert parse_hhmm(" 7:05 ") == time(7, 5)
    for bad in ("24:00", "7", "07:60", "noon", ""):
        with pytest.raises(ValueError):
            parse_hhmm(bad)


def test_immediate_posting_respects_telegram_gap_only() -> None:
    policy = PostingPolicy(zone=UTC, min_gap=GROUP_GAP)  # type: ignore[arg-type]
    now = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)
    assert next_send_time(policy, now=now, last_post_at=None) == now
    assert next_send_time(policy, now=now, last_post_at=now - timedelta(seconds=1)) == now - timedelta(seconds=1) + GROUP_GAP


def test_interval_and_hourly_cap() -> None:
    policy = PostingPolicy(zone=UTC, interval=timedelta(minutes=30), max_per_hour=2)  # type: ignore[arg-type]
    now = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)
    last = now - timedelta(minutes=10)
    assert next_send_time(policy, now=now, last_post_at=last) == last + timedelta(minutes=30)
    oldest = now - timedelta(minutes=20)
    got = next_send_time(policy, now=now, last_post_at=last, sent_in_last_hour=2, oldest_in_last_hour=oldest)
    assert got == oldest + timedelta(hours=1)


def test_quiet_hours_wrapping_midnight_end_in_local_morning() -> None:
    policy = PostingPolicy(zone=KYIV, quiet_start=time(23, 0), quiet_end=time(7, 0))
    late = datetime(2026, 5, 1, 21, 30, tzinfo=UTC)  # 00:30 in Kyiv (UTC+3, summer)
    end = in_quiet_hours(policy, late)
    assert end == datetime(2026, 5, 2, 4, 0, tzinfo=UTC)  # 07:00 Kyiv
    assert in_quiet_hours(policy, datetime(2026, 5, 1, 12, 0, tzinfo=UTC)) is None
    assert next_send_time(policy, now=late, last_post_at=None) == end


def test_quiet_hours_end_on_dst_change_day() -> None:
    # Kyiv moves from UTC+2 to UTC+3 at 03:00 local on 2026-03-29.
    policy = PostingPolicy(zone=KYIV, quiet_start=time(1, 0), quiet_end=time(8, 0))
    during = datetime(2026, 3, 28, 23, 30, tzinfo=UTC)  # 01:30 local, still UTC+2
    assert in_quiet_hours(policy, during) == datetime(2026, 3, 29, 5, 0, tzinfo=UTC)  # 08:00 at UTC+3


def test_a_channel_is_paced_by_the_group_limit_setting() -> None:
    """TELEGRAM_GROUP_MESSAGES_PER_MINUTE paces the posts to one group or channel (it only
    configured PTB's limiter; the publisher kept 3.1 s, 20 a minute, whatever it said)."""
    from bot.config import load_settings
    from bot.jobs.publish import _policy
    from storage.chats import Chat

    now = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)
    channel = Chat(id=-100123, kind="channel", title="News", username=None, active=True, inactive_reason=None,
                   can_post=True, paused=False, timezone=None, language=None, summaries=True, link_previews=None,
                   digest_time=None, last_digest_at=None, post_interval_min=0, max_per_hour=None, quiet_start=None,
                   quiet_end=None, last_post_at=None, created_at=now)
    token = "123456:" + "A" * 30
    for per_minute, gap in ((20, 3.1), (60, 1.1), (10, 6.1)):
        settings = load_settings(_env_file=None, bot_token=token, telegram_group_messages_per_minute=per_minute)
        assert _policy(channel, settings).min_gap == timedelta(seconds=gap)
    assert GROUP_GAP == timedelta(seconds=3.1)
