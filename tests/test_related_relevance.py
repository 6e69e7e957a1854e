"""Related means related: the floor under "Read also" and /related, words counted, scripts met.

Stories are stored through the real ingest store path into a real SQLite file."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

from bot.clock import FakeClock
from bot.ingest import Ingestor, stored_form
from bot.news.http import FetchPolicy, Fetcher
from bot.news.models import Article
from bot.news.pipeline import process_article
from bot.related import WORDS_FLOOR, read_also_links, related_to, scored_stories, search_stories, word_weight, words_score
from storage import Database
from storage.articles import NewArticle
from tests.stories import DAM, DAM_FOLLOWUP, ELECTION, KYIV_BRIDGE_EN, QUAKE_AP, QUAKE_REUTERS

PLAGUE = (
    "Health officials in South Sudan confirmed three cases of plague in a remote county on Monday and "
    "sent a medical team to trace contacts.\n\n"
    "The ministry said the patients were treated with antibiotics and that rats in the area were being "
    "tested. Plague is rare but still appears in rural parts of Africa every year."
)
METH = (
    "South Dakota launched a campaign against methamphetamine on Tuesday with the slogan Meth. We're on "
    "it, which drew ridicule online and praise from treatment groups.\n\n"
    "Governor Kristi Noem said the state had seen meth arrests double in five years and that the "
    "campaign would pay for counselling in schools across Dakota."
)
PUTIN_RU = (
    "Владимир Путин в понедельник провел в Москве переговоры с президентом Турции о поставках зерна "
    "через Черное море.\n\n"
    "По словам Путина, стороны договорились продолжить консультации. В Киеве заявили, что не "
    "участвовали во встрече и узнали о ее итогах из сообщений прессы."
)


async def _store(db: Database, clock: FakeClock, stories: dict[str, tuple[str, str]], *,
                 feed_id: int | None = None) -> dict[str, int]:
    ingestor = Ingestor(db, Fetcher(FetchPolicy()), clock=clock)
    ids = {}
    for key, (title, text) in stories.items():
        item = process_article(Article(url=f"https://{key}.example/story", title=title, text=text, language=""))
        ids[key] = (await ingestor.store(item, feed_id=feed_id)).article_id
    return ids


async def test_a_story_with_nothing_related_stored_gets_no_read_also(db: Database) -> None:
    clock = FakeClock()
    ids = await _store(db, clock, {"dam": ("Dam gates open after repairs", DAM),
                                   "election": ("Portugal votes for stability", ELECTION),
                                   "plague": ("Plague cases in South Sudan", PLAGUE)})
    for key in ids:
        article = await db.articles.get(ids[key])
        assert article is not None
        assert await read_also_links(db, article, now=clock.now()) == [], key


async def test_a_related_story_is_found_and_the_story_itself_never(db: Database) -> None:
    clock = FakeClock()
    # One outlet's story and its own follow-up two days on: a post of its own (an outlet's second
    # article on an event never joins its first), and the first one's "Read also".
    feed, _ = await db.feeds.add("https://dam.example/rss", now=clock.now())
    ids = await _store(db, clock, {"dam": ("Dam gates open after repairs", DAM),
                                   "election": ("Portugal votes for stability", ELECTION),
                                   "followup": ("Reservoir levels rise after the dam opens", DAM_FOLLOWUP)},
                       feed_id=feed.id)
    dam = await db.articles.get(ids["dam"])
    assert dam is not None
    assert [a.id for a in await related_to(db, dam, now=clock.now())] == [ids["followup"]]


async def test_read_also_never_lists_the_storys_own_sources(db: Database) -> None:
    clock = FakeClock()
    ids = await _store(db, clock, {"reuters": ("Earthquake kills 12 in Aceh", QUAKE_REUTERS),
                                   "ap": ("Strong quake in Aceh leaves 12 dead", QUAKE_AP)})
    assert ids["reuters"] == ids["ap"]  # one story, two sources
    story = await db.articles.get(ids["reuters"])
    assert story is not None and story.source_count == 2
    links = await read_also_links(db, story, now=clock.now())
    assert all("ap.example" not in link.url for link in links)


async def test_a_multi_word_query_never_answers_on_one_generic_word(db: Database) -> None:
    clock = FakeClock()
    stories = {"plague": ("Plague cases in South Sudan", PLAGUE), "meth": ("Meth. We're on it", METH)}
    stories |= {f"south{i}": (f"South coast storm {i}", f"A storm hit the south coast, report number {i}. " * 8)
                for i in range(6)}
    ids = await _store(db, clock, stories)
    found = await search_stories(db, "South Dakota meth", now=clock.now())
    assert [a.id for a in found] == [ids["meth"]]
    # Only "South" is stored anywhere, and it is generic: nothing, rather than noise.
    assert await search_stories(db, "South Carolina gators", now=clock.now()) == []
    # More matched words rank higher.
    found = await search_stories(db, "plague South Sudan", now=clock.now())
    assert found[0].id == ids["plague"]


async def test_latin_names_find_cyrillic_stories(db: Database) -> None:
    clock = FakeClock()
    ids = await _store(db, clock, {"putin": ("Путин провел переговоры о зерне", PUTIN_RU),
                                   "dam": ("Dam gates open after repairs", DAM)})
    for query in ("Putin", "Путін", "Putin Kyiv", "Київ"):
        found = await search_stories(db, query, now=clock.now())
        assert [a.id for a in found] == [ids["putin"]], query


KHARKIV_UK = (
    "У Харкові в ніч на вівторок пролунали вибухи, повідомив мер міста Ігор Терехов. Пошкоджено "
    "житловий будинок і трамвайне депо.\n\n"
    "За словами Терехова, комунальні служби Харкова вже відновлюють електропостачання."
)
ODESA_RU = (
    "В Одессе в среду открыли после ремонта Потемкинскую лестницу, сообщили в городском совете.\n\n"
    "Работы шли два года; на открытие пришли сотни жителей Одессы."
)


async def test_city_names_meet_across_scripts_in_every_case(db: Database) -> None:
    clock = FakeClock()
    ids = await _store(db, clock, {"kharkiv": ("Вибухи у Харкові", KHARKIV_UK),
                                   "odesa": ("Лестницу в Одессе открыли", ODESA_RU),
                                   "dam": ("Dam gates open after repairs", DAM)})
    for query in ("Kharkiv", "Харків", "Харьков", "Kharkiv explosions"):
        found = await search_stories(db, query, now=clock.now())
        assert [a.id for a in found] == [ids["kharkiv"]], query
    for query in ("Odesa", "Odessa", "Одеса", "Одесса"):
        found = await search_stories(db, query, now=clock.now())
        assert [a.id for a in found] == [ids["odesa"]], query


async def test_a_story_counts_the_query_words_it_holds_as_whole_stems(db: Database) -> None:
    """/related counts each story's matched words on its stored stems: a stem inside a longer
    one ("dam" in "damag", "plagu" in nothing) is not a match, any stem of a word's group is."""
    clock = FakeClock()
    ids = await _store(db, clock, {"dam": ("Dam gates open after repairs", DAM),
                                   "plague": ("Plague cases in South Sudan", PLAGUE)})
    groups = [("dam",), ("plagu",), ("nosuchstem", "sudan"), ("da",), ("gate",)]
    matched = await db.articles.groups_matched([ids["dam"], ids["plague"], 999_999], groups)
    assert matched == {ids["dam"]: 2, ids["plague"]: 2}


HARBOUR = (
    "A winter storm flooded the harbour of {town} on Monday, sinking two fishing boats and closing the "
    "coastal road for the night.\n\n"
    "The harbour master of {town} said the storm was the worst in a decade and that repairs to the pier "
    "would take weeks."
)


async def _twins(db: Database, clock: FakeClock, towns: list[str], published: list[datetime]) -> list[int]:
    """Stories with the same words but for their town: the same relevance to a search of
    "harbour storm", so only their sources and age can order them. Stored directly (the same-
    story check would rightly take them for one event)."""
    ids = []
    for town, when in zip(towns, published, strict=True):
        item = process_article(Article(url=f"https://{town.lower()}.example/storm", title=f"Storm floods {town} harbour",
                                       text=HARBOUR.format(town=town), language="en"))
        ids.append(await db.articles.insert(stored_form(NewArticle(
            feed_id=None, url=item.article.url, canonical_url=item.canonical_url, guid=None, title=item.article.title,
            text=item.article.text, summary=item.summary, language="en", author="", published_at=when,
            from_feed=False, related=(), fingerprint=item.fingerprint, bands=item.bands,
            title_terms=item.title_terms, body_terms=item.body_terms)), now=clock.now()))
    return ids


async def test_related_ranks_by_sources_then_recency(db: Database) -> None:
    clock = FakeClock()
    now = clock.now()
    older, newer = await _twins(db, clock, ["Riverton", "Lakeview"], [now - timedelta(hours=2), now])
    assert [a.id for a in await search_stories(db, "harbour storm", now=now)] == [newer, older]
    for n in range(2):  # two more outlets carried the older one
        await db.articles.add_source(older, feed_id=None, url=f"https://outlet{n}.example/storm",
                                     canonical_url=f"https://outlet{n}.example/storm", guid=None, now=now)
    assert [a.id for a in await search_stories(db, "harbour storm", now=now)] == [older, newer]
    # A month old, its three sources no longer outweigh a fresh one-source story.
    [stale, fresh] = await _twins(db, clock, ["Millbrook", "Ashford"], [now - timedelta(days=30), now])
    for n in range(2):
        await db.articles.add_source(stale, feed_id=None, url=f"https://other{n}.example/storm",
                                     canonical_url=f"https://other{n}.example/storm", guid=None, now=now)
    found = [a.id for a in await search_stories(db, "harbour storm", now=now)]
    assert found.index(fresh) < found.index(stale)


ZELENSKY_RU = (
    "Владимир Зеленский во вторник посетил Киев и встретился с мэром столицы, чтобы обсудить ремонт "
    "мостов через Днепр.\n\n"
    "По словам Зеленского, работы на Северном мосту завершат до конца года. В мэрии Киева заявили, что "
    "движение транспорта не будут перекрывать."
)


async def test_names_meet_across_scripts_both_ways(db: Database) -> None:
    clock = FakeClock()
    ids = await _store(db, clock, {"bridge": ("Zelensky opens new bridge in Kyiv", KYIV_BRIDGE_EN),
                                   "ru": ("Зеленский обсудил ремонт мостов", ZELENSKY_RU),
                                   "dam": ("Dam gates open after repairs", DAM)})
    for query in ("Зеленський", "Зеленский", "Zelensky", "Zelenskyy", "Київ", "Киев", "Kyiv", "Kiev"):
        found = {a.id for a in await search_stories(db, query, now=clock.now())}
        assert found == {ids["bridge"], ids["ru"]}, query


async def test_one_word_of_three_is_no_answer_even_when_that_word_is_rare(db: Database) -> None:
    """A young archive cannot tell a generic word by its count: "campaign" is in one story of
    three. Before, "South Dakota meth campaign" got the election story on that word alone."""
    clock = FakeClock()
    ids = await _store(db, clock, {"dam": ("Dam gates open after repairs", DAM),
                                   "election": ("Portugal votes for stability", ELECTION),
                                   "putin": ("Путин провел переговоры о зерне", PUTIN_RU)})
    assert await search_stories(db, "South Dakota meth campaign", now=clock.now()) == []
    # One name of two words is still an answer ("Kharkiv" is stored nowhere).
    assert [a.id for a in await search_stories(db, "Putin Kharkiv", now=clock.now())] == [ids["putin"]]
    assert [a.id for a in await search_stories(db, "Portugal coalition campaign", now=clock.now())] == [ids["election"]]
    # Two words of three with the third ("election": the story says "electoral") stored nowhere
    # hold less than the floor's share of the query's weight: a word stored nowhere weighs the
    # most, and most queries about a story that is not stored are just that.
    assert await search_stories(db, "Portugal election campaign", now=clock.now()) == []


def test_words_score_is_the_share_of_the_query_weight_held() -> None:
    rare, common, nowhere = word_weight(1, 1000), word_weight(400, 1000), word_weight(0, 1000)
    assert nowhere > rare > common > 0
    weights = [rare, common, nowhere]
    assert words_score({0, 1, 2}, weights) == 1.0
    assert words_score(set(), weights) == 0.0
    # The common word alone says less than the rare one alone; both less than half when the
    # word stored nowhere (the most telling one) is missing.
    assert words_score({1}, weights) < words_score({0}, weights) < words_score({0, 1}, weights) < 0.5
    assert words_score({0}, []) == 0.0


async def test_the_words_floor_drops_stories_that_hold_only_a_querys_common_words(db: Database) -> None:
    clock = FakeClock()
    stories = {f"south{i}": (f"South coast storm {i}", f"A storm hit the south coast, report number {i}. " * 8)
               for i in range(6)}
    stories |= {"plague": ("Plague cases in South Sudan", PLAGUE), "dam": ("Dam gates open after repairs", DAM)}
    ids = await _store(db, clock, stories)
    # The dam story holds "farmers" and "sunflowers"; the protest over prices is stored nowhere.
    scored = await scored_stories(db, "farmers sunflowers protest prices", now=clock.now())
    assert [a.id for a, _ in scored] == [ids["dam"]] and scored[0][1] < WORDS_FLOOR
    assert await search_stories(db, "farmers sunflowers protest prices", now=clock.now()) == []
    # Four words, three of them generic, the fourth held by another story: nothing.
    assert await search_stories(db, "South coast Kakhovka storm", now=clock.now()) == []
    # Three generic words of three: no answer however many stories hold them all.
    assert await search_stories(db, "south coast storm", now=clock.now()) == []
    assert [a.id for a in await search_stories(db, "Kakhovka dam gates", now=clock.now())] == [ids["dam"]]
    # Two generic words are still a question.
    found = await search_stories(db, "coast storm", now=clock.now())
    assert found and all(a.title.startswith("South coast storm") for a in found)
