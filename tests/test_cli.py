"""The newsbot command: clear one-line errors, and the shell tools that need no bot token."""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.cli import main
from storage.schema import LATEST
from tests.fakes.news_site import FakeNewsSite
from tests.fakes.telegram_api import FakeTelegramServer
from tests.stories import DAM, ELECTION, paragraphs_html


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)  # no stray .env from the developer's directory
    for name in ("BOT_TOKEN", "DATABASE_PATH", "DATABASE_URL", "ALLOW_PRIVATE_URLS"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DATABASE_PATH", str(tmp_path / "db" / "news.db"))
    return tmp_path


@pytest.fixture
def db_env(env: Path, database_env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> Path:
    """``env`` with this test's database on its engine: the commands that store run on both."""
    for name, value in database_env.items():
        monkeypatch.setenv(name, value)
    return env


@pytest.fixture
def site_in_thread() -> Iterator[FakeNewsSite]:
    """The fake news site on its own event loop, for CLI commands that run their own loop."""
    loop = asyncio.new_event_loop()
    site = FakeNewsSite()
    ready = threading.Event()

    def serve() -> None:
        asyncio.set_event_loop(loop)
        loop.run_until_complete(site.start())
        ready.set()
        loop.run_forever()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    ready.wait(10)
    yield site
    asyncio.run_coroutine_threadsafe(site.close(), loop).result(10)
    loop.call_soon_threadsafe(loop.stop)
    thread.join(10)


def test_run_without_token_says_what_to_set(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["run"]) == 2
    assert capsys.readouterr().err.strip() == (
        "newsbot: configuration error: BOT_TOKEN is not set (put it in the environment or in .env; see .env.example)"
    )


def test_summarize_a_saved_page_needs_no_token(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    page = env / "page.html"
    page.write_text(f"<html><head><title>Dam gates open</title></head><body><nav>Home | World</nav>"
                    f"<article><h1>Dam gates open</h1>{paragraphs_html(DAM)}</article></body></html>", encoding="utf-8")
    assert main(["summarize", str(page)]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Dam gates open\nlanguage: en")
    assert "Engineers opened the gates of the Kakhovka reservoir on Tuesday" in out


def test_summarize_refuses_private_addresses_by_default_in_one_line_naming_the_setting(
    env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["summarize", "http://127.0.0.1:9/page"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("newsbot: refused")  # no WARNING line repeating it
    assert "private" in err and "ALLOW_PRIVATE_URLS=true" in err


def test_summarize_a_missing_file_says_no_such_file(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["summarize", "/nope.html"]) == 2
    assert capsys.readouterr().err == "newsbot: no such file: /nope.html (give a saved HTML file or an http(s) address)\n"


def test_summarize_reads_a_gzipped_page_and_prints_only_its_own_output(
    env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import gzip

    page = env / "page.html.gz"
    page.write_bytes(gzip.compress(
        f'<html><head><title>Dam gates open</title><link rel="canonical" href="https://news.example/dam">'
        f"</head><body><article><h1>Dam gates open</h1>{paragraphs_html(DAM)}</article></body></html>".encode()))
    assert main(["summarize", str(page)]) == 0
    captured = capsys.readouterr()
    assert captured.out.startswith("Dam gates open\nlanguage: en") and "url: https://news.example/dam" in captured.out
    assert captured.err == ""  # no lines from trafilatura, htmldate and the like
    (env / "bad.html.gz").write_bytes(b"not gzip at all")
    assert main(["summarize", str(env / "bad.html.gz")]) == 2
    assert capsys.readouterr().err.startswith(f"newsbot: cannot read {env / 'bad.html.gz'}")


def test_search_without_a_database_says_so_and_creates_none(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["search", "dam"]) == 2
    assert "there is no database at" in capsys.readouterr().err
    assert not (env / "db" / "news.db").exists() and not (env / "db").exists()


def test_fetch_counts_an_item_merged_into_a_known_story(
    db_env: Path, site_in_thread: FakeNewsSite, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from tests.stories import ELECTION_COPY

    monkeypatch.setenv("ALLOW_PRIVATE_URLS", "true")
    feed = site_in_thread.feed("/rss.xml", title="Fake Times")
    feed.publish("Dam gates open", body=DAM)
    feed.publish("Portugal election", body=ELECTION)
    feed.publish("Portugal election (agency copy)", body=ELECTION_COPY)
    assert main(["fetch", site_in_thread.url("/rss.xml")]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Fake Times: 3 new items: 2 new stories, 1 the same story as one already stored (merged)")


def test_fetch_then_search(db_env: Path, site_in_thread: FakeNewsSite, monkeypatch: pytest.MonkeyPatch,
                           capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("ALLOW_PRIVATE_URLS", "true")
    feed = site_in_thread.feed("/rss.xml", title="Fake Times")
    feed.publish("Dam gates open", body=DAM)
    feed.publish("Portugal election", body=ELECTION)
    assert main(["fetch", site_in_thread.url("/rss.xml")]) == 0
    out = capsys.readouterr().out
    assert "Fake Times: 2 new items: 2 new stories\n" in out and "- Dam gates open" in out
    assert main(["fetch", site_in_thread.url("/rss.xml")]) == 0
    assert "Fake Times: nothing new" in capsys.readouterr().out
    assert main(["search", "reservoir"]) == 0
    assert "Dam gates open" in capsys.readouterr().out
    assert main(["search", "zzyzx"]) == 1


def test_migrate_reports_the_version_without_a_token(db_env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["migrate"]) == 0
    assert f"schema version {LATEST}" in capsys.readouterr().out


def test_a_command_called_in_process_leaves_the_callers_logging_as_it_was(
    db_env: Path, caplog: pytest.LogCaptureFixture, capsys: pytest.CaptureFixture[str]
) -> None:
    """``requeue`` (like every shell tool) logs only our own errors; called as ``main([...])``
    it used to leave the root logger at ERROR with its own handler, so a later test's (or a
    program's) warnings were lost: tests/test_e2e_replies.py failed after test_outbox_faults.py."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    assert main(["requeue"]) == 0
    assert "queued 0 failed posts again" in capsys.readouterr().out
    assert (root.handlers, root.level) == (handlers, level)
    logging.getLogger("bot.news.feeds").warning("a feed is damaged")
    assert [r.getMessage() for r in caplog.records if r.name == "bot.news.feeds"] == ["a feed is damaged"]


def test_run_with_an_unreachable_bot_api_says_so_in_one_line(
    db_env: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import socket

    with socket.socket() as probe:  # a port that was free a moment ago: nothing listens there
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    monkeypatch.setenv("BOT_TOKEN", "123456:TEST-token-abcdefghijklmnopqrstuvwxyz")
    monkeypatch.setenv("TELEGRAM_API_BASE_URL", f"http://127.0.0.1:{port}/bot")
    assert main(["run"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err[-1].startswith(f"newsbot: cannot reach the Bot API at TELEGRAM_API_BASE_URL=http://127.0.0.1:{port}/bot")
    assert "TEST-token" not in "\n".join(err)


async def test_run_with_a_revoked_token_says_so_in_one_line(
    db_env: Path, tg: FakeTelegramServer, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A well-formed token Telegram does not know (revoked, or mistyped in one digit) gets 401
    "Unauthorized" from getMe: one line saying what to do, exit status 2, the token not shown.
    ``main`` runs its own loop in a thread; the fake Bot API answers on the test's."""
    revoked = "123456:TEST-revoked-abcdefghijklmnopqrstuvwxyz"
    tg.revoked_tokens.add(revoked)
    monkeypatch.setenv("BOT_TOKEN", revoked)
    monkeypatch.setenv("TELEGRAM_API_BASE_URL", tg.base_url)
    monkeypatch.setenv("ADMIN_IDS", "1")  # else the warning that nobody is an admin comes first
    handlers, level = logging.root.handlers[:], logging.root.level
    try:
        assert await asyncio.to_thread(main, ["run"]) == 2
    finally:  # main's log handler writes to the captured stderr, which closes after the test
        logging.root.handlers[:] = handlers
        logging.root.setLevel(level)
    err = capsys.readouterr().err
    lines = err.strip().splitlines()
    assert lines[-1] == "newsbot: Telegram refused BOT_TOKEN (401 Unauthorized): copy the token from @BotFather again"
    assert "Traceback" not in err and "TEST-revoked" not in err
    assert all(" INFO " in line for line in lines[:-1])  # before it, only the new database's migrations
    [call] = tg.calls_to("getMe")
    assert call.status == 401 and call.response == {"ok": False, "error_code": 401, "description": "Unauthorized"}
