"""The one translation of SQL text between the engines: ``?`` placeholders to ``$1, $2, …``.

Repository statements are written once, with SQLite's ``?`` placeholders, in the subset of SQL
both engines read the same way (``INSERT … ON CONFLICT DO NOTHING``, ``RETURNING id``, 0/1
integers for booleans, UTC times as sortable text). PostgreSQL numbers its parameters, so
this function numbers the ``?`` marks; nothing else in a statement is rewritten. Statements
whose syntax really differs (full-text search, a bulk insert counting its rows) are written
twice and chosen by ``db.engine`` where they are used, never derived from each other.
"""

from __future__ import annotations

from functools import lru_cache


@lru_cache(maxsize=2048)
def numbered_placeholders(sql: str) -> str:
    """``sql`` with every ``?`` outside quotes and comments replaced by ``$1``, ``$2``, … in order.

    Question marks inside '…' strings, "…" identifiers and ``--`` comments are left alone.
    """
    out: list[str] = []
    count = 0
    index, length = 0, len(sql)
    while index < length:
        char = sql[index]
        if char in ("'", '"'):
            end = sql.find(char, index + 1)
            end = length if end < 0 else end + 1  # a doubled quote ('it''s') is two strings in a row
            out.append(sql[index:end])
            index = end
        elif char == "-" and sql.startswith("--", index):
            end = sql.find("\n", index)
            end = length if end < 0 else end
            out.append(sql[index:end])
            index = end
        elif char == "?":
            count += 1
            out.append(f"${count}")
            index += 1
        else:
            out.append(char)
            index += 1
    return "".join(out)
