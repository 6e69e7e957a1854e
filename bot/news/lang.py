"""Which language a text is written in, offline.

The bot's readers mostly follow English, Ukrainian and Russian news, and a statistical
identifier alone is unreliable on short Cyrillic texts: "Президент подписал закон" scores as
Macedonian. So we restrict py3langid to the languages a news feed is plausibly written in,
give a small prior to the three main ones, and let the letters that only Ukrainian (і ї є ґ)
or only Russian (ы э ё) uses settle the Ukrainian/Russian question whenever they are present.
"""

from __future__ import annotations

import logging
import re
import threading
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from py3langid.langid import LanguageIdentifier

__all__ = ["SUPPORTED_LANGUAGES", "detect_language"]

log = logging.getLogger(__name__)

#: Languages the identifier may answer (ISO 639-1); anything else is reported as one of these
#: or as "" when the identifier is unsure.
SUPPORTED_LANGUAGES: frozenset[str] = frozenset(
    "en uk ru be pl cs sk bg sr hr sl lt lv et fi sv no da nl de fr es pt it ro hu el tr "
    "ka hy az kk ar he fa ur hi id vi th zh ja ko".split()
)
_PREFERRED = {"en": 2.0, "uk": 2.0, "ru": 2.0}  # prior weight against their look-alikes
_MAX_CHARS = 400  # plenty to identify a language; the identifier costs ~2 µs a byte
_MIN_LETTERS = 12  # below this only a distinctive alphabet can tell the language
_MIN_CONFIDENCE = 0.5

_LETTERS = re.compile(r"[^\W\d_]", re.UNICODE)
_CYRILLIC = re.compile(r"[\u0400-\u04FF]")
_UK_ONLY = re.compile(r"[іїєґІЇЄҐ]")
_RU_ONLY = re.compile(r"[ыэёЫЭЁ]")
# Letters of other Cyrillic alphabets (Belarusian ў, Kazakh, Serbian, Macedonian): when one is
# present the letter rule stands aside and the identifier decides.
_OTHER_CYRILLIC = re.compile(r"[ўЎәғқңөұүһӘҒҚҢӨҰҮҺјљњћђџѓќѕЈЉЊЋЂЏЃЌЅ]")
_CYRILLIC_LANGUAGES = ("uk", "ru", "be", "bg", "sr", "kk")

_identifier: LanguageIdentifier | None = None
_lock = threading.Lock()


def detect_language(text: str) -> str:
    """The ISO 639-1 code of the language ``text`` is written in, or "" when unsure.

    Short or letter-less texts give "", except that a few Ukrainian- or Russian-only
    letters are enough to tell those two apart (a headline like "Київ" is Ukrainian).
    """
    sample = text[:_MAX_CHARS]
    letters = _LETTERS.findall(sample)
    if len(letters) < 3:
        return ""
    cyrillic = sum(1 for ch in letters if _CYRILLIC.match(ch))
    if cyrillic * 2 > len(letters):
        return _cyrillic_language(sample, short=len(letters) < _MIN_LETTERS)
    if len(letters) < _MIN_LETTERS:
        return ""
    return _classify(sample, None)


def _cyrillic_language(sample: str, *, short: bool) -> str:
    """Language of a mostly Cyrillic text: letters first, the identifier for the rest."""
    if not _OTHER_CYRILLIC.search(sample):
        uk = len(_UK_ONLY.findall(sample))
        ru = len(_RU_ONLY.findall(sample))
        if uk and not ru:
            return "uk"
        if ru and not uk:
            return "ru"
        if uk and ru:
            # Both alphabets: a quotation in the other language; let the model weigh them.
            return _classify(sample, ("uk", "ru")) or ("uk" if uk >= ru else "ru")
    if short:
        return ""
    return _classify(sample, _CYRILLIC_LANGUAGES)


def _classify(sample: str, candidates: tuple[str, ...] | None) -> str:
    """The identifier's best language among ``candidates`` (all supported ones if None)."""
    ranking = _get_identifier().rank(sample)
    allowed = set(candidates) if candidates else SUPPORTED_LANGUAGES
    scores = {lang: p * _PREFERRED.get(lang, 1.0) for lang, p in ranking if lang in allowed}
    total = sum(scores.values())
    if total <= 0:
        return ""
    best = max(scores, key=scores.__getitem__)
    return best if scores[best] / total >= _MIN_CONFIDENCE else ""


def _get_identifier() -> LanguageIdentifier:
    """The py3langid model, loaded on first use (about a second) and shared by all threads."""
    global _identifier
    if _identifier is None:
        with _lock:
            if _identifier is None:
                from py3langid.langid import MODEL_FILE, LanguageIdentifier

                identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
                identifier.set_languages(sorted(SUPPORTED_LANGUAGES))
                log.debug("language model loaded (%d languages)", len(SUPPORTED_LANGUAGES))
                _identifier = identifier
    return _identifier
