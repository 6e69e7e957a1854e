"""A fact-check page's verdict, kept in its text.

Fact-check pages (Snopes, PolitiFact, ...) state a false claim and then rate it. Extractors
keep the claim, which is a paragraph, and lose the rating, which is a badge (an image and a
one-word heading): the text then states the false claim as fact. Such pages declare both in
a schema.org ``ClaimReview`` (``claimReviewed``, ``reviewRating.alternateName``); when the
extracted text lacks the rating, ``with_verdict`` puts "Rating: …" right after the claim.
"""

from __future__ import annotations

import json
import re
from collections import deque

from lxml import etree

__all__ = ["claim_review", "with_verdict"]

_MAX_ITEMS = 200
_WORD = re.compile(r"\w+")


def claim_review(tree: etree._Element) -> tuple[str, str]:
    """(claim, rating) from the page's JSON-LD ``ClaimReview``; ("", "") if it has none."""
    for script in tree.iter("script"):
        text = script.text or ""
        if "ld+json" not in (script.get("type") or "") or "ClaimReview" not in text:
            continue
        try:
            data = json.loads(text)
        except (ValueError, RecursionError):
            continue
        queue, seen = deque([data]), 0
        while queue and seen < _MAX_ITEMS:
            item, seen = queue.popleft(), seen + 1
            if isinstance(item, list):
                queue.extend(item)
            elif isinstance(item, dict):
                kinds = item.get("@type")
                if "ClaimReview" in (kinds if isinstance(kinds, list) else [kinds]):
                    rating = item.get("reviewRating")
                    verdict = rating.get("alternateName") if isinstance(rating, dict) else ""
                    claim = item.get("claimReviewed")
                    return (_text(claim), _text(verdict))
                queue.extend(v for v in item.values() if isinstance(v, (dict, list)))
    return ("", "")


def with_verdict(paragraphs: list[str], claim: str, rating: str) -> list[str]:
    """``paragraphs`` with "Rating: <rating>" after the claim, unless the rating is there."""
    if not rating or any(_key(rating) in _key(p) and _key(p).startswith("rating") for p in paragraphs[:8]):
        return paragraphs
    claim_key = _key(claim)[:80]
    for i, p in enumerate(paragraphs):
        if claim_key and claim_key in _key(p):
            return [*paragraphs[: i + 1], f"Rating: {rating}", *paragraphs[i + 1:]]
    head = [f"Claim: {claim}"] if claim else []
    return [*head, f"Rating: {rating}", *paragraphs]


def _text(value: object) -> str:
    return " ".join(value.split()) if isinstance(value, str) else ""


def _key(text: str) -> str:
    return " ".join(_WORD.findall(text.casefold()))
