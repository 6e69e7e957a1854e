"""Same-story detection, boilerplate pages and corrections: the pure rules of bot.news.stories."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from bot.news.stories import (
    JOIN_THRESHOLD,
    MAX_PHRASES,
    SAME_STORY_THRESHOLD,
    W_COSINE,
    W_LEAD,
    Candidate,
    StoryProfile,
    StoryVectors,
    decide,
    features,
    is_boilerplate,
    is_material_change,
    key_terms,
    profile_from_json,
    profile_to_json,
    relatedness,
    similarity,
    story_profile,
    story_vectors,
    terms_profile,
    vectors_from_json,
    vectors_to_json,
)
from tests.stories import DAM, DAM_FOLLOWUP, ELECTION, KYIV_UK, QUAKE_AP, QUAKE_OTHER, QUAKE_REUTERS

NOW = datetime(2026, 3, 1, 12, tzinfo=UTC)

COOKIE_WALL_EN = (
    "We value your privacy. We and our partners use cookies to store and access information on your "
    "device. By clicking Accept you consent to cookies and to our privacy policy. Manage cookie settings."
)
PAYWALL_EN = (
    "Subscribe to continue reading. This article is for subscribers only. Sign in to your account or "
    "subscribe now to get unlimited access. Already a subscriber? Log in."
)
RATE_LIMIT_EN = "Error 429: too many requests. You have been rate limited. Please enable JavaScript and verify you are human."
COOKIE_WALL_UK = (
    "Ми використовуємо файли cookie. Натискаючи «Погоджуюсь», ви надаєте згоду на використання файлів "
    "cookie та погоджуєтеся з політикою конфіденційності. Увійти або зареєструватися."
)
ERROR_RU = "Ошибка 404. Страница не найдена. Доступ запрещен. Включите JavaScript в браузере и обновите страницу."


def _profiles(*texts: tuple[str, str]) -> list[StoryProfile]:
    return [story_profile(title, text) for title, text in texts]


def _stats(profiles: list[StoryProfile]) -> tuple[Counter[str], int]:
    df: Counter[str] = Counter()
    for p in profiles:
        df.update({*p.terms, *p.names, *p.numbers, *p.lead})
    return df, len(profiles)


def _decide(new: StoryProfile, stored: list[StoryProfile], **kwargs) -> int | None:  # type: ignore[no-untyped-def]
    df, n = _stats([new, *stored])
    candidates = [Candidate(i + 1, story_vectors(p, df, n), NOW - timedelta(hours=1)) for i, p in enumerate(stored)]
    return decide(new, candidates, df, n, now=NOW, window=kwargs.pop("window", timedelta(days=3)), **kwargs).story_id


def test_another_outlets_write_up_joins_the_story_and_another_event_does_not() -> None:
    reuters, ap, other, election = _profiles(
        ("Earthquake kills 12 in Aceh", QUAKE_REUTERS), ("Strong quake in Aceh leaves 12 dead", QUAKE_AP),
        ("Quake shakes Sumbawa", QUAKE_OTHER), ("Portugal votes", ELECTION),
    )
    assert _decide(ap, [election, reuters]) == 2
    assert _decide(other, [election, reuters]) is None  # same kind of event, another event
    assert _decide(election, [reuters, other]) is None


STRIKE_UK = (
    "Уночі на вівторок російські дрони атакували Харків, повідомив міський голова Ігор Терехов. "
    "Пошкоджено 14 житлових будинків у Київському районі, поранено 7 людей.\n\n"
    "За словами Терехова, у частині міста немає світла; енергетики вже відновлюють живлення. "
    "Харківська обласна прокуратура розпочала провадження."
)
STRIKE_RU = (
    "В ночь на вторник российские дроны атаковали Харьков, сообщил городской голова Игорь Терехов. "
    "Повреждены 14 жилых домов в Киевском районе, ранены 7 человек.\n\n"
    "По словам Терехова, в части города нет света, энергетики восстанавливают электроснабжение. "
    "Харьковская областная прокуратура начала производство."
)
PORT_UK = (
    "В Одесі у вівторок відкрили після ремонту Потьомкінські сходи, повідомили в міській раді. "
    "Роботи тривали два роки і коштували 40 мільйонів гривень.\n\n"
    "На відкриття прийшли сотні одеситів; мер Геннадій Труханов подякував будівельникам."
)
LOHAN = (
    "After she abruptly left a rehab facility in Newport Beach, Lindsay Lohan has checked into the Betty "
    "Ford Center in Rancho Mirage. The actress, 26, checked in late at night, barely making the deadline "
    "and dodging an arrest warrant, and has hired her attorney again."
)
DOCTOR = (
    "Matt Smith, 26, has been cast as the next incarnation of the Doctor. Users on the fan forum mostly "
    "had the same reaction: who is he? The actor is relatively unknown and the skeptics wondered whether "
    "the right person was chosen for the part."
)


def test_a_ukrainian_and_a_russian_write_up_of_one_event_are_one_story() -> None:
    uk, ru, port = _profiles(("Дрони атакували Харків", STRIKE_UK), ("Дроны атаковали Харьков", STRIKE_RU),
                             ("Потьомкінські сходи відкрили", PORT_UK))
    assert _decide(ru, [port, uk]) == 2
    assert _decide(port, [uk, ru]) is None


def test_one_shared_number_does_not_make_two_unrelated_stories_one() -> None:
    # Both say "26" and nothing else alike: the numbers' overlap alone merged them.
    lohan, doctor = _profiles(("Lohan checks into Betty Ford", LOHAN), ("Matt Smith cast as the Doctor", DOCTOR))
    assert _decide(doctor, [lohan]) is None


def test_a_follow_up_days_later_is_a_story_of_its_own() -> None:
    dam, follow_up = _profiles(("Dam gates open", DAM), ("Reservoir levels rise", DAM_FOLLOWUP))
    assert _decide(follow_up, [dam]) is None


def test_a_story_outside_the_time_window_is_not_joined() -> None:
    reuters, ap = _profiles(("Earthquake kills 12 in Aceh", QUAKE_REUTERS), ("Quake in Aceh", QUAKE_AP))
    df, n = _stats([reuters, ap])
    old = [Candidate(1, story_vectors(reuters, df, n), NOW - timedelta(days=5))]
    assert decide(ap, old, df, n, now=NOW, window=timedelta(days=3)).story_id is None
    assert decide(ap, old, df, n, now=NOW, window=None).story_id == 1


def test_a_story_is_joined_by_the_mean_of_its_sources_so_one_stray_source_pulls_nothing_in() -> None:
    """Average link: a story holding one source close to a new article and one far from it is
    scored by their mean; by its best source alone (single link) the far story would win."""
    reuters, ap, other, election = _profiles(
        ("Earthquake kills 12 in Aceh", QUAKE_REUTERS), ("Strong quake in Aceh leaves 12 dead", QUAKE_AP),
        ("Quake shakes Sumbawa", QUAKE_OTHER), ("Portugal votes", ELECTION),
    )
    df, n = _stats([reuters, ap, other, election])
    seen = NOW - timedelta(hours=1)
    # Story 1 is the Aceh quake (one source); story 2 wrongly holds the Aceh report beside the
    # election it is about.
    candidates = [Candidate(1, story_vectors(reuters, df, n), seen), Candidate(2, story_vectors(election, df, n), seen),
                  Candidate(2, story_vectors(reuters, df, n), seen)]
    assert decide(ap, candidates, df, n, now=NOW, window=None).story_id == 1
    mixed = [Candidate(2, story_vectors(election, df, n), seen), Candidate(2, story_vectors(reuters, df, n), seen)]
    single = decide(ap, mixed, df, n, now=NOW, window=None, link="max")
    mean = decide(ap, mixed, df, n, now=NOW, window=None, link="mean")
    assert single.story_id == 2 and mean.score == single.score / 2  # the election source scores 0


def test_phrases_tell_a_write_up_of_the_event_from_another_event_of_its_kind() -> None:
    reuters, ap, other = _profiles(("Earthquake kills 12 in Aceh", QUAKE_REUTERS),
                                   ("Strong quake in Aceh leaves 12 dead", QUAKE_AP), ("Quake shakes Sumbawa", QUAKE_OTHER))
    df, n = _stats([reuters, ap, other])
    phrases = lambda a, b: features(a, b, df, n)[4]  # noqa: E731
    assert phrases(reuters, ap) > 2 * phrases(reuters, other)
    assert all(" " in phrase for phrase in reuters.phrases)


JACKSON = (
    "San Diego Chargers wide receiver Vincent Jackson was arrested on suspicion of drunk driving early on Tuesday, "
    "five days before the team's playoff game in Pittsburgh. Police said Jackson was stopped on a freeway in San Diego "
    "and failed sobriety tests. Jackson was released on bail hours later. The Chargers said they were aware of the arrest."
)
JACKSON_AGAIN = (
    "Vincent Jackson, a receiver for the San Diego Chargers, was booked on a drunk driving charge on Tuesday morning. "
    "The California Highway Patrol said Jackson was pulled over at about 2:30 a.m. Coach Norv Turner said Jackson "
    "would play on Sunday against Pittsburgh. Jackson was already on probation after an earlier arrest."
)
WILLIAMS = (
    "San Diego Chargers defensive tackle Jamal Williams was arrested on suspicion of drunk driving early on Sunday. "
    "Police said Williams was stopped on a freeway in San Diego for speeding and failed sobriety tests. "
    "Williams was released hours later. The Chargers said they were aware of the arrest, the team's second this month."
)


def test_shared_names_tell_the_protagonists_event_from_another_in_the_same_setting() -> None:
    jackson, again, williams, uk, ru, port = _profiles(
        ("Chargers receiver Jackson arrested", JACKSON), ("Jackson booked on DUI charge", JACKSON_AGAIN),
        ("Chargers tackle Williams arrested", WILLIAMS), ("Дрони атакували Харків", STRIKE_UK),
        ("Дроны атаковали Харьков", STRIKE_RU), ("Потьомкінські сходи відкрили", PORT_UK),
    )
    df, n = _stats([jackson, again, williams, uk, ru, port])
    shared = lambda a, b: features(a, b, df, n)[5]  # noqa: E731
    assert shared(jackson, again) > shared(jackson, williams) > 0  # Williams shares the team and the city only
    assert shared(jackson, again) == shared(again, jackson)
    assert shared(uk, ru) > 0.5 and shared(uk, port) == 0.0  # names meet across scripts, by their keys


def test_years_that_contradict_each_other_are_a_penalty_and_no_years_are_none() -> None:
    quake = "A strong earthquake struck the coast of Sumatra on Monday, killing at least 12 people in {}."
    q2008, q2012, q2012_again, undated = _profiles(
        ("Quake", quake.format("2008") + " " + QUAKE_OTHER), ("Quake", quake.format("2012") + " " + QUAKE_OTHER),
        ("Quake", quake.format("March 2012, as in 2004") + " " + QUAKE_OTHER), ("Quake", QUAKE_OTHER),
    )
    df, n = _stats([q2008, q2012, q2012_again, undated])
    dates = lambda a, b: features(a, b, df, n)[6]  # noqa: E731
    assert dates(q2008, q2012) == -1.0  # both say when, and never the same year
    assert dates(q2012, q2012_again) == 0.0 and dates(q2008, undated) == 0.0
    assert similarity(q2012, q2012_again, df, n) > similarity(q2008, q2012_again, df, n)


def test_a_profile_keeps_its_first_phrases_so_a_check_looks_up_few() -> None:
    long_text = "\n".join([QUAKE_REUTERS, QUAKE_AP, QUAKE_OTHER, DAM, ELECTION])
    profile = story_profile("Earthquake kills 12 in Aceh", long_text)
    assert 0 < len(profile.phrases) <= MAX_PHRASES < 60
    assert "earthquak kill" in profile.phrases  # the title's, seen first


def test_vectors_stored_before_leads_and_phrases_still_score() -> None:
    reuters, ap = _profiles(("Earthquake kills 12 in Aceh", QUAKE_REUTERS), ("Strong quake in Aceh leaves 12 dead", QUAKE_AP))
    df, n = _stats([reuters, ap])
    stored = vectors_to_json(story_vectors(reuters, df, n)).replace(',"l":', ',"x":').replace(',"p":', ',"y":')
    old = vectors_from_json(stored)
    assert not old.lead and not old.phrases
    decision = decide(ap, [Candidate(1, old, NOW)], df, n, now=NOW, window=None)
    assert decision.score > 0 and len(features(reuters, ap, df, n)) == 7


def test_boilerplate_pages_are_recognized_in_three_languages() -> None:
    for title, text in (("Reuters", COOKIE_WALL_EN), ("The Times", PAYWALL_EN), ("Just a moment", RATE_LIMIT_EN),
                        ("Новини", COOKIE_WALL_UK), ("Новости", ERROR_RU), ("Stub", "Short text only.")):
        assert is_boilerplate(title, text), title
    for title, text in (("Dam", DAM), ("Election", ELECTION), ("Міст", KYIV_UK), ("Quake", QUAKE_OTHER)):
        assert not is_boilerplate(title, text), title


def test_boilerplate_never_merges_and_is_never_a_merge_key() -> None:
    wall_a, wall_b, dam = _profiles(("Floods in the south", COOKIE_WALL_EN), ("Election results", COOKIE_WALL_EN),
                                    ("Dam", DAM))
    assert _decide(wall_b, [wall_a]) is None  # identical walls under different headlines
    assert _decide(wall_a, [dam]) is None
    df, n = _stats([wall_a, dam])
    assert key_terms(wall_a, df, n) == []
    # A real article whose stored twin is boilerplate never joins it.
    twin = story_vectors(StoryProfile(**{**_fields(dam), "boilerplate": True}), df, n)
    assert decide(dam, [Candidate(1, twin, NOW)], df, n, now=NOW, window=None, threshold=0.0).story_id is None


def _fields(p: StoryProfile) -> dict:
    return {"terms": p.terms, "names": p.names, "numbers": p.numbers, "words": p.words, "boilerplate": p.boilerplate,
            "lead": p.lead}


def test_material_changes_are_corrections_and_cosmetic_ones_are_not() -> None:
    assert not is_material_change("Portugal votes", ELECTION, "Portugal votes", ELECTION.replace("\n\n", "\n\n\n"))
    assert not is_material_change("Portugal votes", ELECTION, "Portugal votes!", ELECTION.replace(",", ""))
    assert is_material_change("Portugal votes", ELECTION, "Portugal votes", ELECTION.replace("116", "118"))
    assert is_material_change("Portugal votes", ELECTION, "Portugal re-elects coalition", ELECTION)
    longer = ELECTION + "\n\nThe opposition leader resigned on Monday after the defeat of his party."
    assert is_material_change("Portugal votes", ELECTION, "Portugal votes", longer)


def test_relatedness_ranks_the_same_topic_above_an_unrelated_one() -> None:
    dam, follow_up, election = _profiles(("Dam", DAM), ("Reservoir", DAM_FOLLOWUP), ("Portugal", ELECTION))
    df, n = _stats([dam, follow_up, election])
    assert relatedness(dam, follow_up, df, n) > 0.16 > relatedness(dam, election, df, n)


words = st.text(alphabet=st.sampled_from("abcdeklmnoprstuvwxyzабвгдеіїєклмнопрстуАБКМПZ0123456789 .,\n'"), max_size=300)


@given(words, words)
def test_profiles_survive_the_database_round_trip(title: str, text: str) -> None:
    profile = story_profile(title, text)
    assert profile_from_json(profile_to_json(profile)) == profile
    df, n = _stats([profile])
    vectors = story_vectors(profile, df, n)
    again = vectors_from_json(vectors_to_json(vectors))
    assert again.terms.keys() == vectors.terms.keys() and again.boilerplate == vectors.boilerplate


@given(words, words)
def test_scores_are_symmetric_and_bounded(a: str, b: str) -> None:
    pa, pb = story_profile("", a), story_profile("", b)
    df, n = _stats([pa, pb])
    assert abs(relatedness(pa, pb, df, n) - relatedness(pb, pa, df, n)) < 1e-9
    assert -1e-9 <= relatedness(pa, pb, df, n) <= 1 + 1e-9


def test_a_lone_surrogate_from_a_broken_feed_still_gives_a_storable_profile() -> None:
    profile = story_profile("Dam \ud800 opens", DAM + " \udfff")
    profile_to_json(profile).encode("utf-8")  # SQLite stores UTF-8: this must not raise


def test_the_cheap_profile_of_an_old_story_relates_as_the_full_one() -> None:
    for title, text in (("Dam gates open", DAM), ("Міст", KYIV_UK), ("Дроны атаковали Харьков", STRIKE_RU)):
        assert terms_profile(title, text).terms == story_profile(title, text).terms


def test_a_story_is_joined_at_the_join_threshold_which_is_under_the_pair_threshold() -> None:
    # Vectors made so the score is exactly W_COSINE * terms + W_LEAD * lead: the mean over the
    # story's two sources is 0.36, between JOIN_THRESHOLD (0.33) and SAME_STORY_THRESHOLD (0.386).
    new = StoryProfile(terms={"quak": 1}, names={}, numbers=frozenset(), words=40, boilerplate=False,
                       lead={"quak": 1})
    close = StoryVectors(terms={"quak": 1.0}, names={}, numbers={}, lead={"quak": 1.0})
    far = StoryVectors(terms={"quak": 0.88}, names={}, numbers={}, lead={})
    sources = [Candidate(7, close, NOW), Candidate(7, far, NOW)]
    mean = (W_COSINE + W_LEAD + W_COSINE * 0.88) / 2
    assert JOIN_THRESHOLD <= mean < SAME_STORY_THRESHOLD
    decision = decide(new, sources, {}, 10, now=NOW, window=None)
    assert decision.story_id == 7 and abs(decision.score - mean) < 1e-9
    assert decide(new, sources, {}, 10, now=NOW, window=None, threshold=SAME_STORY_THRESHOLD).story_id is None
