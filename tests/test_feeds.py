"""Feed parsing: every format the bot meets in the wild, normalized the same way.

Samples are written here by hand, each showing one thing real feeds do; a few tests go
through the fake news site and the fetcher, as the poll job does.
"""

from __future__ import annotations

import json
import logging
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.news.errors import FeedError, FetchError
from bot.news.feeds import find_feed_links, parse_feed
from bot.news.http import FEED, FetchPolicy, Fetcher
from tests.fakes.news_site import FakeNewsSite

URL = "https://news.test/feeds/main.xml"
NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
RUSSIAN = "Новости дня: в городе открыли новый мост через реку"


def parse(document: str | bytes, url: str = URL, content_type: str = "") -> object:
    data = document.encode("utf-8") if isinstance(document, str) else document
    return parse_feed(data, url, content_type, now=NOW)


RSS20 = """<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/"><channel>
  <title>City &amp; River News</title><link>/</link><description>d</description>
  <item>
    <title>Bridge opens</title><link>/2026/bridge.html</link><guid isPermaLink="false">news-2</guid>
    <pubDate>Tue, 03 Mar 2026 10:00:00 +0200</pubDate><dc:creator>Olena Petrenko</dc:creator>
    <description>&lt;p&gt;The bridge &lt;b&gt;opened&lt;/b&gt; today &amp;amp; traffic flows.&lt;/p&gt;
      &lt;p&gt;Second paragraph&lt;br&gt;with a break.&lt;/p&gt;&lt;script&gt;alert("x")&lt;/script&gt;</description>
  </item>
  <item>
    <title>Council meets</title><link>https://news.test/2026/council.html</link><guid isPermaLink="false">news-1</guid>
    <pubDate>Mon, 02 Mar 2026 09:00:00 GMT</pubDate><description>Plain words.</description>
  </item>
</channel></rss>"""


def test_rss2_entries_are_normalized_and_oldest_first() -> None:
    feed = parse(RSS20)
    assert feed.title == "City & River News" and feed.link == "https://news.test/"
    council, bridge = feed.entries
    assert council.guid == "news-1" and council.summary == "Plain words."
    assert council.published == datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    assert bridge.guid == "news-2"
    assert bridge.url == "https://news.test/2026/bridge.html"
    assert bridge.published == datetime(2026, 3, 3, 8, 0, tzinfo=UTC)
    assert bridge.author == "Olena Petrenko"
    assert bridge.summary == "The bridge opened today & traffic flows.\n\nSecond paragraph\nwith a break."


RSS091 = """<?xml version="1.0" encoding="ISO-8859-1"?>
<!DOCTYPE rss PUBLIC "-//Netscape Communications//DTD RSS 0.91//EN"
  "http://my.netscape.com/publish/formats/rss-0.91.dtd">
<rss version="0.91"><channel><title>Old School</title><link>http://old.test/</link>
  <description>d</description><language>en</language>
  <item><title>Newest story</title><link>http://old.test/3</link><description>Caf\xe9 news</description></item>
  <item><title>Middle story</title><link>http://old.test/2</link></item>
  <item><title>Oldest story</title><link>http://old.test/1</link></item>
</channel></rss>"""


def test_rss091_without_guids_or_dates_uses_links_and_document_order() -> None:
    feed = parse(RSS091.encode("latin-1"))
    assert [e.title for e in feed.entries] == ["Oldest story", "Middle story", "Newest story"]
    assert [e.guid for e in feed.entries] == ["http://old.test/1", "http://old.test/2", "http://old.test/3"]
    assert feed.entries[-1].summary == "Café news"
    assert all(e.published is None for e in feed.entries)


ATOM = """<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xml:base="https://blog.test/posts/">
  <title type="html">Blog &lt;em&gt;of&lt;/em&gt; Things</title><id>urn:uuid:feed</id>
  <link rel="alternate" href="../"/><updated>2026-03-05T00:00:00Z</updated>
  <entry>
    <title>Updated only</title><id>tag:blog.test,2026:2</id><link rel="alternate" href="second.html"/>
    <updated>2026-03-04T15:30:00+03:00</updated>
    <content type="html">&lt;h2&gt;Heading&lt;/h2&gt;&lt;p&gt;Body text &lt;a href="x.html"&gt;link&lt;/a&gt;.&lt;/p&gt;</content>
    <author><name>Ann</name></author>
  </entry>
  <entry xml:base="https://other.test/archive/">
    <title>Published</title><id>tag:blog.test,2026:1</id><link href="first.html"/>
    <published>2026-03-01T08:00:00Z</published><updated>2026-03-06T08:00:00Z</updated>
    <summary>Short summary.</summary>
  </entry>
</feed>"""


def test_atom_resolves_xml_base_and_falls_back_to_updated_and_content() -> None:
    feed = parse(ATOM)
    assert feed.title == "Blog of Things" and feed.link == "https://blog.test/"
    first, second = feed.entries
    assert first.url == "https://other.test/archive/first.html"
    assert first.published == datetime(2026, 3, 1, 8, 0, tzinfo=UTC)  # published wins over updated
    assert second.url == "https://blog.test/posts/second.html"
    assert second.published == datetime(2026, 3, 4, 12, 30, tzinfo=UTC)
    assert second.summary == "Heading\n\nBody text link."
    assert second.author == "Ann" and second.guid == "tag:blog.test,2026:2"


RDF = """<?xml version="1.0"?>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/"
         xmlns:dc="http://purl.org/dc/elements/1.1/">
  <channel rdf:about="https://rdf.test/"><title>RDF Site</title><link>https://rdf.test/</link>
    <description>d</description></channel>
  <item rdf:about="https://rdf.test/b"><title>B</title><link>https://rdf.test/b</link>
    <dc:date>2026-03-02T10:00:00+01:00</dc:date></item>
  <item rdf:about="https://rdf.test/a"><title>A</title><link>https://rdf.test/a</link>
    <dc:date>2026-03-01T10:00:00+01:00</dc:date><description>About A</description></item>
</rdf:RDF>"""


def test_rdf_rss1_is_read() -> None:
    feed = parse(RDF)
    assert feed.title == "RDF Site"
    assert [(e.title, e.url) for e in feed.entries] == [("A", "https://rdf.test/a"), ("B", "https://rdf.test/b")]
    assert feed.entries[0].published == datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
    assert feed.entries[0].summary == "About A"


def test_json_feed_11_is_read_with_relative_links_and_html_content() -> None:
    document = {
        "version": "https://jsonfeed.org/version/1.1", "title": "JSON News",
        "home_page_url": "https://json.test/", "feed_url": "https://json.test/feed.json",
        "items": [
            {"id": 2, "url": "/posts/2", "title": "Two", "content_html": "<p>One</p><p>Two &amp; more</p>",
             "date_published": "2026-03-02T10:00:00+02:00", "authors": [{"name": "Bo"}]},
            {"id": "1", "external_url": "https://elsewhere.test/x", "title": "One", "summary": "Sum",
             "date_published": "2026-03-01T10:00:00Z"},
            {"title": "No id, no url", "content_text": "Only text"},
            "not an item",
        ],
    }
    feed = parse(json.dumps(document), url="https://json.test/feed.json")
    assert feed.title == "JSON News" and feed.link == "https://json.test/"
    undated, one, two = feed.entries
    assert (one.guid, one.url, one.summary) == ("1", "https://elsewhere.test/x", "Sum")
    assert (two.guid, two.url, two.author) == ("2", "https://json.test/posts/2", "Bo")
    assert two.summary == "One\n\nTwo & more"
    assert two.published == datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
    assert undated.guid.startswith("sha256:") and undated.summary == "Only text" and undated.url == ""


def test_json_feed_10_author_object() -> None:
    document = {"version": "https://jsonfeed.org/version/1", "title": "Old JSON",
                "items": [{"id": "a", "url": "https://j.test/a", "title": "A", "author": {"name": "Cy"},
                           "content_text": "x"}]}
    (entry,) = parse(json.dumps(document)).entries
    assert entry.author == "Cy"


def test_json_that_is_not_a_json_feed_is_a_feed_error() -> None:
    with pytest.raises(FeedError, match="not a JSON Feed"):
        parse('{"hello": "world"}')
    with pytest.raises(FeedError, match="not valid JSON"):
        parse('{"version": ')


NO_IDS = """<rss version="2.0"><channel><title>t</title>
<item><title>Same title</title><description>first text</description></item>
<item><title>Same title</title><description>second text</description></item>
<item><title>Same title</title><description>first text</description></item>
</channel></rss>"""


def test_entries_without_guid_or_link_get_stable_distinct_ids() -> None:
    entries = parse(NO_IDS).entries
    again = parse(NO_IDS).entries
    assert len(entries) == 2  # the repeated item is one entry
    assert entries[0].guid != entries[1].guid
    assert [e.guid for e in entries] == [e.guid for e in again]


def rss_item_dates(*dates: str) -> str:
    items = "".join(f"<item><title>d{n}</title><link>https://d.test/{n}</link><pubDate>{d}</pubDate></item>"
                    for n, d in enumerate(dates))
    return f"<rss version='2.0'><channel><title>t</title>{items}</channel></rss>"


def test_odd_dates_are_normalized_or_dropped() -> None:
    tomorrow_ish = (NOW + timedelta(hours=20)).strftime("%a, %d %b %Y %H:%M:%S +0000")
    far_future = "Fri, 01 Jan 2100 00:00:00 GMT"
    feed = parse(rss_item_dates("not a date at all", "2026-03-01T10:00:00-05:00", far_future, tomorrow_ish,
                                "Sun, 01 Mar 2026 10:00:00 EST"))
    by_title = {e.title: e.published for e in feed.entries}
    assert by_title["d0"] is None
    assert by_title["d1"] == datetime(2026, 3, 1, 15, 0, tzinfo=UTC)
    assert by_title["d2"] is None  # decades ahead: not trusted
    assert by_title["d3"] == NOW + timedelta(hours=20)  # within a day: a time zone slip, kept
    assert by_title["d4"] == datetime(2026, 3, 1, 15, 0, tzinfo=UTC)
    assert all(d is None or d.tzinfo == UTC for d in by_title.values())
    dated = [e.published for e in feed.entries if e.published]
    assert dated == sorted(dated) and feed.entries[0].published is None


def test_javascript_links_are_dropped() -> None:
    doc = "<rss version='2.0'><channel><title>t</title><item><title>x</title><link>javascript:alert(1)</link></item></channel></rss>"
    (entry,) = parse(doc).entries
    assert entry.url == ""


# -- hostile and broken documents ------------------------------------------------------------------

BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE rss [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<rss version="2.0"><channel><title>&lol9;</title><item><title>&lol9;</title><link>https://x.test/</link></item></channel></rss>"""

QUADRATIC_BLOWUP = (
    '<?xml version="1.0"?>\n<!DOCTYPE rss [<!ENTITY a "' + "x" * 20_000 + '">]>\n'
    '<rss version="2.0"><channel><title>t</title><item><title>x</title><link>https://x.test/</link>'
    "<description>" + "&a;" * 20_000 + "</description></item></channel></rss>"
)

EXTERNAL_ENTITY = """<?xml version="1.0"?>
<!DOCTYPE rss [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<rss version="2.0"><channel><title>&xxe;</title><item><title>x</title><link>https://x.test/</link></item></channel></rss>"""


@pytest.mark.parametrize("document", [BILLION_LAUGHS, QUADRATIC_BLOWUP, EXTERNAL_ENTITY],
                         ids=["billion-laughs", "quadratic-blowup", "external-entity"])
def test_entity_declarations_are_refused_quickly(document: str) -> None:
    started = time.monotonic()
    with pytest.raises(FeedError, match="declares XML entities"):
        parse(document)
    assert time.monotonic() - started < 0.5


def test_entity_bomb_in_utf16_is_refused_too() -> None:
    with pytest.raises(FeedError, match="declares XML entities"):
        parse(BILLION_LAUGHS.replace('<?xml version="1.0"?>', '<?xml version="1.0" encoding="utf-16"?>').encode("utf-16"))


def test_single_character_entities_are_allowed() -> None:
    doc = """<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY nbsp "&#160;">]>
<rss version="2.0"><channel><title>t</title><item><title>a&nbsp;b</title><link>https://x.test/</link></item></channel></rss>"""
    (entry,) = parse(doc).entries
    assert entry.title == "a b"


def test_bytes_that_look_like_a_file_name_are_not_opened(tmp_path: Path) -> None:
    """feedparser opens a local file when handed a path as bytes; parse_feed must not."""
    local = tmp_path / "local-feed.xml"
    local.write_text(RSS20, encoding="utf-8")
    with pytest.raises(FeedError, match="not a feed"):
        parse(str(local).encode())


def test_html_page_is_a_feed_error_that_names_its_feeds() -> None:
    page = """<!DOCTYPE html><html><head><title>News</title><base href="https://site.test/sub/">
<link rel="alternate" type="application/rss+xml" title="RSS" href="rss.xml">
<link rel="Alternate" type="application/atom+xml" href="/atom.xml">
<link rel="alternate" type="application/rss+xml" href="rss.xml">
<link rel="alternate" type="text/html" hreflang="uk" href="/uk/">
<link rel="stylesheet" type="text/css" href="/s.css">
</head><body><p>Hello</p></body></html>"""
    with pytest.raises(FeedError, match="is a web page, not a feed") as caught:
        parse(page, url="https://site.test/index.html")
    assert caught.value.alternates == ("https://site.test/sub/rss.xml", "https://site.test/atom.xml")


def test_html_page_without_feed_links_says_so() -> None:
    with pytest.raises(FeedError, match="names no feed") as caught:
        parse("<html><head><title>x</title></head><body><p>nothing here</p></body></html>")
    assert caught.value.alternates == ()


def test_find_feed_links_handles_json_feeds_and_junk() -> None:
    html = (
        '<link rel="alternate" type="application/json" href="/wp-json/wp/v2/pages/2">'  # WordPress REST, no feed
        '<link rel="alternate" type="application/feed+json" href="feed.json">'
        '<link rel=alternate type=application/rss+xml href="javascript:x">'
    )
    assert find_feed_links(html, "https://j.test/blog/") == ("https://j.test/blog/feed.json",)
    assert find_feed_links("", "https://j.test/") == ()


def test_malformed_feed_with_entries_is_accepted_with_a_warning(caplog: pytest.LogCaptureFixture) -> None:
    broken = "<rss version='2.0'><channel><title>Broken & Co</title><item><title>Still read</title><link>https://b.test/1</link></item><item><title>Unclosed"
    with caplog.at_level(logging.WARNING, logger="bot.news.feeds"):
        feed = parse(broken)
    assert [e.title for e in feed.entries][:1] == ["Still read"]
    assert "not well-formed" in caplog.text


def test_malformed_document_without_entries_is_a_feed_error() -> None:
    with pytest.raises(FeedError):
        parse("<rss version='2.0'><channel><title>x</title><<<>>> & </chan")
    with pytest.raises(FeedError, match="empty"):
        parse(b"   \n")
    with pytest.raises(FeedError, match="not a feed"):
        parse(b"just some text that is no feed")


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(
    st.binary(max_size=400),
    st.text(max_size=300).map(lambda s: f"<rss version='2.0'><channel><item><title>{s}</title></item>".encode()),
    st.text(max_size=300).map(lambda s: ('{"version": "https://jsonfeed.org/version/1.1", "items": [' + s).encode()),
))
def test_parse_feed_raises_nothing_but_feed_error(content: bytes) -> None:
    try:
        feed = parse_feed(content, URL, now=NOW)
    except FeedError:
        return
    assert all(isinstance(e.guid, str) and e.guid for e in feed.entries)


# -- through the fetcher and the fake site --------------------------------------------------------


def feed_fetcher(**changes: object) -> Fetcher:
    return Fetcher(FetchPolicy(allow_private=True, timeout_s=3.0, retries=0, **changes))  # type: ignore[arg-type]


async def test_published_articles_appear_on_the_next_poll(site: FakeNewsSite) -> None:
    feed = site.feed("/atom.xml", kind="atom", title="Live")
    feed.publish("First story", summary="<p>one</p>")
    async with feed_fetcher() as fetcher:
        first = await fetcher.fetch(site.url("/atom.xml"), accept=FEED)
        assert [e.title for e in parse_feed(first.content, first.url, first.content_type).entries] == ["First story"]
        feed.publish("Second story", summary="<p>two</p>")
        feed.publish("Third story")
        again = await fetcher.fetch(site.url("/atom.xml"), etag=first.etag, accept=FEED)
    parsed = parse_feed(again.content, again.url, again.content_type)
    assert [e.title for e in parsed.entries] == ["First story", "Second story", "Third story"]
    assert parsed.entries[1].summary == "two" and parsed.entries[1].url == site.url("/atom/2.html")


@pytest.mark.parametrize("encoding", ["windows-1251", "koi8-r"])
async def test_cyrillic_feed_without_declaration_decodes(site: FakeNewsSite, encoding: str) -> None:
    body = f"<rss version='2.0'><channel><title>{RUSSIAN}</title><item><title>{RUSSIAN}</title><link>https://r.test/1</link></item></channel></rss>"
    site.add("/ru.xml", body.encode(encoding), content_type="application/rss+xml")
    async with feed_fetcher() as fetcher:
        result = await fetcher.fetch(site.url("/ru.xml"), accept=FEED)
    parsed = parse_feed(result.content, result.url, result.content_type)
    assert parsed.title == RUSSIAN and parsed.entries[0].title == RUSSIAN


async def test_cp1251_feed_with_xml_declaration_decodes(site: FakeNewsSite) -> None:
    body = f'<?xml version="1.0" encoding="windows-1251"?><rss version="2.0"><channel><title>{RUSSIAN}</title></channel></rss>'
    site.add("/decl.xml", body.encode("cp1251"), content_type="text/xml")
    async with feed_fetcher() as fetcher:
        result = await fetcher.fetch(site.url("/decl.xml"), accept=FEED)
    assert parse_feed(result.content, result.url, result.content_type).title == RUSSIAN


async def test_50_mb_feed_is_refused_by_the_fetcher_cap(site: FakeNewsSite) -> None:
    site.add_huge("/big.xml", 50 << 20, declare_length=False)
    async with feed_fetcher(max_bytes=5 << 20) as fetcher:
        with pytest.raises(FetchError, match="larger than 5 MB, stopped reading"):
            await fetcher.fetch(site.url("/big.xml"), accept=FEED)


async def test_web_page_given_as_feed_reports_its_feed(site: FakeNewsSite) -> None:
    site.add("/", '<html><head><link rel="alternate" type="application/rss+xml" href="/rss.xml"></head><body>Hi</body></html>')
    async with feed_fetcher() as fetcher:
        result = await fetcher.fetch(site.url("/"), accept=FEED)
    with pytest.raises(FeedError) as caught:
        parse_feed(result.content, result.url, result.content_type)
    assert caught.value.alternates == (site.url("/rss.xml"),)
