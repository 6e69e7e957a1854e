"""Candidates' vectors kept decoded between checks (storage.decoded): used again only while the
stored text is the very same, so a corrected story is matched by what it says now."""

from __future__ import annotations

from datetime import timedelta

from bot.clock import FakeClock
from bot.ingest import Ingestor
from bot.news.http import FetchPolicy, Fetcher
from bot.news.models import Article
from bot.news.pipeline import ProcessedArticle, process_article
from bot.news.stories import story_profile
from bot.storyflow import EditLimits, apply_correction, find_story
from storage import Database
from storage.decoded import DecodedCache
from tests.stories import DAM, DAM_FOLLOWUP, QUAKE_AP, QUAKE_REUTERS

WINDOW = timedelta(hours=72)


def _item(url: str, title: str, text: str) -> ProcessedArticle:
    return process_article(Article(url=url, title=title, text=text, language=""))


def test_a_profile_is_decoded_once_while_its_text_stays_the_same() -> None:
    decoded: list[str] = []

    def decode(text: str) -> list[str]:
        decoded.append(text)
        return [text]

    cache: DecodedCache[list[str]] = DecodedCache(8)
    first = cache.decoded(1, '{"t":1}', decode)
    assert cache.decoded(1, '{"t":1}', decode) is first
    assert decoded == ['{"t":1}']
    assert cache.decoded(1, '{"t":2}', decode) == ['{"t":2}']  # rewritten: decoded afresh
    assert decoded == ['{"t":1}', '{"t":2}'] and len(cache) == 1


def test_the_least_recently_used_profile_is_dropped_first() -> None:
    decoded: list[int] = []
    cache: DecodedCache[int] = DecodedCache(2)

    def decode(text: str) -> int:
        decoded.append(int(text))
        return int(text)

    cache.decoded(1, "1", decode)
    cache.decoded(2, "2", decode)
    cache.decoded(1, "1", decode)  # used again: 2 is now the least recent
    cache.decoded(3, "3", decode)  # drops 2
    assert len(cache) == 2
    cache.decoded(1, "1", decode)
    cache.decoded(2, "2", decode)
    assert decoded == [1, 2, 3, 2]


async def test_a_story_corrected_after_it_was_a_candidate_is_matched_by_its_new_text(db: Database) -> None:
    clock = FakeClock()
    wire, _ = await db.feeds.add("https://wire.example/rss", now=clock.now())
    press, _ = await db.feeds.add("https://press.example/rss", now=clock.now())
    url = "https://wire.example/quake"
    story = await Ingestor(db, Fetcher(FetchPolicy()), clock=clock).store(
        _item(url, "Dam gates open after repairs", DAM), feed_id=wire.id)
    dam = story_profile("Reservoir levels rise after the dam opens", DAM_FOLLOWUP)
    quake = story_profile("Strong quake in Aceh leaves at least 12 dead", QUAKE_AP)
    # Checks while the story still says the wrong thing: its vectors are decoded and kept.
    before = await find_story(db, dam, now=clock.now(), window=WINDOW, feed_id=press.id)
    assert before.score > 0 and len(db.stories.decoded) == 1
    assert (await find_story(db, quake, now=clock.now(), window=WINDOW, feed_id=press.id)).story_id is None
    assert await apply_correction(
        db, story.article_id, _item(url, "Earthquake kills 12 in Indonesia's Aceh", QUAKE_REUTERS), url=url,
        entry_hash="v2", now=clock.now(), limits=EditLimits())
    clock.advance(timedelta(hours=1))
    # The same profile id, a new text: the kept vectors of the dam text are not used.
    assert (await find_story(db, quake, now=clock.now(), window=WINDOW, feed_id=press.id)).story_id == story.article_id
    assert (await find_story(db, dam, now=clock.now(), window=WINDOW, feed_id=press.id)).score < before.score
