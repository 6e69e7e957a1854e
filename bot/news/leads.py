"""The article's lead paragraph when the page sets it apart from the body and extraction lost it.

Many news pages print their first paragraph (the standfirst, or "summary") in an element of its
own above the body ("<div class="article__summary">Three people have died …</div>", then
"<div class="article__text"><p>In addition to the three fatalities …"). The extractors take
the body and drop that element, so the story starts with its second paragraph and the
summary leads with "In addition to …". The page also states that paragraph as its
description (``og:description``, ``<meta name=description>``, JSON-LD ``description``).

``restore_lead`` puts it back only when every sign agrees: the text's first paragraph
points back to something before it ("In addition to …", "But …"), so the text plainly lacks
its start; the description is a whole sentence (closing punctuation, no "…" cut); it is shown
on the page as an element's whole text, before the text's first paragraph and beside it or its
container (not in a header or sidebar); and the text does not contain it already. Most pages show their description above the body as a subtitle
("dek") that the story's own first paragraph does not lean on: on the shared extraction set
such a dek is left out of the gold text on 15 of 16 pages, so without the first condition
the description would be added wrongly far more often than rightly.
"""

from __future__ import annotations

import html
import re

from lxml import etree

from bot.news.summary_units import leans_back

__all__ = ["restore_lead"]

_WS = re.compile(r"\s+")
_NON_WORD = re.compile(r"\W+")
_MIN_WORDS = 12  # a shorter description is a teaser line, not a lead paragraph
_PROBE = 40  # characters of a paragraph's start used to find its element
_TERMINAL = tuple(".!?") + ("»", "”", '"', "’")


def restore_lead(tree: etree._Element, description: str, paragraphs: list[str]) -> list[str]:
    """``paragraphs`` with the page's lead put back in front when extraction dropped it."""
    lead = _WS.sub(" ", html.unescape(description)).strip()
    if not paragraphs or not leans_back(paragraphs[0]) or not _is_whole_paragraph(lead):
        return paragraphs
    if _key(lead)[:_PROBE * 2] in _key(" ".join(paragraphs[:5])):
        return paragraphs  # already there (perhaps in another paragraph's words)
    body = tree.find(".//body")
    if body is None:
        return paragraphs
    first = paragraphs[0][:_PROBE]
    shown = None
    for element in body.iter():
        if not isinstance(element.tag, str) or not element.text:
            continue
        own = _WS.sub(" ", element.text).strip()
        if shown is None and own.startswith(lead[:_PROBE]):
            if _WS.sub(" ", element.text_content()).strip() == lead:
                shown = element
        elif own.startswith(first):
            return [lead, *paragraphs] if shown is not None and _next_to(shown, element) else paragraphs
    return paragraphs


def _next_to(lead: etree._Element, first: etree._Element) -> bool:
    """The lead's element and the first paragraph's share a parent or grandparent ("<div
    summary>" then "<div text><p>", or "<div summary><p>"): not a header or sidebar far off."""
    return bool(_ancestors(lead) & _ancestors(first))


def _ancestors(element: etree._Element, levels: int = 2) -> set[etree._Element]:
    found = set()
    for _ in range(levels):
        element = element.getparent()
        if element is None or element.tag == "body":
            break
        found.add(element)
    return found


def _is_whole_paragraph(text: str) -> bool:
    return (
        len(text.split()) >= _MIN_WORDS
        and text.endswith(_TERMINAL)
        and not text.rstrip("»”\"’").endswith(("...", "…"))
    )


def _key(text: str) -> str:
    return _NON_WORD.sub(" ", text.casefold()).strip()
