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
    probes: int = 0  # pauses so far in this outage: each one twice as long as the last
    paused_until: datetime | None = None
    told_down: bool = False
    last_error: str = ""

    @property
    def down(self) -> bool:
        return self.failures >= OUTAGE_AFTER_FAILURES

    def failure(self, now: datetime, error: str) -> timedelta | None:
        """Count a passing failure; returns how long to pause all sending, or None.

        The sends in flight together fail together: failures that arrive while a pause is on
        are stragglers of the same probe and do not lengthen the next pause.
        """
        if self.since is None:
            self.since = now
        self.failures += 1
        self.last_error = error
        if not self.down or (self.paused_until is not None and now < self.paused_until):
            return None
        pause = min(timedelta(seconds=2 ** min(self.probes, 20)), self.cap)
        self.probes += 1
        self.paused_until = now + pause
        return pause

    def should_tell_down(self, now: datetime) -> bool:
        """True once per outage, when it has lasted ``notice_after``."""
        if self.down and not self.told_down and self.since is not None and now - self.since >= self.notice_after:
            self.told_down = True
            return True
        return False

    def success(self, now: datetime) -> tuple[datetime | None, bool]:
        """A send went through: returns (when the outage began, or None if there was none;
        whether the admins should hear it is over: it lasted ``notice_after``). Resets."""
        began = self.since if self.down else None
        worth_telling = began is not None and (self.told_down or now - began >= self.notice_after)
        self.since, self.failures, self.probes, self.paused_until = None, 0, 0, None
        self.told_down, self.last_error = False, ""
        return began, worth_telling
