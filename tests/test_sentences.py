"""Sentence splitting for en/uk/ru news: where a summary may start and stop."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.news.sentences import split_lines, split_paragraphs, split_sentences

CASES = [
    pytest.param(
        "Mr. Smith met Dr. Jones in Washington on Monday. They talked for an hour.",
        ["Mr. Smith met Dr. Jones in Washington on Monday.", "They talked for an hour."],
        id="en-titles",
    ),
    pytest.param(
        "U.S. President Joe Biden spoke first. Then he moved to the U.S. The company followed.",
        ["U.S. President Joe Biden spoke first.", "Then he moved to the U.S.", "The company followed."],
        id="en-dotted-acronym",
    ),
    pytest.param(
        "Shares of Apple Inc. The stock fell. Apple Inc. CEO Tim Cook spoke. It was John Smith Jr. "
        "He left.",
        ["Shares of Apple Inc.", "The stock fell.", "Apple Inc. CEO Tim Cook spoke.", "It was John Smith Jr.",
         "He left."],
        id="en-company-suffixes",
    ),
    pytest.param(
        "They discussed trade, e.g. tariffs, quotas, etc. The talks ended at 5 p.m. local time.",
        ["They discussed trade, e.g. tariffs, quotas, etc.", "The talks ended at 5 p.m. local time."],
        id="en-eg-etc-pm",
    ),
    pytest.param(
        "The novel by J. K. Rowling sold well. Sales rose 3.5% in 2023.",
        ["The novel by J. K. Rowling sold well.", "Sales rose 3.5% in 2023."],
        id="en-initials-decimal",
    ),
    pytest.param(
        "В. Зеленський і В.В. Путин не зустрічалися. Інфляція склала 3.5% у 2022 році.",
        ["В. Зеленський і В.В. Путин не зустрічалися.", "Інфляція склала 3.5% у 2022 році."],
        id="uk-ru-initials",
    ),
    pytest.param(
        "Вторгнення почалося 24.02.2022. Тоді ж було введено воєнний стан.",
        ["Вторгнення почалося 24.02.2022.", "Тоді ж було введено воєнний стан."],
        id="date-at-end",
    ),
    pytest.param(
        "Це коштувало 5 млн. гривень, тобто 120 тис. доларів. Ціни зросли на 10 грн. Уряд мовчить.",
        ["Це коштувало 5 млн. гривень, тобто 120 тис. доларів.", "Ціни зросли на 10 грн.", "Уряд мовчить."],
        id="uk-money",
    ),
    pytest.param(
        "Згідно зі ст. 111 ККУ, це злочин. Так було в XIX ст. Тоді все змінилося.",
        ["Згідно зі ст. 111 ККУ, це злочин.", "Так було в XIX ст.", "Тоді все змінилося."],
        id="uk-st",
    ),
    pytest.param(
        "Він народився у 2022 р. у Києві. Це було у березні 2022 р. Тоді все почалося.",
        ["Він народився у 2022 р. у Києві.", "Це було у березні 2022 р.", "Тоді все почалося."],
        id="uk-year",
    ),
    pytest.param(
        "Музей им. Пушкина открыт. Музей ім. Шевченка теж. В г. Москва холодно.",
        ["Музей им. Пушкина открыт.", "Музей ім. Шевченка теж.", "В г. Москва холодно."],
        id="ru-uk-im-city",
    ),
    pytest.param(
        "Сюда относятся хлеб, молоко и т.д. Также мясо, т. е. всё. И т. д. Прочее.",
        ["Сюда относятся хлеб, молоко и т.д.", "Также мясо, т. е. всё.", "И т. д.", "Прочее."],
        id="ru-td-te",
    ),
    pytest.param(
        "Він сказав: «Ми переможемо». Потім пішов. «Ми готові!» — заявив він. Що далі?! Побачимо.",
        [
            "Він сказав: «Ми переможемо».", "Потім пішов.", "«Ми готові!» — заявив він.", "Що далі?!",
            "Побачимо.",
        ],
        id="uk-guillemets",
    ),
    pytest.param(
        "Він назвав це „історичним рішенням.“ Опозиція не погодилася.",
        ["Він назвав це „історичним рішенням.“", "Опозиція не погодилася."],
        id="uk-low-quotes",
    ),
    pytest.param(
        'He said: "We will win." Then he left. (This was expected.) Next came "the vote?" No.',
        [
            'He said: "We will win."', "Then he left.", "(This was expected.)", 'Next came "the vote?"',
            "No.",
        ],
        id="en-quotes-brackets",
    ),
    pytest.param(
        '"Why not?" he asked. Nobody knew... Silence. And then… Applause.',
        ['"Why not?" he asked.', "Nobody knew...", "Silence.", "And then…", "Applause."],
        id="ellipsis-and-lowercase-after-question",
    ),
    pytest.param(
        "— Ми не відступимо, — сказав він. — Ніколи.",
        ["— Ми не відступимо, — сказав він.", "— Ніколи."],
        id="dialogue-dashes",
    ),
    pytest.param(
        "Headline without a period\n\nFirst sentence. Second\nline of it\n\n\n  Last one",
        ["Headline without a period", "First sentence.", "Second line of it", "Last one"],
        id="paragraph-breaks",
    ),
    pytest.param(
        "See bbc.com/news and v1.2.3 for details. Version 2.0 follows.",
        ["See bbc.com/news and v1.2.3 for details.", "Version 2.0 follows."],
        id="no-space-no-split",
    ),
    pytest.param(
        # Found on a PolitiFact page: "on Nov." was cut off its date, splitting a quotation.
        "Trump said at a rally on Nov. 6, 2019. It rained in Sept. The rally went on.",
        ["Trump said at a rally on Nov. 6, 2019.", "It rained in Sept.", "The rally went on."],
        id="en-month-abbreviation-before-a-date",
    ),
]


@pytest.mark.parametrize(("text", "expected"), CASES)
def test_split_sentences(text: str, expected: list[str]) -> None:
    assert split_sentences(text) == expected


def test_paragraph_break_always_ends_a_sentence() -> None:
    # Even after an abbreviation that would otherwise continue the sentence.
    assert split_sentences("Meeting with Mr.\n\nSmith arrived.") == ["Meeting with Mr.", "Smith arrived."]


def test_empty_and_blank_text() -> None:
    assert split_sentences("") == []
    assert split_sentences(" \n\n \t ") == []


def test_split_paragraphs_is_consistent_with_split_sentences() -> None:
    text = "A b c. D e f.\n\n\n G h.\n \nI j"
    assert split_paragraphs(text) == ["A b c. D e f.", "G h.", "I j"]
    assert [s for p in split_paragraphs(text) for s in split_sentences(p)] == split_sentences(text)


_TOKENS = st.sampled_from(
    [
        "Mr.", "Dr.", "U.S.", "e.g.", "etc.", "т.д.", "т.", "е.", "ст.", "р.", "г.", "грн.",
        "млн.", "им.", "ім.", "J.", "K.", "В.В.", "3.5%", "24.02.2022", "«Так!»", "„Ні.“",
        '"Yes."', "(see", "above.)", "...", "…", "?!", "—", "-", "word", "Word", "слово",
        "Слово", "2022", "\n", "\n\n", " ", "\t", ".", "?", "!",
    ]
)


@settings(max_examples=400, deadline=None)
@given(st.lists(st.one_of(_TOKENS, st.text(max_size=8)), max_size=40).map(" ".join))
def test_joining_sentences_loses_no_words(text: str) -> None:
    sentences = split_sentences(text)
    assert " ".join(sentences).split() == text.split()
    assert all(sentence and sentence == sentence.strip() for sentence in sentences)
    assert all("\n" not in sentence for sentence in sentences)


@settings(deadline=None)
@given(st.lists(st.sampled_from(["Alpha beta.", "Гамма дельта!", "Epsilon?"]), min_size=1, max_size=8))
def test_plain_sentences_are_all_found(parts: list[str]) -> None:
    assert split_sentences(" ".join(parts)) == parts


def test_split_lines_keeps_each_line_and_rejoins_a_soft_wrap() -> None:
    text = "A heading\nFirst line of a paragraph\nwrapped here.\n\n  Caption line  \nNext paragraph.\nsmall start"
    assert split_lines(text) == [
        "A heading",
        "First line of a paragraph wrapped here.",
        "Caption line",
        "Next paragraph.",
        "small start",  # after a closed sentence, a lower-case line is a line of its own
    ]
