"""Once-per-period jobs across replicas: two schedulers on one database, one digest."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any

from bot.app import build_application
from bot.clock import FakeClock
from bot.config import Settings
from bot.jobs import DIGEST_TICK_S, _digest_job
from bot.jobs.digest import queue_due_digests
from bot.replica import period_key
from storage import Database
from tests.conftest import start_bot
from tests.fakes.news_site import FakeNewsSite
from tests.fakes.telegram_api import FakeTelegramServer
from tests.test_e2e_schedules import _settings_and_story, channel_texts


class services_only:  # noqa: N801 - a context manager, like start_bot
    """A second replica's services (database, publisher) without taking updates: two
    long polls on one token would end each other's."""

    def __init__(self, application: Any) -> None:
        self.application = application

    async def __aenter__(self) -> Any:
        await self.application.initialize()
        await self.application.post_init(self.application)
        return self.application

    async def __aexit__(self, *exc: object) -> None:
        await self.application.post_stop(self.application)
        await self.application.shutdown()
        await self.application.post_shutdown(self.application)


async def test_the_second_of_two_schedulers_does_not_send_a_digest_twice(
    make_settings: Callable[..., Settings], tg: FakeTelegramServer, site: FakeNewsSite, clock: FakeClock,
    engine: str, database_target: str,
) -> None:
    def on_engine(**overrides: Any) -> Settings:
        return make_settings(**({"database_url": database_target} if engine == "postgresql" else {}), **overrides)

    settings = await _settings_and_story(on_engine, tg, site, clock, "schedule digest 08:00 only")
    clock.set(datetime(2026, 1, 2, 8, 0, 10, tzinfo=UTC))
    async with start_bot(build_application(settings, clock=clock, schedule_jobs=False)) as app_a, \
            services_only(build_application(settings, clock=clock, schedule_jobs=False)) as app_b:
        a, b = app_a.bot_data["services"], app_b.bot_data["services"]
        assert a.lease.owner != b.lease.owner
        # Both schedulers tick in the same period: one runs the digest job, the other finds the
        # period claimed. On PostgreSQL at the same moment; on SQLite one after the other (two
        # connections writing at once wait on the file lock, which production never has).
        if engine == "postgresql":
            await asyncio.gather(_digest_job(SimpleNamespace(services=a)), _digest_job(SimpleNamespace(services=b)))
        else:
            await _digest_job(SimpleNamespace(services=a))
            await _digest_job(SimpleNamespace(services=b))
        assert await a.db.deliveries.count("pending") == 1
        owner = await a.db.job_runs.owner("digest", period_key(clock.now(), DIGEST_TICK_S))
        assert owner in (a.lease.owner, b.lease.owner)
        # The next period the second one runs it (the schedulers' clocks and ticks differ):
        # the slot's own claim keeps it at one digest.
        clock.advance(timedelta(seconds=DIGEST_TICK_S))
        assert await queue_due_digests(b) == 0
        assert await queue_due_digests(a) == 0
        await a.publisher.drain()
        await b.publisher.drain()
    texts = channel_texts(tg)
    assert len(texts) == 1 and "Dam gates open after repairs" in texts[0]


async def test_a_period_is_claimed_once_and_the_next_one_again(
    two_dbs: tuple[Database, Database], clock: FakeClock,
) -> None:
    first, second = two_dbs
    now = clock.now()
    assert await first.job_runs.claim("digest", "1", owner="a", now=now)
    assert not await second.job_runs.claim("digest", "1", owner="b", now=now)
    assert await second.job_runs.claim("digest", "2", owner="b", now=now)
    assert await first.job_runs.owner("digest", "1") == "a"
