"""From a news page's HTML to an ``Article``: text, headline, author, date, canonical URL.

The page is parsed once. Metadata is read from its own declarations (JSON-LD, Open Graph,
``<meta>``, ``<time>``; the headline by ``titles.py``); a page that declares no date takes its
feed entry's, and only without one htmldate's guess from the markup. Then the tree is prepared for the
extractors: scripts and styles go, pop-up cards inside paragraphs go (``pageclean.py``),
loose text and ``<div>`` paragraphs become ``<p>`` elements (``paragraphs.py``). The article
text is chosen among several readings of the page by evidence (``choose.py``), each rendered
and cleaned of news junk the same way (``candidates.py``, ``clean.py``).

The text is one paragraph per line-block: paragraphs are separated by a blank line and
contain no line break, so a heading, a subtitle or a list item is a paragraph of its own,
never glued to the next sentence.

Pure CPU: the caller runs it in a worker thread.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from urllib.parse import urlsplit

from htmldate import find_date
from lxml import etree

from bot.news.charset import detect_encoding
from bot.news.related import related_links_from_tree
from bot.news.errors import ExtractionError
from bot.news.factcheck import claim_review, with_verdict
from bot.news.htmltree import parse_html
from bot.news.jsonld import json_ld_objects
from bot.news.lang import detect_language
from bot.news.leads import restore_lead
from bot.news.models import Article, FeedEntry
from bot.news.candidates import PageText
from bot.news.choose import choose_paragraphs
from bot.news.pageclean import drop_inline_cards
from bot.news.paragraphs import link_texts_of, normalize_paragraphs
from bot.news.titles import headline, other_headlines
from bot.news.urls import is_http_url, resolve

__all__ = ["extract_article"]

log = logging.getLogger(__name__)

_MAX_HTML_CHARS = 5_000_000  # pages beyond this are not articles; trafilatura would crawl
_USABLE_TEXT = 200  # below this a feed entry's longer summary is the better article text
_WS = re.compile(r"\s+")
# Control characters (not tab, newline, form feed, carriage return), and U+FFFD, the mark
# of undecodable bytes.
_CONTROL_BYTES = bytes([*range(0x00, 0x09), 0x0B, *range(0x0E, 0x20), 0x7F])
_BINARY_SAMPLE = 65536
# Elements without article text, dropped once metadata is read (scripts hold the JSON-LD):
# every later pass, trafilatura's two tree copies included, is spared walking them.
_NEVER_TEXT = ("script", "style", "noscript", "svg", "template")


def extract_article(html: str | bytes, url: str, *, fallback: FeedEntry | None = None) -> Article:
    """The article in ``html`` (the page at ``url``), cleaned of menus, teasers and junk.

    When the page yields no usable text, the feed entry ``fallback`` (if given) becomes the
    article, marked ``from_feed``; otherwise ExtractionError says why. Never raises anything
    else, whatever the input.
    """
    try:
        article = _article_from_page(html, url, feed_date=fallback.published if fallback else None)
    except ExtractionError as exc:
        if fallback is None:
            raise
        log.info("using the feed's text for %s: %s", url, exc)
        return article_from_feed(fallback, url)
    if fallback is not None and len(article.text) < min(_USABLE_TEXT, len(fallback.summary.strip())):
        log.info("page text of %s is shorter than the feed's; using the feed's", url)
        return article_from_feed(fallback, url, page=article)
    return article


def _article_from_page(html: str | bytes, url: str, *, feed_date: datetime | None = None) -> Article:
    tree = _parse(html, url)
    meta = _page_metadata(tree, url)
    etree.strip_elements(tree, *_NEVER_TEXT, with_tail=False)
    # A date the page declares, else the feed's, else htmldate's guess from the markup (a
    # heuristic, and 6-7% of this function's time on pages that declare none).
    published = meta.published or feed_date or _guessed_date(tree, url)
    drop_inline_cards(tree)
    normalize_paragraphs(tree)
    page = PageText(tree, url, link_texts_of(tree), meta.title, meta.headlines)
    choice = choose_paragraphs(page, json_ld_body=meta.json_ld_body)
    paragraphs = restore_lead(tree, meta.description, list(choice.paragraphs))
    text = "\n\n".join(with_verdict(paragraphs, *meta.verdict) if paragraphs else [])
    if not text:
        # Nothing but a headline on the page (a photo or video post): the headline is all
        # the text there is, and saying so beats reporting an empty page.
        text = _headline_in_body(tree, meta.title)
    if not text:
        raise ExtractionError(f"no article text found on {url}")
    return Article(
        url=url,
        title=meta.title,
        text=text,
        canonical_url=meta.canonical_url,
        author=meta.author,
        published=published,
        language=detect_language(text) or detect_language(meta.title),
        related=related_links_from_tree(tree, url, canonical=meta.canonical_url),
    )


def _headline_in_body(tree: etree._Element, title: str) -> str:
    """The headline as the page's body shows it as text of its own:
    the title, or its end after a separator ("Blog name: Post title"); "" if it is not there.
    A link counts only as a heading's whole text (a blog's post title links to the post)."""
    body = tree.find(".//body")
    if body is None or not title:
        return ""
    for el in body.iter():
        if not isinstance(el.tag, str) or not el.text:
            continue
        if el.tag == "a" and getattr(el.getparent(), "tag", "") not in ("h1", "h2", "h3"):
            continue
        text = _WS.sub(" ", el.text).strip()
        if len(text) >= 12 and (text == title or title.endswith((f": {text}", f" | {text}", f" - {text}"))):
            return text
    return ""


def article_from_feed(entry: FeedEntry, url: str = "", *, page: Article | None = None) -> Article:
    """The feed entry's own description as the article (marked ``from_feed``), for pages that
    could not be fetched or yielded less than the feed says; ExtractionError if it is empty."""
    text = entry.summary.strip()
    title = entry.title.strip() or (page.title if page else "")
    if not text and not title:
        raise ExtractionError(f"no article text on {url}, and its feed entry is empty too")
    return Article(
        url=url or entry.url,
        title=title or url,
        text=text,
        canonical_url=page.canonical_url if page else "",
        author=entry.author or (page.author if page else ""),
        published=entry.published or (page.published if page else None),
        language=detect_language(f"{title}\n{text}"),
        related=page.related if page else (),
        from_feed=True,
    )


def _parse(html: str | bytes, url: str) -> etree._Element:
    """The page as an lxml tree; bytes are decoded by BOM, ``<meta charset>``, then a guess."""
    if isinstance(html, bytes):
        html = html.decode(detect_encoding(html), errors="replace")
    if not isinstance(html, str) or not html.strip():
        raise ExtractionError(f"the page {url} is empty")
    if len(html) > _MAX_HTML_CHARS:
        raise ExtractionError(f"the page {url} is too large to be an article ({len(html)} chars)")
    if _looks_binary(html):
        raise ExtractionError(f"the page {url} is binary data, not HTML")
    try:
        tree = parse_html(html)
    except (ValueError, TypeError, etree.LxmlError, RecursionError) as exc:
        raise ExtractionError(f"the page {url} is not parseable HTML: {exc}") from exc
    if tree is None:
        raise ExtractionError(f"the page {url} is not HTML")
    return tree


def _looks_binary(text: str) -> bool:
    """Control characters or undecodable bytes in more than 1% of the start: not a web page."""
    sample = text[:_BINARY_SAMPLE]
    # Counted in UTF-8, where a character below U+0080 is the byte of its code and every
    # other one is bytes from 0x80 up: bytes.translate deletes the control bytes at memory
    # speed, where a regular expression over the text took 3x as long.
    raw = sample.encode("utf-8", "surrogatepass")
    controls = len(raw) - len(raw.translate(None, _CONTROL_BYTES)) + sample.count("\ufffd")
    return controls > len(sample) // 100


# --- metadata --------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class _Metadata:
    title: str = ""
    author: str = ""
    published: datetime | None = None
    canonical_url: str = ""
    headlines: tuple[str, ...] = ()  # the page's other statements of its headline (h1, og:title)
    json_ld_body: str = ""
    verdict: tuple[str, str] = ("", "")  # a fact-check's (claim, rating)
    description: str = ""  # the page's own summary of itself (og:description and kin)


_ARTICLE_TYPES = {"NewsArticle", "Article", "BlogPosting", "ReportageNewsArticle", "AnalysisNewsArticle",
                  "OpinionNewsArticle", "WebPage", "LiveBlogPosting", "Report", "TechArticle"}
_DATE_META = ("article:published_time", "og:published_time", "published_time", "pubdate", "publishdate",
              "publish-date", "date", "dc.date.issued", "dc.date", "dcterms.created", "parsely-pub-date",
              "sailthru.date", "article.published", "datepublished", "mediator_published_time")
_MAX_JSON_LD_ITEMS = 500  # a product catalogue in JSON-LD is not worth walking in full
_MAX_AUTHORS = 5
_AUTHOR_META = ("author", "article:author", "parsely-author", "sailthru.author", "dc.creator", "byl")
_AUTHOR_ELEMENTS = etree.XPath("//a[@rel='author'] | //*[@itemprop='author'][not(self::meta)]")


def _page_metadata(tree: etree._Element, url: str) -> _Metadata:
    """Headline, author, date and canonical URL as the page declares them."""
    meta: dict[str, str] = {}
    for el in tree.iter("meta"):
        key = (el.get("property") or el.get("name") or el.get("itemprop") or "").strip().lower()
        value = (el.get("content") or el.get("datetime") or "").strip()
        if key and value and key not in meta:
            meta[key] = value
    ld = _json_ld_article(tree)
    body = ld.get("articleBody")
    return _Metadata(
        title=headline(tree, meta, ld, url),
        headlines=other_headlines(tree, meta),
        json_ld_body=body.strip() if isinstance(body, str) else "",
        verdict=claim_review(tree),
        author=_author(meta, ld, tree),
        published=_published(meta, ld, tree, url),
        canonical_url=_canonical(tree, meta, url),
        description=meta.get("og:description") or meta.get("description") or _str(ld.get("description")),
    )


def _json_ld_article(tree: etree._Element) -> dict:
    """The JSON-LD object describing the article (searching lists and ``@graph``).

    A news or blog article type wins over a generic ``WebPage`` with a date.
    """
    fallback: dict = {}
    for item in json_ld_objects(tree, limit=_MAX_JSON_LD_ITEMS):
        kinds = item.get("@type")
        kinds = set(kinds) if isinstance(kinds, list) else {kinds}
        if kinds & _ARTICLE_TYPES and (item.get("headline") or item.get("datePublished")):
            if "WebPage" not in kinds:
                return item
            fallback = fallback or item
    return fallback


def _author(meta: dict[str, str], ld: dict, tree: etree._Element) -> str:
    """The byline: JSON-LD authors, else ``<meta name=author>`` and kin, else a rel/itemprop link."""
    names: list[str] = []
    authors = ld.get("author")
    for a in (authors if isinstance(authors, list) else [authors])[:_MAX_AUTHORS]:
        name = _str(a.get("name")) if isinstance(a, dict) else _str(a)
        if name:
            names.append(name)
    if not names:
        names = [meta[k] for k in _AUTHOR_META if meta.get(k)][:1]
    if not names:
        names = [el.text_content() for el in _AUTHOR_ELEMENTS(tree)[:1]]
    cleaned = []
    for name in names:
        name = re.sub(r"^(by|автор|author)\s*:?\s+", "", _WS.sub(" ", name).strip(), flags=re.I)
        if name and "://" not in name and len(name) <= 100 and name not in cleaned:
            cleaned.append(name)
    return ", ".join(cleaned)


def _published(meta: dict[str, str], ld: dict, tree: etree._Element, url: str) -> datetime | None:
    """The publication date the page declares (JSON-LD, ``<meta>``, ``<time>``)."""
    candidates = [_str(ld.get("datePublished"))] + [meta.get(k, "") for k in _DATE_META]
    candidates += [el.get("datetime", "") for el in tree.iterfind(".//time[@datetime]")][:3]
    for value in candidates:
        if value and (parsed := _parse_date(value)):
            return parsed
    return None


def _guessed_date(tree: etree._Element, url: str) -> datetime | None:
    """htmldate's quick guess (URL, markup), for a page that declares no date. It copies
    the tree: it gets the one without scripts and styles, far smaller."""
    try:
        guess = find_date(tree, url=url or None, extensive_search=False, original_date=True,
                          outputformat="%Y-%m-%dT%H:%M:%S")
    # htmldate, like trafilatura, is a heuristic over arbitrary markup: no date beats a crash.
    except Exception as exc:  # noqa: BLE001
        log.debug("htmldate failed on %s: %r", url, exc)
        return None
    return _parse_date(guess) if guess else None


def _parse_date(value: str) -> datetime | None:
    """An ISO 8601 or RFC 2822 date as aware UTC (naive dates are taken as UTC)."""
    value = value.strip()
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        try:
            parsed = parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
    if not 1995 <= parsed.year <= 2100:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def _canonical(tree: etree._Element, meta: dict[str, str], url: str) -> str:
    """``rel=canonical`` or ``og:url``, absolute; not a site's home page given for an article."""
    links = tree.iterfind(".//link[@href]")
    hrefs = [el.get("href", "") for el in links if "canonical" in (el.get("rel") or "").lower()]
    for href in [*hrefs, meta.get("og:url", "")]:
        absolute = resolve(url, href) if href.strip() else ""
        if not is_http_url(absolute):
            continue
        if _path(url) and not _path(absolute):
            continue  # a template that points every page at the home page
        return absolute
    return ""


def _path(url: str) -> str:
    try:
        return urlsplit(url).path.strip("/")
    except ValueError:  # an unbalanced "[" in the host
        return ""


def _str(value: object) -> str:
    return value.strip() if isinstance(value, str) else ""
