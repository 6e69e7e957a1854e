"""A sentence that names nothing gives its place to the next one that names someone or something.

Small hand-written texts shaped like the CNN/DailyMail articles where the rule was measured
(``bench/bench_summarize.py``), in English and Russian.
"""

from __future__ import annotations

import pytest

from bot.news.summarize import summarize_text
from bot.news.vagueness import is_vague, welcomes

LEAD = "Arsenal are the form team in Europe at present, winning 10 games out of their last 11."
VAGUE = "Their recent success can probably be explained by a number of reasons."
NAMED = "Players have returned from injury, and Olivier Giroud cannot stop scoring for the club."
NEXT = "With the Gunners preparing for the trip to Burnley on Saturday, Europcar revealed their playlist."


def test_a_vague_last_sentence_gives_its_place_to_the_next_one_that_names_something() -> None:
    assert summarize_text(f"{LEAD} {NAMED} {VAGUE} {NEXT}", "en") == f"{LEAD} {NAMED} {NEXT}"


def test_a_vague_sentence_in_the_middle_stays() -> None:
    # The sentence after it may lean on it in a way no rule sees ("Which is not to say …" then
    # "What it is to say is …", found on a real page): only the last sentence gives way.
    assert summarize_text(f"{LEAD} {VAGUE} {NAMED} {NEXT}", "en") == f"{LEAD} {VAGUE} {NAMED}"


@pytest.mark.parametrize(
    "following",
    [
        "'We are hungry for more and the title is the aim,' said Arsene Wenger on Friday.",  # a quotation
        "The club's form was reported by Sky Sports News on Friday night.",  # an attribution
        "Vote for the Arsenal Player of the Season on Arsenal TV now!",  # a call to the reader
        "The players were very happy about it and looked forward to the next games.",  # vague too
    ],
)
def test_it_stays_when_the_next_sentence_is_not_better(following: str) -> None:
    text = f"{LEAD} {NAMED} {VAGUE} {following}"
    assert summarize_text(text, "en") == f"{LEAD} {NAMED} {VAGUE}"


def test_it_stays_when_the_next_sentence_leans_on_it() -> None:
    leaning = "But Olivier Giroud says the squad still has much to prove in the Premier League."
    text = f"{LEAD} {NAMED} {VAGUE} {leaning}"
    assert summarize_text(text, "en") == f"{LEAD} {NAMED} {VAGUE}"


def test_it_stays_when_the_next_sentence_does_not_fit_in_its_place() -> None:
    text = f"{LEAD} {NAMED} {VAGUE} {NEXT}"
    room = len(f"{LEAD} {NAMED} {VAGUE}") + 5  # room for the three, not for NEXT in VAGUE's place
    assert summarize_text(text, "en", max_chars=room) == f"{LEAD} {NAMED} {VAGUE}"
    assert summarize_text(text, "en", max_chars=len(f"{LEAD} {NAMED} {NEXT}")) == f"{LEAD} {NAMED} {NEXT}"


def test_a_vague_sentence_in_russian_gives_way_too() -> None:
    lead = "Сборная России обыграла Хорватию со счетом 2:1 в матче отборочного турнира в Москве."
    vague = "Игра получилась очень напряженной и долго оставалась равной для обеих команд."
    named = "Оба мяча у хозяев забил Артем Дзюба, гол гостей на счету Луки Модрича."
    after = "Следующий матч команда Валерия Карпина проведет в Казани 12 октября."
    assert summarize_text(f"{lead} {named} {vague} {after}", "ru") == f"{lead} {named} {after}"


def test_what_counts_as_vague() -> None:
    assert is_vague(VAGUE)
    assert not is_vague(NAMED)  # names
    assert not is_vague("The fine was raised to 85 pounds for every hour over the limit.")  # a number
    assert not is_vague("先日、男性が逮捕されました。")  # no capital letters to tell names by
    assert not is_vague("Die Digitalisierung zieht sich durch fast alle Branchen und Anwendungsgebiete.")


def test_what_is_welcome_in_its_place() -> None:
    assert welcomes(NEXT)
    assert not welcomes(VAGUE)
    assert not welcomes("The boy was not attacked, Dr. Christopher Kuhar told Fox 8 on Sunday.")
    assert not welcomes("“We came here for a vacation,” Markus Asberg told the New York Post.")


def test_a_fact_check_verdict_never_gives_way() -> None:
    # 8380689f358c's shape: the verdict may name nothing, but it is the point.
    text = (
        "Claim: Senator John Smith voted against the 2019 farm bill in the Senate.\n\n"
        "Rating: Unproven, since the claim rests on a figure that nobody could trace to a source.\n\n"
        "The vote record of the United States Senate for June 2019 shows Smith voted for it."
    )
    assert summarize_text(text, "en", max_sentences=2) == (
        "Claim: Senator John Smith voted against the 2019 farm bill in the Senate. "
        "Rating: Unproven, since the claim rests on a figure that nobody could trace to a source."
    )


def test_it_stays_when_the_next_sentence_names_a_noun_only_a_skipped_one_introduced() -> None:
    # The swap-in is held to the "The <noun>" rule too: "The magazine …" after the question that
    # introduced the magazine was skipped would leave the reader asking which magazine.
    intro = "Was it the playlist that Vogue magazine asked the players about?"
    the_noun = "The magazine printed the playlist for the Burnley trip in 2015."
    assert summarize_text(f"{LEAD} {NAMED} {VAGUE} {intro} {the_noun}", "en") == f"{LEAD} {NAMED} {VAGUE}"
