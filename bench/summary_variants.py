"""Variants of the summarizer that ``bench_summarize.py --variants`` scores beside it: what it
does not do, measured, so each "why not" in ``bot/news/summarize.py`` has a figure behind it.

Each variant starts from the shipped summary (``summarize_text`` under the default budget)
and changes one thing:

- ``short3``: budget use. A third sentence shorter than 100 characters gives its place to the
  first of the next two told sentences that is longer and fits (highlights' words grow with
  length; is the room a short third sentence leaves worth more words?).
- ``keepvague``: the summary before a vague last sentence gave way (``bot.news.vagueness``:
  a last sentence naming almost nothing gives its place to the next told sentence with a
  number or names, not quoted, attributed or exclaimed), to show what that rule adds;
- ``vague2``: that rule for a vague sentence in the middle too (the first vague one after the
  lead gives way to the next told sentence after the summary, with the thresholds it was
  chosen with: under 8% capitalized words, over 10% to be welcome).
- ``quote``: a sentence after the lead with a quotation in it gives its place to the next told
  sentence without one (quotes are retold, not quoted, in highlights).
- ``gap3`` / ``gap6``: the position prior's reach: the summary stops after 3 or 6 units passed
  over in a row instead of 4.
- ``rep0.6``: a stricter repeat test (a sentence is a repeat when 60% of the shorter one's
  stems are in a chosen one, not 80%).

A "told sentence" here is what the summarizer itself would take next: usable, not weak, not a
question or speech, not a repeat, leaning only on a sentence kept in the summary.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import bot.news.summarize as summarize_module
import bot.news.vagueness as vagueness_module
from bot.news.summarize import _is_question, _is_speech, _repeats, summarize_text
from bot.news.summary_units import Unit, summary_units
from bot.news.textsearch import stem_terms

Summarize = Callable[[str, str], str]
Rule = Callable[[Unit, list[Unit]], bool]  # (unit, chosen) -> True
Welcome = Callable[[Unit, Unit], bool]  # (candidate, the unit it would replace) -> True

MAX_SENTENCES = 3
MAX_CHARS = 600
_QUOTE_RE = re.compile(r"[\"“”«»„]|(?<![\w])['‘]|['’](?![\w])")


def ours(text: str, title: str) -> str:
    return summarize_text(text, "en", title=title, max_sentences=MAX_SENTENCES, max_chars=MAX_CHARS)


def _vague(text: str, share: float) -> bool:
    return not re.search(r"\d", text) and text.upper() != text and vagueness_module.capitalized_share(text) < share


def swap_variant(goes: Rule, welcome: Welcome, reach: int = 2) -> Summarize:
    """The shipped summary, with its first unit after the lead for which ``goes`` holds
    replaced by the first of the next ``reach`` told units that ``welcome`` accepts and that
    fits; unchanged if there is none."""

    def summarize(text: str, title: str) -> str:
        summary = ours(text, title)
        units = summary_units(text, "en", title)
        chosen = [unit for unit in units if unit.usable and unit.text in summary]
        if len(chosen) < 2:
            return summary
        chosen_terms = [frozenset(stem_terms(unit.text, "en")) for unit in chosen]
        indexes = {unit.index for unit in chosen}
        told: list[Unit] = []
        for unit in units[chosen[-1].index + 1 :]:
            if len(told) == reach:
                break
            if not unit.usable or unit.weak or _is_question(unit.text) or _is_speech(unit.text, "en"):
                continue
            if unit.leans and unit.antecedent not in indexes:
                continue
            if not _repeats(frozenset(stem_terms(unit.text, "en")), chosen_terms):
                told.append(unit)
        used = len(summary)
        for position, unit in enumerate(chosen[1:], 1):
            if not goes(unit, chosen) or any(other.leans and other.antecedent == unit.index for other in chosen):
                continue
            for other in told:
                if other.leans and other.antecedent == unit.index:
                    continue
                if welcome(other, unit) and used - len(unit.text) + len(other.text) <= MAX_CHARS:
                    kept = [*chosen[:position], *chosen[position + 1 :], other]
                    return " ".join(kept_unit.text for kept_unit in sorted(kept, key=lambda u: u.index))
            break
        return summary

    return summarize


@contextmanager
def _patched(module: object, name: str, value: float) -> Iterator[None]:
    old = getattr(module, name)
    setattr(module, name, value)
    try:
        yield
    finally:
        setattr(module, name, old)


def patched_variant(name: str, value: float, module: object = summarize_module) -> Summarize:
    """The shipped summarizer with one of its module constants set to ``value``."""

    def summarize(text: str, title: str) -> str:
        with _patched(module, name, value):
            return ours(text, title)

    return summarize


def variants() -> dict[str, Summarize]:
    return {
        "short3": swap_variant(
            lambda unit, chosen: unit is chosen[-1] and len(chosen) == MAX_SENTENCES and len(unit.text) < 100,
            lambda other, gone: len(other.text) > len(gone.text),
        ),
        "keepvague": patched_variant("VAGUE_SHARE", 0.0, vagueness_module),
        "vague2": swap_variant(
            lambda unit, _: _vague(unit.text, 0.08),
            lambda other, _: vagueness_module.welcomes(other.text)
            and (bool(re.search(r"\d", other.text)) or vagueness_module.capitalized_share(other.text) > 0.10),
            reach=1,
        ),
        "quote": swap_variant(
            lambda unit, _: bool(_QUOTE_RE.search(unit.text)), lambda other, _: not _QUOTE_RE.search(other.text)
        ),
        "gap3": patched_variant("MAX_GAP", 3),
        "gap6": patched_variant("MAX_GAP", 6),
        "rep0.6": patched_variant("REPEAT_SHARE", 0.6),
    }
