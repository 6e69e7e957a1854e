"""Near-duplicate detection: the same story from two sources or URLs is posted once."""

from __future__ import annotations

import itertools
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from bot.news.fingerprint import (
    NEAR_DUPLICATE_DISTANCE,
    fingerprint,
    fingerprint_bands,
    hamming,
    is_near_duplicate,
    to_signed64,
    to_unsigned64,
)

# A wire story as one outlet publishes it.
EN_STORY = """\
Ukraine's military said on Sunday that its air defences shot down 34 of 39 drones launched by Russia overnight, as officials in several regions reported damage to energy facilities and homes.

The drones, most of them Iranian-designed Shahed models, were launched from the Kursk region and from occupied Crimea, the air force said in a statement on Telegram. Debris from one drone damaged a power substation in the Sumy region, leaving about 12,000 households without electricity.

In the Odesa region, a warehouse at the port of Izmail caught fire after a strike, regional governor Oleh Kiper said. Firefighters put out the blaze within two hours and nobody was hurt, he added.

Russia's defence ministry said its forces had destroyed 17 Ukrainian drones over the Belgorod, Kursk and Bryansk regions. The claims could not be independently verified.

The overnight attack came a day after President Volodymyr Zelensky again urged Western partners to speed up deliveries of air defence systems, saying that Ukraine needed at least seven more Patriot batteries to protect its cities and critical infrastructure.

Russia has intensified its strikes on Ukraine's energy system since March, knocking out roughly half of the country's generating capacity and forcing scheduled power cuts in many regions.

Energy minister Herman Halushchenko said repair crews were working around the clock but warned that some damaged thermal power plants would take months to restore.
"""

# The same story through another site: other whitespace, a caption, a share line and a
# subscription footer, and an extra background paragraph near the end.
EN_STORY_REPUBLISHED = """\
Photo: Reuters

Ukraine's military said on Sunday that its air defences shot down 34 of 39 drones launched by Russia overnight,   as officials in several regions reported damage to energy facilities and homes.

The drones, most of them Iranian-designed Shahed models, were launched from the Kursk region and from occupied Crimea, the air force said in a statement on Telegram.
Debris from one drone damaged a power substation in the Sumy region, leaving about 12,000 households without electricity.

In the Odesa region, a warehouse at the port of Izmail caught fire after a strike, regional governor Oleh Kiper said. Firefighters put out the blaze within two hours and nobody was hurt, he added.

Russia's defence ministry said its forces had destroyed 17 Ukrainian drones over the Belgorod, Kursk and Bryansk regions. The claims could not be independently verified.

The overnight attack came a day after President Volodymyr Zelensky again urged Western partners to speed up deliveries of air defence systems, saying that Ukraine needed at least seven more Patriot batteries to protect its cities and critical infrastructure.

Russia has intensified its strikes on Ukraine's energy system since March, knocking out roughly half of the country's generating capacity and forcing scheduled power cuts in many regions.

Energy minister Herman Halushchenko said repair crews were working around the clock but warned that some damaged thermal power plants would take months to restore.

Izmail, on the Danube, has been a frequent target since 2023 because its port handles a large share of Ukraine's grain exports.

Share this article. Subscribe to our newsletter.
"""

# Another story on the same topic, the same night, written independently.
EN_OTHER_STORY = """\
Russia launched dozens of attack drones at Ukraine overnight, Ukrainian officials said on Sunday, damaging energy infrastructure in the north and a port warehouse in the south.

According to Ukraine's air force, 34 of the 39 Shahed drones were intercepted. The remaining drones hit targets in the Sumy and Odesa regions, where local authorities reported power outages and a fire but no casualties.

Kyiv has been pressing its allies for more air defence. On Saturday, Volodymyr Zelensky said the country required seven additional Patriot systems to shield cities and power plants from Russian missiles and drones.

Moscow said it had shot down 17 Ukrainian drones over its border regions, including Belgorod and Kursk, in what it described as a failed terrorist attack.

Since the spring, Russian strikes have destroyed or damaged about half of Ukraine's power generation, according to Ukrainian officials, leading to rolling blackouts across the country.
"""

UK_STORY = """\
Сили ППО в ніч на 12 травня знищили 34 з 39 ударних безпілотників типу Shahed, якими Росія атакувала Україну. Про це повідомили в Повітряних силах ЗСУ.

Дрони запускали з Курської області РФ та з окупованого Криму. Уламки одного з безпілотників пошкодили підстанцію на Сумщині, через що близько 12 тис. абонентів залишилися без світла.

На Одещині внаслідок атаки в порту Ізмаїла загорівся склад, повідомив начальник ОВА Олег Кіпер. Пожежу ліквідували за дві години, постраждалих немає.

У Міноборони РФ заявили, що їхня ППО нібито збила 17 українських дронів над Бєлгородською, Курською та Брянською областями.

Атака відбулася наступного дня після того, як президент Володимир Зеленський знову закликав партнерів пришвидшити постачання систем протиповітряної оборони. За його словами, Україні потрібно щонайменше сім систем Patriot.

Від березня Росія посилила удари по енергосистемі України, внаслідок чого країна втратила близько половини генерувальних потужностей.
"""

UK_STORY_REPUBLISHED = UK_STORY.replace("\n\n", "\n\n\n") + """
Читайте також: Графіки відключень світла на тиждень

Підписуйтесь на наш Telegram-канал.
"""

UK_OTHER_STORY = """\
У ніч на неділю російські війська атакували Україну 39 дронами-камікадзе, більшість з них вдалося збити, повідомили у Повітряних силах.

Під ударом опинилися енергетичні об'єкти Сумщини: там пошкоджено підстанцію, без електрики лишилися тисячі родин. В Ізмаїлі на Одещині сталася пожежа на складі в порту, люди не постраждали.

Володимир Зеленський напередодні наголосив, що Україні бракує систем ППО, і попросив союзників передати ще сім комплексів Patriot.

Від весни окупанти зруйнували або пошкодили близько половини енергетичних потужностей країни, тому в багатьох областях діють графіки відключень.
"""

RU_STORY = """\
Банк России по итогам заседания совета директоров сохранил ключевую ставку на уровне 16% годовых. Решение совпало с ожиданиями большинства аналитиков, опрошенных агентствами.

В сообщении регулятора говорится, что инфляционное давление остается высоким, а для возвращения инфляции к цели потребуется более продолжительный период жестких денежно-кредитных условий. ЦБ допустил повышение ставки на следующем заседании.

По оценке Банка России, годовая инфляция на 22 апреля составила 7,8% при цели 4%. В прошлом месяце потребительские цены выросли на 0,5%, то есть быстрее, чем ожидалось.

Председатель ЦБ Эльвира Набиуллина на пресс-конференции отметила, что рост кредитования остается высоким, в том числе из-за льготных программ. По ее словам, дефицит кадров также усиливает давление на цены.

Следующее заседание совета директоров по ключевой ставке запланировано на 7 июня.
"""

RU_STORY_REPUBLISHED = RU_STORY.replace(
    "Следующее заседание",
    "Аналитики считают, что ставка останется на уровне 16% как минимум до осени.\n\nСледующее заседание",
)

RU_OTHER_STORY = """\
Центробанк оставил ключевую ставку без изменений, на уровне 16%, но ужесточил сигнал: регулятор больше не исключает повышения ставки уже в июне.

Эльвира Набиуллина объяснила решение устойчиво высокой инфляцией и перегревом рынка труда. По ее словам, компании продолжают наращивать зарплаты быстрее роста производительности.

Аналитики ожидают, что снижение ставки начнется не раньше конца года. Годовая инфляция в апреле держалась около 7,8%, почти вдвое выше цели ЦБ в 4%.
"""

DUPLICATE_PAIRS = [
    pytest.param(EN_STORY, EN_STORY_REPUBLISHED, id="en-boilerplate-and-paragraph"),
    pytest.param(UK_STORY, UK_STORY_REPUBLISHED, id="uk-whitespace-and-footer"),
    pytest.param(RU_STORY, RU_STORY_REPUBLISHED, id="ru-paragraph-added"),
    pytest.param(EN_STORY, EN_STORY.upper().replace(",", " ,"), id="en-case-and-punctuation"),
]
DIFFERENT_PAIRS = [
    pytest.param(EN_STORY, EN_OTHER_STORY, id="en-same-topic"),
    pytest.param(UK_STORY, UK_OTHER_STORY, id="uk-same-topic"),
    pytest.param(RU_STORY, RU_OTHER_STORY, id="ru-same-topic"),
    pytest.param(EN_STORY, UK_STORY, id="en-uk-translation"),
]


def test_captions_share_lines_and_footers_do_not_change_the_fingerprint() -> None:
    decorated = (
        "Photo: Reuters/Gleb Garanich\n\n"
        + EN_STORY.replace("\n\n", "\n\n\n")
        + "\n\nRead more: Ukraine war latest\n\nShare this article on X\n\nSubscribe to our newsletter"
    )
    assert fingerprint(decorated) == fingerprint(EN_STORY)
    assert fingerprint(UK_STORY_REPUBLISHED) == fingerprint(UK_STORY)


@pytest.mark.parametrize(("first", "second"), DUPLICATE_PAIRS)
def test_same_story_reformatted_is_a_near_duplicate(first: str, second: str) -> None:
    assert is_near_duplicate(fingerprint(first), fingerprint(second))


EXTRA_PARAGRAPHS = {
    EN_STORY: "Izmail, on the Danube, has been a frequent target since 2023 because its port "
    "handles a large share of Ukraine's grain exports.",
    UK_STORY: "Ізмаїл на Дунаї є частою ціллю з 2023 року, бо його порт обробляє значну частку "
    "українського експорту зерна.",
    RU_STORY: "Аналитики считают, что ставка останется на уровне 16% как минимум до осени.",
}


def test_one_paragraph_added_or_removed_anywhere_usually_matches() -> None:
    # SimHash is statistical: a one-paragraph edit moves a 150-450 word story by 3-13 bits.
    # The threshold was tuned for about 9 in 10 (see the module docstring); this is the floor.
    outcomes: list[bool] = []
    for story, extra in EXTRA_PARAGRAPHS.items():
        paragraphs = story.split("\n\n")
        original = fingerprint(story)
        for index in range(len(paragraphs) + 1):
            edited = "\n\n".join([*paragraphs[:index], extra, *paragraphs[index:]])
            outcomes.append(is_near_duplicate(original, fingerprint(edited)))
        for index in range(len(paragraphs)):
            edited = "\n\n".join(paragraphs[:index] + paragraphs[index + 1 :])
            outcomes.append(is_near_duplicate(original, fingerprint(edited)))
    assert sum(outcomes) >= 0.85 * len(outcomes), f"{sum(outcomes)} of {len(outcomes)} matched"


@pytest.mark.parametrize(("first", "second"), DIFFERENT_PAIRS)
def test_different_stories_on_the_same_topic_are_not(first: str, second: str) -> None:
    distance = hamming(fingerprint(first), fingerprint(second))
    assert distance >= 2 * NEAR_DUPLICATE_DISTANCE, distance  # far beyond the threshold


# Pinned: a change of algorithm changes every stored fingerprint, and must come with a
# migration that recomputes them. Update this value only together with such a migration.
EXPECTED_EN_STORY_FINGERPRINT = 6802869692382087512


def test_fingerprint_is_pinned_and_ignores_case_and_punctuation() -> None:
    assert fingerprint(EN_STORY) == EXPECTED_EN_STORY_FINGERPRINT
    assert fingerprint("Ukraine's air defences shot down 34 of 39 drones.") == fingerprint(
        "UKRAINES AIR DEFENCES, SHOT DOWN 34 OF 39 DRONES"
    )


def test_fingerprint_is_the_same_in_every_process() -> None:
    # Python's hash() is salted per process; a stored fingerprint must survive a restart.
    code = "import sys; from bot.news.fingerprint import fingerprint; print(fingerprint(sys.argv[1]))"
    values = set()
    for seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        result = subprocess.run(
            [sys.executable, "-c", code, UK_STORY],
            env=env, cwd=Path(__file__).parent.parent, capture_output=True, text=True, check=True,
        )
        values.add(int(result.stdout))
    assert values == {fingerprint(UK_STORY)}


def test_fingerprints_fit_sqlite_integer() -> None:
    connection = sqlite3.connect(":memory:")
    connection.execute("CREATE TABLE t (fp INTEGER, b0 INTEGER, b1 INTEGER, b2 INTEGER, b3 INTEGER)")
    for text in (EN_STORY, UK_STORY, RU_STORY, EN_OTHER_STORY, ""):
        fp = fingerprint(text)
        connection.execute("INSERT INTO t VALUES (?, ?, ?, ?, ?)", (fp, *fingerprint_bands(fp)))
        stored = connection.execute("SELECT fp FROM t WHERE rowid = last_insert_rowid()").fetchone()
        assert stored == (fp,)


def test_empty_text_has_the_zero_fingerprint_which_matches_nothing() -> None:
    assert fingerprint("") == 0
    assert fingerprint("  ,.;  \n\n — ") == 0
    assert not is_near_duplicate(fingerprint(""), fingerprint(" "))


@settings(deadline=None)
@given(st.integers(0, 2**64 - 1))
def test_signed_conversion_round_trips(value: int) -> None:
    signed = to_signed64(value)
    assert -(2**63) <= signed < 2**63
    assert to_unsigned64(signed) == value


@settings(deadline=None)
@given(st.integers(-(2**63), 2**63 - 1), st.lists(st.integers(0, 63), max_size=3, unique=True))
@example(-(2**63), [63])  # the other fingerprint is 0 (hypothesis found it in a full run)
def test_any_pair_within_distance_3_shares_a_band(fp: int, flips: list[int]) -> None:
    other = to_unsigned64(fp)
    for bit in flips:
        other ^= 1 << bit
    other = to_signed64(other)
    assert hamming(fp, other) == len(flips)
    # 0 is "no words" and matches nothing (is_near_duplicate).
    assert fp == 0 or other == 0 or is_near_duplicate(fp, other, max_distance=3)
    assert any(a == b for a, b in zip(fingerprint_bands(fp), fingerprint_bands(other)))


def test_bands_must_divide_64() -> None:
    with pytest.raises(ValueError, match="bands must divide 64"):
        fingerprint_bands(1, bands=3)
    assert len(fingerprint_bands(-1, bands=8)) == 8


@settings(deadline=None)
@given(st.integers(-(2**63), 2**63 - 1))
def test_bands_are_16_bit_values_that_rebuild_the_fingerprint(fp: int) -> None:
    bands = fingerprint_bands(fp)
    assert len(bands) == 4 and all(0 <= band < 2**16 for band in bands)
    rebuilt = sum(band << (16 * index) for index, band in enumerate(bands))
    assert to_signed64(rebuilt) == fp


def test_threshold_is_inclusive_and_configurable() -> None:
    fp = fingerprint(EN_STORY)
    far = to_signed64(to_unsigned64(fp) ^ ((1 << (NEAR_DUPLICATE_DISTANCE + 1)) - 1))
    assert hamming(fp, far) == NEAR_DUPLICATE_DISTANCE + 1
    assert not is_near_duplicate(fp, far)
    assert is_near_duplicate(fp, to_signed64(to_unsigned64(fp) ^ 0b111), max_distance=3)
    assert not is_near_duplicate(fp, to_signed64(to_unsigned64(fp) ^ 0b1111), max_distance=3)


def test_reformatted_copies_are_found_through_the_band_index() -> None:
    connection = sqlite3.connect(":memory:")
    connection.execute("CREATE TABLE a (id INTEGER PRIMARY KEY, fp INTEGER, b0, b1, b2, b3)")
    stories = [EN_STORY, UK_STORY, RU_STORY, EN_OTHER_STORY, UK_OTHER_STORY, RU_OTHER_STORY]
    for text in stories:
        fp = fingerprint(text)
        connection.execute(
            "INSERT INTO a (fp, b0, b1, b2, b3) VALUES (?, ?, ?, ?, ?)", (fp, *fingerprint_bands(fp))
        )
    # Boilerplate and whitespace changes keep the fingerprint within 3 bits: the band index
    # alone finds them. (Farther near-duplicates need a scan of recent rows; see the module.)
    copies = [(EN_STORY, f"Photo: AP\n\n{EN_STORY}\n\nShare on X."), (UK_STORY, UK_STORY_REPUBLISHED)]
    for original, copy in copies:
        fp = fingerprint(copy)
        rows = connection.execute(
            "SELECT id, fp FROM a WHERE b0 = ? OR b1 = ? OR b2 = ? OR b3 = ?", fingerprint_bands(fp)
        ).fetchall()
        matches = [row_id for row_id, stored in rows if is_near_duplicate(fp, stored)]
        assert matches == [stories.index(original) + 1]


def test_no_two_different_stories_collide() -> None:
    stories = [EN_STORY, UK_STORY, RU_STORY, EN_OTHER_STORY, UK_OTHER_STORY, RU_OTHER_STORY]
    for first, second in itertools.combinations(stories, 2):
        assert not is_near_duplicate(fingerprint(first), fingerprint(second))
