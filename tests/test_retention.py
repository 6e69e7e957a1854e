"""Retention (bot/retention.py, storage/retention.py) on a real database of either engine, with
stories stored by real polls of the fake news site: old stories go with every row that was
theirs; the derived counts (``stem_df``, ``term_df`` and this process's cache of it) stay what
a recount from the rows left gives; a story with a post waiting, sent lately or with an edit
waiting stays; batches are bounded; and a feed that still lists a deleted story's entry never
stores it again, while the key lives as long as the feed lists it."""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import replace
from datetime import timedelta

import pytest

from bot.clock import FakeClock
from bot.delivery.backlog import BacklogRule
from bot.ingest import IngestOptions, Ingestor
from bot.news.http import FetchPolicy, Fetcher
from bot.retention import last_run, retention_stats_line, run_retention
from bot.storyflow import EditLimits, apply_correction, stored_profile_terms
from storage import Database
from storage.feeds import Feed
from tests.fakes.feed_render import render_article
from tests.fakes.news_site import FakeFeed, FakeNewsSite
from tests.stories import DAM, ELECTION, HARBOUR, KYIV_UK, MUSEUM, QUAKE_REUTERS
from tests.test_stem_df import _index_counts

CHAT = -100
DAYS = 90
OLD = [("Dam gates open after repairs", DAM), ("Portugal votes for stability", ELECTION),
       ("Kyiv opens a new bridge", KYIV_UK), ("Quake shakes the coast", QUAKE_REUTERS)]


@pytest.fixture
async def ingestor(db: Database, clock: FakeClock) -> AsyncIterator[Ingestor]:
    options = IngestOptions(backlog=BacklogRule(size=10, max_age=None), retention_days=DAYS)
    async with Fetcher(FetchPolicy(allow_private=True, timeout_s=3, retries=0)) as fetcher:
        yield Ingestor(db, fetcher, clock=clock, options=options)


async def _poll(db: Database, ingestor: Ingestor, feed_id: int) -> list[int]:
    feed = await db.feeds.get(feed_id)
    assert feed is not None
    report = await ingestor.poll(feed)
    assert report.error is None, report.error
    return report.new_articles


async def _old_stories(
    db: Database, ingestor: Ingestor, site: FakeNewsSite, clock: FakeClock,
) -> tuple[FakeFeed, Feed, list[int]]:
    """Four stories polled now, queued for one channel and sent at once."""
    fake = site.feed("/rss.xml", title="Fake Times")
    for title, body in OLD:
        fake.publish(title, body=body)
    feed, _ = await db.feeds.add(site.url("/rss.xml"), now=clock.now())
    await db.chats.upsert(CHAT, "channel", title="C", now=clock.now())
    await db.subscriptions.add(CHAT, feed.id, now=clock.now())
    ids = await _poll(db, ingestor, feed.id)
    assert len(ids) == 4
    for row in await db.deliveries.claim_due(clock.now(), 10):
        await db.deliveries.mark_sent(row.id, message_id=row.id, now=clock.now())
    return fake, feed, ids


async def _old_stories_then_one(
    db: Database, ingestor: Ingestor, site: FakeNewsSite, clock: FakeClock,
) -> tuple[FakeFeed, Feed, list[int], int]:
    """``_old_stories``, then a retention period and a day later one new story polled (the
    museum's): the four are old enough to go, the new one is not."""
    fake, feed, old = await _old_stories(db, ingestor, site, clock)
    clock.advance(timedelta(days=DAYS + 1))
    fake.publish("Museum reopens its east wing", body=MUSEUM)
    [museum] = await _poll(db, ingestor, feed.id)
    return fake, feed, old, museum


async def _term_df(db: Database) -> dict[str, int]:
    return {r[0]: int(r[1]) for r in await db.fetchall("SELECT term, df FROM term_df")}


async def _recounted_term_df(db: Database) -> dict[str, int]:
    """``term_df`` as the profiles left would count it from scratch."""
    counts: Counter[str] = Counter()
    for r in await db.fetchall("SELECT profile FROM story_profiles"):
        counts.update(("", *dict.fromkeys(stored_profile_terms(r[0]))))
    return dict(counts)


async def _assert_exact(db: Database) -> None:
    """``stem_df`` is what the index counts, ``term_df`` what the profiles left count (and no
    row is left at 0: a term no profile holds any more has none)."""
    assert {r[0]: int(r[1]) for r in await db.fetchall("SELECT term, df FROM stem_df")} == await _index_counts(db)
    table = await _term_df(db)
    assert table == await _recounted_term_df(db)


async def _orphans(db: Database) -> dict[str, int]:
    """Rows pointing at a story (or profile, or outbox row) that is gone: none may be left."""
    missing = "SELECT count(*) FROM {0} c WHERE {2}NOT EXISTS (SELECT 1 FROM {1} p WHERE p.id = c.{3})"
    checks = {
        "articles_fts": "SELECT count(*) FROM articles_fts f WHERE NOT EXISTS "
                        "(SELECT 1 FROM articles a WHERE a.id = f.rowid)",
        "article_sources": missing.format("article_sources", "articles", "", "article_id"),
        "story_profiles": missing.format("story_profiles", "articles", "", "article_id"),
        "story_keys": missing.format("story_keys", "story_profiles", "", "profile_id"),
        "deliveries": missing.format("deliveries", "articles", "c.article_id IS NOT NULL AND ", "article_id"),
        "post_edits": missing.format("post_edits", "deliveries", "", "delivery_id"),
    }
    return {name: int(await db.scalar(sql) or 0) for name, sql in checks.items()}  # type: ignore[call-overload]


async def test_old_stories_go_with_their_rows_and_every_count_stays_exact(
    db: Database, ingestor: Ingestor, site: FakeNewsSite, clock: FakeClock
) -> None:
    fake, feed, old = await _old_stories(db, ingestor, site, clock)
    await db.summaries.save(old[0], "uk", summary="Підсумок", outcome="ok", model="m", now=clock.now())
    clock.advance(timedelta(days=DAYS + 5))
    fake.publish("Museum reopens its east wing", body=MUSEUM)
    fake.publish("Storm keeps boats in harbour", body=HARBOUR)
    recent = await _poll(db, ingestor, feed.id)
    assert len(recent) == 2
    terms = sorted(await _term_df(db))
    await db.stories.df_memory.settled()  # the load the polls' checks started, if still under way
    await db.stories.load_document_frequencies()  # every count held in memory now (storage.dfmemory)
    loads = db.stories.df_memory.loads

    report = await run_retention(db, now=clock.now(), days=DAYS, batch=3, pause=0)

    assert report is not None and report.stories == 4 and report.finished
    assert {a.id for a in await db.articles.latest(limit=10)} == set(recent)
    assert await db.summaries.get(old[0], "uk") is None
    assert await _orphans(db) == dict.fromkeys(await _orphans(db), 0)
    await _assert_exact(db)
    # The counts held in memory went down with the table, change by change (not loaded again).
    recounted = await _recounted_term_df(db)
    assert await db.stories.document_frequencies(terms) == (
        {t: n for t, n in recounted.items() if t and t in terms}, recounted[""])
    assert db.stories.df_memory.loads == loads
    assert await last_run(db) == report
    line = await retention_stats_line(db, DAYS)
    assert "Retention: 90 days" in line and "4 stories" in line


async def test_a_waiting_post_a_recent_send_an_open_edit_and_the_newest_story_keep_their_stories(
    db: Database, ingestor: Ingestor, site: FakeNewsSite, clock: FakeClock
) -> None:
    _, feed, old = await _old_stories(db, ingestor, site, clock)
    waiting, late, edited, plain = old
    # A second chat: one post of the first story still waits (a paused chat), one of the
    # second is sent late, within the period; the third's post has an edit waiting.
    await db.chats.upsert(-200, "channel", title="Paused", now=clock.now())
    await db.chats.update_settings(-200, {"paused": 1}, now=clock.now())
    await db.deliveries.enqueue_article(waiting, [-200], now=clock.now())
    await db.chats.upsert(-300, "channel", title="Late", now=clock.now())
    await db.deliveries.enqueue_article(late, [-300], now=clock.now())
    clock.advance(timedelta(days=DAYS + 5))
    [row] = [r for r in await db.deliveries.for_chat(-300)]
    await db.deliveries.mark_sent(row.id, message_id=7, now=clock.now() - timedelta(days=3))
    assert await db.edits.enqueue_for_article(edited, "sources", now=clock.now(), max_edits=5, max_corrections=3) == 1

    report = await run_retention(db, now=clock.now(), days=DAYS, pause=0)

    assert report is not None and report.stories == 0  # the fourth is the newest story: kept too
    assert {a.id for a in await db.articles.latest(limit=10)} == {waiting, late, edited, plain}
    [pending] = await db.deliveries.for_chat(-200)
    assert pending.state == "pending" and pending.article_id == waiting
    await _assert_exact(db)


async def test_a_batch_deletes_at_most_its_limit_and_the_next_reads_on(
    db: Database, ingestor: Ingestor, site: FakeNewsSite, clock: FakeClock
) -> None:
    fake, feed, old, _ = await _old_stories_then_one(db, ingestor, site, clock)
    cutoff = clock.now() - timedelta(days=DAYS)

    first, _ = await db.retention.delete_stories(cutoff=cutoff, now=clock.now(), limit=3, after=None,
                                                 profile_terms=stored_profile_terms)
    assert first.stories == 3 and await db.articles.count() == 2
    second, _ = await db.retention.delete_stories(cutoff=cutoff, now=clock.now(), limit=3, after=first.last,
                                                  profile_terms=stored_profile_terms)
    assert second.stories == 1 and await db.articles.count() == 1
    third, _ = await db.retention.delete_stories(cutoff=cutoff, now=clock.now(), limit=3, after=second.last,
                                                 profile_terms=stored_profile_terms)
    assert third.stories == 0 and third.last is None
    await _assert_exact(db)


async def test_a_pass_stops_at_its_time_budget_and_the_next_one_goes_on(
    db: Database, ingestor: Ingestor, site: FakeNewsSite, clock: FakeClock
) -> None:
    fake, feed, _, _ = await _old_stories_then_one(db, ingestor, site, clock)
    ticks = iter(range(1000))  # each look at the time: one second later

    first = await run_retention(db, now=clock.now(), days=DAYS, batch=1, pause=0, budget_s=2.5,
                                monotonic=lambda: float(next(ticks)))
    assert first is not None and first.stories == 2 and not first.finished
    second = await run_retention(db, now=clock.now(), days=DAYS, batch=10, pause=0)
    assert second is not None and second.stories == 2 and second.finished
    assert await db.articles.count() == 1


async def test_a_feed_still_listing_a_deleted_story_never_stores_it_again(
    db: Database, ingestor: Ingestor, site: FakeNewsSite, clock: FakeClock
) -> None:
    fake, feed, old, museum = await _old_stories_then_one(db, ingestor, site, clock)
    assert (await run_retention(db, now=clock.now(), days=DAYS, pause=0)).stories == 4  # type: ignore[union-attr]
    queued = len(await db.deliveries.for_chat(CHAT))

    clock.advance(timedelta(hours=1))
    fake.publish("Storm keeps boats in harbour", body=HARBOUR)  # the feed changed: every entry is read
    pages = {path: site.hits[path] for path in (f"/rss/{n}.html" for n in range(1, 5))}
    new = await _poll(db, ingestor, feed.id)

    assert len(new) == 1 and await db.articles.count() == 2
    assert {path: site.hits[path] for path in pages} == pages  # known as forgotten: not even fetched
    assert len(await db.deliveries.for_chat(CHAT)) == queued + 1  # the storm only
    # Seventy days on the feed still lists them: their keys were renewed by each poll that saw
    # them, so a pass 91 days after the deletion keeps them, and the entries stay out.
    clock.advance(timedelta(days=70))
    fake.publish("A third story", body=ELECTION.replace("Portugal", "Chile"))
    await _poll(db, ingestor, feed.id)
    keys = await db.retention.count_keys()
    clock.advance(timedelta(days=21))
    report = await run_retention(db, now=clock.now(), days=DAYS, pause=0)
    assert report is not None and report.keys_expired == 0 and await db.retention.count_keys() == keys
    fake.publish("A fourth story", body=KYIV_UK.replace("Київ", "Львів"))
    await _poll(db, ingestor, feed.id)
    assert not {a.title for a in await db.articles.latest(limit=20)} & {t for t, _ in OLD}


async def test_keys_of_entries_no_feed_lists_any_more_expire_and_old_dated_entries_stay_out(
    db: Database, ingestor: Ingestor, site: FakeNewsSite, clock: FakeClock
) -> None:
    fake, feed, _, _ = await _old_stories_then_one(db, ingestor, site, clock)
    await run_retention(db, now=clock.now(), days=DAYS, pause=0)
    assert await db.retention.count_keys() > 0
    fake.items[:] = fake.items[-1:]  # the feed drops the old entries
    clock.advance(timedelta(days=DAYS + 1))
    report = await run_retention(db, now=clock.now(), days=DAYS, pause=0)
    assert report is not None and report.keys_expired > 0 and await db.retention.count_keys() == 0

    # An entry dated before the period is not stored, key or no key.
    fake.publish("An old piece found again", body=HARBOUR, published=clock.now() - timedelta(days=DAYS + 10))
    fake.publish("Storm keeps boats in harbour", body=HARBOUR.replace("Friday", "Monday"))
    new = await _poll(db, ingestor, feed.id)
    assert [a.title for a in await db.articles.get_many(new)] == ["Storm keeps boats in harbour"]


async def test_a_pass_ends_after_its_batch_when_the_bot_stops(
    db: Database, ingestor: Ingestor, site: FakeNewsSite, clock: FakeClock
) -> None:
    fake, feed, _, _ = await _old_stories_then_one(db, ingestor, site, clock)
    looks = iter([False, True])  # the stop comes during the first batch

    report = await run_retention(db, now=clock.now(), days=DAYS, batch=1, pause=0, stopping=lambda: next(looks, True))

    assert report is not None and report.stories == 1 and not report.finished
    await _assert_exact(db)


def test_a_retention_shorter_than_the_story_windows_is_refused_in_plain_words() -> None:
    from bot.config import ConfigError, load_core_settings

    with pytest.raises(ConfigError, match="RETENTION_DAYS=2 keeps stories for less than"):
        load_core_settings(_env_file=None, retention_days=2)
    assert load_core_settings(_env_file=None, retention_days=0).retention_days == 0
    assert load_core_settings(_env_file=None, retention_days=3).retention_days == 3


async def test_settled_digests_and_usage_days_go_and_waiting_messages_stay(db: Database, clock: FakeClock) -> None:
    await db.chats.upsert(CHAT, "channel", title="C", now=clock.now())
    await db.chats.upsert(-200, "channel", title="Paused", now=clock.now())
    await db.chats.update_settings(-200, {"paused": 1}, now=clock.now())
    assert await db.deliveries.enqueue_digest(CHAT, "2026-01-01", "<b>Digest</b>", now=clock.now())
    assert await db.deliveries.enqueue_digest(-200, "2026-01-01", "<b>Digest</b>", now=clock.now())  # waits
    [sent] = await db.deliveries.claim_due(clock.now(), 10)
    await db.deliveries.mark_sent(sent.id, message_id=1, now=clock.now())
    await db.summaries.count_usage("2026-01-01", {"requests": 3})
    clock.advance(timedelta(days=DAYS + 1))
    await db.deliveries.enqueue_digest(CHAT, "2026-04-02", "<b>Digest</b>", now=clock.now())  # recent
    await db.summaries.count_usage(clock.now().date().isoformat(), {"requests": 1})

    report = await run_retention(db, now=clock.now(), days=DAYS, pause=0)

    assert report is not None and report.rows == 2  # the old sent digest, the old usage day
    assert [d.digest_key for d in await db.deliveries.for_chat(CHAT)] == ["2026-04-02"]
    [waiting] = await db.deliveries.for_chat(-200)
    assert waiting.state == "pending"
    assert await db.summaries.usage("2026-01-01") == {} and await db.summaries.usage(clock.now().date().isoformat())


async def test_another_link_to_a_deleted_storys_page_is_read_once_and_never_stored(
    db: Database, ingestor: Ingestor, site: FakeNewsSite, clock: FakeClock
) -> None:
    fake, feed, _, _ = await _old_stories_then_one(db, ingestor, site, clock)
    assert (await run_retention(db, now=clock.now(), days=DAYS, pause=0)).stories == 4  # type: ignore[union-attr]
    # The feed lists the first story again under another link, whose page names the old address
    # as its canonical one: only reading the page tells it is the deleted story.
    amp = fake.publish("Dam gates open after repairs", body=DAM, path="/amp/1.html")
    site.add("/amp/1.html", render_article(replace(amp, canonical=site.url("/rss/1.html"))), content_type="text/html")

    assert await _poll(db, ingestor, feed.id) == []
    assert site.hits["/amp/1.html"] == 1 and await db.articles.count() == 1
    fake.publish("Storm keeps boats in harbour", body=HARBOUR)
    assert len(await _poll(db, ingestor, feed.id)) == 1
    assert site.hits["/amp/1.html"] == 1  # its entry is remembered as the deleted story's now


async def test_a_story_whose_profile_cannot_be_read_is_kept_and_the_others_go(
    db: Database, ingestor: Ingestor, site: FakeNewsSite, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="bot.retention")  # whatever an earlier test left configured
    fake, feed, old = await _old_stories(db, ingestor, site, clock)
    await db.execute("UPDATE story_profiles SET profile = '{\"t\": ' WHERE article_id = ?", (old[1],))
    clock.advance(timedelta(days=DAYS + 1))
    fake.publish("Museum reopens its east wing", body=MUSEUM)
    [museum] = await _poll(db, ingestor, feed.id)

    report = await run_retention(db, now=clock.now(), days=DAYS, pause=0)

    assert report is not None and report.stories == 3
    assert {a.id for a in await db.articles.latest(limit=10)} == {old[1], museum}
    assert "cannot be read" in caplog.text
    assert {r[0]: int(r[1]) for r in await db.fetchall("SELECT term, df FROM stem_df")} == await _index_counts(db)
    profiles = int(await db.scalar("SELECT count(*) FROM story_profiles") or 0)  # type: ignore[call-overload]
    assert (await _term_df(db))[""] == profiles


async def test_a_copy_joining_a_story_retention_deletes_meanwhile_becomes_a_story_of_its_own(
    db: Database, ingestor: Ingestor, site: FakeNewsSite, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The racing order, made on purpose: a near-identical copy of an old story finds it, then
    a retention pass deletes it (another replica's, on PostgreSQL), then the copy would join it.
    Before, the join wrote a source of a story that was gone: a foreign-key error, the poll
    failed and the admin was told of a "bug". Now the copy is a story of its own, queued for
    its subscriber, in the same transaction, and no row points at the deleted story."""
    _, _, old, museum = await _old_stories_then_one(db, ingestor, site, clock)
    agency = site.feed("/agency.xml", title="Agency")
    copy = agency.publish("Portugal election (agency copy)",
                          body=ELECTION + "\n\nThis article was originally published by our partner agency.")
    feed, _ = await db.feeds.add(site.url("/agency.xml"), now=clock.now())
    await db.subscriptions.add(CHAT, feed.id, now=clock.now())
    found_then_deleted: list[object] = []
    real = db.articles.fingerprint_candidates

    async def candidates_then_retention(bands: tuple[int, int, int, int], since: object) -> list[tuple[int, int]]:
        found = await real(bands, since)  # type: ignore[arg-type]
        if not found_then_deleted:
            assert old[1] in {story for story, _ in found}  # the copy's match: the old election story
            found_then_deleted.append(await run_retention(db, now=clock.now(), days=DAYS, pause=0))
        return found

    monkeypatch.setattr(db.articles, "fingerprint_candidates", candidates_then_retention)
    [own] = await _poll(db, ingestor, feed.id)

    [report] = found_then_deleted
    assert report.stories == 4  # type: ignore[attr-defined]
    assert own not in old and await db.articles.get(old[1]) is None
    stored = await db.articles.get(own)
    assert stored is not None and stored.url == copy.url and stored.source_count == 1
    assert [d.article_id for d in await db.deliveries.for_chat(CHAT) if d.state == "pending"] == [museum, own]
    assert set((await _orphans(db)).values()) == {0}
    await _assert_exact(db)


async def test_a_correction_of_a_story_retention_deleted_meanwhile_changes_nothing(
    db: Database, ingestor: Ingestor, site: FakeNewsSite, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A known entry changed in its feed; while its page is read again, a retention pass holds
    the write lock and deletes its story. Before, the correction went on with the story read
    before it waited: a profile of a story that was gone, a foreign-key error, a "bug"."""
    fake, feed, old, _ = await _old_stories_then_one(db, ingestor, site, clock)
    corrected = ELECTION.replace("116 of the 230 seats", "118 of the 230 seats").replace(
        "narrow majority in parliament", "narrow but workable majority in parliament")
    fake.update(fake.items[1], summary="corrected", body=corrected)
    item = await ingestor.process_url(fake.items[1].url)
    real = db.transaction
    race = [True]

    @asynccontextmanager
    async def retention_first() -> AsyncIterator[object]:
        if race:  # the pass had the write lock first
            race.clear()
            assert (await run_retention(db, now=clock.now(), days=DAYS, pause=0)).stories == 4  # type: ignore[union-attr]
        async with real() as conn:
            yield conn

    monkeypatch.setattr(db, "transaction", retention_first)
    assert not await apply_correction(db, old[1], item, url=item.canonical_url, entry_hash="changed",
                                      now=clock.now(), limits=EditLimits())
    assert not race and await db.articles.get(old[1]) is None
    assert set((await _orphans(db)).values()) == {0}
    await _assert_exact(db)
