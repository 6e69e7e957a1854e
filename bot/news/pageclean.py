"""Page furniture that sits *inside* the article's paragraphs, removed before extraction.

Some sites put a pop-up card inside a sentence: a person's name is a link, and right after
it, in the same ``<p>``, a hidden ``<span>`` holds a photo, the full name, links to three
other stories and "MORE" (The Hill's "rollover" cards). Every extractor reads hidden text,
so the lead becomes "Gov. Kristi NoemKristi Lynn NoemSouth Dakota governor doubles down on
… MORE (R) is defending". A reader never sees the card without hovering; we drop it.

A card is recognised by what it is, not by one site's class name: an inline element inside
a paragraph that holds an image and at least two links and is nearly all link text, or
whose class or id says it is a tooltip, hover card or pop-over and that holds an image or
links. The innermost such element goes, so the visible name it pops up from stays.
"""

from __future__ import annotations

import re

from lxml import etree

__all__ = ["drop_inline_cards"]

_CARD_CLASS = re.compile(r"rollover|tooltip|hover-?card|popover|pop-up|popup", re.I)
_MIN_LINKS = 2
_LINK_SHARE = 0.8


def drop_inline_cards(tree: etree._Element) -> int:
    """Remove pop-up cards from inside paragraphs (keeping the text after them); returns
    how many were removed."""
    removed = 0
    for el in _inline_in_text(tree):
        if el.getparent() is None or not _is_card(el):
            continue
        if any(_is_card(d) for d in el.iterdescendants("span", "div", "aside")):
            continue  # the innermost card goes: an outer one also holds the visible name
        _remove_keeping_tail(el)
        removed += 1
    return removed


def _inline_in_text(tree: etree._Element) -> list[etree._Element]:
    """Every ``<span>``, ``<div>`` or ``<aside>`` inside a paragraph with a link in it, in
    document order: what the XPath ``//p//span[.//a] | //p//div[.//a] | //p//aside[.//a]``
    selects. libxml2 merged that union's node sets pairwise, one per paragraph: 0.3-0.5 s
    on a page with a thousand ``<p>`` of linked spans (Dragnet T50, T55)."""
    found: list[etree._Element] = []
    for p in tree.iter("p"):
        if next(p.iterancestors("p"), None) is not None:
            continue  # a paragraph inside another: the outer one's descendants hold its own
        found.extend(el for el in p.iterdescendants("span", "div", "aside")
                     if next(el.iterdescendants("a"), None) is not None)
    return found


def _is_card(el: etree._Element) -> bool:
    links = el.findall(".//a")
    has_image = el.find(".//img") is not None
    if _CARD_CLASS.search(f"{el.get('class', '')} {el.get('id', '')}") and (has_image or len(links) >= _MIN_LINKS):
        return True
    if len(links) < _MIN_LINKS or not has_image:
        return False
    text = "".join(el.itertext()).strip()
    linked = sum(len("".join(a.itertext()).strip()) for a in links)
    return bool(text) and linked >= _LINK_SHARE * len(text.replace(" ", "")) - 5


def _remove_keeping_tail(el: etree._Element) -> None:
    parent = el.getparent()
    if parent is None:
        return
    tail = el.tail or ""
    previous = el.getprevious()
    if previous is not None:
        previous.tail = (previous.tail or "") + tail
    else:
        parent.text = (parent.text or "") + tail
    parent.remove(el)
