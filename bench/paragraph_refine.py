"""A study: the chosen reading, less the paragraphs a learned model says are not the article's.

``choose.py`` picks one whole reading of the page; on some pages that reading carries a
block the article does not have: a comment thread with no "comment" class (dragnet R196,
R534), a column of teasers, a contest's list of entrants. ``refine`` describes each of the
reading's paragraphs (``paragraph_units.py``: agreement with trafilatura's precision reading,
shape, place, the page element it came from) and drops those the paragraph model
(``paragraph_model.py``, trained on the dragnet set's even half by
``train_paragraph_model.py``) gives less than its threshold. It only drops, never adds, and
a page it would empty keeps the chosen reading whole.

Not part of the bot: measured in one run of ``bench_extraction.py`` (its "ours+model" row)
it gained on the dragnet set's held-out odd half but lost a little on the extraction set's
held-out odd half and cost 10-17% of the extractor's speed (the README's benchmark table has
the figures). The bot keeps its choice of one whole reading.
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.news.candidates import PageText
from paragraph_model import Model, load_model
from paragraph_units import DomIndex, merge_units, unit_features

__all__ = ["refine"]


def refine(page: PageText, chosen: Sequence[str], first: Sequence[str], model: Model | None = None) -> list[str]:
    """``chosen`` without the paragraphs the model (the shipped one by default) doubts;
    ``chosen`` itself if none would stay."""
    if not chosen:
        return list(chosen)
    readings = {"choice": list(chosen), "precision": list(first)}
    units = merge_units(readings)
    keep = (model or load_model()).keep(unit_features(units, readings, DomIndex(page.tree)))
    kept = [p for (p, src), k in zip(units, keep) if src == "choice" and k]
    return kept or list(chosen)
