"""Which reading of a page is its article: the first one, unless the evidence doubts it.

The first reading is trafilatura's fast precision mode: right on most news pages, and cheap.
It is doubted when it is short (under ``SHORT_TEXT`` characters, whatever the page) or when
little of it is prose (a menu or teaser block on an old table layout). Only then are the
expensive readings made, so most pages cost one trafilatura pass:

- a short first reading gives way to readability-lxml's reading of the page. On both shared
  benchmark sets, in both halves (even and odd ids), readability's text is on average the
  better one exactly where trafilatura's precision mode keeps little. Not when readability's
  reading is a scrap beside it (under a third of its length), nor when it shares nothing
  with a first reading that is prose nor with trafilatura's balanced reading: outvoted, it
  took another block of the page (dragnet even half: 268, R258, R298, R112, R260 better,
  none worse). But when readability's reading is long (``_PADDED`` times the first) and
  holds all of trafilatura's full reading (``fast=False``, its fallback comparison) at under
  half its length, readability took the article and a block beside it (a comment thread, a
  column of teasers): the full reading is the article (dragnet even half: T6, R682, R756
  better, none worse; odd half, unseen while tuning: R685, R751 better, none worse). When
  readability finds nothing (or is set aside), trafilatura's balanced mode replaces a first
  reading it more than doubles;
- a first reading that is not prose is compared with readability and balanced mode: a
  reading that contains it (most of its shingles) and adds prose replaces it (it was cut
  short); two readings that agree with each other and not with it outvote it (it took the
  wrong block).

The JSON-LD ``articleBody`` rescues a page where every reading is (nearly) empty.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from bot.news.candidates import (
    PageText,
    coverage,
    json_ld_paragraphs,
    prose_share,
    readability_paragraphs,
    trafilatura_paragraphs,
)

__all__ = ["Choice", "choose_paragraphs"]

SHORT_TEXT = 800  # a first reading below this is always doubted
_MIN_PROSE_SHARE = 0.3  # doubted when less than this of it is prose
_CONTAINS = 0.9  # "contains the first reading": this share of its shingles
_LONGER = 3  # and this much longer
_AGREE = 0.7  # two readings agree: each covers this share of the other
_DISAGREE = 0.3  # a reading disagrees with the first: covers less than this of it
_MIN_RESCUE = 200
_SCRAP = 0.3  # readability's reading under this share of a short first reading's length is a scrap
_PROSE = 0.5  # a first reading with this share of prose is prose
_PADDED = 3  # readability's reading of a short page this many times the first is checked for padding
_PADDING = 2  # padded: it holds trafilatura's full reading and is this many times longer


@dataclass(frozen=True, slots=True)
class Choice:
    paragraphs: list[str]
    source: str  # which reading won: "precision", "balanced", "full", "readability", "json-ld"
    doubted: bool


def choose_paragraphs(page: PageText, *, json_ld_body: str = "") -> Choice:
    """The article's paragraphs, from the reading the evidence supports."""
    first = trafilatura_paragraphs(page, fast=True, precision=True)
    choice = Choice(first, "precision", False)
    if doubt := _doubt(first, page):
        choice = _compare(first, page, doubt)
    if _chars(choice.paragraphs) < _MIN_RESCUE and json_ld_body:
        rescue = json_ld_paragraphs(page, json_ld_body)
        if _chars(rescue) >= max(_MIN_RESCUE, 2 * _chars(choice.paragraphs)):
            return Choice(rescue, "json-ld", True)
    return choice


def _doubt(first: list[str], page: PageText) -> str:
    """Why the first reading is doubtful ("short", "not prose"), or "" if it is not."""
    length = _chars(first)
    if length < SHORT_TEXT:
        return "short"
    if prose_share(first) < _MIN_PROSE_SHARE:
        return "not prose"
    return ""


class _Readings:
    """The other readings, each computed only when a rule asks for it."""

    _MAKERS = {
        "balanced": lambda page: trafilatura_paragraphs(page, fast=True, precision=False),
        "full": lambda page: trafilatura_paragraphs(page, fast=False, precision=False),
        "readability": readability_paragraphs,
    }

    def __init__(self, page: PageText) -> None:
        self.page = page
        self.paragraphs: dict[str, list[str]] = {}
        self.texts: dict[str, str] = {}

    def get(self, name: str) -> list[str]:
        if name not in self.paragraphs:
            self.paragraphs[name] = self._MAKERS[name](self.page)
            self.texts[name] = "\n".join(self.paragraphs[name])
        return self.paragraphs[name]


def _compare(first: list[str], page: PageText, doubt: str) -> Choice:
    readings = _Readings(page)
    first_text = "\n".join(first)
    length = len(first_text)
    if doubt == "short":
        # Measured on both shared sets' halves: when trafilatura's precision reading is
        # short, readability-lxml's reading of the same page is the better one on average.
        readability = readings.get("readability")
        if readability and _stands_beside(readability, first, lambda: readings.get("balanced")):
            if _chars(readability) >= _PADDED * max(length, 1) and _padded(readability, full := readings.get("full")):
                return Choice(full, "full", True)
            return Choice(readability, "readability", True)
        balanced = readings.get("balanced")
        if _chars(balanced) > 2 * length:
            return Choice(balanced, "balanced", True)
        return Choice(first, "precision", True)
    for name in ("readability", "balanced"):
        readings.get(name)
    texts = readings.texts
    # Cut short: a longer reading holds the first one and adds prose.
    longer = [
        name for name, text in texts.items()
        if len(text) >= _LONGER * length and coverage(first_text, text) >= _CONTAINS
        and prose_share(readings.paragraphs[name]) >= 0.5 and _mean_line(readings.paragraphs[name]) >= 80
    ]
    if longer:
        name = max(longer, key=lambda n: (_support(n, texts), len(texts[n])))
        return Choice(readings.paragraphs[name], name, True)
    # The wrong block: two other readings agree with each other, not with the first.
    if length:
        names_ = list(texts)
        for i, a in enumerate(names_):
            for b in names_[i + 1:]:
                ta, tb = texts[a], texts[b]
                if not ta or not tb or coverage(ta, tb) < _AGREE or coverage(tb, ta) < _AGREE:
                    continue
                if coverage(ta, first_text) < _DISAGREE and prose_share(readings.paragraphs[a]) > prose_share(first):
                    return Choice(readings.paragraphs[a], a, True)
    if not first:
        name = max(texts, key=lambda n: len(texts[n]))
        return Choice(readings.paragraphs[name], name, True)
    return Choice(first, "precision", True)


def _stands_beside(readability: list[str], first: list[str], balanced: Callable[[], list[str]]) -> bool:
    """readability's reading may replace a short first reading: it is not a scrap beside it
    (under a third of its length: a caption, a byline), and it did not take another block of
    the page: sharing nothing with a first reading that is prose, nor with trafilatura's
    balanced reading (``balanced``, made only then), it is outvoted two to one."""
    if _chars(readability) < _SCRAP * _chars(first):
        return False
    first_text, text = "\n".join(first), "\n".join(readability)
    if prose_share(first) < _PROSE or coverage(first_text, text) >= _DISAGREE or coverage(text, first_text) >= _DISAGREE:
        return True
    return coverage(text, "\n".join(balanced())) >= _DISAGREE


def _padded(readability: list[str], full: list[str]) -> bool:
    """readability's reading holds trafilatura's full reading (nearly all its shingles) and is
    ``_PADDING`` times as long: it added a block of the page that the full reading left out."""
    return bool(full) and _chars(readability) >= _PADDING * _chars(full) and (
        coverage("\n".join(full), "\n".join(readability)) >= _CONTAINS)


def _support(name: str, texts: dict[str, str]) -> int:
    """How many other readings agree with this one (cover most of it)."""
    return sum(1 for other, text in texts.items() if other != name and coverage(texts[name], text) >= _AGREE)


def _chars(paragraphs: list[str]) -> int:
    return sum(len(p) for p in paragraphs)


def _mean_line(paragraphs: list[str]) -> float:
    return _chars(paragraphs) / len(paragraphs) if paragraphs else 0.0
