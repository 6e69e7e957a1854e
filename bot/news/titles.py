"""The page's complete headline, from the several places a news page states it.

A page names its story in ``<h1>``, the JSON-LD ``headline``, ``og:title``,
``twitter:title`` and ``<title>``, and each can be wrong in its own way: ``<title>`` and
Open Graph carry the site's name (" | Site"), a JSON-LD headline may be cut to a length
limit ("... third Beijing local to contract"), a social title may be a shorter rewrite, a
lone ``<h1>`` may be the site's logo, and CMSs leave HTML entities (``&#8211;``) in JSON.

``headline`` reads them all and picks by agreement: every candidate is decoded and loses a
site-name suffix that matches ``og:site_name`` or the host; a candidate that another one
continues with more words is truncated and drops out; an ``<h1>`` that another source
confirms wins (it is what the reader sees); then the declared fields in order.
"""

from __future__ import annotations

import html
import re
from functools import lru_cache
from urllib.parse import urlsplit

from lxml import etree

__all__ = ["clean_title", "headline", "other_headlines", "strip_seo_tail", "strip_site_suffix"]

_WS = re.compile(r"\s+")
_SEPARATOR = r"\s+(?:[|–—•·»/-]|::|-{2})\s+"
_SEPARATED_SUFFIX = re.compile(rf"{_SEPARATOR}([^|–—•·»]+)$")
_SEPARATED_PREFIX = re.compile(rf"^([^|–—•·»]+?){_SEPARATOR}")
_ANY_SEPARATOR = re.compile(_SEPARATOR)
_ELLIPSIS = re.compile(r"\s*(?:\.{3}|…)$")
_MIN_H1 = 5
_MAX_H1S = 5  # a page with more <h1>s uses them as section headings; its headline is among the first
_MAX_SITE_SHARE = 0.5  # an unnamed last part longer than this share of the title is no site name
_WORD = re.compile(r"\w+")
# A search-engine tail after the headline: ": новости, фото 2018", " — фото и видео", ": news,
# photos". Two such words, or one and a year: a lone "— фото" may be the story's own word.
_SEO_WORD = (
    r"(?:(?:последние|свежие|главные|останні|свіжі|latest)\s+)?(?:новости|новини|фото|фотографии|видео|відео"
    r"|подробности|подробиці|news|photos?|videos?|pictures)"
)
_SEO_TAIL = re.compile(
    rf"(?:\s*:|\s+[|–—-])\s+(?P<words>{_SEO_WORD}(?:\s*(?:,|и|і|та|and|&|\+|/)?\s*{_SEO_WORD})*)"
    r"(?P<year>,?\s+(?:19|20)\d\d(?:\s*(?:года|году|г\.|року|р\.))?)?\s*$",
    re.IGNORECASE,
)


def headline(tree: etree._Element, meta: dict[str, str], ld: dict, url: str = "") -> str:
    """The page's whole headline, decoded, without the site's name; "" if it has none."""
    site = clean_title(meta.get("og:site_name", "") or meta.get("application-name", ""))
    host = _host(url)
    h1s = [t for el in tree.iter("h1") if len(t := clean_title(el.text_content())) >= _MIN_H1][:_MAX_H1S]
    ld_headline = ld.get("headline")
    declared = [
        clean_title(v) for v in (ld_headline if isinstance(ld_headline, str) else "",
                                 meta.get("og:title", ""), meta.get("twitter:title", ""))
    ]
    head_raw = clean_title(tree.findtext(".//title") or "")
    declared = [strip_seo_tail(strip_site_suffix(t, site, host)) for t in declared if t]
    head = strip_seo_tail(strip_site_suffix(head_raw, site, host)) if head_raw else ""
    sources = [*declared, *([head] if head else [])]
    whole = [t for t in sources if not any(_is_truncation_of(t, other) for other in sources + h1s)]
    for h1 in h1s:
        if _is_truncated(h1) or any(_is_truncation_of(h1, other) for other in sources):
            continue
        # Confirmed: another source says the same, or is the h1 cut short, or is the h1 plus
        # a site name (then ``head_raw`` starts with it).
        if any(_confirms(t, h1) for t in sources) or _has_suffix(head_raw, h1):
            return h1
    for title in whole:
        if title in declared:
            return title
    if head:
        return strip_seo_tail(_strip_unnamed_suffix(head)) if head == head_raw else head
    if whole or sources:
        return (whole or sources)[0]
    return h1s[0] if h1s else ""


def other_headlines(tree: etree._Element, meta: dict[str, str]) -> tuple[str, ...]:
    """Every ``<h1>`` and social title: copies of any of them atop the text are not prose."""
    found = [clean_title(el.text_content()) for el in tree.iter("h1")]
    found += [clean_title(meta.get(k, "")) for k in ("og:title", "twitter:title")]
    return tuple(dict.fromkeys(t for t in found if len(t) >= _MIN_H1))


def clean_title(text: str) -> str:
    """Entities decoded (twice: JSON-LD often holds ``&amp;#8211;``), whitespace collapsed,
    a search-engine tail (": новости, фото 2018") removed."""
    text = html.unescape(html.unescape(text)) if "&" in text else text
    return strip_seo_tail(_WS.sub(" ", text).strip())


def strip_seo_tail(title: str) -> str:
    """"Headline: новости, фото 2018" → "Headline": a tail of words such as news/photo/video
    that a site adds for search engines, not part of the story's name. It goes only when it
    has two such words, or one and a year, and leaves a headline of some length."""
    match = _SEO_TAIL.search(title)
    if not match or match.start() < 15:
        return title
    if not match.group("year") and len(_WORD.findall(match.group("words"))) < 2:
        return title
    return title[: match.start()].rstrip(" ,:;|–—-")


def strip_site_suffix(title: str, site: str = "", host: str = "") -> str:
    """"Headline | Site" → "Headline" (also " - ", " — ", " – ", " :: ") when "Site" is the
    page's declared site name or its host; "Site | Headline" likewise."""
    for _ in range(2):  # "Headline | Section | Site"
        match = _SEPARATED_SUFFIX.search(title)
        if not match or not _is_site(match.group(1), site, host):
            break
        title = title[: match.start()].strip()
    match = _SEPARATED_PREFIX.match(title)
    if match and _is_site(match.group(1), site, host) and len(title) - match.end() >= _MIN_H1:
        title = title[match.end():].strip()
    return title


def _strip_unnamed_suffix(title: str) -> str:
    """A ``<title>`` with no declared site name: drop a short last part after a separator."""
    match = _SEPARATED_SUFFIX.search(title)
    if match and len(match.group(1)) <= _MAX_SITE_SHARE * match.start():
        return title[: match.start()].strip()
    return title


def _is_site(part: str, site: str, host: str) -> bool:
    key = _key(part).replace(" ", "")
    if not key:
        return False
    if site and key == _key(site).replace(" ", ""):
        return True
    if host and key in (_key(host).replace(" ", ""), _key(host.removeprefix("www.")).replace(" ", "")):
        return True  # "— www.wday.ru": the host itself
    # "The Sun" on www.thesun.co.uk, "my6sense" on my6sense.com, "BBC News" on bbc.co.uk
    labels = [label for label in host.split(".") if len(label) >= 3 and label != "www"]
    return any(key == label or (len(label) >= 4 and key.startswith(label)) for label in labels)


def _host(url: str) -> str:
    try:
        return (urlsplit(url).hostname or "").casefold()
    except ValueError:
        return ""


@lru_cache(maxsize=256)
def _key(text: str) -> str:
    return " ".join(_WORD.findall(text.casefold()))


def _confirms(source: str, h1: str) -> bool:
    """``source`` says the same as ``h1``: equal, the h1 cut short, the h1 inside a longer
    title ("The Space Review: <h1>"), or the h1's words in order with a few more in the h1
    ("Скайрим (skyrim) скорость бега" for "Скайрим скорость бега")."""
    s, h = _key(source).split(), _key(h1).split()
    if not s or not h:
        return False
    if s == h or _is_truncation_of(source, h1):
        return True
    n = len(h)
    if n >= 3 and len(s) <= 2 * n and any(s[i:i + n] == h for i in range(len(s) - n + 1)):
        return True
    if len(s) >= 3 and len(h) <= 1.5 * len(s):
        words = iter(h)
        return all(w in words for w in s)  # a subsequence
    return False


def _is_truncated(title: str) -> bool:
    return _ELLIPSIS.search(title) is not None


def _is_truncation_of(short: str, long: str) -> bool:
    """``long`` goes on where ``short`` stops, with more words (not a " | Site" suffix)."""
    s, lng = _key(short), _key(long)
    if not s or len(s) >= len(lng) or not lng.startswith(s):
        return False
    if _is_truncated(short):
        return True
    if lng[len(s)] != " ":
        return False  # cut inside a word: a different headline that shares a prefix
    return not _has_suffix(long, short)


def _has_suffix(long: str, short: str) -> bool:
    """``long`` is ``short`` plus a separated addition (" | Site", " - Section")."""
    if not long.casefold().startswith(short.casefold()) or len(long) <= len(short):
        return False
    return _ANY_SEPARATOR.match(long[len(short):]) is not None
