"""When the scheduled jobs first run after ``newsbot run`` starts (``bot.jobs.register_jobs``)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

from bot.app import build_application
from bot.config import load_settings


def test_the_first_poll_is_due_at_start_not_seconds_later(tmp_path: Path) -> None:
    """A user who just set FEEDS and CHANNELS waits for the first poll (it was 5 s after start),
    and so does every test that runs the real process."""
    settings = load_settings(_env_file=None, bot_token="123456:" + "A" * 30, database_path=tmp_path / "bot.db")
    before = datetime.now(timezone.utc)
    application = build_application(settings)
    [poll] = application.job_queue.get_jobs_by_name("poll")
    assert poll.job.trigger.start_date - before < timedelta(seconds=1)
    [digest] = application.job_queue.get_jobs_by_name("digest")
    assert digest.job.trigger.start_date - before >= timedelta(seconds=5)  # a digest tick may wait
