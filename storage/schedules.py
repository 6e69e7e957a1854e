"""Digest timetables of chats, the slots they ran, and the outbox rows a digest touches.

A slot is claimed by inserting its ``schedule_runs`` row; the primary key (schedule, slot
key) lets only one insert win, and the digest's ``deliveries`` row (unique per chat and
digest key) is written in the same transaction, so a slot never posts twice and never claims
without queueing.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from storage._time import from_db, to_db

if TYPE_CHECKING:
    from storage.db import Database

KINDS = ("digest", "overflow")
OUTCOMES = ("queued", "empty", "skipped")


@dataclass(frozen=True, slots=True)
class Schedule:
    id: int
    chat_id: int
    kind: str  # 'digest' | 'overflow'
    days: str  # 'mon,thu'; '' every day
    times: str  # local 'HH:MM,HH:MM'
    include_posted: bool
    post_empty: bool
    summaries: bool
    only_digests: bool
    active_from: datetime  # when it was set or last changed: only later slots are due


@dataclass(frozen=True, slots=True)
class ScheduleRun:
    schedule_id: int
    slot_key: str
    slot_at: datetime
    outcome: str
    covered_until: datetime
    stories: int


@dataclass(frozen=True, slots=True)
class DigestMessage:
    key: str  # deliveries.digest_key, unique per chat
    text: str


def _schedule(row: sqlite3.Row) -> Schedule:
    return Schedule(
        id=row["id"], chat_id=row["chat_id"], kind=row["kind"], days=row["days"], times=row["times"],
        include_posted=bool(row["include_posted"]), post_empty=bool(row["post_empty"]),
        summaries=bool(row["summaries"]), only_digests=bool(row["only_digests"]),
        active_from=from_db(row["active_from"]),  # type: ignore[arg-type]
    )


def _run(row: sqlite3.Row) -> ScheduleRun:
    return ScheduleRun(
        schedule_id=row["run_schedule_id"] if "run_schedule_id" in row.keys() else row["schedule_id"],
        slot_key=row["slot_key"], slot_at=from_db(row["slot_at"]),  # type: ignore[arg-type]
        outcome=row["outcome"], covered_until=from_db(row["covered_until"]),  # type: ignore[arg-type]
        stories=row["stories"],
    )


class ScheduleRepo:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def add(
        self, chat_id: int, kind: str, *, days: str, times: str, now: datetime, include_posted: bool = False,
        post_empty: bool = False, summaries: bool = False, only_digests: bool = False,
    ) -> Schedule:
        """Add a timetable to a chat; its first slot is the first one after ``now``."""
        if kind not in KINDS:
            raise ValueError(f"unknown schedule kind {kind!r}")
        async with self._db.transaction() as conn:
            cursor = await conn.execute(
                "INSERT INTO schedules (chat_id, kind, days, times, include_posted, post_empty, summaries, "
                "only_digests, active_from) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
                (chat_id, kind, days, times, int(include_posted), int(post_empty), int(summaries),
                 int(only_digests), to_db(now)),
            )
            schedule_id = int((await cursor.fetchone())[0])
        found = await self.get(schedule_id)
        assert found is not None
        return found

    async def get(self, schedule_id: int) -> Schedule | None:
        row = await self._db.fetchone("SELECT * FROM schedules WHERE id = ?", (schedule_id,))
        return None if row is None else _schedule(row)

    async def for_chat(self, chat_id: int, kind: str | None = None) -> list[Schedule]:
        rows = await self._db.fetchall(
            "SELECT * FROM schedules WHERE chat_id = ? AND (CAST(? AS TEXT) IS NULL OR kind = ?) ORDER BY id",
            (chat_id, kind, kind),
        )
        return [_schedule(r) for r in rows]

    async def runnable(self) -> list[tuple[Schedule, ScheduleRun | None]]:
        """Schedules of chats the bot may post to now (active and not paused), each with its
        latest run: one query for a whole tick."""
        rows = await self._db.fetchall(
            "SELECT s.*, r.schedule_id AS run_schedule_id, r.slot_key, r.slot_at, r.outcome, r.covered_until, "
            "r.stories FROM schedules s JOIN chats c ON c.id = s.chat_id "
            "LEFT JOIN schedule_runs r ON r.schedule_id = s.id AND r.slot_key = "
            "(SELECT slot_key FROM schedule_runs WHERE schedule_id = s.id ORDER BY slot_at DESC LIMIT 1) "
            "WHERE c.active = 1 AND c.paused = 0 ORDER BY s.id"
        )
        return [(_schedule(r), _run(r) if r["run_schedule_id"] is not None else None) for r in rows]

    async def remove(self, chat_id: int, *, kind: str | None = None, schedule_id: int | None = None) -> int:
        """Remove a chat's schedules (of one kind, or one by id); returns how many went."""
        return await self._db.execute(
            "DELETE FROM schedules WHERE chat_id = ? AND (CAST(? AS TEXT) IS NULL OR kind = ?) "
            "AND (CAST(? AS BIGINT) IS NULL OR id = ?)",
            (chat_id, kind, kind, schedule_id, schedule_id),
        )

    async def set_times(self, schedule_id: int, times: str, *, now: datetime) -> None:
        """Change a timetable's times, keeping its history (where its next digest starts); a
        new time already past today is not "missed", so only slots after ``now`` are due."""
        await self._db.execute(
            "UPDATE schedules SET times = ?, active_from = ? WHERE id = ?", (times, to_db(now), schedule_id)
        )

    async def runs(self, schedule_id: int) -> list[ScheduleRun]:
        rows = await self._db.fetchall(
            "SELECT * FROM schedule_runs WHERE schedule_id = ? ORDER BY slot_at", (schedule_id,)
        )
        return [_run(r) for r in rows]

    async def claim(
        self, schedule: Schedule, *, slot_key: str, slot_at: datetime, outcome: str, covered_until: datetime,
        now: datetime, messages: Sequence[DigestMessage] = (), rolled_articles: Sequence[int] = (),
        stories: int = 0,
    ) -> bool:
        """Claim a slot and, in the same transaction, queue its digest messages and mark the
        story rows it rolled up as done. False (and nothing written) if the slot was claimed
        already, by an earlier run or another process."""
        if outcome not in OUTCOMES:
            raise ValueError(outcome)
        async with self._db.transaction() as conn:
            cursor = await conn.execute(
                "INSERT INTO schedule_runs (schedule_id, slot_key, slot_at, outcome, covered_until, "
                "stories, created_at) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
                (schedule.id, slot_key, to_db(slot_at), outcome, to_db(covered_until), stories, to_db(now)),
            )
            if cursor.rowcount == 0:
                return False
            await conn.executemany(
                "INSERT INTO deliveries (chat_id, kind, digest_key, payload, next_attempt_at, created_at) "
                "VALUES (?, 'digest', ?, ?, ?, ?) ON CONFLICT DO NOTHING",
                [(schedule.chat_id, m.key, m.text, to_db(now), to_db(now)) for m in messages],
            )
            await conn.executemany(
                "UPDATE deliveries SET state = 'skipped', last_error = ? "
                "WHERE chat_id = ? AND article_id = ? AND state = 'pending'",
                [(f"sent in the digest of {slot_key}", schedule.chat_id, a) for a in rolled_articles],
            )
        return True

    async def waiting_articles(self, chat_id: int, *, queued_before: datetime) -> list[int]:
        """Stories queued for a chat before a moment and still waiting (the overflow), oldest first."""
        rows = await self._db.fetchall(
            "SELECT article_id FROM deliveries WHERE chat_id = ? AND kind = 'article' AND state = 'pending' "
            "AND created_at < ? ORDER BY created_at, id",
            (chat_id, to_db(queued_before)),
        )
        return [int(r[0]) for r in rows]

    async def posted_articles(self, chat_id: int, article_ids: Sequence[int]) -> set[int]:
        """Of these stories, the ones the chat got (or is about to get) on their own or in a digest.

        Every outbox row but a failed one counts: a pending story will still be posted, and a
        skipped one was rolled into an overflow digest (or the chat left).
        """
        found: set[int] = set()
        ids = list(article_ids)
        for start in range(0, len(ids), 500):  # SQLite's parameter limit
            part = ids[start:start + 500]
            marks = ",".join("?" for _ in part)
            rows = await self._db.fetchall(
                f"SELECT article_id FROM deliveries WHERE chat_id = ? AND article_id IN ({marks}) "  # marks only
                "AND state != 'failed'",
                (chat_id, *part),
            )
            found.update(int(r[0]) for r in rows)
        return found
