"""The chosen reading, less the paragraphs a learned model says are not the article's.

``choose.py`` picks one whole reading of the page; on some pages that reading carries a
block the article does not have: a comment thread with no "comment" class (dragnet R196,
R534), a column of teasers, a contest's list of entrants. ``refine`` describes each of the
reading's paragraphs (``units.py``: agreement with trafilatura's precision reading, shape,
place, the page element it came from) and drops those the paragraph model
(``paragraph_model.py``, trained on the dragnet set's even half by
``bench/train_paragraph_model.py``) gives less than its threshold. It only drops, never
adds, and a page it would empty keeps the chosen reading whole.

Measured by that script (F1 of the paragraphs, the choice before and after): dragnet odd
half (held out) 0.903 → 0.905, 36 pages changed, 28 better, 5 worse; extraction set
0.982 → 0.982 (odd) and 0.985 → 0.984 (even). Both readings it uses are made on every page
anyway, so the cost is one walk of the page's text elements and the trees.
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.news.candidates import PageText
from bot.news.paragraph_model import Model, load_model
from bot.news.units import DomIndex, merge_units, unit_features

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
