"""One flood-limit budget per bot token, shared by every replica on the database.

Telegram counts a bot's messages per token, whichever process sends them. Two parts.

The *schedule* (``reserve``, ``hold``) paces bulk sends evenly. It is a virtual schedule (GCRA): one row holds the moment the next message may go; a replica
reserves ``count`` consecutive slots ``gap`` apart in one atomic UPDATE and sends at those
moments, so together the replicas stay evenly spaced at the rate, never above it. Times are
whole microseconds since the epoch (BIGINT on both engines: exact, and comparable across hosts
whose clocks agree, as NTP keeps them).

The *window* (``admit``, ``release``) is what keeps Telegram's count under its limit whatever
the delays: every message of the token, a reply or a bulk send, from any replica, holds a
place (a row of ``flood_sends``) from its send until ``period`` after its answer came back.
Telegram received it somewhere in between, so however long any request took in transit, or
however late a replica's sends went after their slots, no second at Telegram's end holds more
than ``limit``. A place whose answer never came (its replica was killed mid-send) counts for
``max_flight`` from its send. The same rows count per chat (1 a second in a private chat, 20 a
minute in a group; messages only, not chat actions), so two replicas do not post to one chat
at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from storage.db import Database

_US = 1_000_000
_PRUNE_EVERY = 64  # every so many places, rows too old to count are deleted


@dataclass(frozen=True, slots=True)
class WindowRules:
    """Telegram's limits as the window counts them (see the module)."""

    limit: int = 30  # messages per ``period`` per token
    period: float = 1.0
    reply_wait: float = 0.020  # bulk leaves the last place unless it frees within this
    max_flight: float = 10.0  # an unanswered send holds its place this long at most
    private_limit: int = 1  # per private chat in ``private_period``
    private_period: float = 1.0  # 0: no limit of a private chat's own (TELEGRAM_PRIVATE_CHAT_GAP_SECONDS=0)
    group_limit: int = 20  # per group or channel in ``group_period``
    group_period: float = 60.0


@dataclass(frozen=True, slots=True)
class Admission:
    place: int | None  # the place taken (release it after the answer), or None: wait
    wait: float | None = None  # seconds until a place may free; None: when a send in flight ends


def decide(ends: list[float | None], chat_ends: list[float | None], *, now: float, bulk: bool, private: bool,
           rules: WindowRules) -> float | None | bool:
    """True if a message may go now, else how long to wait (None: until an answer comes).

    ``ends`` are the answers' times (None: in flight) of the places held now, ``chat_ends``
    those of the same chat. Every message waits for the chat's own limit; bulk sends leave the
    last place to replies, unless it frees within ``reply_wait``; replies take any free place."""
    chat_limit, chat_period = (rules.private_limit, rules.private_period) if private else (
        rules.group_limit, rules.group_period)
    if chat_period > 0 and len(chat_ends) >= chat_limit:
        answered = sorted(e for e in chat_ends if e is not None)
        return answered[0] + chat_period - now if answered else None
    free = rules.limit - len(ends)
    answered = sorted(e for e in ends if e is not None)
    expiry = answered[0] + rules.period - now if answered else None
    if free >= 2 or (free == 1 and (not bulk or rules.limit == 1)):
        return True
    if free == 1 and expiry is not None:
        return True if expiry <= rules.reply_wait else expiry - rules.reply_wait
    return expiry


class FloodBudgetRepo:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def reserve(self, name: str, *, now: float, count: int, gap: float) -> float:
        """Reserve ``count`` slots ``gap`` seconds apart, none before ``now`` (epoch seconds);
        returns the first slot's time. The next reservation, by any replica, starts after them."""
        now_us, span_us = int(now * _US), int(round(count * gap * _US))
        async with self._db.transaction() as conn:
            await conn.execute(
                "INSERT INTO flood_budget (name, next_at) VALUES (?, ?) ON CONFLICT (name) DO NOTHING", (name, now_us)
            )
            async with conn.execute(
                "UPDATE flood_budget SET next_at = CASE WHEN next_at > ? THEN next_at ELSE ? END + ? "
                "WHERE name = ? RETURNING next_at",
                (now_us, now_us, span_us, name),
            ) as cursor:
                row = await cursor.fetchone()
        assert row is not None
        return (int(row[0]) - span_us) / _US

    async def hold(self, name: str, *, until: float) -> None:
        """No slot before ``until`` (epoch seconds), for any replica: Telegram said to wait."""
        until_us = int(until * _US)
        await self._db.execute(
            "UPDATE flood_budget SET next_at = CASE WHEN next_at > ? THEN next_at ELSE ? END WHERE name = ?",
            (until_us, until_us, name),
        )

    async def admit(self, name: str, *, now: float, chat_key: str, private: bool, bulk: bool,
                    rules: WindowRules) -> Admission:
        """Take a place in the token's window for one message to ``chat_key`` if the limits
        leave one now (see ``decide``); one transaction, the token's row locked, so replicas
        admitting at once see each other's places."""
        now_us = int(now * _US)
        chat_period = rules.private_period if private else rules.group_period
        window = ("SELECT ended_at FROM flood_sends WHERE name = ? {chat}AND started_at > ? "
                  "AND ((ended_at IS NULL AND started_at > ?) OR ended_at > ?)")
        async with self._db.transaction() as conn:
            # Locks the token's row (PostgreSQL), so admissions of one token go one at a time.
            await conn.execute(
                "INSERT INTO flood_budget (name, next_at) VALUES (?, ?) "
                "ON CONFLICT (name) DO UPDATE SET next_at = flood_budget.next_at",
                (name, now_us),
            )
            ends = await _ends(conn, window.format(chat=""), (name, *_bounds(now_us, rules.period, rules)))
            chat_ends = [] if not chat_key or chat_period <= 0 else await _ends(  # '' : no chat's own limit (not a message)
                conn, window.format(chat="AND chat_key = ? "), (name, chat_key, *_bounds(now_us, chat_period, rules)))
            verdict = decide(ends, chat_ends, now=now, bulk=bulk, private=private, rules=rules)
            if verdict is not True:
                return Admission(None, None if verdict is None else max(float(verdict), 0.0))
            async with conn.execute(
                "INSERT INTO flood_sends (name, chat_key, started_at) VALUES (?, ?, ?) RETURNING id",
                (name, chat_key, now_us),
            ) as cursor:
                row = await cursor.fetchone()
            assert row is not None
            place = int(row[0])
            if place % _PRUNE_EVERY == 0:
                oldest = now_us - int((max(rules.group_period, rules.private_period, rules.period)
                                       + rules.max_flight + 1.0) * _US)
                await conn.execute("DELETE FROM flood_sends WHERE name = ? AND started_at < ?", (name, oldest))
        return Admission(place)

    async def release(self, place: int, *, now: float) -> None:
        """The answer to the message holding ``place`` came back at ``now``: the place frees a
        period later."""
        await self._db.execute("UPDATE flood_sends SET ended_at = ? WHERE id = ?", (int(now * _US), place))


def _bounds(now_us: int, period: float, rules: WindowRules) -> tuple[int, int, int]:
    """Oldest send that may still count, oldest unanswered one that does, oldest answer that does."""
    flight_us, period_us = int(rules.max_flight * _US), int(period * _US)
    return now_us - flight_us - period_us, now_us - flight_us, now_us - period_us


async def _ends(conn: object, sql: str, params: tuple[object, ...]) -> list[float | None]:
    async with conn.execute(sql, params) as cursor:  # type: ignore[attr-defined]
        rows = await cursor.fetchall()
    return [None if r[0] is None else int(r[0]) / _US for r in rows]
