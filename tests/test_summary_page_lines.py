"""Page furniture that passes for sentences: timestamps, credited captions, adverts ending in a
link, WSJ-style datelines (found reading summaries of the Dragnet gold texts, which keep a page's
headline, dates and captions). Hand-written texts; no shared data is read."""

from __future__ import annotations

import pytest

from bot.news.page_lines import ends_with_call, ends_with_credit, is_timestamp
from bot.news.summarize import summarize_text

LEAD = "The ratings firm Moody's dimmed its outlook on Germany, the euro zone's largest economy, on Monday."
NEXT = "Moody's cited the huge potential costs of the bailouts for the countries that pay for them."
UK_LEAD = "Уряд ухвалив новий бюджет на наступний рік після довгих дебатів у Раді."
UK_NEXT = "Видатки на освіту зростуть на п'ять відсотків за планом міністерства."
RU_LEAD = "Правительство утвердило новый бюджет на следующий год после долгих дебатов."
RU_NEXT = "Расходы на образование вырастут на пять процентов по плану министерства."


@pytest.mark.parametrize(
    ("language", "stamp", "lead", "following"),
    [
        ("en", "Updated July 24, 2012, 8:38 a.m. ET", LEAD, NEXT),
        ("en", "July 23, 2012, 4:29 p.m. ET", LEAD, NEXT),
        ("en", "Posted on 5 November 2012 at 2:51 p.m.", LEAD, NEXT),
        ("uk", "Опубліковано 5 травня 2024 р., 10:15", UK_LEAD, UK_NEXT),
        ("ru", "Обновлено: 1 декабря 2024 г. в 10.15", RU_LEAD, RU_NEXT),
    ],
    ids=["en-updated", "en-bare", "en-posted", "uk", "ru"],
)
def test_a_timestamp_is_never_the_summary(language: str, stamp: str, lead: str, following: str) -> None:
    # 429 of the Dragnet set: "Updated July 24, 2012, 8:38 a.m." (a sentence, by its "a.m.") was
    # the lead, and the headline, subtitle and byline after it used up the gap the summary
    # allows, so it was the whole summary.
    text = f"{stamp}\n\nEurope Dims German Outlook\nA Subtitle Without a Full Stop\n\nBY A REPORTER\n\n{lead}\n\n{following}"
    assert summarize_text(text, language) == f"{lead} {following}"


def test_a_wsj_dateline_glued_to_its_em_dash_is_cut_off() -> None:
    text = f"DUBLIN—{LEAD} {NEXT}"
    assert summarize_text(text, "en") == f"{LEAD} {NEXT}"


@pytest.mark.parametrize(
    ("language", "caption", "lead", "following"),
    [
        ("en", "First Lady Michelle Obama talks with Nelson Mandela about his book during a visit to his home, "
               "June 21, 2011. (Official White House Photo by Pete Souza)", LEAD, NEXT),
        ("en", "View of the eclipse from Clifton Beach in Queensland, Australia. Credit: Camilla Smith", LEAD, NEXT),
        ("en", "Protesters gather outside the parliament building in the rain. (AP Photo/Jae C. Hong)", LEAD, NEXT),
        ("uk", "Прем'єр-міністр під час засідання уряду в Києві у вівторок. Фото: Укрінформ", UK_LEAD, UK_NEXT),
        ("ru", "Премьер-министр во время заседания правительства в Москве во вторник. (Фото: ТАСС)", RU_LEAD, RU_NEXT),
    ],
    ids=["en-photo-by", "en-credit", "en-ap-photo", "uk", "ru"],
)
def test_a_caption_ending_with_its_credit_is_never_shown(language: str, caption: str, lead: str, following: str) -> None:
    # 269 and R992 of the Dragnet set: the caption's sentence led the summary; only its credit
    # was recognised.
    assert summarize_text(f"{caption}\n\n{lead}\n\n{following}", language) == f"{lead} {following}"


def test_an_advert_ending_in_link_text_is_never_shown() -> None:
    # R686: "Provence Villa Rental …; gourmet kitchen, covered terrace & pool. Views of
    # Roussillon. Click here" was the summary's third sentence.
    advert = "Provence Villa Rental, a luxury home with four bedrooms and a covered terrace and pool. Click here"
    assert summarize_text(f"{LEAD}\n\n{advert}\n\n{NEXT}", "en") == f"{LEAD} {NEXT}"


def test_a_sentence_starting_with_a_colon_is_never_shown() -> None:
    # R686: a dictionary entry's ": nonsense; anything at all; …" line, cut from its headword.
    assert summarize_text(f"{LEAD}\n\n: nonsense; anything at all; whatever you like, really.\n\n{NEXT}", "en") == (
        f"{LEAD} {NEXT}"
    )


@pytest.mark.parametrize(
    "text",
    [
        "The council met on July 24, 2012, at 8:38 a.m. to vote on the budget.",  # a date inside a sentence
        "On 5 May 2024 the government approved the plan.",
    ],
)
def test_a_sentence_with_a_date_is_not_a_timestamp(text: str) -> None:
    assert not is_timestamp(text)
    assert summarize_text(text, "en") == text


def test_prose_mentioning_a_photo_or_a_link_is_not_furniture() -> None:
    assert not ends_with_credit("He showed the court the photo: it was blurry and taken at night.")
    assert not ends_with_credit("The photo by the river was taken in 2012, the archive says.")
    assert not ends_with_call("Readers who click here and there will find nothing of the kind.")
    long_line = "The story goes on. " * 30 + "(file photo of cheetahs at the zoo)"
    assert not ends_with_credit(long_line)  # a text without line breaks is one long line


@pytest.mark.parametrize(
    "byline",
    ["Posted August 7th, 2012 / By Sara Carter in Social", "Published: July 23, 2012", "Updated on 5 Nov 2012, 10:15"],
)
def test_a_posted_on_date_line_is_never_shown(byline: str) -> None:
    # T37 of the Dragnet set: "Posted August 7th, 2012 / By Sara Carter in Social" led the
    # summary once the next line (in lower case) was joined to it.
    assert summarize_text(f"{byline}\n{LEAD}\n{NEXT}", "en") == f"{LEAD} {NEXT}"


@pytest.mark.parametrize(
    ("language", "text", "lead"),
    [
        ("en", "So Alexa Posny, the assistant secretary for special education, is leaving the department this week.",
         "Alexa Posny, the assistant secretary for special education, is leaving the department this week."),
        ("en", "But the council has approved the new budget for next year after a long debate.",
         "The council has approved the new budget for next year after a long debate."),
        ("uk", "Але уряд ухвалив новий бюджет на наступний рік після довгих дебатів у Раді.", UK_LEAD),
        ("ru", "Итак, правительство утвердило новый бюджет на следующий год после долгих дебатов.", RU_LEAD),
    ],
    ids=["en-so", "en-but", "uk-ale", "ru-itak"],
)
def test_a_first_sentence_opening_with_a_connective_leads_without_it(language: str, text: str, lead: str) -> None:
    # T68: "So Alexa Posny … is leaving …" was skipped for opening with a leaning word, and the
    # summary led with the sentence after it, which leaned on it. The text's first sentence
    # leans on nothing but the headline: it leads, without its "So".
    following = {"en": NEXT, "uk": UK_NEXT, "ru": RU_NEXT}[language]
    assert summarize_text(f"{text} {following}", language) == f"{lead} {following}"


@pytest.mark.parametrize(
    "text",
    [
        "A 5 min read on the budget.", "5-minute read", "Час читання: 3 хв.", "Время чтения 4 минуты.",
        "Reading time 2 minutes.", "Tempo de leitura: 1 minuto", "Categoria: Notícias", "Category: News",
        "Tags: budget, council", "Категорія: Новини", "Категория: Новости", "Теги: бюджет", "Getty Images",
        "SHUTTERSTOCK", "AFP via Getty Images", "Photo credit John Smith", "see https://example.com now",
        "www.example.com", "The council read the budget twice.", "A plain sentence with nothing in it.",
    ],
)
def test_the_junk_prefilter_finds_what_the_expression_finds(text: str) -> None:
    # _junk_anywhere runs the expression only when one of its words is in the text: it must
    # never miss a match the expression alone would find.
    from bot.news.summary_units import _JUNK_ANYWHERE_RE, _junk_anywhere

    assert _junk_anywhere(text) == bool(_JUNK_ANYWHERE_RE.search(text))


@pytest.mark.parametrize(
    ("language", "furniture", "lead", "following"),
    [
        ("en",
         "Follow @newsdesk on Twitter\n\nView of the harbour from the pier. Credit: A Reader\n"
         "Remove this ad\n\nPhoto: Reuters\n\n",
         LEAD, NEXT),
        ("uk",
         "Стежте за нами в Telegram\n\nВигляд на Раду з площі. Фото: Укрінформ\nРеклама\n\nФото: Reuters\n\n",
         UK_LEAD, UK_NEXT),
    ],
    ids=["en", "uk"],
)
def test_page_furniture_is_no_step_away_from_the_lead(
    language: str, furniture: str, lead: str, following: str
) -> None:
    # R992 of the Dragnet set: a promotion line, a credited caption, "Remove this ad" and a
    # credit between the lead and the story counted as four sentences passed over, so the
    # summary stopped at its first sentence.
    told = "It was the second such decision this year, after a long debate in the parliament."
    if language == "uk":
        told = "Це вже друге таке рішення цього року після довгих дебатів у парламенті."
    text = f"{lead}\n\n{furniture}{following}\n\n{told}"
    assert summarize_text(text, language) == f"{lead} {following} {told}"


def test_a_question_lead_looks_past_page_furniture_for_a_sentence_that_tells() -> None:
    # R992: "Want to stay on top of all the space news?", then a "Follow … on Twitter" line and
    # a credited caption, then the story; the question stayed, alone.
    text = (
        "Total Solar Eclipse, November 2012: Images and Video\n\nWant to stay on top of all the space news?\n\n"
        "Follow @universetoday on Twitter\n\nView of the eclipse from Clifton Beach in Queensland, Australia. "
        "Credit: Camilla\n    Remove this ad\n\n"
        "Here are some images and video from the total solar eclipse of November 13, 2012, which was visible "
        "only from the northern part of Australia. Ian Musgrave from Adelaide, Australia was clouded out."
    )
    summary = summarize_text(text, "en")
    assert summary.startswith("Here are some images and video from the total solar eclipse")
    assert "Want to stay" not in summary


def test_page_furniture_counts_again_once_the_lead_has_company() -> None:
    # Read on the Dragnet gold texts: with two sentences chosen, a third found past captions and
    # credits read worse more often than not ("… Copyright © 1973 … Used by permission.").
    furniture = "Photo: Reuters\n\nBy A Reporter\n\nFollow @newsdesk on Twitter\n\nRemove this ad\n\n"
    far = "A different story about the council budget was published on Monday."
    text = f"{LEAD}\n\n{NEXT}\n\n{furniture}{far}"
    assert summarize_text(text, "en") == f"{LEAD} {NEXT}"


@pytest.mark.parametrize(
    "line",
    [
        "Holy Bible, New International Version®, NIV® Copyright © 1973, 1978, 1984, 2011 by Biblica, Inc.® Used by permission.",
        "All rights reserved by the publisher of this page and its partners.",
        "3)Twist it into a bun and secure it with pins.",
    ],
    ids=["copyright", "rights", "numbered-no-space"],
)
def test_a_copyright_notice_or_a_list_item_is_never_the_summary(line: str) -> None:
    # R751 and R702 of the Dragnet set, once a lone lead reached past furniture for a second sentence.
    assert summarize_text(f"{LEAD}\n\n{line}\n\n{NEXT}", "en") == f"{LEAD} {NEXT}"
