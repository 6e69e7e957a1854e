"""The guard of tests/engine_guard.py: a test that uses SQLite runs on PostgreSQL too, or is
marked ``sqlite_only`` with a reason. Small test files run in a pytest of their own
(pytester) with this suite's conftest; the PostgreSQL variants are deselected with ``-k``,
so no server is started."""

from __future__ import annotations

import pytest

pytest_plugins = ["pytester"]
# The inner tests leave SQLite files under this test's tmp_path: the guard must not count them.
pytestmark = pytest.mark.sqlite_only("runs small SQLite test files to check the guard itself")

CONFTEST = """
from tests.conftest import *  # noqa: F401,F403 - the suite's fixtures
from tests.engine_guard import _runs_on_both_engines, pytest_collection_modifyitems, pytest_generate_tests  # noqa: F401
"""

INNER = """
import sqlite3, subprocess, sys
import pytest
from storage import Database

async def test_stores(tmp_path):
    db = await Database.open(tmp_path / "bot.db")
    await db.close()

def test_child_stores(tmp_path):
    code = f"import sqlite3; sqlite3.connect({str(tmp_path / 'x.db')!r}).execute('CREATE TABLE t (a)')"
    subprocess.run([sys.executable, "-c", code], check=True)

@pytest.mark.parametrize("engine", ["sqlite"])
async def test_narrowed(database_target):
    db = await Database.connect(database_target)
    await db.close()

@pytest.mark.sqlite_only("the file itself")
async def test_file(tmp_path):
    db = await Database.open(tmp_path / "bot.db")
    await db.close()

@pytest.mark.sqlite_only("the file itself")
async def test_on_target(database_target, engine):
    assert engine == "sqlite"
    db = await Database.connect(database_target)
    await db.close()

async def test_both(database_target):
    db = await Database.connect(database_target)
    await db.close()

def test_pure():
    assert 1 + 1 == 2
"""


def _run(pytester: pytest.Pytester, source: str, *args: str) -> pytest.RunResult:
    pytester.makeconftest(CONFTEST)
    pytester.makepyfile(test_inner=source)
    return pytester.runpytest(
        "-p", "no:cacheprovider", "-o", "asyncio_mode=auto", "-o", "asyncio_default_fixture_loop_scope=function",
        "-rA", "-v", *args,
    )


def test_sqlite_without_a_postgresql_variant_or_a_reason_fails_and_the_rest_pass(pytester: pytest.Pytester) -> None:
    result = _run(pytester, INNER, "-k", "not postgresql")
    out = result.stdout.str()
    # Opening SQLite in the test, an SQLite file left by a child process, and an engine narrowed
    # to SQLite by hand: each fails at teardown, naming both ways out.
    for name in ("test_stores", "test_child_stores", "test_narrowed[sqlite]"):
        assert f"ERROR test_inner.py::{name} - Failed" in out
        assert f"test_inner.py::{name} used an SQLite database" in out
    assert "x.db" in out and "sqlite_only" in out and "make_settings" in out
    # A reason lets a test run on SQLite alone, with the one parameter "sqlite"; a test with a
    # PostgreSQL variant (deselected here) is fine; a test that stores nothing runs once.
    result.stdout.fnmatch_lines([
        "*test_inner.py::test_file PASSED*",
        "*test_inner.py::test_on_target[[]sqlite[]] PASSED*",
        "*test_inner.py::test_both[[]sqlite[]] PASSED*",
        "*test_inner.py::test_pure PASSED*",
    ])
    assert "test_on_target[postgresql]" not in out and "test_pure[" not in out
    result.assert_outcomes(passed=7, errors=3, deselected=1)


def test_a_mark_without_a_reason_is_refused(pytester: pytest.Pytester) -> None:
    result = _run(pytester, """
import pytest

@pytest.mark.sqlite_only()
def test_nothing(engine):
    pass
""")
    assert result.ret != 0
    assert "sqlite_only needs a reason" in result.stdout.str() + result.stderr.str()
