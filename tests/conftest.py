"""Shared fixtures: the fake Bot API server, the fake news site, a fresh database, the bot.

The bot under test is built by the same ``build_application`` the CLI uses, with settings
pointing at the fakes; it long-polls the fake server for real. Scheduled jobs are not started:
tests call the job bodies directly with a FakeClock, so nothing waits on real time.
"""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import asyncpg
import pytest

from bot.app import Services, build_application
from bot.clock import FakeClock
from bot.config import Settings, load_settings
from tests.engine_guard import _runs_on_both_engines, pytest_collection_modifyitems, pytest_generate_tests  # noqa: F401 - hooks
from tests.shared_tls import one_tls_context_per_session  # noqa: F401 - an autouse fixture
from tests.fakes.news_site import FakeNewsSite
from tests.fakes.telegram_api import Call, FakeTelegramServer
from storage import Database
from tests.pgserver import TEMPLATE, PostgresServer, TemplateClones, drop_pg_database, find_binaries, new_pg_database, run_soon

TOKEN = "123456:TEST-token-abcdefghijklmnopqrstuvwxyz"
ADMIN_ID = 1001
READER_ID = 2002


# --- The database engines. Tests that take ``database_target`` (or a fixture built on it, like
# the ``db`` fixtures of the storage tests) run once per engine: on a fresh SQLite file, and on
# a fresh database of a throw-away PostgreSQL server started once for the session.
ENGINES = ("sqlite", "postgresql")


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PostgresServer | None]:
    """The session's PostgreSQL server (None where no binaries exist), with a template
    database at the newest schema that every test's database is cloned from."""
    binaries = find_binaries()
    if binaries is None:
        yield None
        return
    server = PostgresServer(binaries).start()
    try:
        run_soon(_make_template(server))
        server.clones = TemplateClones(server, TEMPLATE).start()  # copies made ahead (tests/pgserver.py)
        yield server
    finally:
        server.stop()


async def _make_template(server: PostgresServer) -> None:
    admin = await asyncpg.connect(server.url())
    try:
        await admin.execute(f"CREATE DATABASE {TEMPLATE}")
    finally:
        await admin.close()
    db = await Database.connect(server.url(TEMPLATE))
    await db.close()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An SQLite database at the newest schema, migrated once for the session (migrating a new
    file takes 80-150 ms); ``make_settings``, ``db`` and ``two_dbs`` start each SQLite variant
    from a copy, as the PostgreSQL variants start from a copy of their template. Migrating a
    new, empty file is still what builds it, and what ``database_target`` alone gives."""
    path = tmp_path_factory.mktemp("sqlite-template") / "template.db"
    run_soon(_migrate_sqlite(path))
    return path


async def _migrate_sqlite(path: Path) -> None:
    db = await Database.connect(str(path))
    await db.close()  # the last connection: its WAL is checkpointed into the file and removed


def _from_sqlite_template(engine: str, database_target: str, request: pytest.FixtureRequest) -> None:
    """On SQLite, put a copy of the migrated template where the test's database goes (unless
    the test made a database there already)."""
    if engine == "sqlite" and not Path(database_target).exists():
        shutil.copyfile(request.getfixturevalue("sqlite_template"), database_target)


@pytest.fixture(params=ENGINES)
def engine(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
async def database_target(engine: str, tmp_path: Path, request: pytest.FixtureRequest) -> AsyncIterator[str]:
    """What ``Database.connect`` opens for this test: a fresh SQLite file path, or the URL of
    a fresh PostgreSQL database (dropped after the test)."""
    if engine == "sqlite":
        yield str(tmp_path / "bot.db")
        return
    server = request.getfixturevalue("pg_server")
    url = await new_pg_database(server)
    yield url
    await drop_pg_database(server, url)


@pytest.fixture
def database_env(engine: str, database_target: str) -> dict[str, str]:
    """The environment that points ``newsbot`` (the CLI, or the bot in a subprocess) at this
    test's database on ``engine``."""
    return {"DATABASE_URL": database_target} if engine == "postgresql" else {"DATABASE_PATH": database_target}


@pytest.fixture
async def db(engine: str, database_target: str, request: pytest.FixtureRequest) -> AsyncIterator[Database]:
    """This test's database (a fresh SQLite file, or a fresh PostgreSQL database), opened."""
    _from_sqlite_template(engine, database_target, request)
    database = await Database.connect(database_target)
    yield database
    await database.close()


@pytest.fixture
async def two_dbs(engine: str, database_target: str, request: pytest.FixtureRequest) -> AsyncIterator[tuple[Database, Database]]:
    """Two connections to one database (a fresh SQLite file, or a fresh PostgreSQL database),
    as two replicas have."""
    _from_sqlite_template(engine, database_target, request)
    first = await Database.connect(database_target)
    second = await Database.connect(database_target)
    try:
        yield first, second
    finally:
        await first.close()
        await second.close()


@pytest.fixture
async def tg() -> AsyncIterator[FakeTelegramServer]:
    async with FakeTelegramServer(TOKEN) as server:
        yield server


@pytest.fixture
async def site() -> AsyncIterator[FakeNewsSite]:
    async with FakeNewsSite() as news_site:
        yield news_site


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def make_settings(tmp_path: Path, tg: FakeTelegramServer, engine: str, database_target: str,
                  request: pytest.FixtureRequest) -> Callable[..., Settings]:
    """Settings for the bot under test, pointing at the fakes and at this test's database on
    ``engine``: the SQLite file (a copy of the migrated template), or DATABASE_URL of the
    PostgreSQL database. Through this fixture (and ``running_bot``) every end-to-end test runs
    once per engine."""
    _from_sqlite_template(engine, database_target, request)
    storage: dict[str, Any] = (
        {"database_url": database_target} if engine == "postgresql" else {"database_path": Path(database_target)}
    )

    def make(**overrides: Any) -> Settings:
        values: dict[str, Any] = {
            "bot_token": TOKEN,
            "telegram_api_base_url": tg.base_url,
            "telegram_file_base_url": tg.base_file_url,
            "admin_ids": [ADMIN_ID],
            "allow_private_urls": True,  # the fake news site lives on 127.0.0.1
            "http_timeout_seconds": 5,
            # The fake Bot API enforces no flood limits unless a test asks (enforce_flood_limits),
            # so replies are not paced per private chat either; tests of the pacing set it.
            "telegram_private_chat_gap_seconds": 0,
            **storage,
        }
        values.update(overrides)
        return load_settings(_env_file=None, **values)

    return make


class RunningBot:
    """The bot under test, plus shortcuts to talk to it through the fake server."""

    def __init__(self, application: Any, tg: FakeTelegramServer) -> None:
        self.application = application
        self.tg = tg

    @property
    def services(self) -> Services:
        return self.application.bot_data["services"]

    async def command(self, chat_id: int, text: str, *, replies: int = 1, **kwargs: Any) -> list[Call]:
        """Send ``text`` as the user of ``chat_id`` and return the bot's new messages to that chat."""
        before = len(self.tg.sent_messages(chat_id))
        self.tg.push_command(chat_id, text, **kwargs) if text.startswith("/") else self.tg.push_text(chat_id, text, **kwargs)
        calls = await self.tg.wait_for(
            "sendMessage", count=before + replies,
            predicate=lambda c: c.ok and c.result["chat"]["id"] == chat_id,
        )
        return calls[before:]


@pytest.fixture
async def running_bot(make_settings: Callable[..., Settings], tg: FakeTelegramServer, clock: FakeClock) -> AsyncIterator[RunningBot]:
    application = build_application(make_settings(), clock=clock, schedule_jobs=False)
    async with start_bot(application):
        yield RunningBot(application, tg)


@pytest.fixture
async def clocked_bot(make_settings: Callable[..., Settings], tg: FakeTelegramServer,
                      clock: FakeClock) -> AsyncIterator[RunningBot]:
    """``running_bot`` whose waits are on the test's clock too: its retry sleeps, and on
    PostgreSQL the shared flood budget, where a 429 holds it for retry_after, which then ends
    when the test advances the clock, not a minute of real time later."""
    application = build_application(make_settings(), clock=clock, schedule_jobs=False, sleep=clock.sleep,
                                    flood_clock=clock.timestamp)
    async with start_bot(application):
        yield RunningBot(application, tg)


def settings_on_engine(make_settings: Callable[..., Settings], database_target: str, engine: str) -> Callable[..., Settings]:
    """``make_settings`` whose database is ``database_target``. The conftest ``make_settings``
    is on the test's engine already; this stays for modules written before it was."""
    key = "database_url" if engine == "postgresql" else "database_path"

    def make(**overrides: Any) -> Settings:
        return make_settings(**{key: database_target, **overrides})

    return make


class start_bot:  # noqa: N801 - used as a context manager, like a function
    """Start an Application the way ``run_polling`` does (post_init included) and stop it after."""

    def __init__(self, application: Any) -> None:
        self.application = application

    async def __aenter__(self) -> Any:
        app = self.application
        await app.initialize()
        if app.post_init:
            await app.post_init(app)
        await app.updater.start_polling(poll_interval=0, timeout=1, allowed_updates=None)
        await app.start()
        return app

    async def __aexit__(self, *exc: object) -> None:
        app = self.application
        if app.updater.running:
            await app.updater.stop()
        if app.running:
            await app.stop()
        if app.post_stop:
            await app.post_stop(app)
        await app.shutdown()
        if app.post_shutdown:
            await app.post_shutdown(app)
