"""Lead images, categories, hashtags and caption lengths: the pure parts of photo posts."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from bot.ingest import checked_image_url
from bot.news.captions import MAX_TAGS, fits_caption, hashtags, visible_length
from bot.news.feeds import parse_feed
from bot.news.images import feed_entry_image, lead_image, page_image

PAGE = "https://news.example/world/2026/dam.html"


def _page(head: str) -> str:
    return f"<!DOCTYPE html><html><head>{head}</head><body><p>Text</p></body></html>"


def test_og_image_wins_over_twitter_and_json_ld_and_is_made_absolute() -> None:
    html = _page('<meta name="twitter:image" content="https://cdn.example/tw.jpg">'
                 '<script type="application/ld+json">{"image": "https://cdn.example/ld.jpg"}</script>'
                 '<meta property="og:image" content="/img/og.jpg">')
    assert page_image(html, PAGE) == "https://news.example/img/og.jpg"


def test_twitter_image_then_json_ld_forms() -> None:
    assert page_image(_page('<meta name="twitter:image" content="https://cdn.example/tw.jpg">'), PAGE) == \
        "https://cdn.example/tw.jpg"
    graph = ('{"@context": "https://schema.org", "@graph": [{"@type": "WebSite", "image": "https://e.com/logo.png"},'
             '{"@type": "NewsArticle", "image": [{"@type": "ImageObject", "url": "https://e.com/lead.jpg"}]}]}')
    assert page_image(_page(f'<script type="application/ld+json">{graph}</script>'), PAGE) == "https://e.com/lead.jpg"
    broken = '<script type="application/ld+json">{not json</script>'
    assert page_image(_page(broken + '<meta name="twitter:image:src" content="https://e.com/t.jpg">'), PAGE) == \
        "https://e.com/t.jpg"


def test_unsafe_or_junk_image_values_are_ignored() -> None:
    for value in ("javascript:alert(1)", "data:image/png;base64,AAAA", "", "   ", "ftp://e.com/a.jpg",
                  "https://e.com/a b.jpg", "https://e.com/" + "a" * 3000):
        assert page_image(_page(f'<meta property="og:image" content="{value}">'), PAGE) == ""


def test_the_page_comes_first_then_the_feed() -> None:
    page = _page('<meta property="og:image" content="https://e.com/page.jpg">')
    assert lead_image(page, PAGE, "https://e.com/feed.jpg") == "https://e.com/page.jpg"
    assert lead_image(_page(""), PAGE, "https://e.com/feed.jpg") == "https://e.com/feed.jpg"
    assert lead_image(None, PAGE, "https://e.com/feed.jpg") == "https://e.com/feed.jpg"
    assert lead_image(None, PAGE, "") == ""


def test_feed_media_enclosures_and_thumbnails_and_categories() -> None:
    rss = b"""<?xml version="1.0"?><rss version="2.0" xmlns:media="http://search.yahoo.com/mrss/"><channel>
      <title>t</title><link>https://e.com/</link>
      <item><title>A</title><link>https://e.com/a</link><category>World News</category><category>world news</category>
        <media:content url="https://e.com/a.mp4" medium="video"/><media:content url="https://e.com/a.jpg" medium="image"/></item>
      <item><title>B</title><link>https://e.com/b</link><enclosure url="/b.png" type="image/png" length="1"/></item>
      <item><title>C</title><link>https://e.com/c</link><media:thumbnail url="https://e.com/c.jpg"/></item>
      <item><title>D</title><link>https://e.com/d</link><enclosure url="https://e.com/d.mp3" type="audio/mpeg" length="1"/></item>
    </channel></rss>"""
    entries = {e.title: e for e in parse_feed(rss, "https://e.com/rss").entries}
    assert entries["A"].image == "https://e.com/a.jpg" and entries["A"].categories == ("World News",)
    assert entries["B"].image == "https://e.com/b.png"
    assert entries["C"].image == "https://e.com/c.jpg"
    assert entries["D"].image == ""


def test_json_feed_image_and_tags() -> None:
    assert feed_entry_image({"image": "https://e.com/j.jpg", "url": "https://e.com/j"}) == "https://e.com/j.jpg"
    doc = (b'{"version": "https://jsonfeed.org/version/1.1", "title": "J", "items": [{"id": "1", '
           b'"url": "https://e.com/1", "title": "One", "content_text": "x", "image": "/one.jpg", "tags": ["Sport", "F1"]}]}')
    [entry] = parse_feed(doc, "https://e.com/feed.json").entries
    assert entry.image == "https://e.com/one.jpg" and entry.categories == ("Sport", "F1")


def test_hashtags_are_valid_few_and_unique() -> None:
    tags = hashtags(["World News", "world-news", "2026", "covid-19", "Україна", "#already", "  "], 10)
    assert tags == ["#WorldNews", "#Covid19", "#Україна", "#already"]
    assert len(hashtags([f"tag{i}" for i in range(20)], 10)) == MAX_TAGS
    assert hashtags(["a" * 40], 3) == []


@given(st.lists(st.text(max_size=40), max_size=12), st.integers(min_value=0, max_value=8))
def test_hashtags_are_always_telegram_hashtags(categories: list[str], limit: int) -> None:
    tags = hashtags(categories, limit)
    assert len(tags) <= min(limit, MAX_TAGS)
    for tag in tags:
        assert re.fullmatch(r"#\w{1,32}", tag) and not tag[1:].isdigit()


def test_visible_length_counts_what_a_reader_sees_in_utf16() -> None:
    assert visible_length('<b><a href="https://e.com/x">Title</a></b> &amp; more') == len("Title & more")
    assert visible_length("😀") == 2
    assert fits_caption("<b>" + "x" * 1024 + "</b>") and not fits_caption("x" * 1025)


async def test_a_lead_image_url_is_guarded_like_any_fetched_url() -> None:
    async def resolver(host: str, port: int) -> list[str]:
        return {"cdn.example": ["93.184.216.34"], "intranet.example": ["10.1.2.3"]}[host]

    assert await checked_image_url("https://cdn.example/a.jpg", allow_private=False, resolver=resolver) == \
        "https://cdn.example/a.jpg"
    for url in ("https://intranet.example/a.jpg", "http://127.0.0.1:8080/a.jpg", "http://169.254.169.254/latest",
                "http://user@cdn.example/a.jpg", "file:///etc/passwd"):
        assert await checked_image_url(url, allow_private=False, resolver=resolver) == "", url
    assert await checked_image_url("http://127.0.0.1:8080/a.jpg", allow_private=True) == "http://127.0.0.1:8080/a.jpg"
