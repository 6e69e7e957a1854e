"""Claims with leases: replicas on one database never take each other's rows in flight, and
take a dead one's once its leases end. Two connections to one database stand for two
replicas, on both engines (on SQLite the closest it comes: production SQLite is one process)."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Callable
from datetime import timedelta

from telegram import Bot

from bot.clock import FakeClock
from bot.config import Settings
from bot.jobs.publish import Publisher
from bot.replica import Heartbeat, Lease
from storage import Database
from tests.conftest import ADMIN_ID, TOKEN
from tests.fakes.telegram_api import FakeTelegramServer

LEASE = 60.0


async def _chats(db: Database, tg: FakeTelegramServer, clock: FakeClock, count: int) -> list[int]:
    chats = [90_000 + i for i in range(count)]
    for chat_id in chats:
        tg.add_chat(chat_id, "private", f"Reader {chat_id}")
        await db.chats.upsert(chat_id, "private", title=f"Reader {chat_id}", now=clock.now())
    await db.deliveries.enqueue_broadcast("Hello", chats, created_by=ADMIN_ID, now=clock.now())
    return chats


async def test_a_live_claim_is_never_recovered_and_an_expired_one_is(two_dbs: tuple[Database, Database],
                                                                      tg: FakeTelegramServer, clock: FakeClock) -> None:
    db_a, db_b = two_dbs
    await _chats(db_a, tg, clock, 3)
    alive = Heartbeat(db_a, Lease("replica-a", LEASE), clock, role="all", webhook=False)
    await alive.start()
    try:
        claimed = await db_a.deliveries.claim_due(clock.now(), 2, owner="replica-a", lease_until=alive.lease.until(clock.now()))
        await db_a.deliveries.claim_due(clock.now(), 1, owner="replica-dead", lease_until=clock.now() + timedelta(seconds=LEASE))
        assert len(claimed) == 2
        # Replica B's recovery, within the lease: nothing. B cannot claim them either.
        clock.advance(LEASE / 2)
        assert await db_b.deliveries.recover_expired(now=clock.now()) == 0
        assert await db_b.deliveries.claim_due(clock.now(), 10, owner="replica-b") == []
        # A lives (its heartbeat renews); the dead one does not: only its row comes back.
        await alive.beat()
        clock.advance(LEASE / 2 + 1)
        assert await db_b.deliveries.recover_expired(now=clock.now()) == 1
        (retaken,) = await db_b.deliveries.claim_due(clock.now(), 10, owner="replica-b")
        assert retaken.id not in {row.id for row in claimed}
        assert await db_b.deliveries.count("sending") == 3
    finally:
        await alive.aclose()


async def test_two_publishers_on_one_database_send_each_message_once(
    two_dbs: tuple[Database, Database], tg: FakeTelegramServer, clock: FakeClock, make_settings: Callable[..., Settings],
    engine: str,
) -> None:
    db_a, db_b = two_dbs
    chats = await _chats(db_a, tg, clock, 30)
    settings = make_settings()
    async with Bot(TOKEN, base_url=tg.base_url) as bot:
        a, b = (Publisher(db, bot, settings=settings, clock=clock, lease=Lease(name, LEASE))
                for db, name in ((db_a, "replica-a"), (db_b, "replica-b")))
        # Batch by batch, in turn: each replica takes rows the other did not. (Concurrent
        # drains are the PostgreSQL replicas' case; two SQLite connections writing at once
        # wait on each other's file lock, which a loaded machine can stretch past its timeout.)
        reports = []
        while not reports or any(r.sent for r in reports[-2:]):
            for publisher in (a, b):
                reports.append(await publisher.drain(batch=5, max_batches=1))
            if engine == "postgresql" and len(reports) == 2:
                # Both at once, claiming FOR UPDATE SKIP LOCKED, until the outbox is empty.
                reports += await asyncio.gather(a.drain(batch=5), b.drain(batch=5))
    assert [r.sent for r in reports[:2]] == [5, 5]
    assert sum(r.sent for r in reports) == len(chats)
    sent = Counter(call.chat_id for call in tg.sent_messages())
    assert sent == Counter({chat_id: 1 for chat_id in chats})
    assert await db_b.deliveries.count("sent") == len(chats)


async def test_a_feed_claim_names_its_replica_until_the_poll_records_its_outcome(
    two_dbs: tuple[Database, Database], clock: FakeClock,
) -> None:
    db_a, db_b = two_dbs
    feed, _ = await db_a.feeds.add("https://news.example/rss", now=clock.now())
    lease = clock.now() + timedelta(minutes=30)
    (claimed,) = await db_a.feeds.claim_due(clock.now(), 10, lease_until=lease, owner="replica-a")
    assert await db_b.feeds.claim_due(clock.now(), 10, lease_until=lease, owner="replica-b") == []
    row = await db_b.fetchone("SELECT poll_claimed_by FROM feeds WHERE id = ?", (feed.id,))
    assert row is not None and row[0] == "replica-a"
    await db_a.feeds.record_success(feed.id, now=clock.now(), next_poll_at=clock.now() + timedelta(minutes=15),
                                    etag=None, last_modified=None)
    row = await db_b.fetchone("SELECT poll_claimed_by FROM feeds WHERE id = ?", (feed.id,))
    assert row is not None and row[0] is None


async def test_the_webhook_stays_while_another_replica_serves_it(two_dbs: tuple[Database, Database],
                                                                 clock: FakeClock) -> None:
    db_a, db_b = two_dbs
    a = Heartbeat(db_a, Lease("replica-a", LEASE), clock, role="all", webhook=True)
    b = Heartbeat(db_b, Lease("replica-b", LEASE), clock, role="web", webhook=True)
    await a.start()
    await b.start()
    try:
        assert await a.others_serve_webhook()
        await b.aclose()  # a graceful stop leaves
        assert not await a.others_serve_webhook()
        await b.start()
        clock.advance(LEASE + 1)  # b died: not seen for a lease
        await a.beat()
        assert not await a.others_serve_webhook()
    finally:
        await a.aclose()
        await b.aclose(leave=False)
