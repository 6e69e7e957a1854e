"""Telegram HTML rendering: escaped, balanced, within 4096 characters, never cut mid-tag."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from html.parser import HTMLParser
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.news.render import MAX_MESSAGE, Link, PostContent, render_digest, render_post, telegram_length
from tests.fakes._tg_rules import check_text
from tests.fakes._tg_updates import utf16_len

ALLOWED = {"b", "i", "a"}


class _Checker(HTMLParser):
    """Fails on tags Telegram refuses and on unbalanced tags."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        assert tag in ALLOWED, tag
        self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        assert self.stack and self.stack.pop() == tag, tag

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def check(html: str) -> str:
    checker = _Checker()
    checker.feed(html)
    checker.close()
    assert checker.stack == []
    return "".join(checker.text)


def test_post_layout_and_escaping() -> None:
    post = PostContent(title="Tom & Jerry <3", url="https://example.org/a?x=1&y=\"2\"",
                       summary="First sentence. Second <b>sentence</b>.", source="Fake & Co",
                       when=datetime(2026, 3, 1, 10, 0, tzinfo=UTC))
    html = render_post(post, related=[Link("Other", "https://example.org/b")], zone=ZoneInfo("Europe/Kyiv"))
    assert html.startswith('<b><a href="https://example.org/a?x=1&amp;y=&quot;2&quot;">Tom &amp; Jerry &lt;3</a></b>')
    assert "Second &lt;b&gt;sentence&lt;/b&gt;." in html
    assert "<i>Fake &amp; Co · 01.03.2026 12:00</i>" in html
    assert html.endswith('Read also:\n• <a href="https://example.org/b">Other</a>')
    check(html)


def test_non_http_links_are_not_links() -> None:
    html = render_post(PostContent("Title", "javascript:alert(1)", "Text.", "", None))
    assert "href" not in html and "javascript" not in html.split("\n")[0].replace("Title", "")


def test_long_summary_is_shortened_by_whole_sentences() -> None:
    sentences = [f"Sentence number {i} says something rather long about the news of the day." for i in range(200)]
    post = PostContent("Title", "https://example.org/a", " ".join(sentences), "Src", None)
    html = render_post(post, related=[Link("R", "https://example.org/r")])
    assert telegram_length(html) <= MAX_MESSAGE
    body = check(html)
    assert re.search(r"of the day\.\n", body)  # ends on a whole sentence
    assert "Read also" in html


def test_a_summary_of_emoji_is_cut_to_the_room_telegram_counts_not_to_half_of_it() -> None:
    """One long "sentence" of emoji: each is two UTF-16 code units. Cut by code points, the
    summary lost twice what it had to and the post used half of its 4096 units."""
    post = PostContent("Title", "https://example.org/a", "🎉 " * 2500, "Src", None)
    html = render_post(post)
    assert 3900 < telegram_length(html) <= MAX_MESSAGE
    assert utf16_len(check_text(html, "HTML")) <= MAX_MESSAGE  # the fake Bot API takes it


text = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=3000)


@settings(max_examples=150, deadline=None)
@given(title=text, summary=text, source=st.text(max_size=200), titles=st.lists(text, max_size=3))
def test_any_input_renders_valid_bounded_html(title: str, summary: str, source: str, titles: list[str]) -> None:
    html = render_post(
        PostContent(title, "https://example.org/x", summary, source, None),
        related=[Link(t, f"https://example.org/{i}") for i, t in enumerate(titles)],
    )
    assert telegram_length(html) <= MAX_MESSAGE
    check(html)


@settings(max_examples=50, deadline=None)
@given(titles=st.lists(text, min_size=1, max_size=40))
def test_digest_fits_one_message(titles: list[str]) -> None:
    html = render_digest("Top <stories>", [Link(t, "https://example.org/x") for t in titles])
    assert telegram_length(html) <= MAX_MESSAGE
    check(html)


@settings(max_examples=100, deadline=None)
@given(title=text, summary=text, source=st.text(max_size=200),
       outlets=st.lists(st.text(min_size=1, max_size=80), min_size=1, max_size=30))
def test_a_caption_always_fits_and_names_its_first_source(title: str, summary: str, source: str,
                                                           outlets: list[str]) -> None:
    also = [Link(name, f"https://example.org/outlet/{i}/" + "x" * 80) for i, name in enumerate(outlets)]
    html = render_post(PostContent(title, "https://example.org/x", summary, source, None), also=also,
                       related=[Link("Other", "https://example.org/r")], caption=True)
    assert utf16_len(check_text(html, "HTML", caption=True)) <= 1024  # what Telegram counts
    assert 'href="https://example.org/outlet/0/' in html
    check(html)


def test_a_full_caption_shortens_its_summary_for_the_sources_then_counts_the_rest() -> None:
    summary = "Word " * 190 + "end."
    post = PostContent("Title", "https://example.org/a", summary, "Wire", None)
    alone = render_post(post, caption=True)
    assert "Word Word" in alone and summary.strip() in alone  # fits whole
    names = [f"Outlet number {n} with a rather long name" for n in range(20)]
    html = render_post(post, caption=True, also=[Link(n, f"https://example.org/{i}") for i, n in enumerate(names)])
    body = check(html)
    assert utf16_len(body) <= 1024
    assert "Word Word" in body and "Word …" not in body and "Word…" in body  # cut at a word, marked
    counted = re.search(r"Also: (.*) and (\d+) more$", body)
    assert counted and counted.group(1).startswith("Outlet number 0")
    assert counted.group(1).count("Outlet number") + int(counted.group(2)) == 20
