"""The summary's reading rules in Russian and Ukrainian: openers leaning on skipped context,
captions, bylines and datelines (issue #11: "the same rules for Russian and Ukrainian").

Hand-written texts; no shared data is read.
"""

from __future__ import annotations

import pytest

from bot.news.summarize import summarize_text

UK_LEAD = "Уряд ухвалив новий бюджет на наступний рік після довгих дебатів у Раді."
UK_TOLD = "Видатки на освіту зростуть на п'ять відсотків за планом міністерства."
RU_LEAD = "Правительство утвердило новый бюджет на следующий год после долгих дебатов."
RU_TOLD = "Расходы на образование вырастут на пять процентов по плану министерства."
LEANING = [
    ("ru", "Но", "Но оппозиция заявила, что оспорит решение в суде на этой неделе."),
    ("ru", "Также", "Также депутаты решили сократить расходы на содержание аппарата."),
    ("ru", "Он", "Он вступит в силу с первого января следующего года по закону."),
    ("ru", "Это", "Это решение вызвало споры среди экономистов и депутатов."),
    ("uk", "Але", "Але опозиція заявила, що оскаржить рішення в суді цього тижня."),
    ("uk", "Також", "Також депутати вирішили скоротити видатки на утримання апарату."),
    ("uk", "Він", "Він набуде чинності з першого січня наступного року за законом."),
    ("uk", "Це", "Це рішення викликало суперечки серед економістів і депутатів."),
]


def _lead_and_told(language: str) -> tuple[str, str]:
    return (UK_LEAD, UK_TOLD) if language == "uk" else (RU_LEAD, RU_TOLD)


@pytest.mark.parametrize(("language", "word", "leaning"), LEANING, ids=[f"{lang}-{word}" for lang, word, _ in LEANING])
def test_an_opener_leaning_on_a_skipped_sentence_is_left_out(language: str, word: str, leaning: str) -> None:
    # The sentence before it is a question the summary never shows: "Но …" / "Він …" would
    # point at it.
    lead, told = _lead_and_told(language)
    question = "Що буде далі з цими грошима?" if language == "uk" else "Что будет дальше с этими деньгами?"
    summary = summarize_text("\n\n".join([lead, question, leaning, told]), language)
    assert summary.startswith(lead)
    assert summary == f"{lead} {told}", word


@pytest.mark.parametrize(("language", "word", "leaning"), LEANING, ids=[f"{lang}-{word}" for lang, word, _ in LEANING])
def test_an_opener_leaning_on_the_sentence_shown_before_it_is_kept(language: str, word: str, leaning: str) -> None:
    lead, told = _lead_and_told(language)
    summary = summarize_text("\n\n".join([lead, leaning, told]), language)
    assert summary == f"{lead} {leaning} {told}"


@pytest.mark.parametrize(
    ("language", "caption"),
    [
        ("uk", "Прем'єр-міністр під час засідання уряду в Києві"),
        ("uk", "Фото: Укрінформ"),
        ("uk", "Фото — Reuters"),
        ("ru", "Премьер-министр во время заседания правительства в Москве"),
        ("ru", "Фото: ТАСС"),
        ("ru", "Источник: РИА Новости"),
    ],
)
def test_a_caption_line_is_never_shown_or_glued(language: str, caption: str) -> None:
    lead, told = _lead_and_told(language)
    summary = summarize_text(f"{lead}\n{caption}\n{told}", language)
    assert summary == f"{lead} {told}"


@pytest.mark.parametrize(
    ("language", "byline"),
    [
        ("uk", "Автор: Іван Петренко"),
        ("uk", "Автор: Іван Петренко, 5 травня 2024"),
        ("uk", "Опубліковано 5 травня 2024 о 10:15"),
        ("ru", "Автор: Иван Петров."),
        ("ru", "Автор — Иван Петров"),
        ("ru", "Опубликовано: 1 декабря 2024, 10:15"),
    ],
)
@pytest.mark.parametrize("where", ["first", "between"])
def test_a_byline_is_never_shown(language: str, byline: str, where: str) -> None:
    lead, told = _lead_and_told(language)
    lines = [byline, lead, told] if where == "first" else [lead, byline, told]
    assert summarize_text("\n".join(lines), language) == f"{lead} {told}"


@pytest.mark.parametrize(
    ("language", "dateline"),
    [
        ("uk", "КИЇВ, 5 травня. /Укрінформ/. "),
        ("uk", "ЛЬВІВ, 12 січня 2024 (УНН) — "),
        ("uk", "КИЇВ, 5 травня — Укрінформ. "),
        ("ru", "МОСКВА, 1 декабря. /ТАСС/. "),
        ("ru", "МОСКВА, 1 дек — РИА Новости. "),
        ("ru", "КИЕВ, 3 мар — Интерфакс-Украина. "),
    ],
)
def test_a_dateline_is_cut_off_the_lead(language: str, dateline: str) -> None:
    lead, told = _lead_and_told(language)
    assert summarize_text(f"{dateline}{lead} {told}", language) == f"{lead} {told}"


def test_a_closed_low_quote_before_a_glued_quotation_does_not_hide_the_seam() -> None:
    # „…“ (Ukrainian) closes with “, which a count of “ against ” took for a quotation still
    # open, so the caption glued before the speech was kept as if the speech were nested.
    text = (
        "Уряд ухвалив новий бюджет на наступний рік після довгих дебатів у Раді.\n"
        "Прем'єр-міністр на засіданні фракції „Слуга народу“ в Києві «Ми не відступимо від плану "
        "ні на крок», — сказав він."
    )
    summary = summarize_text(text, "uk")
    assert summary.endswith("«Ми не відступимо від плану ні на крок», — сказав він.")
    assert "засіданні" not in summary


def test_speech_inside_an_open_low_quote_is_not_cut_off() -> None:
    # A „ quotation still open before the inner speech: the speech is quoted inside it, no seam.
    text = (
        "Уряд ухвалив новий бюджет на наступний рік після довгих дебатів у Раді.\n"
        "„Прем'єр-міністр сказав нам учора в Києві «Ми не відступимо від плану ні на крок», — і "
        "пішов геть“, — розповів депутат."
    )
    summary = summarize_text(text, "uk")
    assert "„Прем'єр-міністр сказав нам учора" in summary
