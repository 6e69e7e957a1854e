"""Several readings of a page's article text, rendered and cleaned the same way.

- trafilatura, in fast precision mode (the first reading) or in balanced mode (its
  ``fast=False`` fallback comparison runs its own readability port and jusText: measured,
  it added cost and no F1 over readability-lxml itself);
- readability-lxml, a different algorithm (scoring the DOM's paragraphs), so its agreement
  is evidence;
- the page's JSON-LD ``articleBody``.

Each is turned into paragraphs (one per line of text), cleaned of news junk and headline
copies, and stripped of repeated paragraphs, so readings differ only in which part of the
page they took. ``coverage`` and ``prose_share`` are the evidence ``choose.py`` compares
them by. Pure CPU; the caller runs it in a worker thread.
"""

from __future__ import annotations

import copy
import logging
import re
from collections import Counter
from collections.abc import Iterable

import trafilatura
from lxml import etree
from readability import Document
from trafilatura.settings import Extractor

from bot.news.clean import clean_paragraphs
from bot.news.fastpass import precision_body
from bot.news.paragraphs import add_split_body_chunks, is_linked_prose, paragraphs_from_body

__all__ = ["PageText", "coverage", "dedupe", "json_ld_paragraphs", "prose_share", "readability_paragraphs",
           "trafilatura_paragraphs"]

log = logging.getLogger(__name__)

_WORD = re.compile(r"\w+")
_PROSE_LINE = 80
_MENU_LINK_SHARE = 0.8  # a line with this share of link text is navigation, not prose
_SENTENCE_END = ".!?…\"'»”’):"


class PageText:
    """The page's tree and what every reading shares: its URL, link texts and headlines."""

    __slots__ = ("headlines", "link_texts", "title", "tree", "url")

    def __init__(self, tree: etree._Element, url: str, link_texts: frozenset[str], title: str,
                 headlines: tuple[str, ...] = ()) -> None:
        self.tree, self.url, self.link_texts = tree, url, link_texts
        self.title, self.headlines = title, headlines

    def finish(self, paragraphs: Iterable[str]) -> list[str]:
        """One paragraph per line, junk and headline copies dropped."""
        lines = [ln.strip() for p in paragraphs for ln in p.split("\n") if ln.strip()]
        return clean_paragraphs(lines, title=self.title, headlines=self.headlines)


# One trafilatura configuration per mode, made once: building it reads trafilatura's config
# file's settings and formats today's date for htmldate (3% of a fast extraction's time).
# include_links stays off: with it trafilatura cuts paragraphs at links and, on some layouts,
# keeps a teaser instead of the article. The "xml" output format only spares trafilatura
# rendering its body as text, which we never read: ``paragraphs_from_body`` reads the body.
_MODES = {
    (fast, precision): Extractor(output_format="xml", fast=fast, precision=precision, comments=False,
                                 links=False, tables=True, with_metadata=False)
    for fast in (False, True) for precision in (False, True)
}


def _options(fast: bool, precision: bool, url: str) -> Extractor:
    """The mode's configuration for the page at ``url`` (a copy: extraction runs in threads)."""
    options = copy.copy(_MODES[fast, precision])
    options.url = url or None
    options.source = url.encode("utf-8", "replace").decode("utf-8") if url else None  # as trafilatura's own
    return options


def trafilatura_paragraphs(page: PageText, *, fast: bool, precision: bool) -> list[str]:
    """trafilatura's reading of the page in one mode; [] when it finds nothing."""
    try:
        options = _options(fast, precision, page.url)
        if fast and precision and precision_body is not None:
            body = precision_body(page.tree, options)
        else:
            document = trafilatura.bare_extraction(page.tree, options=options)
            body = None if document is None else document.body
    # trafilatura is a large third-party heuristic over arbitrary markup; an internal error
    # on one odd page must become "no text found", not crash the worker.
    except Exception as exc:  # noqa: BLE001
        log.warning("trafilatura failed on %s: %r", page.url, exc)
        return []
    if body is None:
        return []
    paragraphs = paragraphs_from_body(body, page.link_texts)
    return page.finish(add_split_body_chunks(page.tree, paragraphs))


_READABILITY_BLOCKS = frozenset(
    "p h1 h2 h3 h4 h5 h6 li blockquote pre div td th tr table ul ol dl dd dt section article br "
    "figcaption figure header footer main aside".split()
)


def readability_paragraphs(page: PageText) -> list[str]:
    """readability-lxml's reading of the page (on a copy of the tree)."""
    try:
        summary = _Readability(page.tree).summary(html_partial=True)
        body = etree.fromstring(summary, etree.HTMLParser()) if summary.strip() else None
    except Exception as exc:  # noqa: BLE001 -- a third-party heuristic, like trafilatura above
        log.debug("readability failed on %s: %r", page.url, exc)
        return []
    if body is None:
        return []
    # readability sometimes takes a body and its print or mobile copy: repeats go. Other
    # readings keep them (an interview repeats its questions for each guest).
    return dedupe(page.finish(_block_lines(body, page.link_texts)))


# Hidden elements, in one walk of the tree (a union of two paths walked it twice and merged
# the results): those with a "hidden" attribute or an inline style of display:none.
_HIDDEN = etree.XPath("//*[@hidden or @style][@hidden or contains(translate(@style, ' ', ''), 'display:none')]")


class _Readability(Document):
    """readability-lxml on a tree we already parsed and stripped of scripts and styles.

    Its own ``_parse`` runs lxml's HTML Cleaner (a third of its time, for markup that is
    gone already) and rewrites links; this one copies the tree (readability rewrites what
    it reads, and re-reads from scratch on its second, gentler pass) and drops hidden
    elements, as readability does.
    """

    def _parse(self, input: etree._Element) -> etree._Element:  # noqa: A002 -- readability's name
        doc = copy.deepcopy(input)
        for el in _HIDDEN(doc):
            if el.getparent() is not None:
                el.drop_tree()
        self.encoding = "utf-8"
        return doc


def _block_lines(root: etree._Element, link_texts: frozenset[str]) -> list[str]:
    """Text of ``root`` with a line break at every block element, whitespace collapsed,
    without lines that are (nearly) all link text: menus, tag lists and teasers."""
    lines: list[tuple[list[str], list[int]]] = [([], [0])]
    items: set[int] = set()  # lines where a list item starts: marked "- " as trafilatura marks them

    def add(text: str | None, linked: bool) -> None:
        if text:
            lines[-1][0].append(text)
            if linked:
                lines[-1][1][0] += len(text.strip())

    def walk(node: etree._Element, linked: bool) -> None:
        block = isinstance(node.tag, str) and node.tag in _READABILITY_BLOCKS
        linked = linked or node.tag == "a"
        if block:
            lines.append(([], [0]))
            if node.tag == "li":
                items.add(len(lines) - 1)
        if isinstance(node.tag, str):
            add(node.text, linked)
        for child in node:
            walk(child, linked)
            add(child.tail, linked)
        if block:
            lines.append(([], [0]))

    walk(root, False)
    out = []
    bullet = False
    for number, (parts, (linked,)) in enumerate(lines):
        bullet = bullet or number in items
        text = " ".join("".join(parts).split())
        if not text:
            continue
        if bullet:  # the item's first line (its text, or that of a block inside it)
            text, bullet = f"- {text}", False
        if is_linked_prose(text) or (linked < _MENU_LINK_SHARE * len(text.replace(" ", ""))
                                     and not _is_link_line(text, link_texts)):
            out.append(text)
    return out


def _is_link_line(line: str, link_texts: frozenset[str]) -> bool:
    return " ".join(line.split()).strip(" -–—:|»«›>•·").casefold() in link_texts


def json_ld_paragraphs(page: PageText, body: str) -> list[str]:
    """The JSON-LD ``articleBody`` as paragraphs (it often has no breaks: one paragraph)."""
    return page.finish(body.replace("\r", "\n").split("\n"))


# --- evidence ----------------------------------------------------------------------------------

def dedupe(paragraphs: list[str]) -> list[str]:
    """Paragraphs without exact repeats (a print copy, a mobile copy of the same body)."""
    seen: set[str] = set()
    out: list[str] = []
    for p in paragraphs:
        key = p.casefold()
        if len(p) < 40 or key not in seen:  # short lines ("- Yes") may repeat for real
            out.append(p)
            seen.add(key)
    return out


def _shingles(text: str) -> Counter[tuple[str, ...]]:
    tokens = _WORD.findall(text.casefold())
    return Counter(tuple(tokens[i:i + 4]) for i in range(max(1, len(tokens) - 3)) if tokens)


def coverage(part: str, whole: str) -> float:
    """Share of ``part``'s 4-word shingles that ``whole`` also has (1.0 for an empty part)."""
    a = _shingles(part)
    total = sum(a.values())
    return sum((a & _shingles(whole)).values()) / total if total else 1.0


def prose_share(paragraphs: list[str]) -> float:
    """Share of the text in long lines that end like a sentence: prose, not a menu."""
    total = sum(len(p) for p in paragraphs)
    prose = sum(len(p) for p in paragraphs if len(p) >= _PROSE_LINE and p.rstrip()[-1:] in _SENTENCE_END)
    return prose / total if total else 0.0
