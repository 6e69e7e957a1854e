"""Same-story detection: does a new article report an event already stored as a story?

A second outlet's own write-up of an event shares few three-word shingles with the first
(SimHash cannot see it) but shares its rare words, its names and its numbers. So a story is
compared by a small scoring rule over plain values:

* ``cosine``: TF-IDF cosine of the stemmed words (``bot.news.textsearch``), the IDF squared,
  so that rare words (names, places) weigh more than the vocabulary of the event's kind
  ("arrested", "earthquake");
* ``names``: TF-IDF cosine of the capitalized words inside sentences (people, places,
  organisations), which tell two earthquakes or two arrests apart;
* ``numbers``: IDF-weighted Jaccard overlap of the numbers (magnitudes, tolls, scores, years).

``score = W_COSINE * cosine + W_NAMES * names + W_NUMBERS * numbers``; the same story when the
score reaches ``SAME_STORY_THRESHOLD`` and the stored story is within the time window. The
weights and threshold are fitted by ``bench/train_stories.py`` on half of the story benchmark
(split by article id parity) and checked on the other half; the figures are in the README.

Boilerplate pages (cookie walls, paywalls, error and rate-limit pages) look alike whatever
site they come from: ``is_boilerplate`` spots them, and they never join or key a story.

Everything here is pure: profiles in, a decision out. Storage keeps the profiles and the
document frequencies; ``bot.storyflow`` wires the two.
"""

from __future__ import annotations

import json
import math
import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.news.textsearch import stem_terms

__all__ = [
    "Candidate",
    "Decision",
    "StoryVectors",
    "StoryProfile",
    "decide",
    "is_boilerplate",
    "is_material_change",
    "key_terms",
    "profile_from_json",
    "profile_to_json",
    "story_vectors",
    "vectors_from_json",
    "vectors_to_json",
    "similarity",
    "story_profile",
]

# Fitted by bench/train_stories.py (see the module docstring); change them only with it.
W_COSINE = 0.5
W_NAMES = 0.5
W_NUMBERS = 0.5
SAME_STORY_THRESHOLD = 0.36

MAX_TERMS = 150  # stems kept per profile, the most frequent first
MAX_VECTOR = 60  # heaviest stems kept in a stored vector
KEY_TERMS = 12  # rarest stems of a story put in the candidate index
MATERIAL_CHANGE = 0.02  # share of a text's words that must change to count as a correction
MIN_WORDS = 12  # fewer words than this is a stub, not a write-up: never a merge key

_SENTENCE_RE = re.compile(r"(?<=[.!?…])\s+|\n+")
_TOKEN_RE = re.compile(r"[^\W_][\w'’-]*")
_NUMBER_RE = re.compile(r"\d+(?:[.,]\d+)?")

# Words of cookie walls, paywalls, consent banners, error and rate-limit pages (en/uk/ru),
# as stems (``stem_terms``), so every inflection counts.
_BOILERPLATE_WORDS = (
    "cookie cookies consent gdpr privacy policy subscribe subscription subscriber paywall "
    "sign log login register account premium javascript browser enable enabled disabled "
    "captcha robot access denied forbidden error 403 404 429 500 503 unavailable limit "
    "requests request blocked unusual traffic verify human ad adblocker blocker "
    "куки файли файлы згода согласие конфіденційність конфиденциальность політика политика "
    "підписка подписка підписатися подписаться передплата увійти войти зареєструватися "
    "зарегистрироваться обліковий учетной браузер увімкніть включите помилка ошибка доступ "
    "заборонено запрещен заблоковано заблокирован капча робот сторінку страница знайдено найдена "
    "запитів запросов ліміт лимит"
)
_BOILERPLATE_STEMS = frozenset(stem_terms(_BOILERPLATE_WORDS))


@dataclass(frozen=True, slots=True)
class StoryProfile:
    """What same-story detection keeps of an article: word, name and number counts."""

    terms: Mapping[str, int]  # stem -> count, at most MAX_TERMS
    names: Mapping[str, int]  # stem of a capitalized word inside a sentence -> count
    numbers: frozenset[str]
    words: int  # words in the text, for the boilerplate rule
    boilerplate: bool


@dataclass(frozen=True, slots=True)
class StoryVectors:
    """A profile weighted by IDF and normalized, as stored for the candidates of later checks.

    Frozen at the time the source was stored (the IDF moves slowly), so a check reads and
    scores a candidate without looking up its words again.
    """

    terms: Mapping[str, float]
    names: Mapping[str, float]
    numbers: Mapping[str, float]  # number -> IDF
    boilerplate: bool = False


@dataclass(frozen=True, slots=True)
class Candidate:
    """A stored source text that may report the same event, and its story."""

    story_id: int
    vectors: StoryVectors
    seen_at: datetime


@dataclass(frozen=True, slots=True)
class Decision:
    """``story_id`` None: a new story. ``score`` is the best candidate's (0.0 if none)."""

    story_id: int | None
    score: float


def story_profile(title: str, text: str) -> StoryProfile:
    """Profile an article's title and text for ``similarity``."""
    if not (title + text).isascii():  # a lone surrogate (broken feeds) cannot be stored as UTF-8
        title, text = (s.encode("utf-8", "replace").decode("utf-8") for s in (title, text))
    stems = stem_terms(f"{title}\n{text}")
    counts = Counter(stems)
    words = len(_TOKEN_RE.findall(text))
    return StoryProfile(
        terms=dict(counts.most_common(MAX_TERMS)),
        names=_names(text),
        numbers=frozenset(_NUMBER_RE.findall(text)),
        words=words,
        boilerplate=_looks_boilerplate(stems, words),
    )


def is_boilerplate(title: str, text: str) -> bool:
    """True for a page that is not an article: a cookie wall, a paywall, a login or error
    page, a rate-limit notice, or a stub too short to tell one event from another."""
    return story_profile(title, text).boilerplate


def _looks_boilerplate(stems: Sequence[str], words: int) -> bool:
    if words < MIN_WORDS:
        return True
    hits = sum(1 for stem in stems if stem in _BOILERPLATE_STEMS)
    # A real article may mention a cookie or a login; a wall is mostly such words.
    return hits >= 3 and hits / max(1, len(stems)) >= 0.08


def _names(text: str) -> dict[str, int]:
    """Stems of capitalized words not opening a sentence (names, places, organisations)."""
    names: Counter[str] = Counter()
    for sentence in _SENTENCE_RE.split(text):
        tokens = _TOKEN_RE.findall(sentence)
        for token in tokens[1:]:
            if token[0].isupper() and not token.isupper():
                stems = stem_terms(token)
                if stems:
                    names[stems[0]] += 1
    return dict(names)


def _idf(df: Mapping[str, int], documents: int, term: str) -> float:
    return math.log((documents + 1) / (df.get(term, 0) + 1)) + 1.0


def _unit(counts: Mapping[str, int], df: Mapping[str, int], documents: int, power: float) -> dict[str, float]:
    weights = {t: (1.0 + math.log(c)) * _idf(df, documents, t) ** power for t, c in counts.items() if c > 0}
    norm = math.sqrt(sum(w * w for w in weights.values())) or 1.0
    return {t: w / norm for t, w in weights.items()}


def _dot(a: Mapping[str, float], b: Mapping[str, float]) -> float:
    if len(a) > len(b):
        a, b = b, a
    return sum(w * b.get(t, 0.0) for t, w in a.items())


def story_vectors(p: StoryProfile, df: Mapping[str, int], documents: int) -> StoryVectors:
    """The vectors ``similarity`` compares; only the ``MAX_VECTOR`` heaviest stems are kept
    (the cosine is made by them), so stored vectors stay small and quick to score."""
    terms = _unit(p.terms, df, documents, 2.0)
    if len(terms) > MAX_VECTOR:
        terms = dict(sorted(terms.items(), key=lambda kv: -kv[1])[:MAX_VECTOR])
    return StoryVectors(
        terms=terms,
        names=_unit(p.names, df, documents, 1.0),
        numbers={n: _idf(df, documents, n) for n in p.numbers},
        boilerplate=p.boilerplate,
    )


def _features(a: StoryVectors, b: StoryVectors) -> tuple[float, float, float]:
    cosine = _dot(a.terms, b.terms)
    names = _dot(a.names, b.names) if a.names and b.names else 0.0
    numbers = 0.0
    if a.numbers and b.numbers:
        shared = sum(w for n, w in a.numbers.items() if n in b.numbers)
        numbers = shared / (sum(a.numbers.values()) + sum(b.numbers.values()) - shared)
    return cosine, names, numbers


def features(a: StoryProfile, b: StoryProfile, df: Mapping[str, int], documents: int) -> tuple[float, float, float]:
    """(cosine, names, numbers) of two profiles, each in [0, 1]; see the module docstring."""
    return _features(story_vectors(a, df, documents), story_vectors(b, df, documents))


WEIGHTS = (W_COSINE, W_NAMES, W_NUMBERS)


def _score(f: tuple[float, float, float], weights: tuple[float, float, float] = WEIGHTS) -> float:
    return weights[0] * f[0] + weights[1] * f[1] + weights[2] * f[2]


def similarity(a: StoryProfile, b: StoryProfile, df: Mapping[str, int], documents: int) -> float:
    """The same-story score of two profiles (comparable with ``SAME_STORY_THRESHOLD``)."""
    return _score(features(a, b, df, documents))


def decide(
    new: StoryProfile, candidates: Sequence[Candidate], df: Mapping[str, int], documents: int, *,
    now: datetime, window: timedelta | None, threshold: float = SAME_STORY_THRESHOLD,
    weights: tuple[float, float, float] = WEIGHTS,
) -> Decision:
    """Which stored story ``new`` joins (the best-scoring one at or above ``threshold``, seen
    within ``window`` of ``now``; None switches the window off), or None for a new story.

    A boilerplate page joins nothing, and a boilerplate candidate is never joined.
    """
    if new.boilerplate:
        return Decision(None, 0.0)
    mine = story_vectors(new, df, documents)
    best_id, best = None, 0.0
    for candidate in candidates:
        if candidate.vectors.boilerplate or (window is not None and abs(now - candidate.seen_at) > window):
            continue
        score = _score(_features(mine, candidate.vectors), weights)
        if score > best:
            best_id, best = candidate.story_id, score
    return Decision(best_id if best >= threshold else None, best)


def is_material_change(old_title: str, old_text: str, new_title: str, new_text: str) -> bool:
    """True when a re-read article says something else: its title's words changed, or at
    least ``MATERIAL_CHANGE`` of its words were added, removed or replaced, or a number changed
    (a correction); not when only whitespace, punctuation or a word here and there changed."""
    if Counter(stem_terms(old_title)) != Counter(stem_terms(new_title)):
        return True
    if set(_NUMBER_RE.findall(old_text)) != set(_NUMBER_RE.findall(new_text)):
        return True  # a toll, a score, a date corrected
    old, new = Counter(stem_terms(old_text)), Counter(stem_terms(new_text))
    changed = sum(((old - new) + (new - old)).values())
    return changed >= max(1, MATERIAL_CHANGE * max(sum(old.values()), sum(new.values())))


def key_terms(profile: StoryProfile, df: Mapping[str, int], documents: int, k: int = KEY_TERMS) -> list[str]:
    """The ``k`` stems that best identify a story (highest TF-IDF): what the candidate index
    keys it by. A boilerplate page gets none, so it can never be found as a candidate."""
    if profile.boilerplate:
        return []
    scored = sorted(
        profile.terms, key=lambda t: (-(1.0 + math.log(profile.terms[t])) * _idf(df, documents, t), t)
    )
    return scored[:k]


def profile_to_json(profile: StoryProfile) -> str:
    """A compact text form for the database (see ``profile_from_json``)."""
    return json.dumps(
        {"t": profile.terms, "n": profile.names, "d": sorted(profile.numbers), "w": profile.words,
         "b": int(profile.boilerplate)},
        ensure_ascii=False, separators=(",", ":"),
    )


def profile_from_json(text: str) -> StoryProfile:
    data = json.loads(text)
    return StoryProfile(
        terms=data["t"], names=data["n"], numbers=frozenset(data["d"]), words=int(data["w"]),
        boilerplate=bool(data["b"]),
    )


# "Read also" and /related keep a stored story only when it is this related (TF-IDF cosine of
# the two profiles' words); fitted by bench/bench_related_floor.py on the story benchmark.
RELATED_FLOOR = 0.16


def relatedness(a: StoryProfile, b: StoryProfile, df: Mapping[str, int], documents: int) -> float:
    """How much two stories are about the same thing, 0..1 (TF-IDF cosine of their words)."""
    return _dot(_unit(a.terms, df, documents, 1.0), _unit(b.terms, df, documents, 1.0))


def vectors_to_json(v: StoryVectors) -> str:
    """A compact text form for the database (see ``vectors_from_json``)."""
    return json.dumps(
        {"t": {k: round(x, 5) for k, x in v.terms.items()}, "n": {k: round(x, 5) for k, x in v.names.items()},
         "d": {k: round(x, 4) for k, x in v.numbers.items()}, "b": int(v.boilerplate)},
        ensure_ascii=False, separators=(",", ":"),
    )


def vectors_from_json(text: str) -> StoryVectors:
    data = json.loads(text)
    return StoryVectors(terms=data["t"], names=data["n"], numbers=data["d"], boilerplate=bool(data["b"]))
