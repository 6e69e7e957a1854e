"""A fact-check page's verdict, kept in its text.

Fact-check pages (Snopes, PolitiFact, ...) state a false claim and then rate it. Extractors
keep the claim, which is a paragraph, and lose the rating, which is a badge (an image and a
one-word heading): the text then states the false claim as fact. Such pages declare both in
a schema.org ``ClaimReview`` (``claimReviewed``, ``reviewRating.alternateName``); when the
extracted text lacks the rating, ``with_verdict`` puts "Rating: …" right after the claim.
"""

from __future__ import annotations

import re

from lxml import etree

from bot.news.jsonld import json_ld_objects

__all__ = ["claim_review", "with_verdict"]

_MAX_ITEMS = 200
_WORD = re.compile(r"\w+")


def claim_review(tree: etree._Element) -> tuple[str, str]:
    """(claim, rating) from the page's JSON-LD ``ClaimReview``; ("", "") if it has none."""
    for item in json_ld_objects(tree, limit=_MAX_ITEMS, deep=True, marker="ClaimReview"):
        kinds = item.get("@type")
        if "ClaimReview" in (kinds if isinstance(kinds, list) else [kinds]):
            rating = item.get("reviewRating")
            verdict = rating.get("alternateName") if isinstance(rating, dict) else ""
            return (_text(item.get("claimReviewed")), _text(verdict))
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
