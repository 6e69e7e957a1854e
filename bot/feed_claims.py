"""The feeds this replica is polling right now, so that their claims are renewed while the
polls run (by the replica heartbeat, ``bot.replica``) and end with them.

A claim (``storage.feeds.FeedRepo.claim_due``) holds a feed for one lease
(``REPLICA_LEASE_SECONDS``): a poll that takes longer keeps its feed because the heartbeat
renews the claims of the polls still under way every quarter lease, and a replica that dies
stops renewing, so its feeds are due again, for another replica, a lease later (a graceful
stop hands back those of the polls it cancels at once: ``FeedPoller.aclose``).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager


class FeedClaims:
    """Feed ids with a poll under way in this process (a feed may be in two overlapping calls)."""

    def __init__(self) -> None:
        self._held: Counter[int] = Counter()

    def hold(self, feed_id: int) -> None:
        self._held[feed_id] += 1

    def release(self, feed_id: int) -> None:
        self._held[feed_id] -= 1
        if self._held[feed_id] <= 0:
            del self._held[feed_id]

    @contextmanager
    def polling(self, feed_id: int) -> Iterator[None]:
        self.hold(feed_id)
        try:
            yield
        finally:
            self.release(feed_id)

    def ids(self) -> list[int]:
        return sorted(self._held)
