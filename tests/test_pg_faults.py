"""PostgreSQL faults reach the publisher as database faults: a table locked by another program
longer than the lock timeout pauses sending with one notice, keeps every outcome, and settles
every row once the lock is gone — the SQLite locked-database test, on the server engine."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator, Callable

import asyncpg
import pytest

from bot.app import build_application
from bot.clock import FakeClock
from bot.config import Settings
from storage import postgres
from tests.conftest import ADMIN_ID, READER_ID, RunningBot, start_bot
from tests.fakes.telegram_api import FakeTelegramServer
from tests.test_reliability import _drain_until_sent, _posts_per_chat, _seed_outbox


# PostgreSQL's own faults: only the [postgresql] variant of the storage fixtures.
pytestmark = pytest.mark.parametrize("engine", ["postgresql"])


@pytest.fixture
def pg_url(database_target: str) -> str:
    return database_target


@pytest.fixture
async def pg_bot(
    make_settings: Callable[..., Settings], tg: FakeTelegramServer, clock: FakeClock, pg_url: str,
    monkeypatch: pytest.MonkeyPatch,
) -> AsyncIterator[RunningBot]:
    monkeypatch.setattr(postgres, "LOCK_TIMEOUT_MS", 50)  # the 5 s default, shortened
    settings = make_settings(database_url=pg_url, telegram_messages_per_second=1000)
    application = build_application(settings, clock=clock, schedule_jobs=False)
    async with start_bot(application):
        yield RunningBot(application, tg)


async def test_a_locked_outbox_pauses_sending_with_one_notice_and_settles_every_row_later(
    pg_bot: RunningBot, tg: FakeTelegramServer, pg_url: str
) -> None:
    services = pg_bot.services
    assert services.db.engine == "postgresql"
    outbox = await _seed_outbox(pg_bot, private=30)
    tg.fail("sendMessage", "slow", times=None, delay=0.2)
    drain = asyncio.create_task(services.publisher.drain())
    while await services.db.deliveries.count("sending") == 0:
        await asyncio.sleep(0.005)
    other = await asyncpg.connect(pg_url)  # another program writing to the outbox table
    locker = other.transaction()
    await locker.start()
    await other.execute("LOCK TABLE deliveries IN EXCLUSIVE MODE")  # reads go on, writes wait
    try:
        await drain
        tg.clear_faults()
        sent_while_locked = len(_posts_per_chat(tg, outbox.chats))
        assert services.publisher.unsettled > 0
        await services.publisher.drain()
        assert len(_posts_per_chat(tg, outbox.chats)) == sent_while_locked  # paused: nothing more sent
        [help_reply] = await pg_bot.command(READER_ID, "/help")
        assert "/subscribe" in help_reply.params["text"]
        notices = [c.params["text"] for c in tg.sent_messages(ADMIN_ID) if "cannot write to the database" in c.params["text"]]
        assert len(notices) == 1
    finally:
        await locker.rollback()
        await other.close()
    await _drain_until_sent(services, outbox.chats)
    assert _posts_per_chat(tg, outbox.chats) == Counter({chat_id: 1 for chat_id in outbox.chats})
    assert services.publisher.unsettled == 0
