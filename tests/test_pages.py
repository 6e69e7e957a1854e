"""Property tests: any number of feeds with any titles give replies Telegram accepts.

The replies are built by the same functions the handlers call and checked with the fake Bot
API's own rules (``check_text``: 4096 UTF-16 code units, Telegram's HTML subset), and
callback data with Telegram's 64-byte limit.
"""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.handlers.feedadmin import feed_health_line
from bot.handlers.listing import FEEDS_PER_PAGE, subscribe_page
from bot.handlers.reader import filter_text
from bot.news.pages import clip_line, fit_message, page_of, split_messages
from bot.news.render import telegram_length
from bot.texts import LANGUAGES
from storage.feeds import MAX_TITLE, Feed, _clip_title
from tests.fakes._tg_rules import check_text

NOW = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
titles = st.text(min_size=0, max_size=300) | st.sampled_from(["😀" * 3000, "<b>&amp;</b>", "x" * 6000, ""])


def _feed(number: int, title: str, warning: str = "") -> Feed:
    return Feed(id=number, url=f"https://f{number}.example/rss", title=_clip_title(title), site_url="", etag=None,
                last_modified=None, enabled=number % 5 != 0, poll_interval_s=None, error_count=number % 3,
                last_error=warning or None, last_polled_at=NOW, last_success_at=NOW, next_poll_at=NOW,
                created_at=NOW, last_warning=warning or None)


@settings(max_examples=60, deadline=None)
@given(st.lists(titles, min_size=1, max_size=80), st.integers(min_value=-3, max_value=10), st.sampled_from(LANGUAGES))
def test_every_subscribe_page_is_accepted(feed_titles: list[str], number: int, lang: str) -> None:
    feeds = [_feed(i, title) for i, title in enumerate(feed_titles, start=1)]
    text, markup = subscribe_page(lang, feeds, number)
    check_text(text, "HTML")
    buttons = [b for row in markup.inline_keyboard for b in row]
    assert len(buttons) <= FEEDS_PER_PAGE + 2
    assert all(1 <= len((b.callback_data or "").encode()) <= 64 and b.text for b in buttons)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(titles, st.text(max_size=1200)), min_size=1, max_size=120))
def test_feeds_health_messages_are_each_accepted(rows: list[tuple[str, str]]) -> None:
    lines = ["<b>Feeds</b>"] + [feed_health_line(i, _feed(i, t, w), ZoneInfo("Europe/Kyiv"))
                                for i, (t, w) in enumerate(rows, start=1)]
    messages = split_messages(lines)
    for message in messages:
        check_text(message, "HTML")
    assert sum(m.count("\n") + 1 for m in messages) == len(lines)  # no line lost or doubled


@given(st.text(max_size=9000))
def test_fit_message_always_fits_and_keeps_short_text(text: str) -> None:
    from html import escape

    html_text = escape(text, quote=False)
    fitted = fit_message(html_text)
    assert telegram_length(fitted) <= 4096
    if telegram_length(html_text) <= 4096:
        assert fitted == html_text
    if fitted.strip():
        check_text(fitted, "HTML")


words = st.lists(st.text(alphabet="abcxyz<&", min_size=1, max_size=20), max_size=4)


@given(words, words, st.sampled_from(LANGUAGES))
def test_filter_text_is_valid_html_and_never_says_nothing(include: list[str], exclude: list[str], lang: str) -> None:
    text = filter_text(lang, "<Feed>", include, exclude)
    check_text(text, "HTML")
    assert "[" not in text and "nothing" not in text and "нічого" not in text


@given(st.integers(min_value=0, max_value=10_000), st.integers(min_value=-5, max_value=1000),
       st.integers(min_value=1, max_value=50))
def test_page_of_is_always_in_range(total: int, number: int, per_page: int) -> None:
    page = page_of(total, number, per_page)
    assert 0 <= page.number < page.count and 0 <= page.start <= page.stop <= total
    assert page.stop - page.start <= per_page


def test_titles_are_clipped_where_stored_and_lines_clip_without_breaking_markup() -> None:
    assert len(_clip_title("x " * 5000)) <= MAX_TITLE
    clipped = clip_line("<b>" + "&amp;" * 5000 + "</b>", 100)
    assert telegram_length(clipped) <= 100 and clipped.endswith("…") and "<" not in clipped
    check_text(clipped, "HTML")
