"""The article's paragraphs: made explicit in the page, read back from trafilatura's body.

trafilatura's output is only as good as the page's paragraph markup. News sites write
paragraphs as ``<div>Text <a>link</a> more.</div>`` or leave text loose beside block
elements; trafilatura then drops them in precision mode, or cuts a sentence at each inline
link and may move it. ``normalize_paragraphs`` turns such text into ``<p>`` elements first.

``paragraphs_from_body`` renders trafilatura's XML body (``<p>``, ``<head>``, ``<list>``,
``<table>``, inline ``<hi>``/``<ref>``) as whole paragraphs and drops the blocks that are
only the page's link texts (teasers, tag lists, menus) and those under a "Read also"
heading. ``add_split_body_chunks`` recovers the rest of a body that the site split into
several identical containers around ads, which trafilatura reads only the first of.
"""

from __future__ import annotations

import logging
import re
from collections import Counter

from lxml import etree

from bot.news.clean import is_read_also_marker

__all__ = ["add_split_body_chunks", "is_linked_prose", "link_texts_of", "normalize_paragraphs", "paragraphs_from_body"]

log = logging.getLogger(__name__)

_WS = re.compile(r"\s+")
_MIN_PROSE = 80
_PUNCTUATION = ".,;:!?…\"'«»“”‘’()[]—–-"


# --- the page's paragraphs as <p> elements ------------------------------------------------

_PHRASING = frozenset(
    "a abbr b bdi bdo big br cite code del dfn em font i img ins kbd label mark nobr q s small "
    "span strike strong sub sup time tt u var wbr".split()
)
# Name tests as one string lookup: far faster in libxml2 than thirty "self::x" tests.
_IS_PHRASING = f"contains(' {' '.join(sorted(_PHRASING))} ', concat(' ', local-name(), ' '))"
_HAS_LOOSE_TEXT = f"text()[normalize-space()] or *[{_IS_PHRASING}][normalize-space()]"
# A <div> holding only inline content with text: a paragraph in all but name. (Children's
# names are tested before their text: the cheaper test first, a third of the time.)
_PARAGRAPH_DIVS = etree.XPath(f"//div[not(*[not({_IS_PHRASING})])][{_HAS_LOOSE_TEXT}]")
# Containers with text (or inline elements with text) loose beside a block child.
_HAS_MICRODATA = etree.XPath("boolean(descendant-or-self::*[@itemscope])")
_HAS_MEDIA = etree.XPath("boolean(.//img | .//picture | .//video | .//iframe | .//figure)")
_MIXED_CONTAINERS = etree.XPath(
    "(//div|//section|//article|//main|//td|//blockquote|//dd)"
    f"[{_HAS_LOOSE_TEXT}][*[not({_IS_PHRASING})]]"
)


# Comment threads are loose text in divs too; as <p>s they would outweigh a short article.
# A class or id token naming a comment thread ("comments", "comment-list", "disqus_thread"),
# not a page that merely allows them ("comments-open" on <body>).
_COMMENT_TOKEN = re.compile(
    r"^(?:[a-z]+[-_])?(?:comments?|commentlist|disqus(?:_thread)?|replies)"
    r"(?:[-_](?:list|area|section|body|content|text|thread|wrap|wrapper|container|block|item))?$",
    re.I,
)
# Every token _COMMENT_TOKEN matches holds one of these: one search of the class and id
# decides for nearly every container, before the tokens are matched one by one.
_COMMENT_HINT = re.compile(r"comment|disqus|replies", re.I)
_CONTAINER_TAGS = ("div", "section", "article", "aside", "ol", "ul", "li")


def _comment_elements(tree: etree._Element) -> set[etree._Element]:
    """Every element inside a comment thread (by its own or an ancestor's class or id)."""
    inside: set[etree._Element] = set()
    for el in tree.iter(_CONTAINER_TAGS):  # document order: an outer thread before its replies
        css, ident = el.get("class"), el.get("id")
        if css is None and ident is None or el in inside:
            continue
        marks = f"{css or ''} {ident or ''}"
        if _COMMENT_HINT.search(marks) and any(_COMMENT_TOKEN.match(t) for t in marks.split()):
            inside.update(el.iter())
    return inside


def normalize_paragraphs(tree: etree._Element) -> None:
    """Make the page's paragraphs ``<p>`` elements, in place, before trafilatura reads it.

    News sites often write paragraphs as ``<div>Text <a>link</a> more.</div>`` or leave
    text loose beside block children. trafilatura then drops them in precision mode, or cuts
    the sentence at each link onto separate lines and may reorder it. As ``<p>`` elements
    they come out whole and in place. Comment threads are left as they are: wrapped, they
    would look like the body.
    """
    in_comments = _comment_elements(tree)
    groups: dict[etree._Element, list[etree._Element]] = {}
    for div in _PARAGRAPH_DIVS(tree):
        if div in in_comments:
            continue
        if (parent := div.getparent()) is not None and all(_is_phrasing(c) for c in div):
            groups.setdefault(parent, []).append(div)
    for parent, divs in groups.items():
        # Several prose divs side by side are a body written in divs; a lone one is a
        # caption, a hidden title or a teaser, which trafilatura rightly leaves out...
        if sum(1 for d in divs if _is_prose_text(d.text_content())) < 2:
            continue
        for div in divs:
            div.tag = "p"
        # ...unless it sits right beside such a body (a lead paragraph outside its wrapper).
        grandparent = parent.getparent()
        for div in groups.get(grandparent, []) if grandparent is not None else []:
            if div.tag == "div" and _is_prose_text(div.text_content()):
                div.tag = "p"
    for el in _MIXED_CONTAINERS(tree):
        if el not in in_comments and not _is_captioned_media(el):
            _wrap_loose_runs(el)


def _is_captioned_media(el: etree._Element) -> bool:
    """An image (or video) with a short text beside it: a caption, not a paragraph."""
    return _HAS_MEDIA(el) and len(el.text_content().strip()) < 250


def _is_prose_run(run: list[etree._Element | str]) -> bool:
    """A run of loose text that reads as a paragraph (schema.org microdata does not)."""
    if any(not isinstance(n, str) and _HAS_MICRODATA(n) for n in run):
        return False
    return _is_prose_text("".join(n if isinstance(n, str) else f"{n.text_content()}{n.tail or ''}" for n in run))


def _is_prose_text(text: str) -> bool:
    """Long enough and made of words (not a URL, a date or a label) to be a paragraph."""
    if len(text) < _MIN_PROSE:
        return False
    return sum(1 for token in text.split() if token.strip(_PUNCTUATION).isalpha()) >= 8


def _wrap_loose_runs(el: etree._Element) -> None:
    """Give each run of loose prose (text and inline elements) inside ``el`` its own ``<p>``.

    Short runs (a date, a hidden URL, a label) stay loose, as trafilatura expects them.
    """
    segments: list[etree._Element | list[etree._Element | str]] = []
    run: list[etree._Element | str] | None = None
    if el.text and el.text.strip():
        run = [el.text]
        segments.append(run)
        el.text = None
    for child in list(el):
        if _is_phrasing(child):
            if run is None:
                run = []
                segments.append(run)
            run.append(child)  # an element keeps its tail, which is part of the run
            continue
        tail, child.tail = child.tail, None
        segments.append(child)
        run = None
        if tail and tail.strip():
            run = [tail]
            segments.append(run)
        elif tail:
            child.tail = tail
    for child in list(el):
        el.remove(child)
    previous: etree._Element | None = None
    for segment in segments:
        if not isinstance(segment, list):
            el.append(segment)
            previous = segment
        elif _is_prose_run(segment):
            p = el.makeelement("p", {})
            for node in segment:
                if isinstance(node, str):
                    p.text = node
                else:
                    p.append(node)
            el.append(p)
            previous = p
        else:
            for node in segment:
                if not isinstance(node, str):
                    el.append(node)
                    previous = node
                elif previous is None:
                    el.text = (el.text or "") + node
                else:
                    previous.tail = (previous.tail or "") + node


def _is_phrasing(el: etree._Element) -> bool:
    """Inline content (comments included) that contains no block element."""
    if not isinstance(el.tag, str):
        return True
    if el.tag not in _PHRASING:
        return False
    return not any(isinstance(d.tag, str) and d.tag not in _PHRASING for d in el.iterdescendants())


# --- trafilatura's XML body as paragraphs ----------------------------------------------------

_INLINE_OUT = frozenset({"ref", "hi", "lb", "del"})
_BLOCK_OUT = frozenset({"p", "head", "list", "item", "quote", "table", "row", "code"})
_NESTED_TAGS = ("p", "head", "list", "quote", "table")


def _has_nested_block(el: etree._Element) -> bool:
    """A block element below ``el`` (the XPath ``boolean(.//p | .//head | ...)``, without
    evaluating a five-path union for every child of the body)."""
    return next(el.iterdescendants(*_NESTED_TAGS), None) is not None
_SENTENCE_END = re.compile(r"[.!?…:;»\"”’)]\s*$")


def link_texts_of(tree: etree._Element) -> frozenset[str]:
    """The normalized texts of all links of a page, for ``paragraphs_from_body``."""
    keys: set[str] = set()
    for a in tree.iter("a"):
        # A link's own text when it has no child (most links); joining its text nodes is
        # what ``text_content`` does, without an XPath evaluation per link.
        text = (a.text or "") if len(a) == 0 else "".join(a.itertext())
        if text and (key := _link_key(text)):
            keys.add(key)
    return frozenset(keys)


def paragraphs_from_body(body: etree._Element, link_texts: frozenset[str] = frozenset()) -> list[str]:
    """Paragraphs of trafilatura's XML body, without link-only teasers and "Read also" lists.

    Each ``<p>`` (inline links and bold spans included) becomes one paragraph; lists become
    one paragraph of "- item" lines. ``link_texts`` (from ``link_texts_of``) are the texts
    of the page's links: a block (or a line of a paragraph) made of them is a teaser, a tag
    list or a menu. After a bare "Read also" heading, the short blocks that follow it are
    dropped too.
    """
    out: list[str] = []
    skipping_teasers = False
    for tag, text in _blocks(body):
        if is_read_also_marker(text.split("\n", 1)[0]):
            skipping_teasers = True
            continue
        if _is_link_block(tag, text, link_texts):
            continue
        if tag == "p" and "\n" in text:  # a menu item or teaser on a line of its own
            text = "\n".join(ln for ln in text.split("\n") if not _is_link_line(ln, link_texts))
        if skipping_teasers and (tag == "list" or len(text) < 160):
            continue
        skipping_teasers = False
        out.extend(_split_lines(text) if tag == "p" else [text])
    return out


def _blocks(el: etree._Element) -> list[tuple[str, str]]:
    """(tag, text) for each block of the body, flattening layout nesting (tables, cells)."""
    blocks: list[tuple[str, str]] = []
    run: list[etree._Element | str] = []

    def flush() -> None:
        if text := _render(run):
            blocks.append(("p", text))
        run.clear()

    if el.text and el.text.strip():
        run.append(el.text)
    for child in el:
        tag = child.tag if isinstance(child.tag, str) else ""
        if not tag or tag in _INLINE_OUT:
            run.append(child)
            continue
        flush()
        if tag != "list" and _has_nested_block(child):
            blocks.extend(_blocks(child))
        elif tag != "graphic" and (text := _block_text(child)):
            blocks.append((tag, text))
        if child.tail and child.tail.strip():
            run.append(child.tail)
    flush()
    return blocks


def _block_text(block: etree._Element) -> str:
    """Text of one block: inline elements joined into the sentence, ``<lb/>`` as newlines."""
    if block.tag == "list":
        items = (_render([item], tails=False) for item in block.iterchildren("item"))
        return "\n".join(f"- {item}" for item in items if item)
    if block.tag == "table":
        rows = (" | ".join(filter(None, (_render([c], tails=False) for c in row.iter("cell"))))
                for row in block.iter("row"))
        return "\n".join(r for r in rows if r)
    return _render([block], tails=False)


def _render(nodes: list[etree._Element | str], *, tails: bool = True) -> str:
    """Inline text of ``nodes`` (elements with their tails, unless ``tails`` is false).

    Line breaks and nested blocks start new lines; all other whitespace collapses.
    """
    parts: list[str] = []

    def walk(node: etree._Element) -> None:
        if node.tag == "lb" or node.tag in _BLOCK_OUT:
            parts.append("\n")
        if node.text:
            parts.append(node.text)
        for child in node:
            if isinstance(child.tag, str) and child.tag != "graphic":
                walk(child)
            if child.tail:
                parts.append(child.tail)
        if node.tag in _BLOCK_OUT:
            parts.append("\n")

    for node in nodes:
        if isinstance(node, str):
            parts.append(node)
            continue
        walk(node)
        if tails and node.tail:
            parts.append(node.tail)
    lines = (_WS.sub(" ", line).strip() for line in "".join(parts).split("\n"))
    return "\n".join(line for line in lines if line)


def _split_lines(text: str) -> list[str]:
    """Split a ``<p>`` at line breaks that end a sentence: those were paragraphs in the page.

    A break inside a sentence (the next line goes on in lower case) was an inline element
    the page or trafilatura put on a line of its own: it is joined back with a space.
    """
    out: list[str] = []
    for line in text.split("\n"):
        if out:
            ended = _SENTENCE_END.search(out[-1]) is not None
            if not ended and (line[:1].islower() or line[:1] in ",.;:)»”"):
                out[-1] += " " + line
                continue
            if not (ended and len(out[-1]) >= 60):
                out[-1] += "\n" + line
                continue
        out.append(line)
    return out


def _is_link_block(tag: str, text: str, link_texts: frozenset[str]) -> bool:
    lines = [line.removeprefix("- ") for line in text.split("\n")]
    linked = sum(1 for line in lines if _link_key(line) in link_texts)
    return linked >= 0.6 * len(lines) if tag == "list" else linked == len(lines)


def _is_link_line(line: str, link_texts: frozenset[str]) -> bool:
    """A line that is one of the page's link texts, unless the text is the URL itself
    (a source the article cites)."""
    return "://" not in line and _link_key(line) in link_texts


_PROSE_WORDS = 12
_PROSE_END = tuple(".!?…\"”")
_NOT_PROSE = re.compile(r"^[^\s:]+(?:\s[^\s:]+)?:|\s[|»›]\s|[»›]$")  # "Posted in:", "a | b", "More »"


def is_linked_prose(line: str) -> bool:
    """A whole sentence, not a headline: a blog links a quotation to its source, or the
    sentence that introduces a video to it ("This week's new Tabletop is … Say Anything.").
    Teaser and menu links are headlines: shorter, or without closing punctuation."""
    line = line.strip()
    return len(line.split()) >= _PROSE_WORDS and line.endswith(_PROSE_END) and not _NOT_PROSE.search(line)


def _link_key(text: str) -> str:
    return " ".join(text.split()).strip(" -–—:|»«›>•·").casefold()


# --- bodies split into several containers -------------------------------------------------

_P_STARTING_WITH = etree.XPath("//p[starts-with(normalize-space(), $start)]")
_NOT_BODY = re.compile(r"comment|sidebar|aside|related|footer|promo|newsletter|teaser|recirc", re.I)
_PROBES = 3


def add_split_body_chunks(tree: etree._Element, paragraphs: list[str]) -> list[str]:
    """``paragraphs`` plus the rest of a body that the site cut into sibling containers.

    Magazine layouts close the body container before every ad and open an identical one
    (same tag and class) after it; trafilatura keeps the first. We find the container of the
    extracted paragraphs in the page and add the paragraphs of identical containers near
    it, unless they sit in comments, sidebars or another article.
    """
    parents: Counter[etree._Element] = Counter()
    for probe in [p for p in paragraphs if len(p) >= 80][:_PROBES]:
        for el in _P_STARTING_WITH(tree, start=_key(probe)[:50]):
            if (parent := el.getparent()) is not None:
                parents[parent] += 1
    if not parents:
        return paragraphs
    container, count = parents.most_common(1)[0]
    css = container.get("class")
    if count < 2 or not css:
        return paragraphs
    known = {_key(p) for p in paragraphs}
    before: list[str] = []
    after: list[str] = []
    seen_container = False
    for el in tree.iter(container.tag):
        if el is container:
            seen_container = True
        elif el.get("class") == css and _near(el, container) and not _elsewhere(el, container):
            for p in el.iterchildren("p"):
                text = _WS.sub(" ", p.text_content()).strip()
                if len(text) >= 40 and _key(text) not in known and _anchor_share(p) < 0.5:
                    (after if seen_container else before).append(text)
                    known.add(_key(text))
    if not before and not after:
        return paragraphs
    own = {_key(p.text_content()) for p in container.iterchildren("p")}
    last = max((i for i, p in enumerate(paragraphs) if _key(p) in own), default=len(paragraphs) - 1)
    log.debug("joined %d paragraphs from split body containers", len(before) + len(after))
    return before + paragraphs[: last + 1] + after + paragraphs[last + 1 :]


def _near(el: etree._Element, container: etree._Element) -> bool:
    """Same ancestor within three levels up, and neither inside the other."""
    ups = list(container.iterancestors())[:3]
    other = list(el.iterancestors())[:3]
    if container in other or el in ups:
        return False
    return any(a is b for a in ups for b in other)


def _elsewhere(el: etree._Element, container: etree._Element) -> bool:
    """In comments, a sidebar or a footer, or in another ``<article>`` than the container."""
    if next(el.iterancestors("article"), None) is not next(container.iterancestors("article"), None):
        return True
    for node in (el, *el.iterancestors()):
        marks = f"{node.get('class', '')} {node.get('id', '')}"
        if node.tag in ("aside", "footer", "nav") or _NOT_BODY.search(marks):
            return True
    return False


def _anchor_share(el: etree._Element) -> float:
    total = len(el.text_content())
    return sum(len(a.text_content()) for a in el.iter("a")) / total if total else 0.0


def _key(text: str) -> str:
    return _WS.sub(" ", text).strip()[:60]
