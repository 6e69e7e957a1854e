"""Language detection: English, Ukrainian and Russian told apart, short texts included."""

from __future__ import annotations

import pytest

from bot.news.lang import detect_language


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("The government approved a plan to rebuild the power grid before winter.", "en"),
        ("Уряд ухвалив план відновлення енергосистеми до початку зими.", "uk"),
        ("Правительство утвердило план восстановления энергосистемы до начала зимы.", "ru"),
        ("Der Präsident hat das Gesetz am Montag unterzeichnet.", "de"),
        ("Le président a signé la loi lundi après-midi.", "fr"),
        ("Prezydent podpisał ustawę w poniedziałek.", "pl"),
    ],
)
def test_sentences_in_common_news_languages(text: str, expected: str) -> None:
    assert detect_language(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # Short Cyrillic headlines, where a statistical model alone confuses uk/ru/bg/mk.
        ("Київ", "uk"),
        ("Президент підписав закон", "uk"),
        ("Президент подписал закон", "ru"),
        ("Вчора в Києві", "uk"),
        ("Выборы мэра", "ru"),
        ("Україна", "uk"),
        ("Прэзідэнт падпісаў закон", "be"),
    ],
)
def test_short_cyrillic_texts_by_their_letters(text: str, expected: str) -> None:
    assert detect_language(text) == expected


def test_ukrainian_text_quoting_a_russian_phrase_stays_ukrainian() -> None:
    text = (
        "Мер міста заявив, що ремонт мосту завершать до осені. Раніше російські пропагандисти "
        "писали «мост будет закрыт навсегда», але ці заяви не підтвердилися, а рух відновлять "
        "у вересні після перевірки конструкцій."
    )
    assert detect_language(text) == "uk"


@pytest.mark.parametrize("text", ["", "   ", "12345 !!!", "—", "ok", "Москва"])
def test_too_little_text_is_unknown(text: str) -> None:
    assert detect_language(text) == ""


def test_long_text_uses_only_its_beginning() -> None:
    text = "Уряд ухвалив рішення про підвищення пенсій з першого березня. " * 500
    assert detect_language(text) == "uk"
