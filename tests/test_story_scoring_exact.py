"""The same-story check's arithmetic, sped up, gives the very same floats as the plain loops
it replaced (the README's bench_story_check row: same story and score as before)."""

from __future__ import annotations

import math

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.news.stories import WEIGHTS, StoryProfile, _dot, _score, _unit, key_terms

_KEYS = st.sampled_from([f"t{i}" for i in range(40)])
_WEIGHTS = st.dictionaries(_KEYS, st.floats(min_value=0.0, max_value=1.0, allow_nan=False), max_size=40)
_COUNTS = st.dictionaries(_KEYS, st.integers(min_value=0, max_value=9), max_size=40)
_DF = st.dictionaries(_KEYS, st.integers(min_value=0, max_value=500), max_size=40)


def _dot_plain(a: dict[str, float], b: dict[str, float]) -> float:
    if len(a) > len(b):
        a, b = b, a
    return sum(w * b.get(t, 0.0) for t, w in a.items())


def _idf_plain(df: dict[str, int], documents: int, term: str) -> float:
    return math.log((documents + 1) / (df.get(term, 0) + 1)) + 1.0


def _unit_plain(counts: dict[str, int], df: dict[str, int], documents: int, power: float, keep: int | None,
                tf: str) -> dict[str, float]:
    scale = (lambda c: 1.0 + math.log(c)) if tf == "log" else math.sqrt
    weights = {t: scale(c) * _idf_plain(df, documents, t) ** power for t, c in counts.items() if c > 0}
    if keep is not None and len(weights) > keep:
        weights = dict(sorted(weights.items(), key=lambda kv: (-kv[1], kv[0]))[:keep])
    norm = math.sqrt(sum(w * w for w in weights.values())) or 1.0
    return {t: w / norm for t, w in weights.items()}


@settings(max_examples=300)
@given(_WEIGHTS, _WEIGHTS)
def test_dot_is_the_plain_sum_to_the_last_bit(a: dict[str, float], b: dict[str, float]) -> None:
    assert _dot(a, b) == _dot_plain(a, b)
    assert _dot(b, a) == _dot_plain(b, a)


@settings(max_examples=300)
@given(_COUNTS, _DF, st.integers(min_value=0, max_value=1000), st.sampled_from([1.0, 2.0]),
       st.sampled_from([None, 5, 60]), st.sampled_from(["log", "sqrt"]))
def test_unit_weights_are_the_plain_ones_in_the_same_order(
    counts: dict[str, int], df: dict[str, int], documents: int, power: float, keep: int | None, tf: str,
) -> None:
    got = _unit(counts, df, documents, power, keep=keep, tf=tf)
    want = _unit_plain(counts, df, documents, power, keep, tf)
    assert list(got.items()) == list(want.items())  # the order too: the dot products sum in it


@settings(max_examples=300)
@given(st.dictionaries(_KEYS, st.integers(min_value=1, max_value=9), max_size=40), _DF,
       st.integers(min_value=0, max_value=1000))
def test_key_terms_rank_as_the_plain_idf_does(terms: dict[str, int], df: dict[str, int], documents: int) -> None:
    profile = StoryProfile(terms=terms, names={}, numbers=frozenset(), words=100, boilerplate=False)
    plain = sorted(terms, key=lambda t: (-(1.0 + math.log(terms[t])) * _idf_plain(df, documents, t), t))[:12]
    assert key_terms(profile, df, documents) == plain


@settings(max_examples=200)
@given(st.tuples(*[st.floats(min_value=-1.0, max_value=1.0, allow_nan=False)] * 7))
def test_a_score_is_the_plain_weighted_sum_to_the_last_bit(f: tuple[float, ...]) -> None:
    assert _score(f) == sum(w * x for w, x in zip(WEIGHTS, f))  # type: ignore[arg-type]
