"""Short summaries of articles: an offline extractive summarizer behind an async seam.

``Summarizer`` is the seam: the pipeline awaits ``summarize(article, ...)`` and does not care
whether the text comes from the extractive summarizer here or from an LLM over httpx.
``summarize_text`` is the synchronous core, usable from the CLI and benchmarks.

The extractive summary is the article's lead: its first sentences that read well alone, in
document order, while they fit the budget. News is written lead-first, and on CNN/DailyMail
highlights no content score we tried (TF-IDF centrality, title overlap, echo by captions, a
logistic-regression sentence scorer, ``bench/bench_summary_scorer.py``: 39.2-40.0 on folds of
the even half; fitted on one half and scored on the other, 43.8 on odd but 39.5 on even) picked
better sentences than position. One judgement does: when the summary's last sentence names
almost nothing ("The agreement was designed to provide uniformity of public holidays across
the nation.") it gives its place to the next told one if that names someone or something,
with a number or capitalized names, and is not a quotation, an attribution or an exclamation
(``bot.news.vagueness``; chosen on the even half: ROUGE-1 41.0 → 42.0 there, 42.8 → 43.0 on
the odd half it never saw). Only the last sentence: letting a middle one go as well scored
more (odd 43.4) but, read on the extraction pages, lost the point a second sentence makes and
once left the next sentence leaning on the one dropped. The rest of the budget is used as Lead-3 uses it: highlights
average 300 characters against our 450, but ROUGE F gains from added words whose share in the
highlights exceeds half of F (about 0.21), and a third sentence's share is 0.35-0.49, so
stopping past a length, preferring two sentences when the third is long, deleting asides,
ages or attributions (whose words are in highlights at 0.14-0.62), reaching past a sentence
that does not fit for one that does, a short third sentence giving way to a longer one, or a
quoted one to one without quotes: none gained on both halves (``bench_summarize.py
--variants`` prints each).

What the summary adds to "the first three sentences" is judgement about which sentences may
be shown (``bot.news.summary_units``): no heading, caption, credit, byline, dateline, reading
time or label line; quotations whole; the title never repeated; no sentence that leans on one
the summary skipped ("But …", "He …", "Це …", "Однако …") unless nothing else is left, nor
one opening with "The <noun>" right after a skipped sentence that introduced it ("The
magazine …", ``bot.news.openers``); no sentence that repeats one already chosen; an English
sentence in the first or second person (speech) after the lead only when the told sentences
leave room; and a question lead ("Think it's hard to redeem your miles?") gives its place to
the next told sentence that names someone or something. The definite-noun and question-lead
rules change no summary of the even half (its one question lead, "Think it's hard …?", is
followed by "It depends …" and "The magazine …", neither of which may lead): they are for the
reader.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from itertools import chain
from typing import Protocol

from bot.news.models import Article
from bot.news.openers import answers_question, definite_reference, drop_connective, is_teaser, pronoun_before_name
from bot.news.summary_units import Unit, iter_summary_units, opens_with_fact_check_label, summary_units
from bot.news.textsearch import stem_terms
from bot.news.vagueness import is_vague, welcomes

__all__ = ["ExtractiveSummarizer", "Summarizer", "summarize_text"]

ELLIPSIS = "…"
MAX_GAP = 4  # units passed over in a row after which the rest is too far from the lead to follow it
# (list items do not count: a list belongs to the sentence introducing it, and the prose after it
# follows that sentence: "Характеристики бега можно увеличить за счет кодов" - 4 codes - "То, что …";
# nor, while the lead is alone, do headings, captions, credits, bylines and ads: "Follow
# @universetoday on Twitter", a credited caption, "Remove this ad" are no story told between the
# lead and the next sentence)
TEASER_REACH = 2  # units after a question lead looked at for one that tells instead
REPEAT_SHARE = 0.8  # share of the shorter unit's stems found in a chosen one: a repeat
# A speaker's own words: "I", "we", "you" (not "World War I"). English only: measured on
# CNN/DailyMail highlights; there is no Russian or Ukrainian set to check the rule on.
_SPEECH_RE = re.compile(
    r"(?<![\w'’-])(?:(?<!War )I|[Ww]e|[Mm]y|[Oo]urs?|[Uu]s|[Mm]e|[Yy]ou|[Yy]ours?)(?![\w-])"
)


class Summarizer(Protocol):
    """Anything that turns an article into a short plain-text summary."""

    async def summarize(
        self, article: Article, *, max_sentences: int = 3, max_chars: int = 600
    ) -> str:
        """Return at most ``max_sentences`` sentences and ``max_chars`` characters ("" if none)."""
        ...


@dataclass(frozen=True, slots=True)
class ExtractiveSummarizer:
    """The offline ``Summarizer``: ``summarize_text`` over the article's text and title.

    It runs inline on the event loop: a 3,000-character article costs well under 1 ms of CPU
    (``bench/bench_summarize.py``), too little to be worth a hop to a thread.
    """

    async def summarize(
        self, article: Article, *, max_sentences: int = 3, max_chars: int = 600
    ) -> str:
        """Summarize ``article`` (see ``summarize_text``)."""
        return summarize_text(
            article.text,
            article.language,
            title=article.title,
            max_sentences=max_sentences,
            max_chars=max_chars,
        )


def summarize_text(
    text: str,
    language: str = "",
    *,
    title: str = "",
    max_sentences: int = 3,
    max_chars: int = 600,
) -> str:
    """Return an extractive summary of ``text``: whole sentences in document order.

    At most ``max_sentences`` units (a quotation spanning sentences counts as one) and
    ``max_chars`` characters, joined by single spaces. The first unit is the lead: the first
    sentence that reads alone, is not very short and leans on no sentence before it (the
    text's very first sentence may lean on the headline). The following units come in order
    until one does not fit; a sentence leaning on one that was skipped, a question and a
    repeat are passed over, and a very short one is kept only as a fact right after the
    sentence it follows ("He was 88."), or as the end of the lead's paragraph when nothing else
    would follow the lead ("… de Belo Horizonte? Assista a uma palinha!"). A vague last unit
    may then give its place to the next told one (see the module docstring). The one
    exception to "whole sentences": when the lead alone is longer than ``max_chars`` it is cut
    at a word boundary and ends with "…" (a headline-length teaser beats no summary).
    Returns "" when the text has no usable sentence. Raises ValueError for a non-positive limit.
    """
    if max_sentences < 1 or max_chars < 1:
        raise ValueError(f"limits must be positive, got {max_sentences=} {max_chars=}")
    units = iter_summary_units(text, language, title)
    seen: list[Unit] = []
    lead = None
    for unit in units:
        seen.append(unit)
        if unit.usable and not unit.weak and (not unit.leans or (unit.pronoun and unit.antecedent < 0)):
            lead = unit  # the text's first sentence may say "He" for the headline's subject
            break
        if unit.usable and not unit.weak and unit.antecedent < 0 and (mended := drop_connective(unit.text, first=True)):
            lead = replace(unit, text=mended, leans=False)  # "So Alexa Posny … is leaving" → "Alexa Posny …"
            break
    if lead is None:  # nothing reads alone: fall back to what is there, weak or leaning
        usable = [unit for unit in seen if unit.usable]
        fallback = [unit for unit in usable if not unit.weak] or usable
        if not fallback:
            # No sentence at all, e.g. a feed description without a full stop: its first
            # prose-like line, alone, rather than nothing.
            last_resort = [unit for unit in seen if unit.last_resort]
            if last_resort:
                return _truncate(last_resort[0].text, max_chars)
            # Or a page whose one sentence is its one list item (a blog post inside an <li>);
            # of a list of several (a round-up of links) any one would be a guess.
            listed = [unit for unit in seen if unit.listed]
            item = _listed_sentence(listed[0], language, title) if len(listed) == 1 else ""
            return _truncate(item, max_chars) if item else ""
        lead = fallback[0]
    told: dict[int, Unit] = {unit.index: unit for unit in seen}  # units read, by index
    if is_teaser(lead.text):  # "Think it's hard to redeem your miles?": the next told one leads
        lead, units = _past_teaser(lead, units, told, title, language)
    if len(lead.text) > max_chars:
        return _truncate(lead.text, max_chars)
    chosen = [lead]
    chosen_terms = [frozenset(stem_terms(lead.text, language))]
    chosen_index = {lead.index}
    used = len(lead.text)
    speech: list[tuple[Unit, int]] = []
    needs: set[int] = set()  # units in ``speech`` shown only after the speaker's sentence they follow
    lead_tail: Unit | None = None  # a short sentence ending the lead's paragraph ("Watch it!")
    skipped = 0  # units passed over since the last chosen one, list items aside
    stopped: list[Unit] = []  # the unit the summary stopped before, if near enough to follow
    for unit in units:
        if len(chosen) >= max_sentences or skipped >= MAX_GAP:
            stopped = [unit] if skipped < MAX_GAP else []
            break
        skipped += _steps(unit, alone=len(chosen) == 1)
        follows = unit.antecedent in chosen_index
        told[unit.index] = unit
        if not follows and unit.usable and _names_the_skipped(unit, told, chosen_terms, title, language):
            # "The magazine said …" after the sentence introducing the magazine was skipped; if
            # that was a speaker's, held back, this one may follow it when it is shown.
            if any(held.index == unit.antecedent for held, _ in speech):
                speech.append((unit, len(unit.text) + 1))
                needs.add(unit.index)
            continue
        if not unit.usable or (unit.leans and not follows) or _is_question(unit.text):
            continue
        if unit.weak and not (follows and _is_short_fact(unit.text)):
            if unit.index == lead.index + 1 and follows and unit.text != unit.text.upper():
                lead_tail = unit  # short, not shouting ("READ THIS NOW.")
            continue
        cost = len(unit.text) + 1  # the joining space
        if used + cost > max_chars:
            stopped, skipped = [unit], skipped - _steps(unit, alone=len(chosen) == 1)  # counted again if it is passed over
            break
        terms = frozenset(stem_terms(unit.text, language))
        if _repeats(terms, chosen_terms):
            continue
        if _is_speech(unit.text, language):
            speech.append((unit, cost))  # shown only if the told sentences leave room
            continue
        chosen.append(unit)
        chosen_terms.append(terms)
        chosen_index.add(unit.index)
        used += cost
        skipped = 0
    for unit, cost in speech:
        if len(chosen) >= max_sentences:
            break
        if used + cost <= max_chars and (unit.index not in needs or unit.antecedent in chosen_index):
            chosen.append(unit)
            chosen_index.add(unit.index)
            used += cost
    if len(chosen) == 1 < max_sentences and lead_tail and used + len(lead_tail.text) + 1 <= max_chars:
        chosen.append(lead_tail)  # nothing else to tell: the lead's own paragraph, whole
    chosen.sort(key=lambda unit: unit.index)
    last = chosen[-1].text
    if len(chosen) > 1 and skipped < MAX_GAP and is_vague(last) and not opens_with_fact_check_label(last):
        # The last unit names almost nothing: the next told one takes its place if it names
        # someone or something and fits. Only the last: no sentence after it can lean on it.
        vague = chosen[-1]
        other = _next_told(chain(stopped, units), chosen, chosen_terms, skipped, language, told)
        room = max_chars - sum(len(unit.text) + 1 for unit in chosen[:-1])
        leans_on_it = other is not None and other.leans and other.antecedent == vague.index
        if other and not leans_on_it and len(other.text) <= room and welcomes(other.text):
            kept = [frozenset(stem_terms(unit.text, language)) for unit in chosen[:-1]]
            if not _names_the_skipped(other, told, kept, title, language):  # "The magazine …"
                chosen[-1] = other
    return " ".join(unit.text for unit in chosen)


def _past_teaser(
    lead: Unit, units: Iterator[Unit], told: dict[int, Unit], title: str, language: str
) -> tuple[Unit, Iterator[Unit]]:
    """The lead and the units after it when the lead is a question: the first sentence after it
    (within ``TEASER_REACH`` units, captions and short lines passed over) leads instead if it
    tells and names someone or something (``welcomes``), without the "But" it may open with
    ("Think it's hard …? But the rules changed …"). Not if it opens with "The <noun>" the title
    does not name ("The magazine …": a new lead has only the title before it), uses a pronoun
    before it names anyone ("As he sat …"), leans on the question itself ("… to answer that
    question", "… forgiven for thinking so", "Unless …") or on it otherwise ("Both …"): then the
    question stays."""
    ahead: list[Unit] = []
    reach = TEASER_REACH
    for unit in units:  # page furniture between the question and the story is no reach
        ahead.append(unit)
        reach -= _steps(unit)
        if not reach:
            break
    told.update((unit.index, unit) for unit in ahead)
    for position, unit in enumerate(ahead):
        if not unit.usable or unit.weak:
            continue
        if unit.leans:
            mended = drop_connective(unit.text) if unit.antecedent == lead.index else None
            if mended is None:
                break
            unit = replace(unit, text=mended, leans=False)
        noun = definite_reference(unit.text)
        if (
            _is_question(unit.text)
            or (noun and not frozenset(stem_terms(noun, language)) & frozenset(stem_terms(title, language)))
            or pronoun_before_name(unit.text)
            or answers_question(unit.text)
            or not welcomes(unit.text)
        ):
            break
        return unit, chain(ahead[position + 1 :], units)
    return lead, chain(ahead, units)


def _names_the_skipped(
    unit: Unit, told: dict[int, Unit], chosen_terms: list[frozenset[str]], title: str, language: str
) -> bool:
    """True when ``unit`` opens with a definite noun phrase ("The magazine printed …") right after
    a sentence the summary skipped that introduced the noun ("… the mayor told Vogue magazine"),
    and neither the summary so far nor the title names it: the reader would meet "the magazine"
    without knowing which. Not after a sentence opening with the same phrase ("The object would
    …", then "The same object …": the one introducing it came earlier)."""
    noun = definite_reference(unit.text)
    antecedent = told.get(unit.antecedent)
    if not noun or antecedent is None or not antecedent.usable or definite_reference(antecedent.text) == noun:
        return False
    stems = frozenset(stem_terms(noun, language))
    if not stems or not stems <= frozenset(stem_terms(antecedent.text, language)):
        return False
    if stems & frozenset().union(*chosen_terms):
        return False  # "The campaign …" after the lead's campaign
    return not stems & frozenset(stem_terms(title, language))


def _next_told(
    units: Iterable[Unit],
    chosen: list[Unit],
    chosen_terms: list[frozenset[str]],
    skipped: int,
    language: str,
    told: dict[int, Unit],
) -> Unit | None:
    """The unit after the summary that it could tell next: usable, not weak, not a question,
    speech or repeat, leaning only on a chosen unit, not too far past the last one (the units
    read are added to ``told``)."""
    indexes = {unit.index for unit in chosen}
    for unit in units:
        if skipped >= MAX_GAP:
            return None
        told[unit.index] = unit
        skipped += not unit.listed
        if not unit.usable or unit.weak or _is_question(unit.text) or _is_speech(unit.text, language):
            continue
        if (unit.leans and unit.antecedent not in indexes) or _repeats(
            frozenset(stem_terms(unit.text, language)), chosen_terms
        ):
            continue
        return unit
    return None


def _steps(unit: Unit, *, alone: bool = True) -> bool:
    """True when passing ``unit`` over is a step away from the lead: not a list item, nor page
    furniture while the lead is ``alone`` in the summary (see ``MAX_GAP``). Once a second
    sentence is chosen, furniture counts again: read on the Dragnet gold texts, reaching past
    captions and credits for a third sentence found one that read worse more often than not."""
    return not unit.listed and (not unit.junk or not alone)


def _is_question(text: str) -> bool:
    """A question after the lead ("But are all native ads equal?") teases; it does not tell."""
    return text.rstrip("\"'»”’)").endswith("?")


def _is_speech(text: str, language: str) -> bool:
    """True for an English sentence in the first or second person ("'I was terrified,' she
    said.", "We will win."): someone's words, which highlights retell in the third person (on
    CNN/DailyMail about a third fewer of such a sentence's words are in the highlights than of
    a told one's). After the lead it is shown only if the told sentences leave room."""
    return language.startswith("en") and bool(_SPEECH_RE.search(text))


def _is_short_fact(text: str) -> bool:
    """A short sentence worth its place after the one it follows: "He was 88." (a number or a
    name), not "Well, sort of.", "Wow." or a line in capitals ("WATCH THE DEBATE HERE.")."""
    words = text.split()
    return len(words) >= 3 and text != text.upper() and any(
        any(char.isdigit() for char in word) or (position and word[:1].isupper())
        for position, word in enumerate(words)
    )


def _repeats(terms: frozenset[str], chosen: list[frozenset[str]]) -> bool:
    """True when a unit says mostly what a chosen unit already says."""
    for other in chosen:
        smaller = min(len(terms), len(other))
        if smaller and len(terms & other) / smaller > REPEAT_SHARE:
            return True
    return False


_LIST_MARK_RE = re.compile(r"^(?:[-–—•·*►▪●✓✔→]|\d{1,2}[.)])\s*")


def _listed_sentence(unit: Unit, language: str, title: str) -> str:
    """A list item that is a whole sentence of eight words or more, which reads alone once its
    mark is gone, without the mark; else "". Only for a text with no other sentence and no
    other list item."""
    item = _LIST_MARK_RE.sub("", unit.text, count=1)
    if item == unit.text or len(item.split()) < 8:
        return ""
    units = summary_units(item, language, title)
    return item if units and all(u.usable and not u.weak and not u.leans for u in units) else ""


def _truncate(text: str, max_chars: int) -> str:
    """Cut ``text`` to ``max_chars`` at a word boundary, ending with "…" (as is if it fits)."""
    if len(text) <= max_chars:
        return text
    room = max_chars - len(ELLIPSIS)
    cut = text[: room + 1]
    boundary = cut.rfind(" ")
    cut = cut[:boundary] if boundary > 0 else text[:room]
    return cut.rstrip(" ,;:-–—([«„“\"") + ELLIPSIS
