"""Polling feeds into stored stories: new entries, duplicates, errors on the feed, the outbox."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest

from bot.clock import FakeClock
from bot.delivery.backlog import BacklogRule
from bot.ingest import IngestOptions, Ingestor
from bot.news.http import FetchPolicy, Fetcher
from storage import Database
from tests.fakes.news_site import FakeNewsSite
from tests.stories import DAM, DAM_FOLLOWUP, ELECTION, ELECTION_COPY, KYIV_UK, QUAKE_AP, QUAKE_REUTERS

READ_ALSO_EN = (
    '<p>Read also: <a href="/other-1.html">Floods in the south</a></p>'
    '<ul class="related"><li><a href="/other-2.html">Harvest forecast cut</a></li></ul>'
    "<p>Subscribe to our channels in Telegram and Viber!</p>"
)


def article_page(title: str, text: str, *, extra: str = "", canonical: str = "") -> str:
    paragraphs = "".join(f"<p>{p}</p>" for p in text.split("\n\n"))
    link = f'<link rel="canonical" href="{canonical}">' if canonical else ""
    return (
        f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{title}</title>{link}</head><body>"
        "<nav><a href='/'>Home</a> <a href='/world'>World</a> <a href='/sport'>Sport</a></nav>"
        f"<article><h1>{title}</h1>{paragraphs}{extra}</article>"
        "<footer>© Fake News 2026. All rights reserved.</footer></body></html>"
    )


@pytest.fixture
async def ingestor(db: Database, clock: FakeClock) -> AsyncIterator[Ingestor]:
    async with Fetcher(FetchPolicy(allow_private=True, timeout_s=3, retries=0)) as fetcher:
        yield Ingestor(db, fetcher, clock=clock, options=IngestOptions(max_errors=3, backlog=BacklogRule(size=2, max_age=None)))


async def test_poll_stores_clean_summaries_and_queues_for_subscribers(
    db: Database, ingestor: Ingestor, site: FakeNewsSite, clock: FakeClock
) -> None:
    feed = site.feed("/rss.xml", title="Fake Times")
    item = feed.publish("Dam gates open", body=DAM)
    site.add(item.url.removeprefix(site.base_url), article_page("Dam gates open", DAM, extra=READ_ALSO_EN),
             content_type="text/html")
    stored, _ = await db.feeds.add(site.url("/rss.xml"), now=clock.now())
    await db.chats.upsert(-100, "channel", title="C", now=clock.now())
    await db.subscriptions.add(-100, stored.id, now=clock.now())

    report = await ingestor.poll(stored)

    assert report.error is None and len(report.new_articles) == 1 and report.queued == 1
    article = await db.articles.get(report.new_articles[0])
    assert article is not None
    assert article.summary.startswith("Engineers opened the gates of the Kakhovka reservoir on Tuesday")
    for junk in ("Read also", "Subscribe", "Home", "rights reserved", "Floods in the south"):
        assert junk not in article.summary and junk not in article.text
    assert ("Floods in the south", site.url("/other-1.html")) in article.related
    assert article.language == "en"
    feed_row = await db.feeds.get(stored.id)
    assert feed_row.error_count == 0 and feed_row.title == "Fake Times"  # type: ignore[union-attr]


async def test_second_poll_is_conditional_and_adds_nothing(
    db: Database, ingestor: Ingestor, site: FakeNewsSite, clock: FakeClock
) -> None:
    site.feed("/rss.xml").publish("Dam gates open", body=DAM)
    stored, _ = await db.feeds.add(site.url("/rss.xml"), now=clock.now())
    await ingestor.poll(stored)
    again = await ingestor.poll(await db.feeds.get(stored.id))  # type: ignore[arg-type]
    assert again.not_modified and again.new_articles == []
    assert await db.articles.count() == 1


async def test_same_story_under_two_urls_is_stored_once(
    db: Database, ingestor: Ingestor, site: FakeNewsSite, clock: FakeClock
) -> None:
    first = site.feed("/a.xml", title="Agency")
    second = site.feed("/b.xml", title="Partner")
    first.publish("Centre-right wins Portugal election", body=ELECTION)
    second.publish("Portugal: centre-right wins", body=ELECTION_COPY)
    # the same story again under another URL of the same site
    first.publish("Centre-right wins Portugal election", body=ELECTION, path="/amp/election.html")
    feed_a, _ = await db.feeds.add(site.url("/a.xml"), now=clock.now())
    feed_b, _ = await db.feeds.add(site.url("/b.xml"), now=clock.now())
    report_a = await ingestor.poll(feed_a)
    report_b = await ingestor.poll(feed_b)
    assert len(report_a.new_articles) == 1 and report_a.duplicates == 1
    assert report_b.new_articles == [] and report_b.duplicates == 1
    assert await db.articles.count() == 1
    article = await db.articles.get(report_a.new_articles[0])
    assert article is not None and article.source_count == 2


async def test_new_feed_queues_only_its_newest_items(
    db: Database, ingestor: Ingestor, site: FakeNewsSite, clock: FakeClock
) -> None:
    feed = site.feed("/rss.xml")
    for number, text in enumerate((DAM, ELECTION, KYIV_UK, DAM_FOLLOWUP), start=1):
        feed.publish(f"Story {number}", body=text + f"\n\nUnique paragraph number {number} for this story.")
    stored, _ = await db.feeds.add(site.url("/rss.xml"), now=clock.now())
    await db.chats.upsert(7, "private", now=clock.now())
    await db.subscriptions.add(7, stored.id, now=clock.now())
    report = await ingestor.poll(stored)
    assert report.queued == 2  # the backlog rule's size
    queued = await db.articles.get_many([d.article_id for d in await db.deliveries.for_chat(7)])  # type: ignore[misc]
    assert sorted(a.title for a in queued) == ["Story 3", "Story 4"]


async def test_feed_errors_are_counted_backed_off_and_disable_the_feed(
    db: Database, ingestor: Ingestor, site: FakeNewsSite, clock: FakeClock
) -> None:
    site.add("/broken.xml", b"<rss><channel><title>Half a feed</title></chan", content_type="application/rss+xml")
    site.add_status("/gone.xml", 404)
    good = site.feed("/good.xml")
    good.publish("Dam gates open", body=DAM)
    broken, _ = await db.feeds.add(site.url("/broken.xml"), now=clock.now())
    gone, _ = await db.feeds.add(site.url("/gone.xml"), now=clock.now())
    fine, _ = await db.feeds.add(site.url("/good.xml"), now=clock.now())
    reports = [await ingestor.poll(f) for f in (broken, gone, fine)]
    assert reports[0].error and reports[1].error and "404" in reports[1].error
    assert reports[2].error is None and len(reports[2].new_articles) == 1
    row = await db.feeds.get(gone.id)
    assert row.error_count == 1 and "404" in row.last_error  # type: ignore[union-attr,operator]
    assert row.next_poll_at > clock.now()  # type: ignore[union-attr,operator]
    for _ in range(2):
        clock.advance(timedelta(days=1))
        report = await ingestor.poll(await db.feeds.get(gone.id))  # type: ignore[arg-type]
    assert report.disabled
    assert not (await db.feeds.get(gone.id)).enabled  # type: ignore[union-attr]
    assert (await db.feeds.get(fine.id)).enabled  # type: ignore[union-attr]


async def test_page_that_fails_falls_back_to_the_feed_description(
    db: Database, ingestor: Ingestor, site: FakeNewsSite, clock: FakeClock
) -> None:
    feed = site.feed("/rss.xml")
    item = feed.publish("Dam gates open", summary="<p>Engineers opened the <b>gates</b> on Tuesday.</p>", body=DAM)
    site.add_status(item.url.removeprefix(site.base_url), 500)
    stored, _ = await db.feeds.add(site.url("/rss.xml"), now=clock.now())
    report = await ingestor.poll(stored)
    assert len(report.new_articles) == 1 and report.item_errors
    article = await db.articles.get(report.new_articles[0])
    assert article is not None and article.from_feed
    assert article.summary == "Engineers opened the gates on Tuesday."


async def test_pdf_where_a_page_was_expected_is_an_item_error(
    db: Database, ingestor: Ingestor, site: FakeNewsSite, clock: FakeClock
) -> None:
    feed = site.feed("/rss.xml")
    item = feed.publish("Annual report", summary="The annual report is out.")
    site.add(item.url.removeprefix(site.base_url), b"%PDF-1.7 binary", content_type="application/pdf")
    stored, _ = await db.feeds.add(site.url("/rss.xml"), now=clock.now())
    report = await ingestor.poll(stored)
    assert any("application/pdf" in e for e in report.item_errors)
    assert len(report.new_articles) == 1  # kept, from the feed's description


class _StubLLM:
    """Stands in for a remote summarizer (an LLM endpoint cannot run here)."""

    def __init__(self, fail: bool) -> None:
        self.fail = fail
        self.calls = 0

    async def summarize(self, article, *, max_sentences: int = 3, max_chars: int = 600) -> str:  # type: ignore[no-untyped-def]
        from bot.news.errors import NewsError

        self.calls += 1
        if self.fail:
            raise NewsError("the summary endpoint answered 503")
        return f"LLM summary of {article.title}."


@pytest.mark.parametrize("fail", [False, True])
async def test_an_optional_summarizer_replaces_the_summary_or_falls_back(
    db: Database, site: FakeNewsSite, clock: FakeClock, fail: bool
) -> None:
    site.feed("/rss.xml").publish("Dam gates open", body=DAM)
    llm = _StubLLM(fail)
    async with Fetcher(FetchPolicy(allow_private=True, retries=0)) as fetcher:
        ingestor = Ingestor(db, fetcher, clock=clock, summarizer=llm)
        stored, _ = await db.feeds.add(site.url("/rss.xml"), now=clock.now())
        report = await ingestor.poll(stored)
    article = await db.articles.get(report.new_articles[0])
    assert llm.calls == 1 and article is not None
    expected = "Engineers opened the gates" if fail else "LLM summary of Dam gates open."
    assert article.summary.startswith(expected)


COOKIE_WALL = (
    "We value your privacy. We and our partners use cookies to store and access information on your "
    "device. By clicking Accept you consent to cookies and to our privacy policy. Manage cookie settings.\n\n"
    "We and our partners process personal data such as IP addresses and browsing data for personalised "
    "advertising and content, measurement and audience research. You can withdraw your consent at any "
    "time in the cookie settings. Please enable JavaScript in your browser to manage your choices."
)


async def test_cookie_walls_under_different_headlines_are_never_merged(
    db: Database, ingestor: Ingestor, site: FakeNewsSite, clock: FakeClock
) -> None:
    first = site.feed("/a.xml", title="Agency")
    second = site.feed("/b.xml", title="Partner")
    for feed, title in ((first, "Floods in the south"), (second, "Election results are in")):
        item = feed.publish(title, summary="")
        site.add(item.url.removeprefix(site.base_url), article_page(title, COOKIE_WALL), content_type="text/html")
    feed_a, _ = await db.feeds.add(site.url("/a.xml"), now=clock.now())
    feed_b, _ = await db.feeds.add(site.url("/b.xml"), now=clock.now())
    report_a = await ingestor.poll(feed_a)
    report_b = await ingestor.poll(feed_b)
    assert len(report_a.new_articles) == 1 and len(report_b.new_articles) == 1, (report_a, report_b)
    assert report_b.duplicates == 0 and await db.articles.count() == 2


async def test_another_outlets_write_up_joins_the_story_and_reaches_only_new_chats(
    db: Database, ingestor: Ingestor, site: FakeNewsSite, clock: FakeClock
) -> None:
    wire = site.feed("/wire.xml", title="Wire")
    press = site.feed("/press.xml", title="Press")
    wire.publish("Earthquake kills 12 in Indonesia's Aceh", body=QUAKE_REUTERS)
    press.publish("Strong quake in Aceh leaves at least 12 dead", body=QUAKE_AP)
    feed_w, _ = await db.feeds.add(site.url("/wire.xml"), now=clock.now())
    feed_p, _ = await db.feeds.add(site.url("/press.xml"), now=clock.now())
    for chat in (-1, -2):
        await db.chats.upsert(chat, "channel", title=str(chat), now=clock.now())
    await db.subscriptions.add(-1, feed_w.id, now=clock.now())  # follows both outlets
    await db.subscriptions.add(-1, feed_p.id, now=clock.now())
    await db.subscriptions.add(-2, feed_p.id, now=clock.now())  # follows the second one only
    report_w = await ingestor.poll(feed_w)
    report_p = await ingestor.poll(feed_p)
    assert len(report_w.new_articles) == 1 and report_p.duplicates == 1 and report_p.new_articles == []
    [story] = report_w.new_articles
    assert [d.article_id for d in await db.deliveries.for_chat(-1)] == [story]  # once, not twice
    assert [d.article_id for d in await db.deliveries.for_chat(-2)] == [story]
    stored = await db.articles.get(story)
    assert stored is not None and stored.source_count == 2
