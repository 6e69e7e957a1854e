"""The extractive summarizer: what a reader sees under a post's headline."""

from __future__ import annotations

import asyncio
import re

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from bot.news.models import Article
from bot.news.restated import cut_before_speech, cut_restated
from bot.news.runons import CAPTION
from bot.news.sentences import split_sentences
from bot.news.summarize import ExtractiveSummarizer, Summarizer, summarize_text

EN_TITLE = "EU agrees new €50bn aid package for Ukraine after Hungary drops veto"
EN_TEXT = """\
BRUSSELS — European Union leaders agreed on Thursday to a new €50bn (£43bn) aid package for Ukraine after Hungary's prime minister, Viktor Orbán, dropped his veto at the start of an emergency summit.

Photo: Reuters/Yves Herman

The deal, which will fund Ukraine's government over the next four years, was sealed within an hour of the summit opening, according to the European Council president, Charles Michel. "We have a deal. Unity," Mr. Michel wrote on social media. "This locks in steady, long-term, predictable funding for Ukraine."

Mr. Orbán had blocked the package in December, arguing that the money should be approved year by year. Diplomats said he was offered a review of the programme in two years, e.g. a debate among leaders, but no formal veto over future payments.

The package includes:

- €33bn in loans to be repaid over several decades;
- €17bn in grants for reconstruction and public services.

Ukraine's president, Volodymyr Zelensky, welcomed the decision, saying it would strengthen the country's long-term economic and financial stability. The funding is separate from military aid, which EU countries provide through the European Peace Facility and bilateral deals.

READ ALSO: WHAT THE AID MEANS FOR KYIV

Analysts at the Kiel Institute estimate that the EU and its member states have already committed about €85bn to Ukraine since February 2022, more than the U.S. over the same period. The U.S. Congress remains divided over a separate $60bn package requested by President Joe Biden.

The Ukrainian economy shrank by about 29% in 2022 but grew by an estimated 5.3% last year, according to the National Bank of Ukraine. Officials in Kyiv say foreign budget support remains essential while the war continues.
"""

UK_TITLE = "Уряд виділив 1,5 млрд грн на відновлення енергетики Харківщини"
UK_TEXT = """\
Кабінет міністрів України виділив 1,5 млрд грн на відновлення енергетичної інфраструктури Харківської області, пошкодженої внаслідок масованих російських атак. Про це повідомив прем'єр-міністр Денис Шмигаль.

Фото: Укрінформ

За його словами, кошти спрямують на ремонт підстанцій, ліній електропередачі та котелень у Харкові й області. «Наше завдання — до початку опалювального сезону забезпечити людей світлом і теплом. Ми працюємо разом з енергетиками та місцевою владою», — наголосив Шмигаль.

Читайте також: Як захистити енергосистему від ударів

Відповідно до постанови, розпорядником коштів буде Міністерство енергетики. Роботи планують завершити до 1 жовтня 2024 р. Контроль за використанням коштів здійснюватиме Державна аудиторська служба.

Серед першочергових об'єктів:

— підстанції, що живлять лікарні та водоканали;
— котельні в Харкові, Ізюмі та Куп'янську.

Голова Харківської ОВА Олег Синєгубов зазначив, що з початку року енергооб'єкти області зазнали понад 30 ударів. За даними ОВА, станом на 15.05.2024 без електропостачання залишалися близько 3,5 тис. абонентів.

Нагадаємо, у березні 2024 р. російські війська завдали масованого удару по ТЕЦ-5 та Зміївській ТЕС. Тоді без світла залишилися понад 200 тис. споживачів.
"""

RU_TITLE = "Центробанк сохранил ключевую ставку на уровне 16%"
RU_TEXT = """\
Банк России по итогам заседания совета директоров сохранил ключевую ставку на уровне 16% годовых, сообщила пресс-служба регулятора. Решение совпало с ожиданиями большинства аналитиков.

ФОТО: ТАСС

«Инфляционное давление остается высоким. Для возвращения инфляции к цели потребуется более продолжительный период поддержания жестких денежно-кредитных условий», — говорится в сообщении ЦБ. Регулятор допустил повышение ставки на следующем заседании.

По оценке Банка России, годовая инфляция на 22.04.2024 составила 7,8%. Цель регулятора — 4%. В прошлом месяце потребительские цены выросли на 0,5%, т.е. быстрее, чем ожидалось.

Председатель ЦБ Э. С. Набиуллина на пресс-конференции отметила, что рост кредитования остается высоким, в т.ч. из-за льготных программ. По ее словам, дефицит кадров на рынке труда также усиливает давление на цены.

Аналитики опрошенных банков ожидают, что ставка останется на уровне 16% как минимум до конца III кв. 2024 г. Следующее заседание совета директоров по ключевой ставке запланировано на 7 июня.

Напомним, в 2023 г. ЦБ повышал ставку пять раз: с 7,5% до 16%.
"""

ARTICLES = [
    pytest.param(EN_TEXT, "en", EN_TITLE, id="en"),
    pytest.param(UK_TEXT, "uk", UK_TITLE, id="uk"),
    pytest.param(RU_TEXT, "ru", RU_TITLE, id="ru"),
]

LEADS = {
    "en": "European Union leaders agreed on Thursday to a new €50bn (£43bn) aid package "
    "for Ukraine after Hungary's prime minister, Viktor Orbán, dropped his veto at the start of an "
    "emergency summit.",
    "uk": "Кабінет міністрів України виділив 1,5 млрд грн на відновлення енергетичної "
    "інфраструктури Харківської області, пошкодженої внаслідок масованих російських атак.",
    "ru": "Банк России по итогам заседания совета директоров сохранил ключевую ставку на уровне "
    "16% годовых, сообщила пресс-служба регулятора.",
}

# A summary never opens with a closing quote, a dash or a list marker. (A straight quote may
# open a quotation; _quotes_balanced catches a dangling one.)
_DANGLING_START = tuple("»”—–-•*")


def _summary_sentences(summary: str, text: str, title: str = "") -> list[str]:
    """The input sentences the summary is made of, in order; fails if it is anything else."""
    whole = split_sentences(text)
    # The headline run into the text's first sentence is cut off it ("the the the that the
    # Київ." under the title "the the the that the" → "Київ."), as summary_units does.
    key = re.sub(r"\W+", "", title.casefold())
    words = whole[0].split() if whole and len(title) >= 15 else []
    untitled = [
        " ".join(words[count:]) for count in range(1, len(words)) if re.sub(r"\W+", "", " ".join(words[:count]).casefold()) == key
    ]
    # A dateline ("BRUSSELS — ") is cut off the sentence it opens.
    undated = [s.split(" — ", 1)[1] for s in whole if " — " in s[:40] and s.split(" — ", 1)[0].isupper()]
    # So is a stray comma or semicolon left where a link was cut out (", NASA announced").
    unpunctuated = [s.lstrip(",; ") for s in whole if s[:1] in ",;"]
    # And a caption run into a sentence that restates it ("Банк the said council Банк the council
    # said.", bot.news.restated): the sentence after the cut is the input's own words.
    restarted = [part for part in cut_before_speech(cut_restated(whole)) if not part.startswith(CAPTION)]
    sentences = sorted(set(whole + undated + unpunctuated + restarted + untitled), key=len, reverse=True)

    def parts(rest: str) -> list[str] | None:
        if not rest:
            return []
        for sentence in sentences:
            if rest == sentence or rest.startswith(sentence + " "):
                tail = parts(rest[len(sentence) + 1 :])
                if tail is not None:
                    return [sentence, *tail]
        return None

    found = parts(summary)
    assert found is not None, f"summary is not made of sentences of the input: {summary!r}"
    return found


def _quotes_balanced(text: str) -> bool:
    return text.count("«") == text.count("»") and text.count('"') % 2 == 0


@pytest.mark.parametrize(("text", "language", "title"), ARTICLES)
def test_summary_starts_with_the_intact_lead(text: str, language: str, title: str) -> None:
    summary = summarize_text(text, language, title=title)
    assert summary.startswith(LEADS[language] + " ") or summary == LEADS[language]


@pytest.mark.parametrize(("text", "language", "title"), ARTICLES)
@pytest.mark.parametrize("max_chars", [200, 350, 600, 1000])
def test_summary_is_whole_sentences_in_order_within_budget(
    text: str, language: str, title: str, max_chars: int
) -> None:
    summary = summarize_text(text, language, title=title, max_sentences=3, max_chars=max_chars)
    assert 0 < len(summary) <= max_chars
    parts = _summary_sentences(summary, text)
    positions = [text.index(part) for part in parts]
    assert positions == sorted(positions)
    assert not summary.startswith(_DANGLING_START)
    assert _quotes_balanced(summary)


@pytest.mark.parametrize(("text", "language", "title"), ARTICLES)
def test_summary_skips_captions_list_items_and_list_intros(
    text: str, language: str, title: str
) -> None:
    summary = summarize_text(text, language, title=title, max_sentences=6, max_chars=2000)
    assert len(_summary_sentences(summary, text)) >= 3
    for junk in ("Photo:", "Фото:", "ФОТО:", "READ ALSO", "Читайте також", "includes:", "об'єктів:"):
        assert junk not in summary
    assert not re.search(r"(^|\s)[—–-] ", summary.replace(" — ", " "))  # no list item


@pytest.mark.parametrize(("text", "language", "title"), ARTICLES)
def test_one_sentence_summary_is_the_lead(text: str, language: str, title: str) -> None:
    assert summarize_text(text, language, title=title, max_sentences=1) == LEADS[language]


COUNCIL_TEXT = (
    "The city council met on Tuesday evening for its monthly session at the town hall. "
    "Members first approved the minutes of the previous meeting without debate.\n\n"
    "Council members discussed the weather and the new parking signs for a while. "
    "The council then voted to close the Riverside public library branch next spring. "
    "Several residents asked about the snow clearing schedule for the winter months."
)


@pytest.mark.parametrize("max_sentences", [1, 2, 3, 4])
def test_summary_respects_max_sentences(max_sentences: int) -> None:
    summary = summarize_text(COUNCIL_TEXT, "en", max_sentences=max_sentences, max_chars=5000)
    assert len(_summary_sentences(summary, COUNCIL_TEXT)) == max_sentences


def test_quotation_spanning_sentences_is_kept_whole() -> None:
    summary = summarize_text(UK_TEXT, "uk", title=UK_TITLE, max_sentences=6, max_chars=3000)
    quotation = (
        "«Наше завдання — до початку опалювального сезону забезпечити людей світлом і теплом. "
        "Ми працюємо разом з енергетиками та місцевою владою», — наголосив Шмигаль."
    )
    assert quotation in summary
    assert _quotes_balanced(summary)


def test_unbalanced_quotation_fragments_are_never_chosen() -> None:
    # A quotation longer than a unit may span, and a sentence closing a quotation opened
    # before it: both would show a lone « or » in the post.
    text = (
        "The finance minister presented the draft budget for next year to parliament on Monday.\n\n"
        "«The budget protects pensions and the army. The budget raises no taxes. The budget cuts "
        "the deficit. The budget funds schools. The budget is balanced», the minister said.\n\n"
        "Opposition deputies said they would propose amendments to the draft budget next week."
    )
    summary = summarize_text(text, "en", title="Minister presents budget", max_sentences=3)
    assert "«" not in summary and "»" not in summary
    assert summary.startswith("The finance minister presented the draft budget")
    assert summary.endswith("amendments to the draft budget next week.")


def test_headline_repeated_as_first_line_is_skipped() -> None:
    text = f"{EN_TITLE}\n\n{EN_TEXT}"
    summary = summarize_text(text, "en", title=EN_TITLE)
    assert summary.startswith(LEADS["en"])


def test_overlong_lead_is_cut_at_a_word_boundary_with_ellipsis() -> None:
    lead = LEADS["en"]
    summary = summarize_text(EN_TEXT, "en", max_chars=100)
    assert len(summary) <= 100
    assert summary.endswith("…")
    stem = summary[:-1]
    assert lead.startswith(stem)
    assert lead[len(stem)] == " " or lead[len(stem) - 1] in ",;:"  # cut between words


def test_only_junk_gives_empty_summary() -> None:
    assert summarize_text("Photo: Reuters\n\nRead also: other news\n\nhttps://example.com") == ""
    assert summarize_text("") == ""


def test_short_feed_description_is_used_when_nothing_longer_exists() -> None:
    assert summarize_text("Putin visits Tehran.", "en") == "Putin visits Tehran."


def test_non_positive_limits_are_rejected() -> None:
    with pytest.raises(ValueError, match="limits must be positive"):
        summarize_text(EN_TEXT, max_chars=0)
    with pytest.raises(ValueError, match="limits must be positive"):
        summarize_text(EN_TEXT, max_sentences=0)


def test_extractive_summarizer_implements_the_protocol() -> None:
    summarizer: Summarizer = ExtractiveSummarizer()
    article = Article(url="https://example.com/a", title=RU_TITLE, text=RU_TEXT, language="ru")
    summary = asyncio.run(summarizer.summarize(article, max_sentences=2, max_chars=400))
    assert summary == summarize_text(RU_TEXT, "ru", title=RU_TITLE, max_sentences=2, max_chars=400)
    assert summary.startswith(LEADS["ru"])


_WORDS = st.sampled_from(
    "the council said on Monday that Ukraine Київ уряд заявив Банк России ставку 3.5% Mr. "
    "Dr. U.S. т.д. млн. «цитата» \"quote\" — - • Photo: 24.02.2022 J. K. etc. ... ?! : ; ,".split()
)
_SENTENCE = st.lists(_WORDS, min_size=1, max_size=25).map(" ".join)
_PARAGRAPH = st.lists(_SENTENCE, min_size=1, max_size=6).map(lambda s: ". ".join(s) + ".")
_TEXT = st.lists(_PARAGRAPH, min_size=0, max_size=6).map("\n\n".join)


@settings(max_examples=200, deadline=None)
@given(text=_TEXT, title=_SENTENCE, max_sentences=st.integers(1, 5), max_chars=st.integers(1, 800))
@example(text="the the the that the Київ.", title="the the the that the", max_sentences=1, max_chars=5)
@example(text="Банк the said council Банк the council said.", title="the", max_sentences=1, max_chars=22)
def test_summary_property_budget_and_provenance(
    text: str, title: str, max_sentences: int, max_chars: int
) -> None:
    summary = summarize_text(text, title=title, max_sentences=max_sentences, max_chars=max_chars)
    assert len(summary) <= max_chars
    if not summary:
        return
    sentences = split_sentences(text)
    if summary.endswith("…") and not any(s.startswith(summary) for s in sentences):
        # The one allowed cut: the start of the text's first usable sentence(s), then "…".
        assert " ".join(text.split()).find(summary[:-1]) >= 0
        assert len(summary) == max_chars or len(summary[:-1]) < max_chars
        return
    assert len(_summary_sentences(summary, text, title)) >= 1
    assert not summary.startswith(_DANGLING_START)
    assert _quotes_balanced(summary)


@settings(max_examples=300, deadline=None)
@given(text=st.text(), title=st.text(max_size=40), max_chars=st.integers(1, 300))
def test_summary_of_arbitrary_text_never_raises_and_fits(text: str, title: str, max_chars: int) -> None:
    assert len(summarize_text(text, title=title, max_chars=max_chars)) <= max_chars


def test_a_closing_quote_without_an_opener_does_not_break_the_summary() -> None:
    # Found on real pages of the extraction benchmark: a stray ” used to crash the summarizer.
    text = ("The minister said the plan” was final. Critics disagreed strongly with him on Monday. "
            "The vote is expected next week in parliament.")
    summary = summarize_text(text, "en", max_sentences=2)
    assert "Critics disagreed strongly with him on Monday." in summary  # no crash, whole sentences


SPEECH_TEXT = (
    "The council approved the budget for next year after a long debate on Tuesday night. "
    "\"We did our best for the schools,\" the mayor told reporters after the vote. "
    "Spending on schools will rise by five percent under the plan. "
    "Road repairs will get an extra two million dollars from the reserve fund."
)


def test_a_sentence_of_speech_gives_its_place_to_a_told_one() -> None:
    # Highlights retell what was said in the third person: a first-person quote after the
    # lead is passed over while told sentences fill the summary.
    summary = summarize_text(SPEECH_TEXT, "en", max_sentences=3)
    assert "We did our best" not in summary
    assert summary.endswith("from the reserve fund.")


def test_a_sentence_of_speech_is_shown_when_the_told_ones_leave_room() -> None:
    summary = summarize_text(SPEECH_TEXT, "en", max_sentences=4)
    assert summary == SPEECH_TEXT  # in document order, the quote in its place
    short = SPEECH_TEXT.rsplit(" Spending", 1)[0]
    assert summarize_text(short, "en") == short


def test_world_war_i_and_the_us_are_not_speech() -> None:
    text = (
        "The council approved the budget for next year after a long debate on Tuesday night. "
        "The museum opened a World War I exhibition with loans from the US and Canada. "
        "Spending on schools will rise by five percent under the plan."
    )
    assert summarize_text(text, "en", max_sentences=2).endswith("from the US and Canada.")
