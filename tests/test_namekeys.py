"""Names across scripts: one search key for Latin, Ukrainian and Russian spellings."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.news.textsearch import stem_terms
from bot.news.namekeys import index_text, name_key, name_keys, query_groups


@pytest.mark.parametrize("spellings", [
    ("Putin", "Путин", "Путін", "Путина", "Путіна", "Putin's"),
    ("Kyiv", "Kiev", "Київ", "Киев", "Києва", "Києві", "Киеве"),
    ("Zelensky", "Zelenskyy", "Зеленский", "Зеленський", "Зеленського", "Зеленского"),
    ("Moscow", "Москва", "Москві"),
    ("Odesa", "Odessa", "Одеса", "Одесса"),
    ("Lviv", "Львів", "Львов"),
    ("Trump", "Трамп", "Трампа"),
    # The Russian stemmer takes "-ів"/"-ов" for an ending: "Харків" and "Харьков" lost their "v"
    # while "Kharkiv" and "Харкові" kept it, so Latin and Cyrillic spellings never met.
    ("Kharkiv", "Kharkov", "Харків", "Харьков", "Харкові", "Харькове", "Харкова", "Харковом"),
    ("Lviv", "Львова", "Львові", "Львовом"),
    ("Odesa", "Одесі", "Одесою", "Одессой"),
    ("Zelensky", "Зеленським", "Зеленским", "Зеленському"),
    ("Putin", "Путиным", "Путіним"),
    ("Luhansk", "Lugansk", "Луганськ", "Луганск"),  # Ukrainian г is h, Russian g
    ("Kremlin", "Кремль", "Кремля"),
    ("Zaporizhzhia", "Запоріжжя", "Запорожье"),
    ("Maxim", "Максим", "Максимом"),  # "-им" is part of this name, not an ending
])
def test_spellings_of_a_name_share_one_key(spellings: tuple[str, ...]) -> None:
    keys = {name_key(word) for word in spellings}
    assert len(keys) == 1 and "" not in keys, {w: name_key(w) for w in spellings}


def test_different_names_get_different_keys() -> None:
    names = ["Putin", "Kyiv", "Zelensky", "Moscow", "Odesa", "Lviv", "Trump", "Biden", "Macron", "Kharkiv",
             "Kherson", "Mariupol", "Luhansk", "Donetsk", "Dnipro"]
    assert len({name_key(n) for n in names}) == len(names)


def test_only_capitalized_words_are_indexed_as_names() -> None:
    assert name_keys("Putin met the mayor of Kyiv") == [name_key("Putin"), name_key("Kyiv")]
    assert name_keys("the cave was dark") == []


def test_a_query_word_carries_its_key() -> None:
    [group] = query_groups("путін")
    assert name_key("Putin") in group and stem_terms("путін")[0] in group


words = st.text(alphabet=st.sampled_from("abcdiklmnoprstuvyzKPZабвгдеиіїєйклмнопрстуьщъыПКЗ' -\n"), max_size=200)


@given(words)
def test_keys_never_meet_a_stem_and_are_single_index_tokens(text: str) -> None:
    for key in name_keys(text):
        assert key.startswith("0") and re.fullmatch(r"0[a-z]{2,}", key)
    stems = set(stem_terms(text))
    assert not {t for t in index_text(text).split() if t.startswith("0")} & stems


@given(st.sampled_from(["Putin", "Путин", "Путін"]), st.sampled_from(["Kyiv", "Київ", "Киев"]))
def test_any_spelling_of_a_query_meets_any_spelling_in_a_story(query: str, place: str) -> None:
    indexed = set(index_text(f"The president {query} visited {place} on Monday").split())
    for spelling in ("Putin", "Путин", "Путін"):
        assert any(t in indexed for t in query_groups(spelling)[0])


def test_a_query_of_several_words_keeps_keys_only_for_names_or_distinctive_words() -> None:
    # "Jury" starts the query (a capital by grammar) and its key "0jr" is short: no key.
    # "woman" is lower case with a short key; "convicts" has a long one ("0knvkt").
    assert query_groups("Jury convicts woman") == [("juri",), ("convict", "0knvkt"), ("woman",)]
    # Capitalized after the first word: a name, key kept however short ("Kyiv" is "0kv").
    assert query_groups("flood in Kyiv") == [("flood",), ("kyiv", "0kv")]
    # A capitalized first word with a longer key keeps it: "Putin Kyiv" still finds Путин.
    assert query_groups("Putin Kyiv")[0] == ("putin", "0ptn")
    assert query_groups("putin kyiv") == [("putin",), ("kyiv",)]
    # One word alone is a name search, whatever its case.
    assert query_groups("путін") == [("путин", "0ptn")] and query_groups("kyiv") == [("kyiv", "0kv")]
