"""The pieces a summary may be made of: the article's sentences, cleaned and judged one by one.

An extracted article is paragraphs of prose mixed with lines a reader should never see in a
summary: headings and subtitles, photo captions and credits, bylines, reading times, "Summary:"
labels, "Publicado por … Categoria" lines. ``summary_units`` turns the text into units (one
sentence, or a quotation spanning several, kept whole) in document order, each marked with
whether it may be shown and whether it leans on the sentence before it. Rules, in en/uk/ru:

* every line is a paragraph, and a line with no closing punctuation is a heading, a subtitle,
  a caption or a hover card: never a sentence, never glued into one (a line starting in lower
  case continues the line before: a soft-wrapped paragraph);
* a dateline ("KYIV, Ukraine (AP) —", "(CNN)", "МОСКВА, 1 декабря. /ТАСС/.") is cut off the
  paragraph it opens; so are a "Summary:" label and a hover card glued into a name
  ("Kristi NoemKristi Lynn Noem… MORE (R)" → "Kristi Noem (R)");
* a fact-check label alone on its line ("Claim", "Rating", "Вердикт") opens the next sentence
  as "Claim: …", so a false claim is never stated as fact;
* run-on text that lost its line breaks (a caption with no full stop, then the story; a
  numbered list in one line) is cut where a sentence plainly restarts in mid-line ("… higher
  than a colleague The cost of …"), by ``bot.news.runons``, or where its own opening words come
  again ("… receive a tax cut David Cameron will say today …"), by ``bot.news.restated``;
* quotations in double, single, «», „“ quotes that span sentences are one unit; a unit with a
  quotation left open or closed without an opener is never shown;
* the title, or a line that merely repeats it, is never a unit to show.
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from bot.news.openers import leans as _leans
from bot.news.openers import leans_back
from bot.news.openers import opens_with_pronoun as _opens_with_pronoun
from bot.news.page_lines import ends_with_call, ends_with_credit, is_timestamp
from bot.news.quotes import scan_quotes
from bot.news.restated import cut_before_speech, cut_restated
from bot.news.runons import CAPTION, cut_restarts, mark_unfinished
from bot.news.runons import CLOSERS as _CLOSERS
from bot.news.runons import TERMINAL_ENDS as _TERMINAL_ENDS
from bot.news.sentences import iter_sentences, split_lines
from bot.news.textsearch import stem_terms

__all__ = ["MAX_QUOTE_SPAN", "Unit", "iter_summary_units", "leans_back", "opens_with_fact_check_label", "summary_units"]

MAX_QUOTE_SPAN = 4  # sentences a quotation may span and still be kept as one unit
MIN_WORDS = 5  # shorter sentences are fallback material only
REPEAT_OF_TITLE = 0.9  # share of a headline-length sentence's stems found in the headline

# Datelines: "BRUSSELS —", "KYIV, Ukraine (AP) —", "Dekalb, Ill. —", "(CNN)", "New Delhi, India
# (CNN)", "LONDON (Reuters) -"; uk/ru "КИЇВ, 5 травня. /Укрінформ/.", "МОСКВА, 1 дек — РИА" and
# "КИЕВ, 3 мар — Интерфакс-Украина." (an agency's name may have a hyphen).
_PLACE = r"[A-Z][\w.'’-]*(?:[ -][A-Z][\w.'’-]*){0,3}"
_DATELINE_RES = (
    re.compile(
        rf"^(?:{_PLACE}(?:, [A-Z][\w.'’ -]{{1,25}}?)?\s*)?\([A-Z][\w.&' -]{{0,30}}\)\s*(?:[—–-]{{1,2}}\s*)?(?=\S)"
    ),
    re.compile(r"^[A-Z]{2}[A-Z.'’-]*(?:[ -][A-Z][A-Za-z.'’-]*){0,3}(?:, [A-Z][\w.'’ -]{1,30}?)?\s+(?:[—–]|--?)\s+"),
    re.compile(rf"^{_PLACE}, [A-Z][\w.'’ -]{{1,25}}?\s+[—–]\s+"),
    re.compile(r"^[A-Z]{2}[A-Z.'’-]*(?: [A-Z]{2}[A-Z.'’-]*){0,2}—(?=[A-Z])"),  # "DUBLIN—Authorities", "NEW YORK—"
    re.compile(rf"^{_PLACE}(?:, [A-Z][\w.'’ -]{{1,25}}?){{1,2}}:\s+(?=[A-Z])"),  # "Washington, DC, United States:"
    re.compile(r"^\[[^\[\]\n]{1,40}\]\s*"),  # "[Entermedia=columnist]"
    re.compile(r"^[\w-]+\.(?:com|net|org|info|ru|ua|am|in|co\.uk)\s+[—–-]\s+", re.IGNORECASE),  # "PanARMENIAN.Net - "
    re.compile(
        r"^[А-ЯІЇЄҐЁ][А-ЯІЇЄҐЁ'’-]{2,}(?: [А-ЯІЇЄҐЁ'’-]{2,})?,\s+\d{1,2}\s+[а-яіїєґё]+(?:\s+\d{4})?"
        r"(?:\s*[.,]?\s*(?:/[^/\n]{1,30}/|\([^()\n]{1,30}\)|[—–-]\s*[А-ЯІЇЄҐЁA-Z][\w -]{1,24}?\.))*\s*[.,]?\s*[—–-]?\s*"
    ),
)
# A hover card glued after a name: "Kristi NoemKristi Lynn NoemSouth Dakota governor … MORE".
_HOVER_CARD_RE = re.compile(r"(?<=[a-z])[A-Z][^.!?]{0,400}?\s(?:MORE|БОЛЬШЕ|БІЛЬШЕ)\b\s*")
_SUMMARY_LABEL_RE = re.compile(
    r"^(?:summary|tl;dr|in brief|резюме|коротко|кратко|вкратце|главное|головне)\s*[:—–-]\s*", re.IGNORECASE
)
_FACT_CHECK_LABELS = frozenset(
    "claim rating verdict ruling твердження заява вердикт оцінка утверждение оценка".split()
) | {"our ruling", "fact check", "the claim", "the facts"}
# "(pictured)", "(above)", "(left)": pointers to a photo the post does not show.
_PICTURE_POINTER_RE = re.compile(
    r"\s\((?:(?:pictured|picture|above|below|left|right|centre|center|top|bottom|inset|file photo|"
    r"file picture|на фото|на фото вище|на знімку|на снимке|ліворуч|праворуч|слева|справа)"
    r"(?:,? (?:left|right|centre|center|above|below))?"
    # "(pictured left to right)", "(pictured in 2012)", "(first photo)", "(artist's impression shown)"
    r"|(?:pictured|from left|first photo|second photo|main picture|main photo)\b[^()]{0,30}"
    r"|[^()]{0,30}\b(?:impression|illustration|photo|picture|image)s? (?:shown|pictured|above|below))\)"
    r"(?:\s+(?=[,;:]))?",  # "Tab II M (photo above) , two tablets": the space the pointer left
    re.IGNORECASE,
)
# A shopping widget's link text run into the sentence after it: "Visit site Like the rest of …".
_LINK_TEXT_RE = re.compile(r"^(?:Visit site|Shop now|Buy now)\s+(?=[A-Z‘'\"“])")
_SCROLL_RE = re.compile(r"^(?:scroll down for (?:video|more)|video)\s+(?=[A-Z‘'\"“])", re.IGNORECASE)
# A list item or dialogue line ("- …", "• …"), a numbered one ("2. …", "3) …"), one with no space
# ("3)Twist it into a bun"): never shown, and no step away from the lead either.
_LIST_ITEM = r"[-–—•·*►▪●✓✔→]|\d{1,2}[.)]\s|\d{1,2}\)(?=[A-ZА-ЯІЇЄҐЁ])"
_JUNK_START_RE = re.compile(
    r"""^(?:
        """ + _LIST_ITEM + r"""
      | [»”:]                            # closing quote or colon left over from the line before
      | ©
      | (?i:\(?(?:photo|image|picture|video|source|credit|illustration|фото|відео|видео|джерело
          |источник|ілюстрація|иллюстрация)s?\s*(?:[:|/©—–-]|by\b))   # "Photo: AP", "Фото — Reuters"
      | (?i:(?:read\ (?:also|more)|see\ also|related|advertisement|subscribe|sign\ up|click\ here
          |читайте|дивіться\ також|смотрите\ также|реклама|підписуйтесь|подписывайтесь
          |getty\ images|scroll\ down)\b)
      | [Bb]y\ [A-Z][\w.'’-]+(?:\ [A-Z][\w.'’-]+){0,3}\s*(?:[|@•,–—-]|$|\d)   # byline
      | (?i:(?:автор|author|posted\ by|published\ by|publicado\ por|опубліковано|опубликовано)\b)
      | (?i:(?:posted|published|updated|modified)(?:\ on)?:?\ +(?:\d|(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?\ +\d))
    )""",
    re.VERBOSE,
)
_JUNK_ANYWHERE_RE = re.compile(
    r"""(?:\b\d+\s*(?:-\s*)?(?:min(?:ute)?s?|хв(?:илин[иа]?)?|мин(?:ут[аы]?)?)\.?\s*(?:read|читання|чтения)\b
      | \b(?:reading\ time|tempo\ de\ leitura|час\ читання|время\ чтения)\b
      | \bCategoria\s*:|\bCategory\s*:|\bTags\s*:|\bКатегорія\s*:|\bКатегория\s*:|\bТеги\s*:
      | \b(?:Getty\ Images|Shutterstock|AFP\ via\ Getty|Photo\ credit)\b
      | ©|\ball\ rights\ reserved\b|\bused\ by\ permission\b   # a copyright notice
      | ://|www\.)""",
    re.IGNORECASE | re.VERBOSE,
)
# Every alternative of _JUNK_ANYWHERE_RE contains one of these (case-folded).
_JUNK_WORDS = (
    "read", "читання", "чтения", "leitura", "categor", "категор", "tags", "теги", "getty", "shutterstock",
    "photo credit", "©", "all rights reserved", "used by permission", "://", "www.",
)
# A speaker or caption label opening a line: "Prof. Carlos: Estou…", "Fighter ace: Douglas…"
# (an interview transcript or a photo caption, not prose); fact-check labels are kept.
_LABEL_RE = re.compile(r"^(?=[A-ZА-ЯІЇЄҐЁ])([^\W\d_][\w.'’-]*(?: [\w.'’-]+){0,2}):\s+(?=[A-ZА-ЯІЇЄҐЁ«„“‘'\"])")
_LIST_ITEM_RE = re.compile(rf"^(?:{_LIST_ITEM})")
_NON_ALNUM_RE = re.compile(r"[\W_]+")


@dataclass(frozen=True, slots=True)
class Unit:
    """One sentence, or a quotation spanning several, with what the summarizer needs."""

    index: int
    text: str
    usable: bool  # False: reads badly out of context, never shown
    last_resort: bool  # a line with no closing punctuation, shown only if no sentence exists
    weak: bool  # True: very short or ALL CAPS, shown only when nothing else is left
    leans: bool  # True: opens with a word pointing back ("But", "He", "Це")
    pronoun: bool  # True: that word is a personal pronoun ("He", "Вона"), not a connective
    antecedent: int  # index of the sentence it leans on (the unit before it), -1 if none
    listed: bool = False  # a list item ("- player.setav speedmult"): never shown, no step away either
    junk: bool = False  # page furniture (a heading, caption, credit, byline, ad): no step away either


def summary_units(text: str, language: str = "", title: str = "") -> list[Unit]:
    """The units of ``text`` in document order (see the module docstring for the rules)."""
    return list(iter_summary_units(text, language, title))


def iter_summary_units(text: str, language: str = "", title: str = "") -> Iterator[Unit]:
    """``summary_units`` one at a time: a summary of the lead stops reading early."""
    count = 0
    title_key = _key(title)
    title_terms = frozenset(stem_terms(title)) if title else frozenset()
    pending_label = ""
    last_sentence = -1
    headlines = {_label_key(title)} - {""}  # "Japanese Graphic Design: Not In" of the headline
    lines = split_lines(text)
    for number, line in enumerate(lines):
        line = _unglue_label(line)
        label = _fact_check_label(line)
        if label:
            pending_label = label
            continue
        labelled = bool(pending_label) or _has_fact_check_label(line)
        if labelled and len(line.split()) <= 6 and not line.endswith(_TERMINAL_ENDS):
            line = f"{line}."  # a verdict: "Rating" / "False" or "Rating: False" → "Rating: False."
        elif number == 0 and _introduces_list(line, lines[1:3]):
            line = f"{line}."  # the text's first sentence, which a list of its own completes
        line = _clean_line(line, title, first=not count)
        label_key = _label_key(line)
        named = bool(label_key) and label_key in headlines  # "Japanese Graphic Design: Not in Production focuses …"
        if label_key and not line.endswith(_TERMINAL_ENDS):
            headlines.add(label_key)  # a heading: a sentence after it may open with its words again
        speech = _is_speaker_line(line) and not named
        furniture = ends_with_credit(line) or ends_with_call(line)  # a credited caption, an advert
        sentences = cut_before_speech(cut_restated(cut_restarts(iter_sentences(line))))
        for position, (unit_text, balanced, caption) in enumerate(_group_quotations(sentences)):
            caption = caption or furniture
            if position == 0 and pending_label:
                if not caption:
                    unit_text = f"{pending_label}: {unit_text}"
                pending_label = ""
            speech = speech and not caption  # a transcript line's speech ends at a caption cut
            unit_text = unit_text.lstrip(",; ") or unit_text  # ", NASA announced": a link was cut
            unit_text = _LINK_TEXT_RE.sub("", unit_text, count=1)  # "Visit site Like the rest …"
            key = _key(unit_text)
            junk = _is_junk(unit_text)
            usable = (
                balanced
                and not caption
                and not speech
                and _reads_alone(unit_text, junk, headline=named and position == 0)
                and bool(key)
                and not (title_key and _repeats_title(key, title_key, unit_text, title_terms))
            )
            last_resort = (
                caption
                and not speech
                and len(unit_text.split()) >= 8
                and ":" not in unit_text  # a list item or label ("1a etapa: 10 de março")
                and _reads_alone(unit_text, junk)
                and not (title_key and _repeats_title(key, title_key))
            )
            yield Unit(
                index=count,
                text=unit_text,
                usable=usable,
                last_resort=last_resort,
                weak=_is_weak(unit_text) and not (labelled and position == 0),
                leans=_leans(unit_text),
                pronoun=_opens_with_pronoun(unit_text),
                antecedent=last_sentence,
                listed=bool(_LIST_ITEM_RE.match(unit_text)),
                junk=junk or furniture or (caption and unit_text == line),
            )
            if not caption:
                last_sentence = count
            count += 1


def _introduces_list(line: str, following: list[str]) -> bool:
    """True for a text's first line that is a sentence introducing the list after it
    ("Характеристики бега можно увеличить за счет кодов" above "- player.setav …"): no
    closing punctuation because the list goes on where a colon would be, but a sentence, not
    a heading (six words or more, not in Title Case, not a list item itself)."""
    words = line.split()
    if len(words) < 6 or line.endswith(_TERMINAL_ENDS + tuple(_CLOSERS) + (":", ";")) or _LIST_ITEM_RE.match(line):
        return False
    if sum(word[:1].isupper() for word in words) * 2 >= len(words):
        return False
    return len(following) == 2 and all(_LIST_ITEM_RE.match(item) for item in following)


def _is_speaker_line(line: str) -> bool:
    """True for a transcript line ("Eugênio: Sim! A gente agradece…"): a label, then speech.

    A long run-on line (text that lost its line breaks, where a caption's label opens the
    story) is not one: only its labelled caption is cut, by ``_reads_alone``.
    """
    label = _LABEL_RE.match(line)
    return bool(label) and label.group(1).casefold() not in _FACT_CHECK_LABELS and len(line) <= 600


def _has_fact_check_label(line: str) -> bool:
    """True for a line opening with a fact-check label and a colon ("Rating: Mostly False",
    "Rating: mostly false": a verdict may be in lower case)."""
    return ":" in line and opens_with_fact_check_label(line)


def _unglue_label(line: str) -> str:
    """A label line and its lower-case verdict soft-wrapped into one ("Rating" above "mostly
    false" reads "Rating mostly false") with the colon put back: "Rating: mostly false"."""
    words = line.split()
    if not 2 <= len(words) <= 8 or ":" in line or line.endswith(_TERMINAL_ENDS):
        return line
    for size in (2, 1):
        if len(words) > size and " ".join(words[:size]).casefold() in _FACT_CHECK_LABELS and words[size][:1].islower():
            return f"{' '.join(words[:size])}: {' '.join(words[size:])}"
    return line


def opens_with_fact_check_label(text: str) -> bool:
    """True for a unit that opens with a fact-check label ("Rating: mostly false.")."""
    head, colon, _ = text.partition(":")
    return bool(colon) and head.strip().casefold() in _FACT_CHECK_LABELS


def _fact_check_label(line: str) -> str:
    """The label, capitalized as on the page, when ``line`` is only a fact-check label."""
    bare = line.strip().rstrip(":").strip()
    return bare if bare.casefold() in _FACT_CHECK_LABELS else ""


def _clean_line(line: str, title: str, *, first: bool) -> str:
    """``line`` without a dateline, "Summary:" label, glued hover card or repeated title."""
    for pattern in _DATELINE_RES:
        stripped = pattern.sub("", line, count=1)
        if stripped != line and len(stripped) > 20:
            line = stripped
            break
    line = _SUMMARY_LABEL_RE.sub("", line, count=1)
    line = _SCROLL_RE.sub("", line, count=1)
    line = _HOVER_CARD_RE.sub(" ", line).replace("  ", " ")
    line = _PICTURE_POINTER_RE.sub("", line)
    if first and title and len(title) >= 15:
        line = _strip_title_prefix(line, title)
    return line.strip()


def _strip_title_prefix(line: str, title: str) -> str:
    """Drop the headline run into the start of the first paragraph ("Title Text of the lead.")."""
    key = _key(title)
    words = line.split()
    for count in range(1, min(len(words), 40)):
        head = _key(" ".join(words[:count]))
        if len(head) > len(key):
            break
        if head == key:
            rest = " ".join(words[count:])
            return rest if rest[:1].isupper() else line
    return line


def _group_quotations(sentences: Iterable[str]) -> Iterator[tuple[str, bool, bool]]:
    """Join sentences while a quotation is open: (text, quotes balanced, is a caption) triples.

    A sentence with no closing punctuation (a heading, subtitle, caption or hover card ending
    its line, or the head cut off a run-on sentence) is a caption. A straight single quote
    that never closes within the span was an apostrophe ("'em", "'90s"): the sentence then
    stands alone.
    """
    source = mark_unfinished(sentences)
    pending: deque[str] = deque()  # sentences read ahead and not yet used

    def peek() -> str | None:
        if not pending:
            following = next(source, None)
            if following is None:
                return None
            pending.append(following)
        return pending[0]

    while (first := peek()) is not None:
        pending.popleft()
        if first.startswith(CAPTION):
            yield first[len(CAPTION) :], False, True
            continue
        parts = [first]
        stack, dangling = scan_quotes(first, [])
        while stack and len(parts) < MAX_QUOTE_SPAN and (following := peek()) is not None:
            if following.startswith(CAPTION):
                break
            pending.popleft()
            parts.append(following)
            stack, more = scan_quotes(following, stack, continuing=True)
            dangling += more
        if stack and set(stack) == {"'"}:
            pending.extendleft(reversed(parts[1:]))
            parts = [first]
            stack, dangling = [], scan_quotes(first, [])[1]
        yield " ".join(parts), not stack and not dangling, False


def _reads_alone(text: str, junk: bool, *, headline: bool = False) -> bool:
    """False for captions, credits, bylines, list items, list intros, raw URLs and labels (not
    a ``headline``'s words before a colon: the sentence names the headline's subject)."""
    if junk or text.endswith(":"):  # junk: ``_is_junk(text)``, found once for the unit
        return False
    label = _LABEL_RE.match(text)
    return not label or headline or label.group(1).casefold() in _FACT_CHECK_LABELS


def _label_key(text: str) -> str:
    """A label opening ``text`` and the two words after its colon, case-folded ("japanese graphic
    design: not in"), or "": a sentence opening with a headline's words has the headline's key."""
    label = _LABEL_RE.match(text)
    if not label:
        return ""
    after = text[label.end() :].split(None, 2)[:2]
    return f"{label.group(1).casefold()}: {' '.join(after).casefold()}" if len(after) == 2 else ""


def _is_junk(text: str) -> bool:
    """True for a credit, byline, timestamp, reading time, link or ad: page furniture, never a
    story sentence (a list intro or a speaker's label is one, though it is not shown either)."""
    return bool(_JUNK_START_RE.match(text)) or _junk_anywhere(text) or is_timestamp(text)


def _junk_anywhere(text: str) -> bool:
    """``_JUNK_ANYWHERE_RE`` found in ``text``, tried only when one of its words is (a substring
    test per word costs far less than the expression's scan of every position)."""
    folded = text.casefold()
    return any(word in folded for word in _JUNK_WORDS) and bool(_JUNK_ANYWHERE_RE.search(text))


def _is_weak(text: str) -> bool:
    """True for very short or ALL-CAPS sentences ("Тоді все змінилося.", "READ MORE ON ...")."""
    words = text.split()
    if len(words) < MIN_WORDS:
        return len(words) > 1 or len(text) < 12  # Japanese and Chinese write no spaces
    return text == text.upper() and sum(map(str.isalpha, text)) >= 8


def _key(text: str) -> str:
    return _NON_ALNUM_RE.sub("", text.casefold())


def _repeats_title(key: str, title_key: str, text: str = "", title_terms: frozenset[str] = frozenset()) -> bool:
    """True when a unit is the headline again: the same letters, the headline with a few words
    around it, or a sentence no longer than it whose stems are nearly all the headline's."""
    if key == title_key:
        return True
    if len(key) > len(title_key) * 1.25 + 8:
        return False
    if title_key in key:
        return True
    if not len(title_key) * 0.7 <= len(key) <= len(title_key) * 1.1 + 5 or not (text and title_terms):
        return False  # a much shorter sentence says something of its own ("Euro 2020 … is over.")
    terms = set(stem_terms(text))
    return len(terms) >= 3 and len(terms & title_terms) >= REPEAT_OF_TITLE * len(terms)
