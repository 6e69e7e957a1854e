"""Realistic article texts for tests that need stories on the fake news site, and a bare stored
article for tests of the same-story tables."""

from __future__ import annotations

from datetime import datetime

from storage import Database
from storage.articles import NewArticle

DAM = (
    "Engineers opened the gates of the Kakhovka reservoir on Tuesday, releasing water for the first "
    "time in three years after repairs to the dam were finished ahead of schedule.\n\n"
    "The regional water authority said the flow would be raised slowly over the next week so that "
    "villages downstream have time to prepare. Farmers in the area welcomed the decision.\n\n"
    "\"We have waited for this water since the spring,\" said Olena Kovalenko, who grows sunflowers "
    "near the river. The authority expects irrigation canals to fill by the end of the month.\n\n"
    "Critics warned that the repairs had been rushed and asked for an independent inspection of the "
    "structure before the reservoir is filled to its full level."
)

ELECTION = (
    "Voters in Portugal returned the centre-right coalition to power on Sunday, giving it a "
    "narrow majority in parliament after a campaign dominated by housing costs.\n\n"
    "The coalition won 116 of the 230 seats, according to the electoral commission, while the "
    "Socialists took 78. Turnout rose to 64 percent, the highest in two decades.\n\n"
    "The prime minister promised to present a housing plan within a hundred days and thanked "
    "voters for what he called a mandate for stability."
)

ELECTION_COPY = ELECTION.replace("on Sunday", "on Sunday evening") + (
    "\n\nThis article was originally published by our partner agency."
)

KYIV_UK = (
    "У Києві в понеділок відкрили новий міст через Дніпро, який з'єднав Оболонь і Троєщину. "
    "Будівництво тривало понад п'ятнадцять років.\n\n"
    "Міський голова заявив, що міст зменшить затори на північних виїздах зі столиці. "
    "За його словами, рух громадського транспорту запустять уже наступного тижня.\n\n"
    "Мешканці лівого берега давно чекали на відкриття переправи. Експерти радять водіям "
    "спершу ознайомитися з новою схемою руху."
)


def paragraphs_html(text: str) -> str:
    return "".join(f"<p>{p}</p>" for p in text.split("\n\n"))

DAM_FOLLOWUP = (
    "Water levels in the Kakhovka reservoir rose by forty centimetres in the first two days after "
    "the dam gates were opened, the regional authority reported on Thursday.\n\n"
    "Irrigation canals in three districts are already receiving water, and the authority said "
    "pumping stations would be switched on one by one over the weekend.\n\n"
    "Independent engineers are due to inspect the dam next month, as critics of the repairs demanded."
)

KYIV_UK_FOLLOWUP = (
    "Новий міст у Києві в перший день після відкриття пропустив понад двадцять тисяч автомобілів, "
    "повідомили в міській адміністрації.\n\n"
    "Затори на північних виїздах зі столиці зменшилися, однак водії скаржаться на нову схему руху "
    "на Троєщині. Міська влада обіцяє змінити світлофори до кінця тижня."
)

# One event told by two outlets in their own words, and another event of the same kind.
QUAKE_REUTERS = (
    "A magnitude 6.1 earthquake struck the Aceh province of Indonesia on Tuesday, killing at least "
    "12 people and injuring dozens, the national disaster agency said.\n\n"
    "The quake hit at a depth of 10 kilometres near the town of Takengon, according to the US "
    "Geological Survey. Houses and a mosque collapsed in the Bener Meriah district.\n\n"
    "Rescuers were searching the rubble for survivors, agency spokesman Sutopo Purwo Nugroho said, "
    "adding that landslides had cut the road between Takengon and Bireuen."
)
QUAKE_AP = (
    "At least 12 people died when a strong earthquake of magnitude 6.1 shook Indonesia's Aceh "
    "province, officials said Tuesday, as rescue teams dug through collapsed homes.\n\n"
    "Sutopo Purwo Nugroho, spokesman for the disaster agency, said dozens were hurt in Bener Meriah "
    "and Central Aceh. The US Geological Survey put the shallow quake 10 kilometres deep, close to "
    "Takengon.\n\n"
    "Landslides blocked the road to Bireuen, slowing the arrival of aid, and a mosque was among "
    "the buildings that fell."
)
QUAKE_OTHER = (
    "A magnitude 6.4 earthquake shook the island of Sumbawa in Indonesia on Friday, damaging "
    "schools in the Bima regency, officials said. No deaths were reported.\n\n"
    "The US Geological Survey said the quake was 35 kilometres deep. Residents of Dompu ran out of "
    "their houses and spent the night in tents, a local police chief, Ahmad Fauzi, said.\n\n"
    "The meteorology agency said there was no risk of a tsunami."
)

MUSEUM = (
    "The city museum reopened its east wing on Saturday after a two-year renovation that replaced "
    "the glass roof and restored the mosaic floors of the main hall.\n\n"
    "More than four thousand visitors queued in the rain to see the collection of medieval maps, "
    "which had been kept in storage while builders worked on the roof.\n\n"
    "The director said entry would stay free until the end of the month, and that evening tours "
    "for schools would begin in the autumn."
)

HARBOUR = (
    "Fishing boats stayed in the harbour for a third day on Wednesday as a storm with gusts of "
    "ninety kilometres an hour swept along the northern coast.\n\n"
    "The coast guard closed two ferry routes and asked sailors to keep clear of the breakwater, "
    "where waves reached six metres overnight.\n\n"
    "Forecasters expect the wind to drop on Friday, when the ferries should run again and the "
    "fishing fleet can return to sea."
)


async def bare_story(db: Database, n: int, now: datetime) -> int:
    """Store a one-line article numbered ``n`` (its own URL) and return its id: a row for tests
    about the same-story tables, where the article's text does not matter."""
    return await db.articles.insert(NewArticle(
        feed_id=None, url=f"https://news.example/{n}", canonical_url=f"https://news.example/{n}", guid=None,
        title=f"Story {n}", text="Text.", summary="Text.", language="en", author="", published_at=now,
        from_feed=False, related=(), fingerprint=None, bands=None, title_terms="story", body_terms="text",
    ), now=now)

def dam_article(feed_id: int, now: datetime) -> NewArticle:
    """The DAM story as a feed's article, ready to insert: a whole story for the outbox tests
    that need one queued (a restart, a stop while starting, a damaged file)."""
    return NewArticle(
        feed_id=feed_id, url="https://news.example/dam", canonical_url="https://news.example/dam", guid=None,
        title="Dam gates open after repairs", text=DAM, summary=DAM.split("\n\n")[0], language="en",
        author="", published_at=now, from_feed=False, related=(), fingerprint=None, bands=None,
        title_terms="dam gates open after repairs", body_terms=DAM.lower(),
    )


KYIV_BRIDGE_EN = (
    "President Volodymyr Zelensky opened a new bridge across the Dnipro in Kyiv on Monday, linking the "
    "Obolon and Troieshchyna districts after more than fifteen years of construction.\n\n"
    "The mayor said the bridge would ease traffic jams on the capital's northern exits. Public "
    "transport will start running across it next week, he said.\n\n"
    "Zelensky thanked the builders and said Kyiv would keep investing in its roads and bridges."
)
