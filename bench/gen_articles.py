"""Synthetic stored articles for the search benchmarks: N realistic stories in en/uk/ru.

usage: python bench/gen_articles.py [--articles N] [--seed S] [--workers W] [--force]

Related-story search is only as fast as the index it runs on, so the benchmarks need a corpus
shaped like the bot's own: English, Ukrainian and Russian stories (40/30/30) with Zipf-like
vocabularies (a few hundred real news words per language, then 40,000 pseudo-words per
language for the long tail), inflected Cyrillic forms ("Путін", "Путіна", "Путину"), English
possessives ("Putin's"), one feed per language and topic, and stories grouped into events
(several articles, in any language, about one happening within a few days) over 90 days.
Everything is deterministic for a given (N, seed).

Articles are stored exactly as the bot stores them: ``NewArticle`` rows whose search terms
equal ``namekeys.index_text`` of their title and text (stems, then names' cross-script keys),
written with the statements of
``ArticleRepo.insert`` but through ``executemany`` in one transaction (100,000 one-row
transactions through aiosqlite would take minutes). Two checks keep this honest:
``verify_bulk_path`` stores a sample both ways and compares the tables, and every
CHECK_EVERY-th article's terms are compared with ``index_text`` itself.

The database is cached under ``bench/out/`` keyed by N, seed, ``GEN_VERSION``, a hash of the
code of ``textsearch`` (its query side, comments and docstrings left out: ``code_key``) and
``namekeys`` and the stemmer (a change of normalization changes every stored term) and the
schema version (``storage.schema.LATEST``);
the table of stems of the lexicon is cached the same way.
"""

from __future__ import annotations

import argparse
import ast
import asyncio
import hashlib
import json
import os
import random
import sqlite3
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache
from importlib.metadata import version
from pathlib import Path

import aiosqlite
import numpy as np
import snowballstemmer

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.news import textsearch
from bot.news import namekeys
from bot.news.namekeys import index_text, name_keys
from storage import Database, stemdf
from storage._time import to_db
from storage.schema import LATEST as SCHEMA_LATEST
from storage.articles import NewArticle

GEN_VERSION = 3  # 3: search terms with the names' cross-script keys, as the bot indexes them; bump when the generated text changes, so cached databases are rebuilt
OUT_DIR = ROOT / "bench" / "out"
NOW = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)  # FakeClock's default "now": the newest article
SPAN = timedelta(days=90)
LANGUAGES: tuple[tuple[str, float], ...] = (("en", 0.4), ("uk", 0.3), ("ru", 0.3))
CHUNK = 1000  # articles per worker task and per executemany
CHECK_EVERY = 20  # one article in this many has its search terms checked against index_terms

# -- the lexicon ------------------------------------------------------------------------------
# Specs: "word" is invariable; "a/b/c" lists the forms; "stem:P" inflects by paradigm P
# (English n = noun, v = regular verb; Cyrillic paradigms below). The first form is the most
# frequent one.

FUNCTION_WORDS = {
    "en": "the of to and a in that is for on it with as was he by at said from his be has have an are were "
          "which this not but had they its after will been who their also would more or than about over up "
          "into two new last",
    "uk": "і в у на з що до не за про як та це від для по але також його вже який яка які через під після "
          "ще із щодо або було були буде має може зокрема так лише при між понад її їх цього коли де тому "
          "заявив повідомив",
    "ru": "и в на с что не по к за о из от для как это а но его также уже который которые после при во до "
          "у еще же были было будет может чтобы их ее между более около заявил сообщил однако так только где "
          "когда этом этого года",
}

_PARADIGMS = {
    "uk": {
        "a": ("а", "и", "і", "у", "ою"), "ja": ("я", "ї", "ю", "єю", "ями", "ях"),
        "m": ("", "у", "ом", "і", "и", "ів", "ам"), "ma": ("", "а", "у", "ом", "и", "ів"),
        "o": ("о", "а", "у", "ом", "і"), "nja": ("я", "ю", "ям", "і", "ями"),
        "adj": ("ий", "ого", "ому", "им", "а", "ої", "у", "ій", "е", "і", "их", "ими"),
    },
    "ru": {
        "a": ("а", "ы", "е", "у", "ой"), "ja": ("я", "и", "ю", "ей", "ями", "ях"),
        "m": ("", "а", "у", "ом", "е", "ы", "ов"), "ma": ("", "а", "у", "ом", "е", "ы", "ов"),
        "o": ("о", "а", "у", "ом", "е"), "nja": ("е", "я", "ю", "ем", "и", "ями"),
        "adj": ("ый", "ого", "ому", "ым", "ая", "ой", "ую", "ое", "ые", "ых"),
    },
}

TOPICS = ("war", "politics", "economy", "energy", "tech", "sport", "society", "world")

TOPIC_WORDS: dict[str, dict[str, str]] = {
    "war": {
        "en": "attack:v strike/strikes/struck/striking drone:n missile:n front:n troops army/armies shelling "
              "offensive:n defence brigade:n occupation ceasefire soldier:n artillery siren:n evacuation casualties",
        "uk": "атак:a удар:m дрон:m ракет:a фронт:m військов:adj армі:ja обстріл:m наступ:m оборон:a бригад:a "
              "окупаці:ja солдат:ma артилері:ja тривог:a евакуаці:ja втрат:a",
        "ru": "атак:a удар:m дрон:m ракет:a фронт:m военн:adj арми:ja обстрел:m наступлени:nja оборон:a "
              "бригад:a оккупаци:ja перемири:nja солдат:ma артиллери:ja тревог:a эвакуаци:ja",
    },
    "politics": {
        "en": "parliament:n election:n vote:v law:n bill:n minister:n government:n coalition:n opposition "
              "party/parties reform:n deputy/deputies corruption sanction:n campaign:n",
        "uk": "парламент:m вибори/виборів/виборах закон:m законопроєкт:m міністр:ma уряд:m коаліці:ja "
              "опозиці:ja парті:ja реформ:a депутат:ma корупці:ja санкці:ja кампані:ja рад:a",
        "ru": "парламент:m выбор:m закон:m законопроект:m министр:ma правительств:o коалици:ja оппозици:ja "
              "парти:ja реформ:a депутат:ma коррупци:ja санкци:ja кампани:ja рад:a",
    },
    "economy": {
        "en": "inflation budget:n bank:n rate:n hryvnia economy growth tax/taxes market:n price:n export:v "
              "import:v investment:n loan:n debt:n",
        "uk": "інфляці:ja бюджет:m банк:m ставк:a гривн:ja економік:a зростанн:nja податок/податку/податки/податків "
              "ринок/ринку/ринки/ринків цін:a експорт:m імпорт:m інвестиці:ja кредит:m борг:m",
        "ru": "инфляци:ja бюджет:m банк:m ставк:a гривн:a экономик:a рост:m налог:m рынок/рынка/рынке/рынки "
              "цен:a экспорт:m импорт:m инвестици:ja кредит:m долг:m",
    },
    "energy": {
        "en": "energy grid:n power blackout:n electricity gas oil pipeline:n nuclear plant:n outage:n heating "
              "tariff:n coal",
        "uk": "енергетик:a мереж:a електроенергі:ja газ:m нафт:a трубопровід/трубопроводу/трубопроводом "
              "атомн:adj станці:ja відключенн:nja опаленн:nja тариф:m вугілл:nja",
        "ru": "энергетик:a сеть/сети/сетью электроэнерги:ja газ:m нефть/нефти/нефтью трубопровод:m атомн:adj "
              "станци:ja отключени:nja отоплени:nja тариф:m уголь/угля/углем",
    },
    "tech": {
        "en": "startup:n app:n software smartphone:n artificial intelligence data cyberattack:n hacker:n chip:n "
              "cloud platform:n update:v user:n",
        "uk": "стартап:m застосунок/застосунку/застосунки штучн:adj інтелект:m дані/даних/даними кібератак:a "
              "хакер:ma чип:m платформ:a оновленн:nja користувач:ma смартфон:m",
        "ru": "стартап:m приложени:nja искусственн:adj интеллект:m данные/данных/данными кибератак:a хакер:ma "
              "чип:m платформ:a обновлени:nja пользователь/пользователя/пользователи/пользователей смартфон:m",
    },
    "sport": {
        "en": "match/matches team:n coach/coaches goal:n league:n championship:n player:n season:n stadium:n "
              "transfer:n final:n tournament:n fans victory/victories",
        "uk": "матч:m команд:a тренер:ma гол:m ліг:a чемпіонат:m гравець/гравця/гравці/гравців сезон:m "
              "стадіон:m трансфер:m фінал:m турнір:m уболівальник:ma перемог:a",
        "ru": "матч:m команд:a тренер:ma гол:m лиг:a чемпионат:m игрок:ma сезон:m стадион:m трансфер:m финал:m "
              "турнир:m болельщик:ma побед:a",
    },
    "society": {
        "en": "school:n hospital:n teacher:n student:n doctor:n shelter:n volunteer:n festival:n museum:n "
              "transport metro weather rain:n",
        "uk": "школ:a лікарн:ja вчитель/вчителя/вчителі/вчителів студент:ma лікар:ma мешканці/мешканців "
              "укритт:nja волонтер:ma фестиваль/фестивалю/фестивалі музей/музею/музеї транспорт:m метро погод:a "
              "дощ:m",
        "ru": "школ:a больниц:a учитель/учителя/учителей студент:ma врач:ma жители/жителей укрыти:nja "
              "волонтер:ma фестиваль/фестиваля музей/музея/музее транспорт:m метро погод:a дождь/дождя/дожди",
    },
    "world": {
        "en": "summit:n diplomat:n embassy/embassies talks treaty/treaties ally/allies negotiation:n visit:v "
              "foreign ambassador:n tariff:n trade deal:n",
        "uk": "саміт:m дипломат:ma посольств:o переговори/переговорів/переговорах договір/договору/договором "
              "союзник:ma візит:m посол/посла/послом мит:o торгівл:ja угод:a",
        "ru": "саммит:m дипломат:ma посольств:o переговоры/переговоров договор:m союзник:ma визит:m "
              "посол/посла/послом пошлин:a торговл:ja сделк:a",
    },
}

GENERAL_WORDS: dict[str, str] = {
    "en": "year:n week:n day:n people country/countries city/cities region:n official:n report:v state:n "
          "president:n police court:n plan:v decision:n question:n meeting:n statement:n support:v program:n war/wars "
          "million:n billion:n percent children time:n information work:v project:n system:n problem:n "
          "situation:n result:n number:n member:n leader:n group:n service:n water public national "
          "international local important military economic political social previous announce:v confirm:v "
          "expect:v continue:v discuss:v agree:v receive:v provide:v increase:v reduce:v according",
    "uk": "рік/року/році/роки/років тиждень/тижня/тижні день/дня/дні/днів люди/людей/людям країн:a міст:o "
          "область/області/областю посадовець/посадовця/посадовці повідомленн:nja держав:a президент:ma "
          "поліці:ja суд:m план:m рішенн:nja питанн:nja засіданн:nja заяв:a підтримк:a програм:a війн:a мільйон:m "
          "мільярд:m відсоток/відсотків/відсотки діти/дітей/дітям час:m інформаці:ja робот:a проєкт:m систем:a "
          "проблем:a ситуаці:ja результат:m кількість/кількості член:ma лідер:ma груп:a служб:a вод:a "
          "громадськ:adj національн:adj міжнародн:adj місцев:adj важлив:adj економічн:adj політичн:adj "
          "соціальн:adj попередній/попереднього/попередньої оголосив/оголосила/оголосили "
          "підтвердив/підтвердила/підтвердили очікує/очікують продовжує/продовжують обговорили "
          "погодився/погодилися отримав/отримала/отримали надав/надала збільшив/збільшили зменшив/зменшили",
    "ru": "год/года/году/лет недел:ja день/дня/дни/дней люди/людей/людям стран:a город:m "
          "область/области/областью чиновник:ma сообщени:nja государств:o президент:ma полици:ja суд:m план:m "
          "решени:nja вопрос:m заседани:nja заявлени:nja поддержк:a программ:a войн:a миллион:m миллиард:m процент:m "
          "дети/детей/детям время/времени информаци:ja работ:a проект:m систем:a проблем:a ситуаци:ja "
          "результат:m количеств:o член:ma лидер:ma групп:a служб:a вод:a общественн:adj национальн:adj "
          "международн:adj местн:adj важн:adj экономический/экономического/экономической "
          "политический/политического/политической социальн:adj предыдущий/предыдущего/предыдущей "
          "объявил/объявила/объявили подтвердил/подтвердила/подтвердили ожидает/ожидают продолжает/продолжают "
          "обсудили согласился/согласились получил/получила/получили предоставил увеличил/увеличили "
          "сократил/сократили",
}

# Named entities: English forms get a possessive automatically; Cyrillic forms are listed.
ENTITIES: dict[str, dict[str, str]] = {
    "ukraine": {"en": "Ukraine", "uk": "Україна/України/Україні/Україну/Україною",
                "ru": "Украина/Украины/Украине/Украину/Украиной"},
    "russia": {"en": "Russia", "uk": "Росія/Росії/Росію/Росією", "ru": "Россия/России/Россию/Россией"},
    "kyiv": {"en": "Kyiv", "uk": "Київ/Києва/Києві/Києвом", "ru": "Киев/Киева/Киеве/Киевом"},
    "putin": {"en": "Putin", "uk": "Путін/Путіна/Путіну/Путіним", "ru": "Путин/Путина/Путину/Путиным"},
    "zelensky": {"en": "Zelensky", "uk": "Зеленський/Зеленського/Зеленському/Зеленським",
                 "ru": "Зеленский/Зеленского/Зеленскому/Зеленским"},
    "moscow": {"en": "Moscow", "uk": "Москва/Москви/Москві/Москву", "ru": "Москва/Москвы/Москве/Москву"},
    "nato": {"en": "NATO", "uk": "НАТО", "ru": "НАТО"},
    "eu": {"en": "EU", "uk": "ЄС", "ru": "ЕС"},
    "kharkiv": {"en": "Kharkiv", "uk": "Харків/Харкова/Харкові", "ru": "Харьков/Харькова/Харькове"},
    "odesa": {"en": "Odesa", "uk": "Одеса/Одеси/Одесі", "ru": "Одесса/Одессы/Одессе"},
    "lviv": {"en": "Lviv", "uk": "Львів/Львова/Львові", "ru": "Львов/Львова/Львове"},
    "dnipro": {"en": "Dnipro", "uk": "Дніпро/Дніпра", "ru": "Днепр/Днепра"},
    "donetsk": {"en": "Donetsk", "uk": "Донецьк/Донецька/Донеччині", "ru": "Донецк/Донецка"},
    "zaporizhzhia": {"en": "Zaporizhzhia", "uk": "Запоріжжя/Запоріжжі", "ru": "Запорожье/Запорожья"},
    "crimea": {"en": "Crimea", "uk": "Крим/Криму", "ru": "Крым/Крыма/Крыму"},
    "washington": {"en": "Washington", "uk": "Вашингтон/Вашингтона/Вашингтоні",
                   "ru": "Вашингтон/Вашингтона/Вашингтоне"},
    "brussels": {"en": "Brussels", "uk": "Брюссель/Брюсселі", "ru": "Брюссель/Брюсселе"},
    "trump": {"en": "Trump", "uk": "Трамп/Трампа/Трампу/Трампом", "ru": "Трамп/Трампа/Трампу/Трампом"},
    "macron": {"en": "Macron", "uk": "Макрон/Макрона", "ru": "Макрон/Макрона"},
    "lavrov": {"en": "Lavrov", "uk": "Лавров/Лаврова", "ru": "Лавров/Лаврова"},
    "syrskyi": {"en": "Syrskyi", "uk": "Сирський/Сирського", "ru": "Сырский/Сырского"},
    "klitschko": {"en": "Klitschko", "uk": "Кличко", "ru": "Кличко"},
    "poland": {"en": "Poland", "uk": "Польща/Польщі/Польщу", "ru": "Польша/Польши/Польшу"},
    "germany": {"en": "Germany", "uk": "Німеччина/Німеччини/Німеччині", "ru": "Германия/Германии"},
    "china": {"en": "China", "uk": "Китай/Китаю/Китаї", "ru": "Китай/Китая/Китае"},
    "naftogaz": {"en": "Naftogaz", "uk": "Нафтогаз/Нафтогазу", "ru": "Нафтогаз/Нафтогаза"},
    "nbu": {"en": "NBU", "uk": "НБУ", "ru": "НБУ"},
    "imf": {"en": "IMF", "uk": "МВФ", "ru": "МВФ"},
    "apple": {"en": "Apple", "uk": "Apple", "ru": "Apple"},
    "google": {"en": "Google", "uk": "Google", "ru": "Google"},
    "openai": {"en": "OpenAI", "uk": "OpenAI", "ru": "OpenAI"},
    "dynamo": {"en": "Dynamo", "uk": "Динамо", "ru": "Динамо"},
    "shakhtar": {"en": "Shakhtar", "uk": "Шахтар/Шахтаря", "ru": "Шахтер/Шахтера"},
    "uefa": {"en": "UEFA", "uk": "УЄФА", "ru": "УЕФА"},
}

TOPIC_ENTITIES: dict[str, str] = {  # most likely first
    "war": "ukraine russia putin zelensky kharkiv donetsk zaporizhzhia syrskyi crimea nato moscow odesa dnipro",
    "politics": "ukraine zelensky eu trump kyiv washington brussels macron poland germany nato",
    "economy": "ukraine nbu imf naftogaz eu china kyiv germany",
    "energy": "ukraine naftogaz zaporizhzhia russia eu kyiv odesa",
    "tech": "google apple openai china eu ukraine",
    "sport": "dynamo shakhtar ukraine uefa kyiv lviv poland",
    "society": "kyiv ukraine lviv odesa kharkiv dnipro klitschko",
    "world": "russia ukraine putin trump washington china lavrov moscow brussels macron germany poland",
}

OUTLETS = {"en": "Dnipro Wire", "uk": "Вісті Дня", "ru": "Новости Часа"}
TOPIC_NAMES = {
    "en": dict(zip(TOPICS, ("War", "Politics", "Economy", "Energy", "Tech", "Sport", "Society", "World"))),
    "uk": dict(zip(TOPICS, ("Війна", "Політика", "Економіка", "Енергетика", "Технології", "Спорт",
                            "Суспільство", "Світ"))),
    "ru": dict(zip(TOPICS, ("Война", "Политика", "Экономика", "Энергетика", "Технологии", "Спорт",
                            "Общество", "Мир"))),
}
AUTHORS = {"en": ("Anna Koval", "Mark Reid", "Staff"), "uk": ("Олена Бойко", "Тарас Мельник", "Редакція"),
           "ru": ("Ирина Соколова", "Павел Ким", "Редакция")}

TAIL_LEXEMES = 40_000  # pseudo-words per language: the long tail of a news vocabulary
# Token mix of a body and of a title: function words, general vocabulary, the topic's words,
# named entities, the event's own words, numbers.
BODY_MIX = {"function": 0.40, "general": 0.36, "topic": 0.13, "entity": 0.015, "event": 0.06, "number": 0.02}
TITLE_MIX = {"function": 0.12, "general": 0.20, "topic": 0.25, "entity": 0.18, "event": 0.25}
NUMBERS = ("1", "2", "3", "5", "10", "12", "15", "20", "24", "30", "40", "50", "100", "200", "500", "1000", "2024",
           "2025", "2026")


@dataclass(frozen=True, slots=True, eq=False)
class Pool:
    """Words with cumulative probabilities, drawn in batches with numpy; ``stems`` holds each
    word's search stem once the stem table is known (see ``stemmed_lexicon``)."""

    words: np.ndarray  # dtype object
    cum: np.ndarray  # cumulative probabilities, the last one 1.0
    stems: np.ndarray | None = None

    @classmethod
    def of(cls, words: Sequence[str], weights: Sequence[float], stems: Sequence[str] | None = None) -> Pool:
        cum = np.cumsum(np.asarray(weights, dtype=np.float64))
        return cls(np.asarray(words, dtype=object), cum / cum[-1],
                   None if stems is None else np.asarray(stems, dtype=object))

    def with_stems(self, stem: Callable[[str], str]) -> Pool:
        return Pool(self.words, self.cum, np.asarray([stem(w) for w in self.words], dtype=object))

    def draw(self, rng: np.random.Generator, k: int) -> tuple[np.ndarray, np.ndarray]:
        """``k`` words and their stems."""
        if self.stems is None:
            raise RuntimeError("draw from stemmed_lexicon(), not lexicon()")
        picks = np.minimum(np.searchsorted(self.cum, rng.random(k), side="right"), len(self.words) - 1)
        return self.words[picks], self.stems[picks]


@dataclass(frozen=True, slots=True)
class Lexicon:
    """Everything the renderer draws from, per language (and per topic)."""

    function: dict[str, Pool]
    general: dict[str, Pool]
    topic: dict[tuple[str, str], Pool]
    entity: dict[tuple[str, str], Pool]
    numbers: Pool
    entity_forms: dict[tuple[str, str], tuple[str, ...]]  # (entity, language) -> forms
    tail: dict[str, list[tuple[str, ...]]]  # language -> lexeme index -> forms
    tail_stems: dict[str, list[tuple[str, ...]]] | None = None

    def pools(self) -> Iterator[Pool]:
        for group in (self.function, self.general, self.topic, self.entity):
            yield from group.values()
        yield self.numbers


def _forms(spec: str, language: str) -> tuple[str, ...]:
    """The word forms one lexicon spec stands for (see the comment above FUNCTION_WORDS)."""
    if "/" in spec:
        return tuple(spec.split("/"))
    if ":" not in spec:
        return (spec,)
    stem, kind = spec.split(":")
    if language == "en":
        if kind == "n":
            return stem, stem + "s"
        base = stem.removesuffix("e")
        return stem, stem + "s", base + "ed", base + "ing"
    endings = _PARADIGMS[language][kind]
    if language == "ru" and stem[-1] in "кгхжшчщ":
        endings = tuple(e.replace("ы", "и") for e in endings)
    return tuple(stem + e for e in endings)


def _pool(lexemes: Sequence[tuple[str, ...]], exponent: float = 1.0, offset: float = 2.7) -> Pool:
    """Zipf-Mandelbrot weights by lexeme rank; within a lexeme, earlier forms are likelier."""
    words: list[str] = []
    weights: list[float] = []
    for rank, forms in enumerate(lexemes):
        lexeme_weight = 1.0 / (rank + offset) ** exponent
        shares = [1.0 / (k + 1) ** 0.8 for k in range(len(forms))]
        total = sum(shares)
        for form, share in zip(forms, shares):
            words.append(form)
            weights.append(lexeme_weight * share / total)
    return Pool.of(words, weights)


def _pseudo_stems(rng: random.Random, onsets: Sequence[str], vowels: Sequence[str], codas: Sequence[str],
                  count: int, taken: set[str]) -> list[str]:
    """``count`` distinct pronounceable pseudo-word stems."""
    stems: list[str] = []
    while len(stems) < count:
        stem = "".join(rng.choice(onsets) + rng.choice(vowels) for _ in range(rng.choice((2, 2, 3))))
        stem += rng.choice(codas)
        if stem not in taken:
            taken.add(stem)
            stems.append(stem)
    return stems


# Onsets, vowels and codas of pseudo-word syllables.
_LATIN_SYLLABLES = (
    ("b", "br", "c", "ch", "d", "dr", "f", "g", "gr", "h", "j", "k", "l", "m", "n", "p", "pl", "r", "s", "st", "t",
     "tr", "v", "w", "z", "sh", "th"),
    ("a", "e", "i", "o", "u", "ai", "ea", "ou"),
    ("n", "r", "l", "s", "t", "m", "nd", "rt", "st"),
)
_CYRILLIC_SYLLABLES = (
    ("б", "в", "г", "д", "ж", "з", "к", "л", "м", "н", "п", "р", "с", "т", "ф", "х", "ц", "ч", "ш", "бр", "вл", "гр",
     "др", "кр", "пл", "пр", "ст", "тр", "зв"),
    ("а", "о", "е", "и", "у"),
    ("н", "р", "л", "с", "т", "к", "в", "м"),
)


def _tail(rng: random.Random) -> dict[str, list[tuple[str, ...]]]:
    """The long tail: lexeme i exists in every language (an event uses the same indices)."""
    taken: set[str] = set()
    latin = _pseudo_stems(rng, *_LATIN_SYLLABLES, TAIL_LEXEMES, taken)
    ru_stems = _pseudo_stems(rng, *_CYRILLIC_SYLLABLES, TAIL_LEXEMES, taken)
    suffixes = ("", "", "ing", "tion", "er", "ism", "al", "ment", "ity")
    tail: dict[str, list[tuple[str, ...]]] = {"en": [], "uk": [], "ru": []}
    for latin_stem, ru_stem in zip(latin, ru_stems):
        word = latin_stem + rng.choice(suffixes)
        tail["en"].append((word, word + "s") if rng.random() < 0.5 else (word,))
        kind = rng.choice(("a", "m", "m", "o", "adj", "ma", "ja"))
        # Most roots are shared by Ukrainian and Russian (spelt with і where Russian has и).
        uk_stem = ru_stem.replace("и", "і") if rng.random() < 0.6 else _pseudo_stems(
            rng, _CYRILLIC_SYLLABLES[0], ("а", "о", "е", "і", "у"), _CYRILLIC_SYLLABLES[2], 1, taken)[0]
        # A rare word turns up in a few of its forms only.
        keep = sorted(rng.sample(range(1, len(_PARADIGMS["ru"][kind])), rng.randint(1, 3)))
        for language, stem in (("uk", uk_stem), ("ru", ru_stem)):
            forms = _forms(f"{stem}:{kind}", language)
            tail[language].append((forms[0], *(forms[k] for k in keep if k < len(forms))))
    return tail


@cache
def lexicon() -> Lexicon:
    """The lexicon, without stems (the same for every seed: the seed varies the articles)."""
    rng = random.Random(f"newsbench-lexicon-{GEN_VERSION}")
    tail = _tail(rng)
    entity_forms: dict[tuple[str, str], tuple[str, ...]] = {}
    for name, by_language in ENTITIES.items():
        for language, spec in by_language.items():
            forms = _forms(spec, language)
            entity_forms[name, language] = forms + (f"{forms[0]}'s",) if language == "en" else forms
    function, general, topic, entity = {}, {}, {}, {}
    for language, _share in LANGUAGES:
        function[language] = _pool([(w,) for w in FUNCTION_WORDS[language].split()], exponent=0.9)
        core = [_forms(spec, language) for spec in GENERAL_WORDS[language].split()]
        general[language] = _pool(core + tail[language], exponent=1.0, offset=8.0)
        for name in TOPICS:
            topic[language, name] = _pool([_forms(s, language) for s in TOPIC_WORDS[name][language].split()],
                                          exponent=0.8)
            entity[language, name] = _pool([entity_forms[e, language] for e in TOPIC_ENTITIES[name].split()],
                                           exponent=1.0, offset=3.0)
    numbers = _pool([(n,) for n in NUMBERS], exponent=0.7)
    return Lexicon(function, general, topic, entity, numbers, entity_forms, tail)


def inflected_forms() -> list[str]:
    """The Ukrainian and Russian forms of named entities and topic words other than the
    dictionary form ("Путіна", "Украиной", "санкціями"): queries that need stemming."""
    forms = [f for (_name, language), fs in lexicon().entity_forms.items() if language != "en" for f in fs[1:]]
    for by_language in TOPIC_WORDS.values():
        for language in ("uk", "ru"):
            forms += [f for spec in by_language[language].split() for f in _forms(spec, language)[1:]]
    return list(dict.fromkeys(forms))


# -- stems: the bot's own normalization, computed once -----------------------------------------


def lexicon_words() -> list[str]:
    """Every word (as ``textsearch`` splits and lower-cases text) the renderer can write."""
    lex = lexicon()
    words: set[str] = set()
    for pool in lex.pools():
        for form in pool.words:
            words.update(textsearch._words(form))
    for lexemes in lex.tail.values():
        for forms in lexemes:
            for form in forms:
                words.update(textsearch._words(form))
    return sorted(words)


def _stems_of(words: list[str]) -> list[str]:
    stem = textsearch._normalized_stem.__wrapped__  # the bot's own function, without its cache
    return [stem(word) for word in words]


def stem_table(workers: int) -> dict[str, str]:
    """The stem of every lexicon word, computed once across ``workers`` processes.

    A pure-Python Snowball stem costs 35-100 us and the corpus has ~280,000 word forms, far
    more than the 65,536 entries of the bot's stem cache.
    """
    words = lexicon_words()
    chunks = [words[i:i + 20_000] for i in range(0, len(words), 20_000)]
    if workers <= 1:
        stems = [s for chunk in chunks for s in _stems_of(chunk)]
    else:
        with ProcessPoolExecutor(workers) as pool:
            stems = [s for part in pool.map(_stems_of, chunks) for s in part]
    return dict(zip(words, stems))


# textsearch's functions that only read queries: the corpus never goes through them.
QUERY_SIDE = frozenset({"query_groups", "query_words", "_query_variants"})


def code_key(path: Path, *, leave_out: frozenset[str] = frozenset()) -> str:
    """A hash of the code of the module at ``path``, without what cannot change a stored term:
    comments, layout, docstrings, and the functions named in ``leave_out``. So editing a
    docstring or the query side does not rebuild a 100,000-story corpus (4.5 min)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if isinstance(body, list):
            body[:] = [child for child in body if not _docstring(child)
                       and getattr(child, "name", None) not in leave_out] or [ast.Pass()]
    return hashlib.sha1(ast.dump(tree).encode()).hexdigest()[:10]


def _docstring(node: ast.AST) -> bool:
    return isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str)


@cache
def normalization_key() -> str:
    """Changes whenever the stems could: ``textsearch``'s code (its query side left out) or the stemmer."""
    return hashlib.sha1(
        f"{snowballstemmer.stemmer.__module__}|{version('snowballstemmer')}|".encode()
        + code_key(Path(textsearch.__file__), leave_out=QUERY_SIDE).encode()
    ).hexdigest()[:10]


def cached_stem_table(workers: int) -> dict[str, str]:
    """``stem_table``, kept under bench/out/ keyed by the lexicon and ``normalization_key``."""
    path = OUT_DIR / f"stems-v{GEN_VERSION}-{normalization_key()}.json"
    if path.exists():
        return json.loads(path.read_text(encoding="utf-8"))
    table = stem_table(workers)
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(table, ensure_ascii=False), encoding="utf-8")
    return table


_stem_table: dict[str, str] = {}


def install_stem_table(table: dict[str, str]) -> None:
    """Make ``textsearch`` look stems up in ``table`` first: the same function with a cache
    as big as the vocabulary, so ``index_terms`` returns exactly what it returns in the bot."""
    global _stem_table
    original = textsearch._normalized_stem.__wrapped__
    known = _stem_table = dict(table)

    def normalized_stem(word: str) -> str:
        stem = known.get(word)
        if stem is None:
            stem = known[word] = original(word)
        return stem

    normalized_stem.__wrapped__ = original  # type: ignore[attr-defined]
    textsearch._normalized_stem = normalized_stem  # type: ignore[assignment]
    stemmed_lexicon.cache_clear()


@cache
def stemmed_lexicon() -> Lexicon:
    """``lexicon()`` with the stem of every word, from the installed stem table."""
    if not _stem_table:
        raise RuntimeError("install_stem_table(cached_stem_table(...)) first")
    lex = lexicon()

    def stem(word: str) -> str:
        return textsearch._normalized_stem(word.lower())

    def stemmed(pools: dict) -> dict:  # type: ignore[type-arg]
        return {key: pool.with_stems(stem) for key, pool in pools.items()}

    tail_stems = {language: [tuple(stem(f) for f in forms) for forms in lexemes]
                  for language, lexemes in lex.tail.items()}
    return Lexicon(stemmed(lex.function), stemmed(lex.general), stemmed(lex.topic), stemmed(lex.entity),
                   lex.numbers.with_stems(stem), lex.entity_forms, lex.tail, tail_stems)


# -- the corpus -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Event:
    """Something that happened: a few articles, in any language, within a few days."""

    id: int
    topic: str
    words: tuple[int, ...]  # tail lexeme indices: the event's own vocabulary
    age_s: float  # how long before NOW it happened


@dataclass(frozen=True, slots=True)
class Plan:
    """One article before its text exists (cheap; the text is rendered in a worker)."""

    index: int  # articles.id - 1
    language: str
    topic: str
    event: Event | None
    age_s: float
    published_lag_s: float | None


def plan_articles(n: int, seed: int) -> list[Plan]:
    """The articles' languages, topics, events and times, oldest first (ids grow with time)."""
    rng = random.Random(f"newsbench-plan-{seed}")
    span = SPAN.total_seconds()
    events = [Event(i, rng.choice(TOPICS), tuple(rng.randrange(500, TAIL_LEXEMES) for _ in range(6)),
                    rng.uniform(0, span)) for i in range(max(1, n // 6))]
    languages, shares = zip(*LANGUAGES)
    drafts = []
    for _ in range(n):
        language = rng.choices(languages, weights=shares)[0]
        event = rng.choice(events) if rng.random() < 0.75 else None
        if event is None:
            topic, age = rng.choice(TOPICS), rng.uniform(0, span)
        else:
            topic, age = event.topic, min(max(event.age_s + rng.uniform(-36, 36) * 3600, 0.0), span)
        lag = rng.uniform(60, 5400) if rng.random() < 0.9 else None
        drafts.append((age, language, topic, event, lag))
    drafts.sort(key=lambda d: -d[0])
    return [Plan(i, lang, topic, event, age, lag) for i, (age, lang, topic, event, lag) in enumerate(drafts)]


def feed_specs() -> list[tuple[str, str, str, str]]:
    """(language, topic, url, title) of the feeds, in the order their ids are given."""
    return [(language, topic, f"https://{language}.news.example/{topic}/rss",
             f"{OUTLETS[language]} · {TOPIC_NAMES[language][topic]}")
            for language, _share in LANGUAGES for topic in TOPICS]


def render_chunk(plans: Sequence[Plan], seed: int, feeds: dict[tuple[str, str], int]) -> list[tuple[NewArticle, datetime]]:
    """The articles of ``plans`` as (NewArticle, fetched_at), as the ingest pipeline would hand
    them to ``ArticleRepo.insert``. Deterministic in (seed, plans): one random stream per chunk.

    Search terms are joined from the drawn words' stems instead of re-reading the text (~5x
    faster); every CHECK_EVERY-th article is compared with ``index_text`` itself.
    """
    rng = np.random.default_rng([seed, plans[0].index if plans else 0])
    articles = [_render(plan, rng, feeds[plan.language, plan.topic]) for plan in plans]
    for new, _fetched in articles[::CHECK_EVERY]:
        if (new.title_terms, new.body_terms) != (index_text(new.title), index_text(new.text)):
            raise AssertionError(f"the search terms of {new.url} differ from bot.news.namekeys.index_text: "
                                 "bench/gen_articles.py must follow the change")
    return articles


def _render(plan: Plan, rng: np.random.Generator, feed_id: int) -> tuple[NewArticle, datetime]:
    lex = stemmed_lexicon()
    language = plan.language
    pools = {"function": lex.function[language], "general": lex.general[language],
             "topic": lex.topic[language, plan.topic], "entity": lex.entity[language, plan.topic],
             "number": lex.numbers}
    pools["event"] = _event_pool(lex, plan.event, language) if plan.event else pools["topic"]
    title_words, title_stems = _draw(TITLE_MIX, int(rng.integers(6, 12)), pools, rng)
    title = " ".join(title_words)
    title = title[:1].upper() + title[1:]
    per_paragraph = rng.integers(2, 6, size=int(rng.integers(3, 9)))
    lengths = rng.integers(8, 25, size=int(per_paragraph.sum())).tolist()
    words, stems = _draw(BODY_MIX, sum(lengths), pools, rng)
    sentences, start = [], 0
    for length in lengths:
        sentences.append(_sentence(words[start:start + length]))
        start += length
    bounds = np.cumsum(per_paragraph).tolist()
    text = "\n\n".join(" ".join(sentences[a:b]) for a, b in zip([0, *bounds[:-1]], bounds))
    fetched = NOW - timedelta(seconds=round(plan.age_s))
    published = fetched - timedelta(seconds=round(plan.published_lag_s)) if plan.published_lag_s else None
    slug = "-".join(title_words[:5]).lower().replace("'", "")
    url = f"https://{language}.news.example/{plan.topic}/{fetched:%Y/%m/%d}/{plan.index + 1}-{slug}"
    authors = AUTHORS[language]
    new = NewArticle(
        feed_id=feed_id, url=url, canonical_url=url,
        guid=f"newsbench-{plan.index + 1}-event-{plan.event.id if plan.event else -1}",
        title=title, text=text, summary=" ".join(sentences[:2])[:600], language=language,
        author=authors[plan.index % len(authors)], published_at=published, from_feed=False, related=(),
        fingerprint=None, bands=None,  # fingerprints only matter to de-duplication at ingest
        title_terms=_with_keys(" ".join(filter(None, title_stems)), title),
        body_terms=_with_keys(" ".join(filter(None, stems)), text),
    )
    return new, fetched


def _with_keys(stems: str, text: str) -> str:
    """Stems, then the names' cross-script keys: what ``namekeys.index_text`` stores."""
    keys = " ".join(dict.fromkeys(name_keys(text)))
    return f"{stems} {keys}" if stems and keys else stems or keys


def _event_pool(lex: Lexicon, event: Event, language: str) -> Pool:
    assert lex.tail_stems is not None
    forms = [lex.tail[language][i] for i in event.words]
    stems = [lex.tail_stems[language][i] for i in event.words]
    return Pool.of([f for lexeme in forms for f in lexeme], [1.0 / len(lexeme) for lexeme in forms for _ in lexeme],
                   [s for lexeme in stems for s in lexeme])


def _draw(mix: dict[str, float], total: int, pools: dict[str, Pool], rng: np.random.Generator
          ) -> tuple[list[str], list[str]]:
    """``total`` words in random order (and their stems), each part of ``mix`` from its pool."""
    parts = [pools[part].draw(rng, int(total * share + rng.random())) for part, share in mix.items()]
    order = rng.permutation(sum(len(words) for words, _ in parts))[:total]
    words = np.concatenate([words for words, _ in parts])[order].tolist()
    stems = np.concatenate([stems for _, stems in parts])[order].tolist()
    return words, stems


def _sentence(words: list[str]) -> str:
    if len(words) > 14:
        words = [*words[:7], words[7] + ",", *words[8:]]
    text = " ".join(words)
    return text[:1].upper() + text[1:] + "."


def event_of_guid(guid: str | None) -> int:
    """The event id a generated article's guid carries (-1: none)."""
    return int(guid.rsplit("-event-", 1)[1]) if guid and "-event-" in guid else -1


# -- storing: the same rows as ArticleRepo.insert, in bulk ------------------------------------

_INSERT_ARTICLE = (
    "INSERT INTO articles (id, feed_id, url, canonical_url, guid, title, text, summary, language, author, "
    "published_at, fetched_at, from_feed, related_json, fingerprint, fp_band0, fp_band1, fp_band2, fp_band3) "
    "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)"
)
_INSERT_SOURCE = (
    "INSERT OR IGNORE INTO article_sources (article_id, feed_id, url, canonical_url, guid, seen_at) "
    "VALUES (?, ?, ?, ?, ?, ?)"
)
_INSERT_FTS = "INSERT INTO articles_fts (rowid, title, body) VALUES (?, ?, ?)"

Rows = tuple[list[tuple], list[tuple], list[tuple]]  # type: ignore[type-arg]


def article_rows(articles: Sequence[tuple[int, NewArticle, datetime]]) -> Rows:
    """Rows for (id, article, now) triples, exactly as ``ArticleRepo.insert`` writes them."""
    rows, sources, fts = [], [], []
    for article_id, new, now in articles:
        bands = new.bands or (None, None, None, None)
        rows.append((
            article_id, new.feed_id, new.url, new.canonical_url, new.guid, new.title, new.text, new.summary,
            new.language, new.author, to_db(new.published_at), to_db(now), int(new.from_feed),
            json.dumps([list(link) for link in new.related], ensure_ascii=False), new.fingerprint, *bands,
        ))
        sources.append((article_id, new.feed_id, new.url, new.canonical_url, new.guid, to_db(now)))
        fts.append((article_id, new.title_terms, new.body_terms))
    return rows, sources, fts


def insert_rows(conn: sqlite3.Connection, rows: Rows) -> None:
    articles, sources, fts = rows
    conn.executemany(_INSERT_ARTICLE, articles)
    conn.executemany(_INSERT_SOURCE, sources)
    conn.executemany(_INSERT_FTS, fts)


async def _create_schema_and_feeds(path: Path) -> dict[tuple[str, str], int]:
    """An empty bot database (the bot's own migrations) with the corpus's feeds."""
    db = await Database.open(path)
    try:
        feeds = {}
        for language, topic, url, title in feed_specs():
            feed, _ = await db.feeds.add(url, title=title, site_url=url.rsplit("/", 2)[0], now=NOW - SPAN)
            feeds[language, topic] = feed.id
        return feeds
    finally:
        await db.close()


def _bulk_connection(path: Path) -> sqlite3.Connection:
    """A plain connection for the bulk load: no journal, no syncs (a crash only loses a cache
    file that is rebuilt; ``build_database`` restores the bot's WAL mode at the end)."""
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode = OFF")
    conn.execute("PRAGMA synchronous = OFF")
    conn.execute("PRAGMA cache_size = -262144")
    return conn


_worker_seed = 0
_worker_feeds: dict[tuple[str, str], int] = {}


def _init_worker(seed: int, feeds: dict[tuple[str, str], int], stems: dict[str, str]) -> None:
    global _worker_seed, _worker_feeds
    _worker_seed, _worker_feeds = seed, feeds
    install_stem_table(stems)
    stemmed_lexicon()


def _render_rows(plans: list[Plan]) -> Rows:
    articles = render_chunk(plans, _worker_seed, _worker_feeds)
    return article_rows([(plan.index + 1, new, fetched) for plan, (new, fetched) in zip(plans, articles)])


def _rendered(chunks: list[list[Plan]], seed: int, feeds: dict[tuple[str, str], int], stems: dict[str, str],
              workers: int) -> Iterator[Rows]:
    if workers <= 1:
        _init_worker(seed, feeds, stems)
        yield from map(_render_rows, chunks)
        return
    with ProcessPoolExecutor(workers, initializer=_init_worker, initargs=(seed, feeds, stems)) as pool:
        yield from pool.map(_render_rows, chunks)


def build_database(path: Path, n: int, seed: int, stems: dict[str, str], *, workers: int,
                   progress: Callable[[str], None] = print) -> None:
    """Generate ``n`` articles into a new bot database at ``path``: text is rendered in
    ``workers`` processes while this one inserts, all in one transaction."""
    started = time.perf_counter()
    feeds = asyncio.run(_create_schema_and_feeds(path))
    plans = plan_articles(n, seed)
    chunks = [plans[i:i + CHUNK] for i in range(0, n, CHUNK)]
    conn = _bulk_connection(path)
    done = 0
    try:
        conn.execute("BEGIN IMMEDIATE")
        for rows in _rendered(chunks, seed, feeds, stems, workers):
            insert_rows(conn, rows)
            done += len(rows[0])
            if done % 25_000 < CHUNK:
                progress(f"  {done:,} articles ({time.perf_counter() - started:.0f} s)")
        conn.execute("COMMIT")
        conn.execute("PRAGMA journal_mode = WAL")
    finally:
        conn.close()
    asyncio.run(count_stems(path))


async def count_stems(path: Path) -> None:
    """``stem_df`` from the bulk-loaded index, as the bot's migration fills it (the bulk path
    writes the index rows without it; ``ArticleRepo.insert`` keeps it row by row)."""
    async with aiosqlite.connect(path, isolation_level=None) as conn:
        await conn.execute("BEGIN IMMEDIATE")
        await stemdf.backfill_sqlite(conn)
        await conn.execute("COMMIT")


def verify_bulk_path(seed: int, sample: int = 40) -> None:
    """Store ``sample`` articles through ``db.articles.insert`` and through the bulk path and
    require identical tables; raises AssertionError naming the table that differs."""
    plans = plan_articles(sample, seed)
    with tempfile.TemporaryDirectory() as tmp:
        repo_path, bulk_path = Path(tmp) / "repo.db", Path(tmp) / "bulk.db"
        feeds = asyncio.run(_create_schema_and_feeds(repo_path))
        articles = render_chunk(plans, seed, feeds)

        async def through_repository() -> None:
            db = await Database.open(repo_path)
            try:
                for plan, (new, fetched) in zip(plans, articles):
                    assert await db.articles.insert(new, now=fetched) == plan.index + 1
            finally:
                await db.close()

        asyncio.run(through_repository())
        assert asyncio.run(_create_schema_and_feeds(bulk_path)) == feeds
        conn = _bulk_connection(bulk_path)
        insert_rows(conn, article_rows([(p.index + 1, new, fetched) for p, (new, fetched) in zip(plans, articles)]))
        conn.close()
        asyncio.run(count_stems(bulk_path))
        a, b = sqlite3.connect(repo_path), sqlite3.connect(bulk_path)
        try:
            for table in ("feeds", "articles", "article_sources", "articles_fts", "stem_df"):
                query = f"SELECT {'' if table == 'stem_df' else 'rowid, '}* FROM {table} ORDER BY 1"
                assert a.execute(query).fetchall() == b.execute(query).fetchall(), (
                    f"bench/gen_articles.py stores {table} differently from storage.articles.ArticleRepo.insert: "
                    "update article_rows/_INSERT_* to match the repository"
                )
        finally:
            a.close()
            b.close()


# -- the cache --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Corpus:
    path: Path
    articles: int
    seed: int
    generated_s: float | None  # None: taken from the cache


def corpus_path(n: int, seed: int) -> Path:
    """Where the corpus is cached: a new file when N, the seed, the generator, the stems or the
    schema change (a corpus of an older schema would be migrated by the first benchmark that
    opens it, which benchmarks must not do, and measured on tables the bot no longer has)."""
    keys = code_key(Path(namekeys.__file__))[:6]  # the names' keys too
    return OUT_DIR / f"articles-n{n}-s{seed}-v{GEN_VERSION}-{normalization_key()}-{keys}-schema{SCHEMA_LATEST}.db"


def generated_db(n: int, seed: int = 1, *, force: bool = False, workers: int | None = None,
                 progress: Callable[[str], None] = print) -> Corpus:
    """The cached corpus database of ``n`` articles for ``seed``, generated first if needed.

    Benchmarks must not write to it (copy it first when the code under test writes).
    """
    path = corpus_path(n, seed)
    if path.exists() and not force:
        return Corpus(path, n, seed, None)
    workers = workers or os.cpu_count() or 1
    started = time.perf_counter()
    progress(f"generating {n:,} articles (seed {seed}) into {path.relative_to(ROOT)} ...")
    stems = cached_stem_table(workers)
    progress(f"  {len(stems):,} word forms stemmed ({time.perf_counter() - started:.0f} s)")
    install_stem_table(stems)
    verify_bulk_path(seed)
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".partial")
    for leftover in (partial, Path(f"{partial}-wal"), Path(f"{partial}-shm")):
        leftover.unlink(missing_ok=True)
    build_database(partial, n, seed, stems, workers=workers, progress=progress)
    partial.replace(path)
    return Corpus(path, n, seed, time.perf_counter() - started)


def describe(corpus: Corpus) -> str:
    """One line about the corpus: size, languages, where it is, how long it took."""
    conn = sqlite3.connect(corpus.path)
    try:
        by_language = dict(conn.execute("SELECT language, count(*) FROM articles GROUP BY language").fetchall())
        words = conn.execute("SELECT avg(length(text) - length(replace(text, ' ', '')) + 1) "
                             "FROM articles WHERE id % 50 = 0").fetchone()[0]
    finally:
        conn.close()
    size = corpus.path.stat().st_size / 2**20
    made = f"generated in {corpus.generated_s:.0f} s" if corpus.generated_s is not None else "cached"
    langs = " / ".join(f"{lang} {by_language.get(lang, 0):,}" for lang, _ in LANGUAGES)
    return (f"corpus: {corpus.articles:,} articles ({langs}), ~{words:.0f} words each, {size:,.0f} MB, "
            f"{made}: {corpus.path.relative_to(ROOT)}")


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--workers", type=int, default=None, help="processes rendering text (default: CPUs)")
    parser.add_argument("--force", action="store_true", help="generate again even if cached")
    args = parser.parse_args(argv)
    corpus = generated_db(args.articles, args.seed, force=args.force, workers=args.workers)
    print(describe(corpus))


if __name__ == "__main__":
    main()
