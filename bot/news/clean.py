"""News-specific cleaning of an article's text.

trafilatura finds the article's region well, but news sites put things inside that region
that a reader of a Telegram post does not want: "Read also: ..." teasers, "Subscribe to our
Telegram channel" lines, share prompts, photo credits, the headline repeated as the first
line. This module knows those conventions in English, Ukrainian and Russian:
``clean_paragraphs`` drops such lines, ``is_read_also_marker`` tells ``paragraphs.py`` where
a teaser list starts (and ``related.py`` where the page's related links are).
"""

from __future__ import annotations

import re

from bot.news.datelines import DATE_WORD as _DATE_WORD
from bot.news.datelines import is_date_line as _is_dateline  # a line that only dates the story

__all__ = [
    "clean_paragraphs",
    "is_junk_line",
    "is_read_also_marker",
    "line_marker",
    "MARKER_PUNCTUATION",
    "MAX_JUNK_LINE",
]

_WS = re.compile(r"\s+")
_HEADLINE_ZONE = 3  # the headline repeated in the text sits in its first paragraphs

# --- line rules ------------------------------------------------------------------------------

# Phrases that introduce links to other stories; any text may follow them.
_STORY_MARKERS = (
    "read also", "read more", "read next", "see also", "see more", "also read", "more on this",
    "more about this", "you may also like", "you might also like", "you may like", "you might like",
    "you may be interested in", "you might be interested in", "recommended for you",
    "related articles", "related stories", "related news", "related posts", "related coverage",
    "читайте також", "читай також", "також читайте", "читайте ще", "читайте більше", "дивіться також",
    "див. також", "вас може зацікавити", "новини за темою", "схожі новини", "більше новин",
    "читайте также", "читай также", "также читайте", "смотрите также", "см. также", "новости по теме",
    "похожие новости", "ещё по теме", "еще по теме", "вам может быть интересно", "больше новостей",
)
# Words that are a marker only as a whole heading or followed by a colon or dash.
_HEADING_MARKERS = (
    "related", "recommended", "more from", "don't miss", "dont miss", "по темі", "за темою",
    "інші новини", "по теме", "другие новости",
)
# Headings of site-wide lists: junk in the text, but not stories related to this one. A
# blog's "Previous post: <title>" / "Next post" links are its navigation, not related stories.
_SECTION_MARKERS = (
    "top stories", "most read", "most popular", "latest news", "популярне", "найпопулярніше",
    "останні новини", "популярное", "последние новости", "самое читаемое",
    "previous post", "next post", "older post", "newer post", "previous article", "next article",
    "previous story", "next story", "previous entry", "next entry", "попередній запис", "наступний запис",
    "предыдущая запись", "следующая запись",
)
_TAG_MARKERS = ("tags", "topics", "теги", "мітки", "метки")
_MARKERS = tuple(sorted(
    [(p, "story") for p in _STORY_MARKERS] + [(p, "heading") for p in _HEADING_MARKERS]
    + [(p, "section") for p in _SECTION_MARKERS] + [(p, "tags") for p in _TAG_MARKERS],
    key=lambda m: -len(m[0]),
))
_MARKER_PREFIXES = tuple(p for p, _ in _MARKERS)
_MARKER_INITIALS = frozenset(p[0] for p in _MARKER_PREFIXES)

_LEAD = " \t\r\n\xa0•·*►▶→>»«-–—|[(\"'"
_DELIMITERS = ":.—–-|»>→"
MARKER_PUNCTUATION = _LEAD + _DELIMITERS  # what surrounds a marker or a link title
MAX_JUNK_LINE = 300  # a longer line is prose even if it starts like a teaser

_SUBSCRIBE = re.compile(
    r"^\W*(?:subscribe|follow us|like us on|підпис(?:уйтесь|уйтеся|атися)"
    r"|підпишіться|приєднуйтесь|приєднуйтеся|долучайтеся|стежте за|слідкуйте за|подписывайтесь"
    r"|подпишитесь|присоединяйтесь|следите за)\b",
    re.IGNORECASE,
)
# "Join us" and "Sign up" start invitations too ("Join us for our free webinar with …", "Sign up
# for a Hulu ad-free account for $11.99 a month" in a how-to): a promotion only when the line
# names a channel or a newsletter, or is the call alone ("Sign up today!").
_INVITE = re.compile(r"^\W*(?:join us|sign up)\b", re.IGNORECASE)
_BARE_CALL_WORDS = 5
_CHANNELS = re.compile(
    r"telegram|телеграм|viber|вайбер|whatsapp|youtube|instagram|facebook|twitter|tiktok"
    r"|newsletter|розсилк|рассылк|соцмереж|соцсет|канал",
    re.IGNORECASE,
)
# A channel mention is a promotion only as "(on, to, join…) our channel" or behind a call to
# act at the line's start; "Trump said on Twitter that...", "police posted on its Telegram
# channel" and "people who wanted to be our Twitter help desk" are news or prose.
_OUR_CHANNEL = re.compile(
    r"(?:^\W*|\b(?:on|to|in|at|via|from|join|visit|follow|like|see|find|check out|у|в|на|до|к|з|із|из|с"
    r"|приєднуйтесь до|присоединяйтесь к)\s+)"
    r"(?:our|наш\w*)\s+(?:[\w-]+\s+){0,2}?(?:telegram|телеграм|viber|вайбер|whatsapp|youtube"
    r"|instagram|facebook|twitter|tiktok|newsletter|розсилк|рассылк|соцмереж|соцсет|канал|channel)",
    re.IGNORECASE,
)
# A call to act, at the start of one of the line's sentences (within its first two words).
_PROMO_START = re.compile(
    r"(?:^|(?<=[.!?…]\s))\W*(?:[\w-]+,?\s+){0,2}?(?:subscrib|follow (?:us|me|her|him|them)|join us|sign up"
    r"|get the latest|підпис|подпис|приєдн|присоедин|стежте|слідкуйте|следите|читайте нас)",
    re.IGNORECASE,
)
# A blog's links to the posts beside this one: "« Older title | Main | Newer title »",
# "« Older title | Main", "Main | Newer title »" (Movable Type and Typepad templates).
_POST_NAV = re.compile(r"^\W*(?:«[^|«»]*\|\s*main\s*(?:\|[^|«»]*»?)?|main\s*\|[^|«»]*»)\s*$", re.IGNORECASE)
_SHARE = re.compile(
    r"^\W*(?:share (?:this|on|it|the|via)|like this (?:story|article)|print this|email this"
    r"|поділ(?:ись|итися|іться)|пошир(?:ити|те|юйте)|подел(?:иться|итесь))\b",
    re.IGNORECASE,
)
# Prompts that lead away from the article: comments, error reports, "click here".
_PROMPT = re.compile(
    r"click here|натисніть тут|нажмите здесь|ctrl\s*\+\s*enter|tell us what you think|leave a comment"
    r"|add a comment|join the (?:discussion|conversation)|залиште коментар|оставьте комментарий"
    r"|^\W*(?:write to|contact|email) [^@]{0,60}@",
    re.IGNORECASE,
)
# Lines made only of these are share buttons and widget labels.
_WIDGET_WORDS = frozenset(
    "share shares tweet email e-mail print copy link url facebook twitter x telegram whatsapp "
    "viber linkedin reddit pinterest vk vkontakte messenger comments comment advertisement ad ads "
    "sponsored поділитися поширити поделиться копіювати скопіювати посилання скопировать ссылку "
    "коментарі комментарии реклама вконтакте views переглядів перегляди просмотров просмотры "
    "article story reprints order categories categorias category categoria рубрики".split()
)
_CREDIT = re.compile(
    r"^\W*(?:(?:photos?|images?|pictures?|illustration|credit|фото|світлина|ілюстрація"
    r"|иллюстрация|джерело фото|источник фото)\s*(?:credits?|sources?|by|:|—|–|-|©|/)"
    r"|фото ілюстративне|ілюстративне фото|иллюстративное фото|фото иллюстративное)",
    re.IGNORECASE,
)
_RIGHTS = re.compile(
    r"©|\(c\)\s*\d{4}|all rights reserved|усі права захищені|всі права захищені|все права защищены"
    r"|getty images|shutterstock|\bap photo\b",
    re.IGNORECASE,
)


def is_junk_line(line: str) -> bool:
    """True for a short line that is a teaser, subscribe or share prompt, or a photo credit."""
    if len(line) > 2 * MAX_JUNK_LINE:
        return False  # the common case, decided before any regex runs
    text = _WS.sub(" ", line).strip()
    if not any(ch.isalnum() for ch in text):
        return True  # empty, or only separators left by removed menu links ("|", "•")
    if len(text) > MAX_JUNK_LINE:
        return False
    if line_marker(text) or _SUBSCRIBE.match(text) or _SHARE.match(text) or _CREDIT.match(text):
        return True
    if "|" in text and _POST_NAV.match(text):
        return True
    if len(text) <= 200 and (_PROMPT.search(text) or _is_channel_promo(text)):
        return True
    if _INVITE.match(text) and (_CHANNELS.search(text) or len(text.split()) <= _BARE_CALL_WORDS):
        return True
    if len(text) <= 160 and _RIGHTS.search(text) and not _is_captioned_sentence(text):
        return True
    words = re.findall(r"\w[\w-]*", text.casefold())
    if len(words) <= 8 and any(w in _WIDGET_WORDS for w in words):
        if all(w in _WIDGET_WORDS or w.isdigit() for w in words):
            return True
    return _is_dateline(text) or _is_byline(text) or _is_meta_line(text) or _is_comment_count(text)


# "by Roger Gonzalez @rgonzalezcbs Nov 19, 2019 at 6:46 pm ET • 2 min read", "Автор: Іван Петренко"
_BYLINE_START = re.compile(
    r"^\W*(?:(?:posted|written|words|reported|story|text) by|by|автор(?:и|ы)?:?|текст:)\s+", re.IGNORECASE
)
_HANDLE = re.compile(r"@\w+")
_READING_TIME = re.compile(
    r"\b\d+\s*(?:min(?:ute)?s?|мин(?:ут[аы]?)?|хв(?:илин[аи]?)?)\.?\s*(?:read|reading|чтения|читання|de leitura|de lectura)\b"
    r"|(?:reading time|время чтения|час читання)\W*\d+\s*\w*",
    re.IGNORECASE,
)
_NAME_JOINERS = frozenset("and & и і та de da van von der del di le la bin al".split())
_MAX_BYLINE_NAMES = 8
# "05/10/2018 - Publicado por: Clarissa Borba - Categoria: Saúde - Tags: sad"
_META_LABELS = (
    "publicado por", "publicado em", "publicado", "categorias", "categoria", "categories", "category",
    "tagged with", "tagged", "tags", "tag", "keywords", "topics", "posted by", "posted in", "posted on", "posted",
    "filed under", "published", "updated",
    "author", "autor", "автор", "рубрика", "категорія", "категория", "теги", "мітки", "метки",
    "опубліковано", "опубликовано", "оновлено", "обновлено",
)
_META_SEPARATOR = re.compile(r"\s+[-–—|•·]\s+")
# Labels whose value is a list ("Tags: Obama, Romney, election 2012, Ohio, ..."): any length,
# as long as each item is a few words, not a sentence.
_LIST_LABELS = ("tags", "tag", "tagged", "tagged with", "filed under", "posted in", "categories", "category",
                "categorias", "categoria", "keywords", "topics", "теги", "мітки", "метки", "рубрика",
                "категорія", "категория")
_MAX_LIST_ITEM = 40
# "12 comments have been made. Post a comment.", "No comments yet. Be the first to comment."
_COMMENT_COUNT = re.compile(
    r"(?:\d+|no|one|one response|\d+ responses?)\s*(?:comments?|responses?|replies)?"
    r"(?:\s+(?:have|has) been (?:made|posted|left)|\s+so far|\s+yet)?"
    r"|(?:post|add|leave|write) (?:a|your|yours|one)(?: comment| reply)?|be the first to comment"
    r"|comments? \(\d+\)|\d+ comments?",
    re.IGNORECASE,
)


def _is_byline(text: str) -> bool:
    """"By Name [and Name] [@handle] [date] [• N min read]", or a reading time alone."""
    if len(text) > 160:
        return False
    if _READING_TIME.fullmatch(text.strip(_LEAD + ".")):
        return True
    start = _BYLINE_START.match(text)
    if start is None:
        return False
    rest = _READING_TIME.sub(" ", _HANDLE.sub(" ", text[start.end():]))
    words = [w for w in re.findall(r"[^\W\d_][\w'’.-]*", rest) if not _DATE_WORD.fullmatch(w)]
    names = [w for w in words if w.casefold() not in _NAME_JOINERS]
    return 0 < len(names) <= _MAX_BYLINE_NAMES and all(w[:1].isupper() for w in names)


def _is_meta_line(text: str) -> bool:
    """A line of "Label: value" fields and dates (author, category, tags), nothing else."""
    if len(text) > 250:
        return False
    labelled = False
    for part in _META_SEPARATOR.split(text):
        part = part.strip()
        low = part.casefold()
        label = next((lb for lb in _META_LABELS if low.startswith(lb)), None)
        after = part[len(label):len(label) + 2].lstrip()[:1] if label else ""
        # "Categoria: Saúde", "Posted by Jane Doe", "Categorias" alone; not "Tags are used ..."
        if label is not None and (not after or after == ":" or label.endswith((" by", " por", " in", " on", " under", " with"))):
            value = part[len(label):].strip(" :")
            if len(value) > 60 and not (label in _LIST_LABELS and _is_item_list(value)):
                return False
            labelled = True
        elif not _is_dateline(part):
            return False
    return labelled


def _is_item_list(value: str) -> bool:
    """"Obama, Romney, election 2012, Ohio": comma-separated items of a few words each."""
    items = [item.strip() for item in re.split(r"[,;]\s*|\s+/\s+", value) if item.strip()]
    return len(items) >= 3 and all(len(item) <= _MAX_LIST_ITEM and len(item.split()) <= 5 for item in items)


def _is_comment_count(text: str) -> bool:
    """Only sentences counting or inviting comments: "12 comments have been made. Post a comment."."""
    if len(text) > 120:
        return False
    parts = [p.strip() for p in re.split(r"[.!|•·]+", text) if p.strip(" \t\xa0-–—")]
    return bool(parts) and all(_COMMENT_COUNT.fullmatch(p.strip(" \t\xa0-–—»")) for p in parts)


_TRAILING_CREDIT = re.compile(r"\s*[(\[][^()\[\]]{3,80}[)\]]\s*$")


def _is_captioned_sentence(text: str) -> bool:
    """A sentence followed by its photo credit in brackets: "A girl meets ... (AFP/Getty Images)"."""
    match = _TRAILING_CREDIT.search(text)
    if match is None:
        return False
    sentence = text[: match.start()].strip()
    return len(sentence.split()) >= 6 and sentence[-1:] in ".!?"


_SENTENCE_BREAK = re.compile(r"(?<=[.!?])\s+(?=[A-Z\"“«(])")


def _without_trailing_credit(line: str) -> str:
    """A paragraph of prose without the credit that closes it: "… a pencil drawing.
    Mind...blown. Artwork and photos © DiegoKoi" keeps its sentences (as a whole line it was
    junk). A caption (one sentence, then its credit) stays as it was: junk with a bare
    credit, kept with one in brackets (``_is_captioned_sentence``)."""
    if not _RIGHTS.search(line[-80:]) or _is_captioned_sentence(line):
        return line
    parts = _SENTENCE_BREAK.split(line.rstrip())
    if len(parts) < 2 or not _RIGHTS.search(parts[-1]):
        return line
    prose = " ".join(parts[:-1]).strip()
    return prose if len(parts) > 2 or len(prose.split()) >= 25 else line


def _is_channel_promo(text: str) -> bool:
    if not _CHANNELS.search(text):
        return False
    return bool(_OUR_CHANNEL.search(text) or _PROMO_START.search(text))


def is_read_also_marker(text: str) -> bool:
    """True if ``text`` is a bare "Read also" / "Tags" style heading, nothing after it."""
    found = line_marker(text)
    return found is not None and len(found[1].strip(_LEAD + _DELIMITERS)) <= 3


def line_marker(text: str) -> tuple[str, str] | None:
    """(kind, rest) when ``text`` starts with a marker: "story", "heading", "section", "tags"."""
    head = text.lstrip(_LEAD)
    if head[:1].casefold() not in _MARKER_INITIALS:  # the fast path: most lines, one set lookup
        return None
    low = head[:40].casefold()
    if not low.startswith(_MARKER_PREFIXES):
        return None
    for phrase, kind in _MARKERS:
        if not low.startswith(phrase):
            continue
        rest = head[len(phrase):]
        if rest[:1].isalnum():
            continue  # "Related" in "Relatedly", "tags" in "tagsmith"
        if kind != "story" and rest.strip() and rest.strip()[0] not in _DELIMITERS:
            continue  # "Related research shows..." is prose
        return kind, rest
    return None


# --- cleaning an article's paragraphs --------------------------------------------------------

def clean_paragraphs(paragraphs: list[str], *, title: str = "", headlines: tuple[str, ...] = ()) -> list[str]:
    """``paragraphs`` without junk lines and without copies of the headline near the top.

    ``headlines`` are the page's other statements of its headline (its ``<h1>``, a social
    title): a line near the top equal to one of them goes too.
    """
    kept: list[str] = []
    heads = [h for h in (title, *headlines) if h]
    for index, para in enumerate(paragraphs):
        lines = [ln.strip() for ln in map(_without_trailing_credit, para.split("\n")) if not is_junk_line(ln)]
        if heads and index < _HEADLINE_ZONE:
            lines = [ln for ln in lines if not any(_is_headline(ln, h) for h in heads)]
        if text := "\n".join(lines):
            kept.append(text)
    return _without_teasers(kept)


# A teaser of another story ends with its link: "… midnight launch event Read more...".
_TEASER_END = re.compile(
    r"(?:read more|continue reading|read the rest|read full (?:story|article)|full story|читати далі"
    r"|читать далее)\W{0,4}$",
    re.IGNORECASE,
)
_MIN_TEASERS = 2  # one such ending may close the article itself (a blog's excerpt): it stays


def _without_teasers(paragraphs: list[str]) -> list[str]:
    """``paragraphs`` without a list of teasers (two or more short paragraphs ending "Read
    more…"), each with the headline line above it; a lone "Read more" only loses its link."""
    teasers = [i for i, p in enumerate(paragraphs) if len(p) <= MAX_JUNK_LINE and _TEASER_END.search(p)]
    if not teasers:
        return paragraphs
    if len(teasers) < _MIN_TEASERS:
        i = teasers[0]
        rest = _TEASER_END.sub("", paragraphs[i]).rstrip(" -–—|:")
        return [*paragraphs[:i], *([rest] if rest else []), *paragraphs[i + 1:]]
    drop = set(teasers)
    for i in teasers:  # its headline: a short line just above it without closing punctuation
        if i > 0 and i - 1 not in drop and len(paragraphs[i - 1]) <= 160 and paragraphs[i - 1][-1:] not in ".!?…":
            drop.add(i - 1)
    return [p for i, p in enumerate(paragraphs) if i not in drop]


def _is_headline(line: str, title: str) -> bool:
    """``line`` is the headline up to case and punctuation, or the headline cut short, or the
    headline with a short addition (a site name). A lead that merely starts with the
    headline's words and goes on is not."""
    words, head = (" ".join(re.findall(r"\w+", x.casefold())) for x in (line, title))
    if not words or not head:
        return False
    if head.startswith(words):
        return len(words) >= 0.6 * len(head)
    return words.startswith(head) and len(head) >= 0.85 * len(words)
