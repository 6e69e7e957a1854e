"""The union of a page's readings, paragraph by paragraph, and the evidence about each one.

Every reading (trafilatura's modes, readability-lxml, the JSON-LD ``articleBody``) takes
some part of the page. ``merge_units`` lays their paragraphs out as one list in page order:
the first reading's paragraphs, then each other reading's that the list does not have yet,
inserted after the last paragraph of that reading which it has. ``unit_features`` describes
each paragraph by evidence a keep/drop model weighs (``paragraph_model.py``; a study in
``bench/``, not part of the bot: see ``paragraph_refine.py`` for why):

- agreement: which readings have it (most of its 4-word shingles);
- its shape: length, sentence punctuation, capitalised words, digits, a heading, a list
  item, a byline ("By …"), a date line, a caption credit;
- where it sits: its place in the union, inside or outside the first reading's span;
- its element in the page (found by its opening words): the tag, the share of its text in
  links, the text density of its parent, and the class and id tokens of its ancestors
  (``comment``, ``related``, ``footer`` … against ``article``, ``story``, ``content`` …).

Pure CPU, no numpy, as it would run in the bot.
"""

from __future__ import annotations

import math
import re
from collections import Counter

from lxml import etree

__all__ = ["FEATURES", "READINGS", "DomIndex", "merge_units", "unit_features"]

READINGS = ("choice", "precision", "balanced", "full", "readability", "jsonld")

_WORD = re.compile(r"\w+")
_SENTENCE_END = ".!?…\"'»”’)"
_KEY_CHARS = 48  # a paragraph is found in the page by this many of its opening characters
_LEAD = " -–—•·*>»|"
_BLOCK_TAGS = ("p", "li", "h1", "h2", "h3", "h4", "h5", "h6", "td", "th", "dd", "dt", "blockquote",
               "pre", "figcaption", "caption", "div")
_BLOCK_SET = frozenset(_BLOCK_TAGS)
_HEADINGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})
_NEGATIVE = re.compile(
    r"comment|reply|respon|related|sidebar|side-bar|footer|foot|nav|menu|share|social|promo|sponsor|"
    r"widget|tag|categor|breadcrumb|banner|advert|\bads?\b|popular|trending|recommend|newsletter|"
    r"subscribe|signup|login|widget|rail|teaser|more", re.I)
_POSITIVE = re.compile(r"article|story|content|post|entry|body|text|main|blog|news", re.I)
_META = re.compile(r"byline|author|date|time|meta|info|dateline|published|posted|caption|credit|photo|"
                   r"image|figure|media|head|title", re.I)
_COMMENT_MARKER = re.compile(
    r"^(?:\d+\s+)?(?:comments?|responses?|replies|reader comments|discussion|leave a (?:reply|comment)|"
    r"post a comment|add (?:a |your )?comment|\d+ thoughts on|what do you think|join the discussion)\b")
_BYLINE = re.compile(r"^(?:by|posted by|written by|author:?|from)\s+\S", re.I)
_MONTH = re.compile(
    r"\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?\s+\d{1,2}\b|\b\d{1,2}\s+"
    r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\b|\b\d{1,4}[/.-]\d{1,2}[/.-]\d{2,4}\b",
    re.I)
_CREDIT = re.compile(r"\((?:photo|image|credit|ap|reuters|getty)[^)]*\)\s*$|(?:photo|image|credit)s?:\s", re.I)

FEATURES = (
    "bias", "in_first", "in_precision", "in_balanced", "in_full", "in_readability", "in_jsonld", "votes",
    "log_len", "ends_sentence", "ends_x_len", "short", "list_item", "caps_share", "digit_share",
    "position", "inside_first_span", "gap_to_first", "byline", "dateline", "credit", "no_punct_short",
    "found", "tag_heading", "tag_li", "tag_td", "tag_caption", "tag_blockquote", "link_share",
    "neg_tokens", "pos_tokens", "meta_tokens", "in_header_footer_nav_aside", "parent_density",
    "first_empty", "first_len_log", "sentences", "in_main", "under_main", "after_main", "main_share",
    "after_comment_marker",
)


def _shingles(text: str) -> Counter[tuple[str, ...]]:
    tokens = _WORD.findall(text.casefold())
    return Counter(tuple(tokens[i:i + 4]) for i in range(max(1, len(tokens) - 3)) if tokens)


def _share_in(part: Counter, whole: Counter) -> float:
    total = sum(part.values())
    return sum((part & whole).values()) / total if total else 0.0


def merge_units(readings: dict[str, list[str]], first: str = "choice") -> list[tuple[str, str]]:
    """(paragraph, reading it came from) for the union of the readings, in page order."""
    units = [(p, first) for p in readings.get(first, [])]
    present = {p for p, _ in units}
    have = _shingles("\n".join(p for p, _ in units))
    for name in READINGS:
        if name == first:
            continue
        anchor = -1
        for p in readings.get(name, []):
            # A paragraph the union has (a short line is one shingle, in no 4-word run of it).
            if p in present or _share_in(sh := _shingles(p), have) >= 0.5:
                anchor = next((k for k, (q, _) in enumerate(units) if q == p), anchor)
                continue
            anchor += 1
            units.insert(anchor, (p, name))
            present.add(p)
            have += sh
    return units


def _opening(el: etree._Element) -> str:
    """The first characters of an element's text, enough for a key."""
    parts, size = [], 0
    for text in el.itertext():
        parts.append(text)
        size += len(text)
        if size > 2 * _KEY_CHARS:
            break
    return "".join(parts)


def _key(text: str) -> str:
    return " ".join(text.split()).lstrip(_LEAD).casefold()[:_KEY_CHARS]


class DomIndex:
    """The page's text elements by their opening characters, and what each one's place says."""

    __slots__ = ("_by_key", "_cumulative", "_density", "_order", "_own", "markers")

    def __init__(self, tree: etree._Element) -> None:
        self._by_key: dict[str, etree._Element] = {}
        self._order: dict[etree._Element, int] = {}
        self._own: dict[etree._Element, tuple[float, float, float, float]] = {}
        self._cumulative: dict[etree._Element, tuple[float, float, float]] = {}
        self._density: dict[etree._Element, float] = {}
        self.markers: list[int] = []  # where a comment thread's heading stands, in page order
        body = tree.find(".//body")
        root = body if body is not None else tree
        for order, el in enumerate(root.iter(_BLOCK_TAGS)):
            if not (el.text and el.text.strip()) and len(el) and el[0].tag in _BLOCK_SET:
                continue  # a container whose text starts in a block child: the child stands for it
            key = _key(_opening(el))
            if not key:
                continue
            self._order[el] = order
            if len(key) < _KEY_CHARS and _COMMENT_MARKER.match(key):
                self.markers.append(order)
            known = self._by_key.get(key)
            # The innermost element whose text starts so: a <p> rather than the <div> around it.
            if known is None or any(a is known for a in el.iterancestors()):
                self._by_key[key] = el

    def find(self, paragraph: str) -> etree._Element | None:
        return self._by_key.get(_key(paragraph))

    def order(self, el: etree._Element | None) -> int:
        return self._order.get(el, -1) if el is not None else -1

    def describe(self, el: etree._Element | None) -> list[float]:
        """found, tag kinds, link share, ancestors' tokens, layout parent, parent density."""
        if el is None:
            return [0.0] * 12
        tag = el.tag if isinstance(el.tag, str) else ""
        text = len(" ".join(el.text_content().split()))
        links = sum(len(" ".join(a.text_content().split())) for a in el.iter("a"))
        neg, pos, layout = self._ancestry(el)
        meta = 0.0
        node: etree._Element | None = el
        for _ in range(3):  # the element, its parent and grandparent: a byline's or caption's box
            if node is None:
                break
            meta += self._tokens(node)[2]
            node = node.getparent()
        parent = el.getparent()
        density = self._parent_density(parent) if parent is not None else 0.0
        return [1.0, float(tag in _HEADINGS), float(tag in ("li", "dd", "dt")), float(tag in ("td", "th")),
                float(tag in ("figcaption", "caption")), float(tag == "blockquote"),
                min(1.0, links / max(1, text)), min(neg, 3.0), min(pos, 3.0), min(meta, 2.0), layout, density]

    def _tokens(self, node: etree._Element) -> tuple[float, float, float, float]:
        """What the element's own class and id say: (negative, positive, meta, layout tag)."""
        if (own := self._own.get(node)) is None:
            tokens = f"{node.get('class', '')} {node.get('id', '')}"
            blank = not tokens.strip()
            own = (0.0 if blank else float(bool(_NEGATIVE.search(tokens))),
                   0.0 if blank else float(bool(_POSITIVE.search(tokens))),
                   0.0 if blank else float(bool(_META.search(tokens))),
                   float(node.tag in ("header", "footer", "nav", "aside")))
            self._own[node] = own
        return own

    def _ancestry(self, node: etree._Element) -> tuple[float, float, float]:
        """Negative and positive tokens summed over the element and its ancestors; 1.0 when one
        of them is a header, footer, nav or aside."""
        chain: list[etree._Element] = []
        current: etree._Element | None = node
        while current is not None and current not in self._cumulative:
            chain.append(current)
            current = current.getparent()
        total = self._cumulative[current] if current is not None else (0.0, 0.0, 0.0)
        for el in reversed(chain):
            neg, pos, _, layout = self._tokens(el)
            total = (total[0] + neg, total[1] + pos, max(total[2], layout))
            self._cumulative[el] = total
        return self._cumulative[node]

    def _parent_density(self, parent: etree._Element) -> float:
        if (density := self._density.get(parent)) is None:
            density = math.log1p(len(" ".join(parent.text_content().split())) / max(1, len(parent)))
            self._density[parent] = density
        return density


def unit_features(units: list[tuple[str, str]], readings: dict[str, list[str]], dom: DomIndex | None,
                  first: str = "choice") -> list[list[float]]:
    """One row of ``FEATURES`` per unit."""
    texts = {name: set(readings.get(name, ())) for name in READINGS}
    sh: dict[str, Counter] = {}  # each reading's shingles, made only when a paragraph needs them
    n = max(1, len(units))
    in_first = [k for k, (_, src) in enumerate(units) if src == first]
    first_len = sum(len(p) for p in readings.get(first, []))
    blocks = [dom.find(p) if dom is not None else None for p, _ in units]
    parents = [b.getparent() if b is not None else None for b in blocks]
    # The first reading's main container: the parent element holding most of its text.
    weight: dict[etree._Element, int] = {}
    for (p, src), parent in zip(units, parents):
        if src == first and parent is not None:
            weight[parent] = weight.get(parent, 0) + len(p)
    main = max(weight, key=weight.__getitem__) if weight else None
    main_share = weight[main] / max(1, first_len) if main is not None else 0.0
    first_order = min((dom.order(b) for (_, src), b in zip(units, blocks) if src == first and b is not None),
                      default=-1) if dom is not None else -1
    marker = min((m for m in dom.markers if m > first_order), default=-1) if dom is not None and first_order >= 0 else -1
    last_main = max((k for k, parent in enumerate(parents) if main is not None and parent is main), default=-1)
    rows = []
    for k, (p, _src) in enumerate(units):
        has = [1.0 if p in texts[name] else 0.0 for name in READINGS]
        for j, name in enumerate(READINGS):
            if not has[j] and texts[name]:
                if name not in sh:
                    sh[name] = _shingles("\n".join(readings[name]))
                has[j] = float(_share_in(_shingles(p), sh[name]) >= 0.6)
        words = p.split()
        length = len(p)
        log_len = math.log1p(length)
        ends = float(p.rstrip()[-1:] in _SENTENCE_END)
        gap = min((abs(k - c) for c in in_first), default=n) / n
        letters = sum(map(str.isalpha, p)) or 1
        row = [
            1.0, *has, sum(has[1:5]),
            log_len, ends, ends * log_len, float(length < 40), float(p.startswith("- ")),
            sum(1 for w in words if w[:1].isupper()) / max(1, len(words)),
            sum(map(str.isdigit, p)) / letters,
            k / n, float(bool(in_first) and in_first[0] <= k <= in_first[-1]), gap,
            float(bool(_BYLINE.match(p)) and length < 120), float(bool(_MONTH.search(p)) and length < 80),
            float(bool(_CREDIT.search(p))), float(length < 100 and not ends),
            *(dom.describe(blocks[k]) if dom is not None else [0.0] * 12),
            float(first_len == 0), math.log1p(first_len),
            min(10.0, float(sum(p.count(c) for c in ".!?"))),
            float(main is not None and parents[k] is main), float(_under(blocks[k], main)),
            float(last_main >= 0 and k > last_main), main_share,
            float(marker >= 0 and dom is not None and dom.order(blocks[k]) > marker),
        ]
        rows.append(row)
    return rows


def _under(el: etree._Element | None, container: etree._Element | None, levels: int = 4) -> bool:
    """``el`` lies inside ``container``, at most ``levels`` elements down."""
    if el is None or container is None:
        return False
    for _ in range(levels):
        el = el.getparent()
        if el is None:
            return False
        if el is container:
            return True
    return False
