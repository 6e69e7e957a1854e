"""Bounded cost per page and per feed: the caps before extraction and feed parsing, and
titles clipped at ingest. (Their memory and CPU are measured in bench/bench_hostile.py.)"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.clock import FakeClock
from bot.ingest import MAX_TITLE_CHARS, IngestOptions, Ingestor
from bot.news.feeds import parse_feed
from bot.news.http import FetchPolicy, Fetcher
from bot.news.limits import MAX_FRAGMENT_CHARS, MAX_PAGE_CHARS, MAX_PAGE_LINKS, bounded_page, markup_heavy_feed
from storage import Database
from tests.fakes.news_site import FakeNewsSite
from tests.stories import DAM


def test_a_page_within_the_caps_is_left_as_it_is() -> None:
    page = "<html><body>" + '<a href="/x">x</a>' * 100 + "</body></html>"
    assert bounded_page(page) is page


def test_a_link_farm_is_cut_before_the_link_over_the_cap() -> None:
    page = b"<html><body><p>Intro</p>" + b"".join(b'<a href="/%d">%d</a>' % (i, i) for i in range(10_000))
    cut = bounded_page(page)
    assert isinstance(cut, bytes) and cut.count(b"<a ") == MAX_PAGE_LINKS
    assert cut.startswith(b"<html><body><p>Intro</p>")


def test_a_huge_page_loses_its_scripts_first_then_its_tail() -> None:
    article = "<article><p>" + "The dam opened. " * 100 + "</p></article>"
    page = ('<script type="application/ld+json">{"author": "Ann"}</script>'
            + "<script>" + "x" * MAX_PAGE_CHARS + "</script><style>b{}</style>" + article)
    cut = bounded_page(page)
    assert isinstance(cut, str) and article in cut and "application/ld+json" in cut and "<style>" not in cut
    assert len(bounded_page("<p>" + "w " * MAX_PAGE_CHARS)) == MAX_PAGE_CHARS


def test_a_feed_full_of_nested_tags_is_parsed_with_a_bounded_description() -> None:
    nested = "<div>" * 120_000 + "deep" + "</div>" * 120_000
    feed = (f"<?xml version='1.0'?><rss version='2.0'><channel><title>T</title><item><title>Deep</title>"
            f"<link>https://x.example/d</link><description><![CDATA[{nested}]]></description></item>"
            "</channel></rss>").encode()
    assert markup_heavy_feed(feed)
    [entry] = parse_feed(feed, "https://x.example/rss", "application/rss+xml").entries
    assert entry.title == "Deep" and len(entry.summary) <= MAX_FRAGMENT_CHARS


def test_an_ordinary_feed_is_not_markup_heavy() -> None:
    items = "".join(f"<item><title>t{i}</title><description>&lt;p&gt;{DAM[:500]}&lt;/p&gt;</description></item>"
                    for i in range(50))
    assert not markup_heavy_feed(f"<rss><channel>{items}</channel></rss>".encode())


@pytest.fixture
async def ingestor(database_target: str, clock: FakeClock) -> AsyncIterator[Ingestor]:
    db = await Database.connect(database_target)
    async with Fetcher(FetchPolicy(allow_private=True, timeout_s=2.0, retries=0)) as fetcher:
        yield Ingestor(db, fetcher, clock=clock, options=IngestOptions())
    await db.close()


async def test_a_750_kb_title_is_clipped_at_ingest(ingestor: Ingestor, site: FakeNewsSite, clock: FakeClock) -> None:
    site.feed("/rss.xml").publish("Breaking " * 85_000, body=DAM)
    db = ingestor._db  # noqa: SLF001 - the database the fixture opened
    feed, _ = await db.feeds.add(site.url("/rss.xml"), now=clock.now())
    report = await ingestor.poll(feed)
    [article] = await db.articles.get_many(report.new_articles)
    assert len(article.title) <= MAX_TITLE_CHARS and article.title.startswith("Breaking Breaking")
    assert article.title.endswith("…")
