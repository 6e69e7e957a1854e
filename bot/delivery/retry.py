"""When to try a failed send again, and when "Telegram is down" is worth telling the admins.

Pure decisions over plain values (times in, times out), so the publisher's rules are testable
without a network and with any clock.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

BASE_DELAY = timedelta(seconds=30)
OUTAGE_AFTER_FAILURES = 3  # passing failures in a row, with no success between: an outage


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """Retries for passing failures (network, 5xx, timeouts): doubling waits from ``base``
    up to ``cap``, for ``window`` from the row's first such failure; then the row fails."""

    window: timedelta = timedelta(hours=24)
    cap: timedelta = timedelta(seconds=120)
    base: timedelta = BASE_DELAY

    def next_attempt(self, *, attempts: int, first_failed_at: datetime | None, now: datetime) -> datetime | None:
        """When to try again after the ``attempts``-th try failed, or None: give up."""
        first = first_failed_at or now
        if now - first >= self.window:
            return None
        delay = self.base * 2 ** min(max(attempts - 1, 0), 30)
        return now + min(delay, self.cap)


@dataclass(slots=True)
class OutageTracker:
    """Tracks passing failures in a row across all chats.

    A failure for one chat among successes for others is that chat's problem; several in a
    row with no success between look like the Bot API (or the network) being down, so the
    publisher stops claiming rows and probes with doubling pauses instead of spending every
    row's attempts. ``notice_after`` is how long an outage lasts before the admins are told.
    """

    notice_after: timedelta
    cap: timedelta
    since: datetime | None = None
    failures: int = 0
    told_down: bool = False
    last_error: str = ""

    @property
    def down(self) -> bool:
        return self.failures >= OUTAGE_AFTER_FAILURES

    def failure(self, now: datetime, error: str) -> timedelta | None:
        """Count a passing failure; returns how long to pause all sending, or None."""
        if self.since is None:
            self.since = now
        self.failures += 1
        self.last_error = error
        if not self.down:
            return None
        return min(timedelta(seconds=2 ** min(self.failures - OUTAGE_AFTER_FAILURES, 20)), self.cap)

    def should_tell_down(self, now: datetime) -> bool:
        """True once per outage, when it has lasted ``notice_after``."""
        if self.down and not self.told_down and self.since is not None and now - self.since >= self.notice_after:
            self.told_down = True
            return True
        return False

    def success(self, now: datetime) -> timedelta | None:
        """A send went through: returns how long the outage lasted if the admins should hear it
        is over (it lasted ``notice_after``), else None. Resets the tracker."""
        lasted = now - self.since if self.since is not None and self.down else None
        worth_telling = self.told_down or (lasted is not None and lasted >= self.notice_after)
        self.since, self.failures, self.told_down, self.last_error = None, 0, False, ""
        return lasted if worth_telling else None
