"""Reading an HTTP body with a hard byte cap, decompressing gzip/deflate ourselves.

httpx would decompress for us, but it inflates each network chunk in full: a 64 KB chunk of
a gzip bomb becomes 64 MB in memory before any cap can look at it. Here the raw bytes are
inflated with ``max_length``, so no more than the cap (plus one byte) ever exists decoded.
"""

from __future__ import annotations

import zlib
from collections.abc import AsyncIterator

__all__ = ["BodyTooLargeError", "DamagedBodyError", "UnsupportedEncodingError", "read_capped"]

_GZIP_WBITS = 16 + zlib.MAX_WBITS


class BodyTooLargeError(Exception):
    """The body, decoded, is longer than the cap."""


class DamagedBodyError(Exception):
    """The compressed body cannot be decoded, or ends before its compressed stream does."""


class UnsupportedEncodingError(Exception):
    """The server used a Content-Encoding we did not offer (we send gzip and deflate only)."""


class _Inflater:
    """Incremental gzip/deflate decoder that never produces more than it is asked for."""

    def __init__(self, coding: str) -> None:
        self._coding = coding
        self._started = False
        self._decoder = self._new_decoder()

    def _new_decoder(self) -> zlib._Decompress:
        return zlib.decompressobj(_GZIP_WBITS if self._coding == "gzip" else zlib.MAX_WBITS)

    def feed(self, data: bytes, limit: int) -> bytes:
        """Decode ``data``, returning at most ``limit`` bytes (``limit`` reached means: too large)."""
        try:
            out = self._decoder.decompress(data, limit)
        except zlib.error as exc:
            if self._coding == "deflate" and not self._started:
                # Some servers send raw deflate without the zlib header the standard asks for.
                self._decoder = zlib.decompressobj(-zlib.MAX_WBITS)
                self._started = True
                return self.feed(data, limit)
            raise DamagedBodyError(str(exc)) from exc
        self._started = True
        # Concatenated gzip members are one body (RFC 1952); decode the next member too.
        while self._coding == "gzip" and self._decoder.eof and self._decoder.unused_data and len(out) < limit:
            rest = self._decoder.unused_data
            self._decoder = self._new_decoder()
            try:
                out += self._decoder.decompress(rest, limit - len(out))
            except zlib.error:
                break  # trailing garbage after a complete member: ignore it, as browsers do
        return out

    def finish(self) -> None:
        """Raise ``DamagedBodyError`` if the compressed stream was cut short."""
        if self._started and not self._decoder.eof:
            raise DamagedBodyError("the compressed body ends early")


def _inflater_for(content_encoding: str) -> _Inflater | None:
    codings = [c.strip().lower() for c in content_encoding.split(",") if c.strip()]
    codings = [c for c in codings if c != "identity"]
    if not codings:
        return None
    if len(codings) == 1 and codings[0] in ("gzip", "x-gzip"):
        return _Inflater("gzip")
    if len(codings) == 1 and codings[0] == "deflate":
        return _Inflater("deflate")
    raise UnsupportedEncodingError(", ".join(codings))


async def read_capped(raw_chunks: AsyncIterator[bytes], content_encoding: str, max_bytes: int) -> bytes:
    """The decoded body from ``raw_chunks``; raises ``BodyTooLargeError`` past ``max_bytes``.

    Both the bytes on the wire and the decoded bytes count against the cap, so neither a
    compression bomb nor an endless stream of ignored trailing bytes gets through.
    """
    inflater = _inflater_for(content_encoding)
    parts: list[bytes] = []
    decoded = raw = 0
    async for chunk in raw_chunks:
        raw += len(chunk)
        if raw > max_bytes:
            raise BodyTooLargeError
        out = chunk if inflater is None else inflater.feed(chunk, max_bytes - decoded + 1)
        decoded += len(out)
        if decoded > max_bytes:
            raise BodyTooLargeError
        parts.append(out)
    if inflater is not None:
        inflater.finish()
    return b"".join(parts)
