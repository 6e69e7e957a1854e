"""Every test that stores something runs on both engines, or says why it cannot.

The storage fixtures of ``tests/conftest.py`` (``make_settings``, ``running_bot``,
``database_target``, ``two_dbs`` and the modules' ``db`` fixtures built on them) take the
``engine`` fixture, so a test using any of them runs as ``[sqlite]`` and ``[postgresql]``.

A test that is about SQLite itself (its file, its locks, its journal, the ``sqlite:///``
source of ``newsbot migrate``) says so::

    @pytest.mark.sqlite_only("SQLite's file lock: PostgreSQL has no such file")

and then runs once, on SQLite (its ``engine`` parameter, if it has one, is only "sqlite").

The guard: a test that opens an SQLite database (``Database.open``, or an SQLite file left in
its ``tmp_path`` by the bot in a subprocess or by ``sqlite3``) while it has no PostgreSQL
variant and no ``sqlite_only`` mark fails, naming the two ways out. So a new storage test
cannot silently run on SQLite alone.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from storage import Database

MARK = "sqlite_only"
SQLITE_HEADER = b"SQLite format 3\x00"
_ENGINES_KEY = pytest.StashKey[frozenset[str]]()
_HOW = (
    "take the storage fixtures of tests/conftest.py (make_settings, running_bot, database_target, "
    "two_dbs) so it runs on both engines, or mark it @pytest.mark.sqlite_only(\"why PostgreSQL "
    "cannot run it\")"
)


def sqlite_only_reason(item: pytest.Item | pytest.Function) -> str | None:
    marker = item.get_closest_marker(MARK)
    if marker is None:
        return None
    reason = marker.args[0] if marker.args else marker.kwargs.get("reason", "")
    if not isinstance(reason, str) or not reason.strip():
        raise pytest.UsageError(f"{item.nodeid}: @pytest.mark.sqlite_only needs a reason (why PostgreSQL cannot run it)")
    return reason


@pytest.hookimpl(tryfirst=True)
def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """A ``sqlite_only`` test taking the ``engine`` fixture gets the one parameter "sqlite"."""
    if metafunc.definition.get_closest_marker(MARK) is None:
        return
    sqlite_only_reason(metafunc.definition)
    if "engine" in metafunc.fixturenames and not any(
        "engine" in str(m.args[0]) for m in metafunc.definition.iter_markers("parametrize")
    ):
        metafunc.definition.add_marker(pytest.mark.parametrize("engine", ["sqlite"]))


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Note on each test the engines its function runs on over the whole collection, before
    ``-k`` or ``-m`` deselect any (so ``-k sqlite`` does not trip the guard)."""
    engines: dict[tuple[str, str], set[str]] = defaultdict(set)
    for item in items:
        engine = _engine_of(item)
        if engine is not None:
            engines[_function_key(item)].add(engine)
    for item in items:
        item.stash[_ENGINES_KEY] = frozenset(engines.get(_function_key(item), ()))


def _engine_of(item: pytest.Item) -> str | None:
    callspec = getattr(item, "callspec", None)
    if callspec is None:
        return None
    value = callspec.params.get("engine")
    return value if isinstance(value, str) else None


def _function_key(item: pytest.Item) -> tuple[str, str]:
    return item.nodeid.split("::", 1)[0], getattr(item, "originalname", item.name)


def engines_of(item: pytest.Item) -> frozenset[str]:
    return item.stash.get(_ENGINES_KEY, frozenset())


@pytest.fixture(autouse=True)
def _runs_on_both_engines(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Fail a test that used SQLite with no PostgreSQL variant and no ``sqlite_only`` reason."""
    item = request.node
    if sqlite_only_reason(item) is not None or "postgresql" in engines_of(item):
        yield
        return
    opened: list[str] = []
    real_open = Database.open.__func__  # type: ignore[attr-defined]

    async def recording_open(cls: type[Database], path: Any) -> Database:
        opened.append(str(path))
        return await real_open(cls, path)

    monkeypatch.setattr(Database, "open", classmethod(recording_open))
    # Taken now, so that it is torn down after this fixture looks into it.
    tmp_path: Path | None = request.getfixturevalue("tmp_path") if "tmp_path" in request.fixturenames else None
    yield
    files = _sqlite_files(tmp_path) if not opened and tmp_path is not None else []
    if opened or files:
        where = ", ".join(opened or [str(f) for f in files])
        pytest.fail(
            f"{item.nodeid} used an SQLite database ({where}) but runs on SQLite only: {_HOW}",
            pytrace=False,
        )


def _sqlite_files(root: Path) -> list[Path]:
    """SQLite databases left in the test's ``tmp_path`` (by a bot in a subprocess, say)."""
    found = []
    for path in root.rglob("*"):
        try:
            if path.is_file() and not path.is_symlink() and path.stat().st_size >= len(SQLITE_HEADER):
                with path.open("rb") as handle:
                    if handle.read(len(SQLITE_HEADER)) == SQLITE_HEADER:
                        found.append(path)
        except OSError:
            continue
    return found
