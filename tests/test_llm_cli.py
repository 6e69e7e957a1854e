"""``newsbot summarize`` with an LLM configured: what it would post, or why not."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.cli import main
from tests.fakes.openai_api import FakeOpenAI
from tests.stories import DAM, paragraphs_html

GOOD_UK = "У вівторок інженери відкрили ворота Каховського водосховища вперше за три роки після ремонту греблі."


@pytest.fixture
def llm_in_thread() -> Iterator[FakeOpenAI]:
    """The fake endpoint on its own event loop: the CLI runs its own."""
    loop = asyncio.new_event_loop()
    server = FakeOpenAI()
    ready = threading.Event()

    def serve() -> None:
        asyncio.set_event_loop(loop)
        loop.run_until_complete(server.__aenter__())
        ready.set()
        loop.run_forever()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    ready.wait(10)
    yield server
    asyncio.run_coroutine_threadsafe(server.__aexit__(None, None, None), loop).result(10)
    loop.call_soon_threadsafe(loop.stop)
    thread.join(10)


@pytest.fixture
def page(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, llm_in_thread: FakeOpenAI) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("LLM_BASE_URL", llm_in_thread.base_url)
    monkeypatch.setenv("LLM_MODEL", llm_in_thread.model)
    monkeypatch.setenv("LLM_API_KEY", llm_in_thread.api_key)
    file = tmp_path / "page.html"
    file.write_text(f"<html><head><title>Dam gates open</title></head><body><article><h1>Dam gates open</h1>"
                    f"{paragraphs_html(DAM)}</article></body></html>", encoding="utf-8")
    return file


def test_summarize_prints_the_llm_summary_in_the_asked_language(
    page: Path, llm_in_thread: FakeOpenAI, capsys: pytest.CaptureFixture[str]
) -> None:
    llm_in_thread.on("in Ukrainian", content=GOOD_UK)
    assert main(["summarize", str(page), "--lang", "uk"]) == 0
    out = capsys.readouterr().out
    assert "Engineers opened the gates of the Kakhovka reservoir" in out  # the extractive one first
    assert f"LLM summary ({llm_in_thread.model}, uk," in out and out.rstrip().endswith(GOOD_UK)


def test_summarize_says_why_an_llm_answer_would_be_discarded(
    page: Path, llm_in_thread: FakeOpenAI, capsys: pytest.CaptureFixture[str]
) -> None:
    llm_in_thread.on(content="Engineers opened the gates; 500 tonnes of water flowed.")
    assert main(["summarize", str(page)]) == 0
    assert "(discarded: number: 500; a post would carry the extractive summary above)" in capsys.readouterr().out
