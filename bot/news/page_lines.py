"""Lines of a page that look like sentences but are its furniture: timestamps, credited photo
captions, advertisements ending in a link.

Text extracted with its headline, dates and captions (the Dragnet gold keeps them, and so do
extractors on many pages) has lines a summary must never show, though they end with a full stop
and pass for sentences:

* a timestamp: "Updated July 24, 2012, 8:38 a.m. ET", "July 23, 2012, 4:29 p.m.", "Posted on
  5 травня 2024, 10:15", "Опубликовано 1 декабря 2024 г." (the "a.m." makes it a sentence);
* a photo caption that ends with its credit: "First Lady Michelle Obama talks with … June 21,
  2011. (Official White House Photo by Pete Souza)", "View of the eclipse from Clifton Beach.
  Credit: Camilla", "Президент під час зустрічі. Фото: Укрінформ": the caption's sentence is
  as much a caption as its credit;
* an advertisement or teaser whose line ends in its link text: "Provence Villa Rental …; gourmet
  kitchen, covered terrace & pool. Views of Roussillon. Click here", "… Подробнее".
"""

from __future__ import annotations

import re

from bot.news.datelines import is_date_line

__all__ = ["MAX_LINE", "ends_with_call", "ends_with_credit", "is_timestamp"]

MAX_LINE = 400  # characters: a longer line is prose (or a whole text without line breaks)

# A credit closing a caption's line: "(Official White House Photo by Pete Souza)", "(AP Photo/Jae
# C. Hong)", "(Getty Images)", "Credit: NASA", "Фото: Укрінформ", "Photo courtesy of …".
_CREDIT_END_RE = re.compile(
    r"""(?:
        \([^()]{0,80}\b(?:photo|photograph|image|picture|credit|getty|reuters|afp|shutterstock
          |фото|світлина|знімок|снимок)s?\b[^()]{0,80}\)
      | (?<=[.!?)»”"’])\s+(?:credit|photo|image|picture|source|фото|джерело|источник)s?\s*(?::|by\b)[^.!?]{1,80}
      | (?<=[.!?)»”"’])\s+photo\ courtesy\ of\ [^.!?]{1,80}
    )\s*$""",
    re.IGNORECASE | re.VERBOSE,
)
_CALL_END_RE = re.compile(
    r"(?:^|[.!?]\s+)(?:click here|read more|learn more|find out more|more info|подробнее|читать далее|детальніше"
    r"|читати далі)\W*$",
    re.IGNORECASE,
)


def is_timestamp(text: str) -> bool:
    """True for a line or sentence that is a date and time and nothing else, perhaps after
    "Updated" or "Posted" ("Updated July 24, 2012, 8:38 a.m. ET", "Опубліковано 5 травня 2024, 10:15"):
    ``bot.news.datelines.is_date_line``, the extractor's line cleaner's test too."""
    return is_date_line(text.strip())


def ends_with_credit(line: str) -> bool:
    """True for a caption-sized line with a sentence before a closing photo credit: a caption,
    all of it (a text that lost its line breaks is one long line, never a caption)."""
    if len(line) > MAX_LINE:
        return False
    match = _CREDIT_END_RE.search(line)
    return bool(match) and bool(line[: match.start()].strip())


def ends_with_call(line: str) -> bool:
    """True for a caption-sized line of sentences that ends in link text ("… covered terrace &
    pool. Click here"): an advertisement or a teaser, all of it."""
    return 20 < len(line) <= MAX_LINE and bool(_CALL_END_RE.search(line))
