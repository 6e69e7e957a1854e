"""A page's HTML as an lxml tree, parsed the way trafilatura parses it, only cheaper to walk.

trafilatura and readability-lxml need ``lxml.html`` elements (``HtmlElement``: trafilatura
refuses any other tree, readability calls ``text_content`` and ``drop_tree``). The stock
``lxml.html`` parser picks each element's Python class by calling a Python ``lookup``
method every time lxml hands an element to Python: on a news page, tens of thousands of
calls per extraction (measured: about a tenth of ``extract_article``'s time). Every element
here is the one generic ``HtmlElement`` class, chosen in C. We use nothing of the
tag-specific classes (forms, inputs, labels).

The input is treated as trafilatura's ``load_html`` treats it: invalid XML characters and
a faulty doctype line are repaired first, a string that lxml refuses as text (an encoding
declaration) is parsed as UTF-8 bytes, and a page without any ``html`` in its first 50
characters that parses to fewer than two elements is not HTML.
"""

from __future__ import annotations

from lxml import etree
from lxml.html import HtmlComment, HtmlElement, HtmlEntity, HtmlProcessingInstruction, HTMLParser, fromstring
from trafilatura.utils import is_dubious_html, repair_faulty_html

__all__ = ["parse_html"]

# The options of trafilatura's own parser (``trafilatura.utils.HTML_PARSER``).
_PARSER = HTMLParser(collect_ids=False, default_doctype=False, encoding="utf-8", remove_comments=True,
                     remove_pis=True)
_PARSER.set_element_class_lookup(etree.ElementDefaultClassLookup(
    element=HtmlElement, comment=HtmlComment, pi=HtmlProcessingInstruction, entity=HtmlEntity,
))


def parse_html(html: str) -> HtmlElement | None:
    """The page's tree (its ``<html>`` element), or None when the text is not HTML or lxml
    cannot parse it (as ``load_html``, which returns None then too)."""
    beginning = html[:50].lower()
    html = repair_faulty_html(html, beginning)
    as_bytes = False
    try:
        tree = fromstring(html, parser=_PARSER)
    except ValueError:  # "Unicode strings with encoding declaration are not supported."
        tree, as_bytes = _from_bytes(html), True
    except etree.LxmlError:
        tree = None
    if (tree is None or len(tree) < 1) and not as_bytes:
        tree = _from_bytes(html)
    if tree is not None and is_dubious_html(beginning) and len(tree) < 2:
        return None
    return tree


def _from_bytes(html: str) -> HtmlElement | None:
    try:
        return fromstring(html.encode("utf-8", "surrogatepass"), parser=_PARSER)
    except (etree.LxmlError, ValueError):
        return None
