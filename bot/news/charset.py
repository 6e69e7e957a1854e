"""Which character encoding a downloaded text body uses.

News sites in Ukraine and Russia still serve windows-1251 and koi8-r pages, often without
saying so in the HTTP header; guessing wrong turns every headline into mojibake. The order
follows what browsers do: byte-order mark, HTTP header, then the document's own declaration
(XML declaration or HTML ``<meta>``) in its first bytes, then a statistical guess.
"""

from __future__ import annotations

import codecs
import logging
import re

import charset_normalizer

__all__ = ["detect_encoding", "is_text_type", "normalize_encoding"]

log = logging.getLogger(__name__)

_SNIFF_BYTES = 4096
_GUESS_BYTES = 64 * 1024
_BOMS = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_XML_DECLARATION = re.compile(rb"""^\s*<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9._:-]+)["']""")
_META_CHARSET = re.compile(rb"""<meta[^>]+?charset\s*=\s*["']?\s*([A-Za-z0-9._:-]+)""", re.IGNORECASE)
# Labels that browsers read as windows-1252 (a superset), per the WHATWG Encoding standard.
_WHATWG_ALIASES = {"iso8859-1": "cp1252", "latin-1": "cp1252", "ascii": "cp1252"}
_TEXT_SUBTYPES = ("xml", "json", "javascript", "ecmascript")


def is_text_type(media_type: str) -> bool:
    """True for media types whose body is text to decode (HTML, XML, feeds, JSON, plain)."""
    if media_type.startswith("text/"):
        return True
    if not media_type.startswith("application/"):
        return False
    subtype = media_type.split("/", 1)[1]
    return any(subtype == s or subtype.endswith("+" + s) for s in _TEXT_SUBTYPES)


def normalize_encoding(label: str | None) -> str | None:
    """Python's codec name for an encoding label, or None if Python does not know it."""
    if not label:
        return None
    try:
        name = codecs.lookup(label.strip().strip("\"'")).name
    except (LookupError, ValueError):
        return None
    return _WHATWG_ALIASES.get(name, name)


def detect_encoding(content: bytes, header_charset: str | None = None) -> str:
    """The encoding to decode ``content`` with; always a codec name Python knows.

    ``header_charset`` is the ``charset`` parameter of the Content-Type header, if any.
    """
    for bom, name in _BOMS:
        if content.startswith(bom):
            return name
    declared = normalize_encoding(header_charset) or _declared_in_document(content[:_SNIFF_BYTES])
    if declared:
        return declared
    return _guess(content[:_GUESS_BYTES])


def _declared_in_document(head: bytes) -> str | None:
    """The encoding an XML declaration or an HTML ``<meta>`` tag names, if Python knows it."""
    for pattern in (_XML_DECLARATION, _META_CHARSET):
        match = pattern.search(head)
        if match:
            name = normalize_encoding(match.group(1).decode("ascii"))
            # A declaration readable as ASCII cannot be true if it names UTF-16/32.
            if name and not name.startswith(("utf-16", "utf-32")):
                return name
    return None


def _guess(sample: bytes) -> str:
    try:
        sample.decode("utf-8")
    except UnicodeDecodeError as exc:
        # A multi-byte character cut at the end of the sample is still UTF-8.
        if exc.start < len(sample) - 3:
            best = charset_normalizer.from_bytes(sample).best()
            if best is not None:
                log.debug("guessed encoding %s", best.encoding)
                return normalize_encoding(best.encoding) or "utf-8"
    return "utf-8"
