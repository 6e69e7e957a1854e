"""HTML fragments (feed descriptions) to plain text that keeps paragraph breaks.

Feed descriptions are HTML of every quality. Telegram posts need plain text, and the
summarizer needs paragraphs, so block elements become blank lines, ``<br>`` a line break,
scripts and styles vanish, and runs of whitespace shrink to one space.
"""

from __future__ import annotations

import logging
import re

from lxml import etree, html

from bot.news.limits import bounded_fragment

__all__ = ["html_to_text", "new_html_parser", "normalize_space", "tidy_text"]

log = logging.getLogger(__name__)

_BLOCK_TAGS = frozenset({
    "address", "article", "aside", "blockquote", "dd", "div", "dl", "dt", "figcaption", "figure",
    "footer", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr", "li", "main", "nav", "ol", "p",
    "pre", "section", "table", "tr", "ul",
})
_SKIPPED_TAGS = frozenset({"script", "style", "noscript", "template", "iframe", "object", "head", "title"})
_BLANK_LINE = re.compile(r"\n[^\S\n]*\n")
_SPACE = re.compile(r"[^\S\n]+")
_MARKUP_HINT = re.compile(r"<[A-Za-z/!]|&[#A-Za-z]")


def new_html_parser() -> html.HTMLParser:
    """A fresh lxml HTML parser: lxml parsers must not be shared between threads."""
    return html.HTMLParser(encoding="utf-8", remove_comments=True, remove_pis=True, no_network=True)


def normalize_space(text: str) -> str:
    """``text`` on one line: every run of whitespace (newlines too) becomes one space."""
    return " ".join(text.split())


def tidy_text(text: str) -> str:
    """Plain ``text`` with its blank-line paragraph breaks kept and other whitespace tidied."""
    return _join_paragraphs(_BLANK_LINE.split(text))


def html_to_text(fragment: str) -> str:
    """Plain text of an HTML fragment: paragraphs separated by a blank line, no markup."""
    fragment = bounded_fragment(fragment)
    if not _MARKUP_HINT.search(fragment):
        return tidy_text(fragment)
    try:
        root = html.fromstring(fragment.encode("utf-8", "replace"), parser=new_html_parser())
    except (etree.ParserError, ValueError):
        return ""  # nothing but comments or whitespace
    return _join_paragraphs(_paragraphs(root))


def _paragraphs(root: html.HtmlElement) -> list[str]:
    """Text of ``root`` cut into paragraphs at block elements, walking without recursion."""
    paragraphs: list[str] = []
    current: list[str] = []

    def cut() -> None:
        if current:
            paragraphs.append("".join(current))
            current.clear()

    walker = etree.iterwalk(root, events=("start", "end"))
    for event, element in walker:
        tag = element.tag if isinstance(element.tag, str) else ""
        if event == "start":
            if tag in _SKIPPED_TAGS:
                walker.skip_subtree()
                continue
            if tag in _BLOCK_TAGS:
                cut()
            elif tag == "br":
                current.append("\n")
            if element.text:
                current.append(element.text)
        else:
            if tag in _BLOCK_TAGS:
                cut()
            if element.tail and element is not root:
                current.append(element.tail)
    cut()
    return paragraphs


def _join_paragraphs(paragraphs: list[str]) -> str:
    cleaned = []
    for paragraph in paragraphs:
        lines = [_SPACE.sub(" ", line).strip() for line in paragraph.split("\n")]
        text = "\n".join(line for line in lines if line)
        if text:
            cleaned.append(text)
    return "\n\n".join(cleaned)
