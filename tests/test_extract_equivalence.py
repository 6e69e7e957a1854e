"""The extractor's cheaper code paths select exactly what the code they replaced selected.

Each speed change of #11 rewrote a step without meaning to change its result: an XPath
union evaluated as one walk of the tree, a regular expression as a byte count, a
trafilatura configuration built once. The replaced versions are kept here as the
reference, and random pages (nested paragraphs, links, class names of comment threads)
must give both the same answer.
"""

from __future__ import annotations

import re
from pathlib import Path

import trafilatura
from hypothesis import HealthCheck, given, settings, strategies as st
from lxml import etree

from bot.news import candidates, extract, pageclean, paragraphs
from bot.news.candidates import PageText, _options, trafilatura_paragraphs
from bot.news.fastpass import precision_body
from bot.news.htmltree import parse_html
from bot.news.paragraphs import link_texts_of, paragraphs_from_body

_SETTINGS = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])

_TAGS = ("p", "div", "span", "a", "aside", "section", "article", "ul", "li", "ol", "b", "td", "blockquote", "img",
         "head", "list", "quote", "table")
_CLASSES = ("", "comments", "Comment-List", "comments-open", "disqus_thread", "user-replies", "post-comment-body",
            "related", "card", "x commentlist", "tooltip")
_WORDS = ("Kyiv", "the harbour reopened on Monday after repairs, officials said.", " ", "\xa0", "Read more",
          "\n\t", "Comments (3)", "Київ", "")


@st.composite
def _trees(draw: st.DrawFn) -> etree._Element:
    """A random page built element by element, so paragraphs may nest inside paragraphs (which
    the HTML parser never makes, but a tree handed in may hold)."""
    root = parse_html("<html><body></body></html>")
    assert root is not None
    nodes = [root.find("body")]
    for _ in range(draw(st.integers(1, 40))):
        parent = draw(st.sampled_from(nodes))
        el = etree.SubElement(parent, draw(st.sampled_from(_TAGS)))
        css = draw(st.sampled_from(_CLASSES))
        if css:
            el.set(draw(st.sampled_from(("class", "id"))), css)
        el.text = draw(st.sampled_from(_WORDS))
        el.tail = draw(st.sampled_from(_WORDS))
        nodes.append(el)
    return root


_PAGES = _trees()


# --- the references: the code as it was before the rewrite -----------------------------------

_OLD_INLINE_IN_TEXT = etree.XPath("//p//span[.//a] | //p//div[.//a] | //p//aside[.//a]")
_OLD_CONTAINERS = etree.XPath("(//div|//section|//article|//aside|//ol|//ul|//li)[@class or @id]")
_OLD_PARAGRAPH_DIVS = etree.XPath(
    f"//div[{paragraphs._HAS_LOOSE_TEXT}][not(*[not({paragraphs._IS_PHRASING})])]")
_OLD_MIXED_CONTAINERS = etree.XPath(
    "(//div|//section|//article|//main|//td|//blockquote|//dd)"
    f"[{paragraphs._HAS_LOOSE_TEXT}][*[not({paragraphs._IS_PHRASING})]]")
_OLD_NESTED_BLOCKS = etree.XPath("boolean(.//p | .//head | .//list | .//quote | .//table)")
_OLD_ANCHORS = etree.XPath("//a[normalize-space()]")
_OLD_HIDDEN = etree.XPath("//*[@hidden] | //*[contains(translate(@style, ' ', ''), 'display:none')]")
_OLD_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f\ufffd]")


def _old_comment_elements(tree: etree._Element) -> set[etree._Element]:
    inside: set[etree._Element] = set()
    for el in _OLD_CONTAINERS(tree):
        if el in inside:
            continue
        tokens = f"{el.get('class', '')} {el.get('id', '')}".split()
        if any(paragraphs._COMMENT_TOKEN.match(t) for t in tokens):
            inside.update(el.iter())
    return inside


# --- the rewrites against them -----------------------------------------------------------------

@_SETTINGS
@given(_PAGES)
def test_inline_elements_in_paragraphs_are_the_xpaths(tree: etree._Element) -> None:
    assert pageclean._inline_in_text(tree) == _OLD_INLINE_IN_TEXT(tree)


def test_a_card_in_a_paragraph_inside_a_paragraph_is_listed_once() -> None:
    tree = parse_html("<html><body><p>Outer <span>name</span></p></body></html>")
    assert tree is not None
    outer = tree.find(".//p")
    inner = etree.SubElement(outer, "p")
    card = etree.SubElement(etree.SubElement(inner, "div"), "span")
    etree.SubElement(card, "a").text = "Other story"
    assert pageclean._inline_in_text(tree) == _OLD_INLINE_IN_TEXT(tree) == [inner[0], card]


@_SETTINGS
@given(_PAGES)
def test_comment_threads_are_found_as_by_the_xpath_union(tree: etree._Element) -> None:
    assert paragraphs._comment_elements(tree) == _old_comment_elements(tree)


@_SETTINGS
@given(_PAGES)
def test_the_reordered_paragraph_xpaths_select_the_same_elements(tree: etree._Element) -> None:
    assert paragraphs._PARAGRAPH_DIVS(tree) == _OLD_PARAGRAPH_DIVS(tree)
    assert paragraphs._MIXED_CONTAINERS(tree) == _OLD_MIXED_CONTAINERS(tree)


@_SETTINGS
@given(_PAGES)
def test_link_texts_are_those_of_text_content(tree: etree._Element) -> None:
    old = frozenset(filter(None, (paragraphs._link_key(a.text_content()) for a in _OLD_ANCHORS(tree))))
    assert link_texts_of(tree) == old


@_SETTINGS
@given(_PAGES, st.lists(st.tuples(st.integers(0, 39), st.sampled_from((
    ("hidden", ""), ("style", "display: none"), ("style", "color:red"), ("style", "DISPLAY:NONE"),
    ("style", "x;display :none;"), ("hidden", "hidden")))), max_size=8))
def test_hidden_elements_are_those_of_the_xpath_union(tree: etree._Element, marks: list[tuple[int, tuple[str, str]]]) -> None:
    elements = list(tree.iter())
    for i, (name, value) in marks:
        elements[i % len(elements)].set(name, value)
    assert candidates._HIDDEN(tree) == _OLD_HIDDEN(tree)


@_SETTINGS
@given(_PAGES)
def test_nested_blocks_are_found_as_by_the_xpath(tree: etree._Element) -> None:
    assert [paragraphs._has_nested_block(el) for el in tree.iter()] == [_OLD_NESTED_BLOCKS(el) for el in tree.iter()]


def test_comment_thread_classes_in_any_case_and_place() -> None:
    tree = parse_html(
        "<html><body class='comments-open'><div id='main'><p>Story text.</p></div>"
        "<section class='wrap Comment-List'><div><p>A reader wrote this.</p></div></section>"
        "<ul id='disqus_thread'><li>Another reader.</li></ul><div class=''>Empty class.</div></body></html>")
    assert tree is not None
    found = paragraphs._comment_elements(tree)
    assert found == _old_comment_elements(tree)
    assert {el.text for el in found if el.tag in ("p", "li")} == {"A reader wrote this.", "Another reader."}


_TEXTS = st.text(alphabet=st.one_of(
    st.characters(max_codepoint=0x7F), st.sampled_from("\ufffd\x85\xa0ї€\U0001f600"), st.characters(),
), max_size=300)


@settings(max_examples=300, deadline=None)
@given(_TEXTS)
def test_binary_check_counts_control_characters_as_the_regex_did(text: str) -> None:
    sample = text[:extract._BINARY_SAMPLE]
    assert extract._looks_binary(text) == (len(_OLD_CONTROL.findall(sample)) > len(sample) // 100)


def test_a_lone_surrogate_is_counted_like_any_other_character() -> None:
    text = "\ud800" + "\x01" * 2 + "a" * 150
    assert extract._looks_binary(text) == (len(_OLD_CONTROL.findall(text)) > len(text) // 100)


# --- trafilatura's configuration, built once ---------------------------------------------------

def _page(html: str, url: str) -> PageText:
    tree = parse_html(html)
    assert tree is not None
    return PageText(tree, url, link_texts_of(tree), "")


_ARTICLE = (
    "<html><head><title>Harbour reopens</title></head><body><nav><a href='/'>Home</a></nav><article>"
    "<h1>Harbour reopens</h1>"
    + "".join(f"<p>Paragraph {n}: the harbour authority said the ferries would run again from Monday, "
              "after the storm damage to the pier had been repaired.</p>" for n in range(6))
    + "<ul><li><a href='/a'>Another story about the port</a></li></ul></article>"
    "<div class='comments'><p>First! The ferry was late again this morning, as always.</p></div></body></html>"
)


# An article followed by an infinite-scroll block of the next story and a list of comments:
# what trafilatura's raw-tree prunes remove before cleaning.
_SCROLLED = _ARTICLE.replace("</article>", "</article><div class='mvp-post-add-box'><h2>Next story</h2>" + "".join(
    f"<p>Next {n}: the city council voted to extend the tram line to the airport by the end of next year.</p>"
    for n in range(8)) + "</div><ol class='commentlist'>" + "".join(
    f"<li>Reader {n}: I took this ferry every day for ten years and it was never on time, not once.</li>"
    for n in range(6)) + "</ol>")
_FIXTURES = Path(__file__).parent / "data" / "pages"
_HTMLS = (_ARTICLE, _SCROLLED, "<html><body><div>Short text, not an article.</div></body></html>",
          *(path.read_text(encoding="utf-8") for path in sorted(_FIXTURES.glob("*.html"))))


def test_each_mode_reads_the_page_as_bare_extraction_with_its_keywords() -> None:
    for html in _HTMLS:
        page = _page(html, "https://news.example.com/harbour")
        for fast in (True, False):
            for precision in (True, False):
                document = trafilatura.bare_extraction(
                    page.tree, url=page.url, fast=fast, favor_precision=precision, include_comments=False,
                    include_links=False, include_tables=True, with_metadata=False)
                expected = [] if document is None or document.body is None else page.finish(
                    paragraphs.add_split_body_chunks(page.tree, paragraphs_from_body(document.body, page.link_texts)))
                assert trafilatura_paragraphs(page, fast=fast, precision=precision) == expected


def _bodies_of(tree: etree._Element) -> tuple[bytes | None, bytes | None]:
    """The fast precision body from ``bare_extraction`` and from ``precision_body``."""
    assert precision_body is not None, "the installed trafilatura lacks the internals fastpass.py follows"
    document = trafilatura.bare_extraction(tree, options=_options(True, True, "https://example.com/a"))
    ours = precision_body(tree, _options(True, True, "https://example.com/a"))
    return (None if document is None else etree.tostring(document.body),
            None if ours is None else etree.tostring(ours))


def test_the_copy_free_precision_pass_gives_bare_extractions_body() -> None:
    for html in _HTMLS:
        tree = parse_html(html)
        assert tree is not None
        theirs, ours = _bodies_of(tree)
        assert ours == theirs
    assert _bodies_of(parse_html(_ARTICLE))[1] is not None  # the article is found, not two Nones


_PROSE = ("The harbour authority said on Monday that the ferries would run again after the storm damage to "
          "the pier had been repaired, and that the timetable would return to normal by the weekend.")


@_SETTINGS
@given(_trees(), st.lists(st.integers(0, 39), max_size=12))
def test_the_copy_free_precision_pass_on_random_pages(tree: etree._Element, prose_at: list[int]) -> None:
    elements = list(tree.iter())
    for i in prose_at:  # long paragraphs here and there, so that some pages are articles
        elements[i % len(elements)].text = _PROSE
    theirs, ours = _bodies_of(tree)
    assert ours == theirs
