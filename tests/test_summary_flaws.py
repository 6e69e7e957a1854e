"""Flaws the reading check still found after issue #11's first round, one test each.

Hand-written texts shaped like the ones that showed the flaw (no shared data is read), in
English and, where the rule is not English-only, Ukrainian and Russian.
"""

from __future__ import annotations

import pytest

from bot.news.summarize import summarize_text

VERDICTS = [
    # The label above the verdict, the verdict in lower case: split_lines joins the two into one
    # line ("Rating mostly false"), which has no closing punctuation and was dropped.
    ("en", "Claim\nThe senator voted against the bill twelve times last year.\nRating\nmostly false\n"
     "The senator voted against the bill twice, records show, and once for it in March.",
     "Rating: mostly false."),
    # "Rating: mostly false" on one line: the lower-case verdict hid the label.
    ("en", "Claim: The senator voted against the bill twelve times last year.\nRating: mostly false\n"
     "The senator voted against the bill twice, records show, and once for it in March.",
     "Rating: mostly false."),
    ("uk", "Твердження\nСенатор голосував проти законопроєкту дванадцять разів минулого року.\nОцінка\n"
     "переважно неправда\nСенатор голосував проти законопроєкту двічі, свідчать записи Ради.",
     "Оцінка: переважно неправда."),
    ("ru", "Утверждение\nСенатор голосовал против законопроекта двенадцать раз в прошлом году.\n"
     "Оценка: скорее ложь\nСенатор голосовал против законопроекта дважды, показывают записи Думы.",
     "Оценка: скорее ложь."),
]


@pytest.mark.parametrize(("language", "text", "verdict"), VERDICTS)
def test_a_lower_case_fact_check_verdict_keeps_its_label(language: str, text: str, verdict: str) -> None:
    summary = summarize_text(text, language)
    assert verdict in summary
    assert summary.index(verdict) > 0  # after the claim it rates


def test_the_noun_a_skipped_sentence_introduced_is_not_shown_alone() -> None:
    # "The magazine …" after the summary skipped the sentence that named the magazine (a
    # speaker's words, held back): the reader meets "the magazine" without knowing which.
    text = (
        "The city council approved a new budget for the coming year after a long debate on Tuesday.\n"
        "\"We will fix every road in town, I promise you,\" the mayor told Vogue magazine on Monday.\n"
        "The magazine printed the interview in full on its website the same evening.\n"
        "Spending on schools will rise by five percent under the plan, officials said."
    )
    summary = summarize_text(text, "en", max_sentences=2)
    assert "The magazine" not in summary
    assert summary.endswith("Spending on schools will rise by five percent under the plan, officials said.")


def test_a_definite_noun_the_summary_already_named_is_shown() -> None:
    # The noun is in the lead ("… campaign …", then "The campaign …"): nothing was skipped that
    # it needs, so it stays even after a skipped caption-like sentence.
    text = (
        "The state launched an anti-drug campaign with the slogan Meth, we're on it on Monday.\n"
        "\"I'm proud of it, and you should be too,\" the governor said at the launch.\n"
        "The campaign, which includes digital and TV ads, cost the state roughly $449,000."
    )
    summary = summarize_text(text, "en", max_sentences=2)
    assert "The campaign, which includes digital and TV ads" in summary


def test_a_definite_noun_after_a_chain_of_the_same_phrase_is_shown() -> None:
    # "The object would …" (skipped) then "The same object …": the one introducing it is the
    # lead, which the summary shows; only the skipped sentence repeats the phrase.
    text = (
        "Oxford scientists say a Mercury-like body struck the young Earth billions of years ago.\n"
        "The object would have been the heat source for our planet's core, they say.\n"
        "The same object could have been responsible for creating the Moon, the study adds."
    )
    summary = summarize_text(text, "en", max_sentences=2)
    assert "The same object could have been responsible" in summary


def test_a_question_lead_gives_its_place_to_a_told_sentence() -> None:
    text = (
        "Ever wondered why the trains are always late?\n"
        "Network Rail will replace 4,000 signals in the south of England by 2030, its new plan shows.\n"
        "The work will cost about 2 billion pounds over the next decade."
    )
    summary = summarize_text(text, "en", title="Rail signals to be replaced")
    assert summary.startswith("Network Rail will replace 4,000 signals")
    assert "?" not in summary


def test_a_question_lead_stays_when_the_next_sentence_leans_on_it() -> None:
    # "It depends …" answers the question: without it the answer points at nothing.
    text = (
        "Think it's hard to redeem your miles for an airline award ticket?\n"
        "It depends on which airline rewards program you chose and when you book the ticket."
    )
    summary = summarize_text(text, "en")
    assert summary.startswith("Think it's hard to redeem your miles")


@pytest.mark.parametrize(
    ("language", "text", "lead"),
    [
        ("en",
         "David Cameron will say that high taxes are immoral as 14 million households receive a tax cut "
         "David Cameron will say today that high taxes and wasteful spending are immoral. "
         "The Prime Minister will make the speech in Bedford on Monday morning.",
         "David Cameron will say today that high taxes"),
        ("uk",
         "Марія Коваль, яка була безхатньою, тепер має житло після оголошення в мережі "
         "Марія Коваль знайшла житло у Львові завдяки телефону від фонду, який видав їй оголошення. "
         "Фонд роздав уже сто телефонів людям без житла цього року.",
         "Марія Коваль знайшла житло у Львові"),
        ("ru",
         "Иван Петров покидает зал суда, где его приговорили к пяти годам колонии "
         "Иван Петров приговорён к пяти годам колонии за мошенничество. "
         "Суд также обязал его вернуть деньги вкладчикам до конца года.",
         "Иван Петров приговорён к пяти годам"),
    ],
    ids=["en", "uk", "ru"],
)
def test_a_caption_restating_the_sentence_it_is_glued_to_is_cut_off(language: str, text: str, lead: str) -> None:
    # The copy lost its line breaks: a photo caption (no full stop) runs into the story sentence
    # it restates, with no restart word between them, only the sentence's opening again.
    summary = summarize_text(text, language)
    assert summary.startswith(lead)


def test_a_name_said_twice_in_one_sentence_is_not_a_restart() -> None:
    # The opening words come again after a comma: a list or an apposition, not a caption.
    text = "John Smith, John Smith Jr. and their lawyer arrived at the court in Leeds on Monday morning."
    assert summarize_text(text, "en") == text


@pytest.mark.parametrize(
    "text",
    [
        "Real Madrid have beaten Barcelona at home and Real Madrid fans celebrated in the streets all night.",
        "Реал Мадрид обыграл Барселону дома, и болельщики клуба Реал Мадрид праздновали всю ночь.",
        "Реал Мадрид обіграв Барселону вдома, а фанати клубу Реал Мадрид святкували всю ніч.",
    ],
    ids=["en", "ru", "uk"],
)
def test_a_subject_named_again_after_a_linking_word_is_not_a_restart(text: str) -> None:
    assert summarize_text(text) == text


@pytest.mark.parametrize(
    ("language", "text", "shown"),
    [
        ("en",
         "Tim Sherwood has urged Aston Villa to man up before their clash with relegation rivals QPR.\n"
         "Emmanuel Adebayor celebrates his goal by saluting Sherwood and Ramsey 'I think this is the "
         "biggest game that a lot of these players have ever played in,' said Sherwood.",
         "'I think this is the biggest game that a lot of these players have ever played in,' said Sherwood."),
        ("ru",
         "Правительство утвердило новый бюджет на следующий год после долгих дебатов.\n"
         "Премьер-министр на пресс-конференции в Москве «Мы не отступим от плана ни на шаг», — сказал "
         "он журналистам.",
         "«Мы не отступим от плана ни на шаг», — сказал он журналистам."),
        ("uk",
         "Уряд ухвалив новий бюджет на наступний рік після довгих дебатів у Раді.\n"
         "Прем'єр-міністр на засіданні уряду в Києві «Ми не відступимо від плану ні на крок», — сказав він.",
         "«Ми не відступимо від плану ні на крок», — сказав він."),
    ],
    ids=["en", "ru", "uk"],
)
def test_a_caption_glued_before_a_quotation_is_cut_off(language: str, text: str, shown: str) -> None:
    # A caption (no full stop) ran into the quotation after it: no restart word, only the
    # quotation opening after a word with no comma or colon.
    summary = summarize_text(text, language)
    assert summary.endswith(shown)
    assert "celebrates" not in summary and "конференции" not in summary and "засіданні" not in summary


def test_a_short_quoted_slogan_inside_a_sentence_is_not_a_restart() -> None:
    text = "The campaign painted the slogan 'We are here' on the walls of every school in the town."
    assert summarize_text(text, "en") == text


def test_a_caption_glued_before_a_count_of_people_is_cut_off() -> None:
    # The caption ends in a name ("the Court of Appeal"), so no restart word after lower case
    # marks the seam; "Millions of motorists" opens a sentence wherever it stands.
    text = (
        "Barry Beavis, 48, lost his case at the Court of Appeal Millions of motorists face spiralling "
        "parking fines after judges ruled that £85 was not an excessive penalty. "
        "Mr Beavis had overstayed a free two-hour limit by almost an hour in Chelmsford."
    )
    summary = summarize_text(text, "en")
    assert summary.startswith("Millions of motorists face spiralling parking fines")


@pytest.mark.parametrize(
    ("language", "lead"),
    [
        ("en", "This week concludes the Hajj, the annual pilgrimage to the Saudi Arabian holy city of Mecca."),
        ("en", "This spring, my bank was taken over by another bank from the other side of the country."),
        ("uk", "Цього тижня уряд ухвалив новий бюджет на наступний рік після довгих дебатів у Раді."),
        ("ru", "Этим летом правительство утвердило новый бюджет на следующий год после долгих дебатов."),
    ],
    ids=["en-week", "en-spring", "uk", "ru"],
)
def test_a_first_sentence_opening_with_this_week_leads(language: str, lead: str) -> None:
    # "This week …" names a time, not something said before: it was skipped as leaning and the
    # summary led with its second sentence (R169 of the Dragnet set, once its credited caption
    # above was no longer taken for the lead).
    following = {"en": "The pilgrims numbered about two million, officials in Riyadh said on Friday.",
                 "uk": "Видатки на освіту зростуть на п'ять відсотків за планом міністерства.",
                 "ru": "Расходы на образование вырастут на пять процентов по плану министерства."}[language]
    assert summarize_text(f"{lead} {following}", language) == f"{lead} {following}"


def test_that_year_still_leans_on_the_sentence_before() -> None:
    text = (
        "The band released its first album in 1998 to little notice outside Manchester.\n"
        "Was it the end of the road for the band?\n"  # a question: skipped, so "That year" leans on nothing shown
        "That year, the singer Tom Hale left the band and moved to Berlin with his 2 children.\n"
        "The group now plays small clubs in the north of England every summer."
    )
    summary = summarize_text(text, "en", max_sentences=2)
    assert "That year" not in summary
    assert summary.endswith("The group now plays small clubs in the north of England every summer.")


def test_a_definite_noun_followed_by_a_name_is_not_a_reference() -> None:
    # "The superstorm Sandy killed …": the name says which storm; R311 of the Dragnet set lost it.
    text = (
        "Sharon Brown returned to her flooded home the night before to be able to walk to her polling place.\n"
        "\"I wasn't going to miss this vote,\" she told reporters outside the gym as the superstorm raged on.\n"
        "The superstorm Sandy killed at least 113 people in the United States and Canada last week."
    )
    summary = summarize_text(text, "en", max_sentences=2)
    assert "The superstorm Sandy killed at least 113 people" in summary


def test_a_definite_noun_after_a_held_back_speaker_follows_it_when_it_is_shown() -> None:
    # R263: "Huggy Rao and I spent the week … of an executive program …" is a speaker's sentence,
    # held back until the told ones are placed; "The program appears …" leans on it and was
    # dropped though the speaker's sentence was shown after all.
    text = (
        "I spent the morning trying to catch up on the emails that piled up while we were away.\n"
        "Huggy Rao and I spent the week as co-directors of an executive program called Customer Innovation.\n"
        "The program appears to be a big success: participants rated it 4.87 on a 5-point scale."
    )
    summary = summarize_text(text, "en")
    assert summary.endswith("Customer Innovation. The program appears to be a big success: participants rated it "
                            "4.87 on a 5-point scale.")


def test_a_definite_noun_after_a_held_back_speaker_left_out_stays_out() -> None:
    # The same, but the budget leaves no room for the speaker's sentence: "The program …" cannot
    # come without it.
    text = (
        "I spent the morning trying to catch up on the emails that piled up while we were away.\n"
        "Huggy Rao and I spent the week as co-directors of an executive program called Customer Innovation.\n"
        "The program appears to be a big success: participants rated it 4.87 on a 5-point scale."
    )
    summary = summarize_text(text, "en", max_sentences=2)
    assert "The program" not in summary


@pytest.mark.parametrize(
    "following",
    [
        "As he sat in Herod Antipas's prison waiting for his likely execution, John was afflicted with doubts.",
        "Well, it was given a fair chance, and the British automaker MG presented its Icon concept SUV.",
    ],
)
def test_a_question_lead_does_not_give_way_to_a_sentence_using_a_pronoun_first(following: str) -> None:
    text = f"Are you struggling with doubts in the middle of painful circumstances?\n{following}"
    assert summarize_text(text, "en").startswith("Are you struggling with doubts")


@pytest.mark.parametrize(
    "following",
    [
        "Here's a simple Arduino project from Chicago to answer that question with a camera.",
        "Someone who reads a lot of blogs in the United States might be forgiven for thinking so.",
        "Unless we're still life folks in a London studio, the weather is part of every shoot.",
        "Проєкт з Києва дає відповідь на це питання за допомогою камери.",
    ],
    ids=["that-question", "thinking-so", "unless", "uk-ce-pytannia"],
)
def test_a_question_lead_stays_when_the_next_sentence_answers_it(following: str) -> None:
    # Dragnet R592, 192, R280: the sentence after a question lead leans on the question itself.
    text = f"Ever wonder who comes to your door during the day while you are gone?\n{following}"
    assert summarize_text(text, "uk" if following[0] == "П" else "en").startswith("Ever wonder who comes")


def test_a_question_lead_stays_when_the_sentence_after_it_leans_on_it() -> None:
    # Dragnet R822: "Both Workday co-CEOs …" leans on the question (a headline); the summary
    # reached past it for a later sentence and lost the story's start.
    text = (
        "How much is enough for Workday's Duffield?\n"
        "Both Workday co-CEOs Duffield and Bhusri have built and sold software companies for 20 years.\n"
        "As of September 2012, Duffield had an estimated net worth of $2.1 billion."
    )
    assert summarize_text(text, "en").startswith("How much is enough")


def test_a_long_sentence_ending_with_a_titles_question_mark_is_not_a_teaser() -> None:
    # Dragnet R663: the lead ends with the title of a post, "Is Newsjacking Hurricane Sandy Right
    # or Wrong?"; it tells, it does not tease.
    lead = (
        "Mike Volpe, HubSpot's marketing chief, apologized for the tone of the original post in an update "
        "to it now called Is Newsjacking Hurricane Sandy Right or Wrong?"
    )
    following = "The HubSpot post in Boston sparked a very important discussion on 12 blogs."
    assert summarize_text(f"{lead}\n{following}", "en") == f"{lead} {following}"
