"""The page parser: trees trafilatura and readability accept, parsed as trafilatura parses."""

from __future__ import annotations

import trafilatura
from lxml.html import HtmlElement
from trafilatura.utils import load_html

from bot.news.htmltree import parse_html

PAGE = (
    '<?xml version="1.0" encoding="utf-8"?><!DOCTYPE html><html><head><title>T</title></head><body>'
    "<article><h1>Harbour reopens</h1>"
    + "".join(f"<p>Paragraph {n}: the harbour authority said the ferries would run again from Monday, "
              "after the storm damage to the pier had been repaired.</p>" for n in range(5))
    + "</article><form><input name='q'><label>Search</label></form></body></html>"
)


def test_a_page_with_an_encoding_declaration_parses_like_trafilaturas_own_parser() -> None:
    ours, theirs = parse_html(PAGE), load_html(PAGE)
    assert ours is not None and theirs is not None
    assert [el.tag for el in ours.iter()] == [el.tag for el in theirs.iter()]
    assert ours.text_content() == theirs.text_content()


def test_every_element_is_a_plain_html_element_that_trafilatura_accepts() -> None:
    tree = parse_html(PAGE)
    assert tree is not None
    assert {type(el) for el in tree.iter() if isinstance(el.tag, str)} == {HtmlElement}
    text = trafilatura.extract(tree)
    assert text is not None and "ferries would run again" in text


def test_text_that_is_not_html_gives_no_tree() -> None:
    assert parse_html("just a sentence, no markup") is None
    assert load_html("just a sentence, no markup") is None
