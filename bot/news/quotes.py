"""Quotation marks in en/uk/ru news: which are open, which close, which are apostrophes.

A summary keeps a quotation whole or leaves it out, so it must know where one starts and
ends: «…», “…”, „…“ (Ukrainian and Russian), ‘…’ and straight quotes, where ’ and ' are also
apostrophes ("Kilmarnock’s", "players' ", "rock 'n' roll").
"""

from __future__ import annotations

import re

__all__ = ["open_quotes", "scan_quotes"]

_QUOTE_MARK_RE = re.compile(r"[«»„“”\"‘’']")


def open_quotes(text: str) -> list[str]:
    """The quotation marks still open at the end of ``text``, innermost last."""
    return scan_quotes(text, [])[0]


def scan_quotes(text: str, stack: list[str], *, continuing: bool = False) -> tuple[list[str], int]:
    """Track quotation marks through ``text``: (quotes still open, closers with no opener).

    «…», “…”, „…“ and ‘…’ pair as usual (and “…“, the opening mark typed again where a closing
    one belongs, glued to a word's end); a straight quote closes an open straight quote and
    otherwise opens one. ’ and ' inside or at the end of a word are apostrophes ("Kilmarnock’s",
    "players' ") unless they close an open quotation. A sentence that opens with the quote
    already open continues it (a quotation over several paragraphs reopens each one).
    """
    stack = list(stack)
    dangling = 0
    for match in _QUOTE_MARK_RE.finditer(text):
        mark, at = match.group(), match.start()
        before = text[at - 1] if at else " "
        after = text[at + 1] if at + 1 < len(text) else " "
        top = stack[-1] if stack else ""
        if mark in "'’":
            closes = bool(top) and top in ("'‘" if mark == "’" else "'")
            if closes and not (before.isalnum() and after.isalnum()) and not before.isspace():
                stack.pop()
            elif before in ",.!?;:…" and not top and not after.isalnum():
                dangling += 1  # "… next week,’ he said": the end of a quotation begun earlier
            elif mark == "'" and (before.isspace() or before in "([—–-\"“") and after.isalpha():
                if not (at == 0 and continuing and top == "'"):
                    stack.append(mark)
            continue  # otherwise an apostrophe
        if mark == "‘":
            if not (at == 0 and continuing and top == "‘"):
                stack.append(mark)
        elif mark == "“" and top == "“" and not before.isspace() and (after.isspace() or after in ",.;:!?)…—–-"):
            stack.pop()  # “…“: the opening mark typed again at the end of a word closes it
        elif mark in "«„" or (mark == "“" and top != "„") or (mark == '"' and top != '"'):
            if not (at == 0 and continuing and top == mark):
                stack.append(mark)
        elif (mark == "»" and top == "«") or (mark in "“”" and top in ("„", "“")) or (mark == '"' and top == '"'):
            stack.pop()
        else:
            dangling += 1
    return stack, dangling
