"""Bad input while polling: each problem is a clear error on its own feed or item, recorded on
the feed, and the rest of the batch goes on."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.clock import FakeClock
from bot.ingest import IngestOptions, Ingestor
from bot.news.http import FetchPolicy, Fetcher
from storage import Database
from tests.fakes.news_site import FakeNewsSite
from tests.stories import DAM

BOMB = (
    b'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY a "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa">'
    b'<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">'
    b'<!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;"><!ENTITY e "&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;">]>'
    b"<rss version='2.0'><channel><title>&e;</title><item><title>&e;</title></item></channel></rss>"
)


@pytest.fixture
async def ingestor(database_target: str, clock: FakeClock) -> AsyncIterator[Ingestor]:
    db = await Database.connect(database_target)
    policy = FetchPolicy(allow_private=True, timeout_s=1.0, retries=0, max_bytes=1_000_000)
    async with Fetcher(policy) as fetcher:
        yield Ingestor(db, fetcher, clock=clock, options=IngestOptions())
    await db.close()


@pytest.mark.parametrize(("setup", "expected"), [
    (lambda s: s.add("/f.xml", b"<rss><channel><title>x</title><item><title>a</tit", content_type="text/xml"),
     "damaged feed"),
    (lambda s: s.add("/f.xml", BOMB, content_type="application/rss+xml"), "entit"),
    (lambda s: s.add_huge("/f.xml", 50_000_000), "larger than"),
    (lambda s: s.add_trickle("/f.xml", content_type="application/rss+xml", duration=5.0), "within"),
    (lambda s: s.add("/f.xml", b"\x89PNG\r\n\x1a\n" + b"\0" * 100, content_type="image/png"), "image/png"),
    (lambda s: s.add("/f.xml", b"", content_type="application/rss+xml"), "empty"),
    (lambda s: s.add_status("/f.xml", 503), "503"),
])
async def test_a_bad_feed_is_recorded_and_the_next_feed_goes_on(
    ingestor: Ingestor, site: FakeNewsSite, clock: FakeClock, setup, expected: str  # type: ignore[no-untyped-def]
) -> None:
    setup(site)
    site.feed("/good.xml").publish("Dam gates open", body=DAM)
    db = ingestor._db  # noqa: SLF001 - the same database the test opened
    bad, _ = await db.feeds.add(site.url("/f.xml"), now=clock.now())
    good, _ = await db.feeds.add(site.url("/good.xml"), now=clock.now())
    bad_report = await ingestor.poll(bad)
    good_report = await ingestor.poll(good)
    assert bad_report.error is not None and expected in bad_report.error.lower()
    row = await db.feeds.get(bad.id)
    assert row is not None and row.error_count == 1 and row.last_error == bad_report.error
    assert good_report.error is None and len(good_report.new_articles) == 1


async def test_bad_pages_are_item_errors_and_the_other_items_go_on(
    ingestor: Ingestor, site: FakeNewsSite, clock: FakeClock
) -> None:
    feed = site.feed("/rss.xml")
    slow = feed.publish("Never ends", summary="The page of this story never finishes loading.")
    empty = feed.publish("Empty page", summary="This story's page is empty.")
    image = feed.publish("An image", summary="A photo instead of a page.")
    feed.publish("東京のニュース", body="東京都は月曜日、新しい橋を開通させたと発表した。工事は十五年かかった。")
    feed.publish("Dam gates open", body=DAM)
    site.add_trickle(slow.url.removeprefix(site.base_url), duration=5.0)
    site.add(empty.url.removeprefix(site.base_url), b"", content_type="text/html")
    site.add(image.url.removeprefix(site.base_url), b"\xff\xd8\xff" + b"\0" * 50, content_type="image/jpeg")
    db = ingestor._db  # noqa: SLF001
    stored, _ = await db.feeds.add(site.url("/rss.xml"), now=clock.now())
    report = await ingestor.poll(stored)
    assert report.error is None
    assert len(report.new_articles) == 5  # every item kept: from its page, or from the feed
    assert any("within" in e for e in report.item_errors)  # the page that never finishes
    assert any("image/jpeg" in e for e in report.item_errors)
    articles = {a.title: a for a in await db.articles.get_many(report.new_articles)}
    assert articles["Never ends"].from_feed and articles["Never ends"].summary.startswith("The page of this story")
    assert articles["Empty page"].from_feed
    assert articles["東京のニュース"].language == "ja"
    assert articles["Dam gates open"].summary.startswith("Engineers opened the gates")
    assert (await db.feeds.get(stored.id)).error_count == 0  # type: ignore[union-attr]
