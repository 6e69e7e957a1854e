"""A correction updates what same-story detection knows of a story (its stored profile), not
only its text: later articles are matched against what the story says now.

Through the real ingest store path and ``bot.storyflow`` into a real database (both engines)."""

from __future__ import annotations

from datetime import timedelta

from bot.clock import FakeClock
from bot.ingest import Ingestor
from bot.news.http import FetchPolicy, Fetcher
from bot.news.models import Article
from bot.news.pipeline import ProcessedArticle, process_article
from bot.news.stories import profile_from_json, story_profile
from bot.storyflow import EditLimits, apply_correction, find_story
from storage import Database
from tests.stories import DAM, DAM_FOLLOWUP, QUAKE_AP, QUAKE_REUTERS

WINDOW = timedelta(hours=72)
COOKIE_WALL = (
    "We value your privacy. We and our partners use cookies to store and access information on your "
    "device. By clicking Accept you consent to cookies and to our privacy policy. Manage cookie settings."
)


def _item(url: str, title: str, text: str) -> ProcessedArticle:
    return process_article(Article(url=url, title=title, text=text, language=""))


async def _story_with_wrong_text(db: Database, clock: FakeClock) -> tuple[int, str, int]:
    """A wire story first read with the wrong page (the dam story) under its URL, then
    corrected to the quake report it is: (story id, its URL, a second outlet's feed id)."""
    wire, _ = await db.feeds.add("https://wire.example/rss", now=clock.now())
    press, _ = await db.feeds.add("https://press.example/rss", now=clock.now())
    url = "https://wire.example/quake"
    story = await Ingestor(db, Fetcher(FetchPolicy()), clock=clock).store(
        _item(url, "Dam gates open after repairs", DAM), feed_id=wire.id)
    corrected = await apply_correction(
        db, story.article_id, _item(url, "Earthquake kills 12 in Indonesia's Aceh", QUAKE_REUTERS), url=url,
        entry_hash="v2", now=clock.now(), limits=EditLimits())
    assert corrected
    return story.article_id, url, press.id


async def test_a_corrected_story_is_matched_by_its_new_text_and_no_longer_by_the_old(db: Database) -> None:
    clock = FakeClock()
    story_id, _, press = await _story_with_wrong_text(db, clock)
    clock.advance(timedelta(hours=1))
    # Another outlet's own write-up of the quake joins the corrected story...
    quake = story_profile("Strong quake in Aceh leaves at least 12 dead", QUAKE_AP)
    assert (await find_story(db, quake, now=clock.now(), window=WINDOW, feed_id=press)).story_id == story_id
    # ...and a report on the dam no longer does: the story does not say that any more.
    dam = story_profile("Reservoir levels rise after the dam opens", DAM_FOLLOWUP)
    assert (await find_story(db, dam, now=clock.now(), window=WINDOW, feed_id=press)).story_id is None
    [(_, stored)] = await db.stories.profiles_of(story_id)
    assert "aceh" in profile_from_json(stored).terms and "dam" not in profile_from_json(stored).terms


async def test_a_correction_moves_the_document_frequencies_from_the_old_words_to_the_new(db: Database) -> None:
    clock = FakeClock()
    await _story_with_wrong_text(db, clock)
    df, documents = await db.stories.document_frequencies(["dam", "kakhovka", "aceh", "earthquak"])
    assert documents == 1  # one source text stored, counted once
    assert df == {"aceh": 1, "earthquak": 1}  # the dam's words are held by no profile now


async def test_a_correction_to_a_cookie_wall_keys_nothing(db: Database) -> None:
    clock = FakeClock()
    wire, _ = await db.feeds.add("https://wire.example/rss", now=clock.now())
    url = "https://wire.example/quake"
    story = await Ingestor(db, Fetcher(FetchPolicy()), clock=clock).store(
        _item(url, "Earthquake kills 12 in Indonesia's Aceh", QUAKE_REUTERS), feed_id=wire.id)
    assert await apply_correction(db, story.article_id, _item(url, "Before you continue", COOKIE_WALL), url=url,
                                  entry_hash="v2", now=clock.now(), limits=EditLimits())
    assert await db.stories.profiles_of(story.article_id) == []
    quake = story_profile("Strong quake in Aceh leaves at least 12 dead", QUAKE_AP)
    assert (await find_story(db, quake, now=clock.now(), window=WINDOW)).story_id is None
    assert (await db.stories.document_frequencies(["aceh"])) == ({}, 0)
