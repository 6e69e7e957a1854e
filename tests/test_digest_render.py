"""Digest messages: escaped, numbered, within 4096 UTF-16 units, however many stories wait."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.news.digest import DigestItem, period_text, render_digest_message, render_digest_parts
from bot.news.render import MAX_MESSAGE, telegram_length
from tests.test_render import check


def _items(count: int, *, title: str = "Story", summary: str = "") -> list[DigestItem]:
    return [DigestItem(f"{title} {i} <b>&", f"https://news.example/{i}?a=1&b=2", "Fake <Times>", summary, "en")
            for i in range(count)]


def test_two_hundred_stories_fit_one_message_with_a_count_of_the_rest() -> None:
    summary = "Engineers opened the dam gates 🌊 on Tuesday. Farmers welcomed it."
    text, shown = render_digest_message("Digest · 01.01.2026 08:00–20:00", _items(200, summary=summary),
                                        summaries=True, more=lambda n: f"…and {n} more stories")
    assert telegram_length(text) <= MAX_MESSAGE
    assert 10 < shown < 200
    assert text.endswith(f"…and {200 - shown} more stories")
    assert f"\n{shown}. <a" in text and f"\n{shown + 1}. " not in text
    plain = check(text)
    assert "Story 0 <b>&" in plain and "Fake <Times>" in plain
    assert "Engineers opened the dam gates 🌊 on Tuesday." in plain and "Farmers" not in plain  # one sentence
    assert "Read also" not in text


def test_all_that_fit_need_no_count() -> None:
    text, shown = render_digest_message("Digest", _items(3), more=lambda n: f"{n} more")
    assert shown == 3 and "more" not in text
    assert text.splitlines()[:3] == ["<b>Digest</b>", "", '1. <a href="https://news.example/0?a=1&amp;b=2">Story 0 '
                                     '&lt;b&gt;&amp;</a> — <i>Fake &lt;Times&gt;</i>']


def test_overflow_parts_hold_every_story() -> None:
    parts = render_digest_parts("More news · 13:00–14:00", _items(200, summary="A sentence. Another."), summaries=True)
    assert len(parts) > 1
    assert all(telegram_length(p) <= MAX_MESSAGE for p in parts)
    assert parts[0].startswith(f"<b>More news · 13:00–14:00 (1/{len(parts)})</b>")
    joined = "".join(check(p) for p in parts)
    assert all(f"Story {i} <b>&" in joined for i in range(200))


def test_a_monstrous_url_still_fits() -> None:
    items = [DigestItem("Long", "https://news.example/" + "x" * 5000, "Src")]
    [part] = render_digest_parts("Digest", items)
    assert telegram_length(part) <= MAX_MESSAGE and "Long" in part


def test_period_in_local_time() -> None:
    kyiv = ZoneInfo("Europe/Kyiv")
    assert period_text(datetime(2026, 1, 1, 6, tzinfo=UTC), datetime(2026, 1, 1, 18, tzinfo=UTC), kyiv) == \
        "01.01.2026 08:00–20:00"
    assert period_text(datetime(2025, 12, 31, 18, tzinfo=UTC), datetime(2026, 1, 1, 6, tzinfo=UTC), kyiv) == \
        "31.12 20:00 – 01.01.2026 08:00"


text = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=400)


@settings(max_examples=40, deadline=None)
@given(titles=st.lists(text, min_size=1, max_size=120), summary=text, sources=text)
def test_any_titles_fit_and_stay_balanced(titles: list[str], summary: str, sources: str) -> None:
    items = [DigestItem(t, "https://example.org/x", sources, summary) for t in titles]
    message, shown = render_digest_message("Digest", items, summaries=True, more=lambda n: f"{n} more")
    assert telegram_length(message) <= MAX_MESSAGE and shown >= 1
    check(message)
    parts = render_digest_parts("Digest", items, summaries=True)
    assert all(telegram_length(p) <= MAX_MESSAGE for p in parts)
    for part in parts:
        check(part)
