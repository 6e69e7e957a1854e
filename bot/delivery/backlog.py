"""Which stories a chat gets when it starts following a feed, and which are too old to post.

One rule for every path that makes a chat follow a feed (the CHANNELS/FEEDS settings,
``/channel … subscribe``, ``/subscribe``, its buttons, ``/start sub_N``) and for a feed's
first poll: the feed's newest ``size`` stories the chat has not had, none older than
``max_age``. Pure values: storage finds the candidates, this decides.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True, slots=True)
class BacklogRule:
    size: int = 3  # NEW_FEED_BACKLOG
    max_age: timedelta | None = timedelta(hours=48)  # MAX_STORY_AGE_HOURS; None: any age

    def oldest_allowed(self, now: datetime) -> datetime | None:
        """Stories from before this moment are never posted as new (None: no limit)."""
        return now - self.max_age if self.max_age is not None else None

    def is_fresh(self, when: datetime | None, now: datetime) -> bool:
        """Whether a story of this time may still be posted as new; an undated one may."""
        oldest = self.oldest_allowed(now)
        return when is None or oldest is None or when >= oldest

    def pick(self, stories: Sequence[tuple[int, datetime | None]], now: datetime) -> list[int]:
        """Ids of the stories a new follower gets, from (id, time) pairs it has not had,
        oldest of them first (the order they are posted in)."""
        fresh = [(story_id, when) for story_id, when in stories if self.is_fresh(when, now)]
        newest = sorted(fresh, key=lambda s: (s[1] or now, s[0]), reverse=True)[: self.size]
        return [story_id for story_id, _ in reversed(newest)]
