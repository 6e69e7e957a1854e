"""A real HTTP news site on 127.0.0.1 for tests: feeds, pages, and every way a server misbehaves.

    async with FakeNewsSite() as site:
        feed = site.feed("/rss.xml")
        feed.publish("Dam opens", summary="<p>Water</p>")
        result = await fetcher.fetch(site.url("/rss.xml"))

Every path is registered with one of the ``add*`` methods; anything else answers 404.
``site.hits[path]`` counts requests per path, ``site.requests`` keeps their headers and
``site.max_in_flight`` the most requests handled at once. Only the slow modes sleep, briefly.
"""

from __future__ import annotations

import asyncio
import hashlib
import mimetypes
import zlib
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from functools import lru_cache
from pathlib import Path
from types import TracebackType
from urllib.parse import urlsplit

from aiohttp import web
from aiohttp.client_exceptions import ClientConnectionResetError

from .feed_render import FakeItem, render_article, render_atom, render_rss

__all__ = ["FakeFeed", "FakeNewsSite", "SeenRequest"]

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
_BLOCK = 64 * 1024


@dataclass(frozen=True, slots=True)
class SeenRequest:
    method: str
    path: str
    headers: Mapping[str, str]


class FakeFeed:
    """A feed whose items tests publish one by one; each item also gets an article page."""

    def __init__(self, site: FakeNewsSite, path: str, kind: str, title: str) -> None:
        if kind not in ("rss", "atom"):
            raise ValueError(f"kind must be 'rss' or 'atom', not {kind!r}")
        self.site = site
        self.path = path
        self.kind = kind
        self.title = title
        self.items: list[FakeItem] = []
        self.changed_at = site.started  # Last-Modified: moves on with every publish

    def publish(
        self,
        title: str,
        *,
        summary: str = "",
        body: str = "",
        published: datetime | None = None,
        guid: str | None = None,
        path: str | None = None,
        author: str = "",
        tracking: str = "",
        canonical: bool = False,
        feed_image: str = "",
        page_image: str = "",
        categories: tuple[str, ...] = (),
    ) -> FakeItem:
        """Add an article to the feed and serve its page; returns what was published.

        ``tracking`` ("utm_source=rss&utm_medium=feed") is added to the link the feed lists, as
        sites do for their analytics; ``canonical`` makes the page declare its clean address
        with ``<link rel="canonical">``.
        """
        number = len(self.items) + 1
        page = path or f"{self.path.rsplit('.', 1)[0]}/{number}.html"
        when = published or self._next_time()
        link = self.site.url(page) + (f"?{tracking}" if tracking else "")
        item = FakeItem(title=title, url=link, guid=guid or self.site.url(page), published=when,
                        summary=summary, body=body, author=author,
                        canonical=self.site.url(page) if canonical else "",
                        feed_image=feed_image, page_image=page_image, categories=categories)
        self.items.append(item)
        self.site.add(page, render_article(item), content_type="text/html", charset="utf-8")
        # HTTP dates have whole seconds: a second publish within the same second must still
        # move Last-Modified on, or a client asking If-Modified-Since would miss it.
        now = datetime.now(UTC).replace(microsecond=0)
        self.changed_at = max(now, self.changed_at + timedelta(seconds=1))
        return item

    def update(self, item: FakeItem, *, title: str | None = None, summary: str | None = None,
               body: str | None = None) -> FakeItem:
        """Correct a published article: same URL and GUID, new text in the feed and on its page."""
        index = self.items.index(item)
        fixed = replace(item, title=item.title if title is None else title,
                        summary=item.summary if summary is None else summary, body=item.body if body is None else body)
        self.items[index] = fixed
        self.site.add(urlsplit(item.url).path, render_article(fixed), content_type="text/html", charset="utf-8")
        now = datetime.now(UTC).replace(microsecond=0)
        self.changed_at = max(now, self.changed_at + timedelta(seconds=1))
        return fixed

    def render(self) -> bytes:
        render = render_rss if self.kind == "rss" else render_atom
        return render(self.title, self.site.url("/"), self.items)

    def _next_time(self) -> datetime:
        now = datetime.now(UTC).replace(microsecond=0)
        if self.items and now <= self.items[-1].published:
            return self.items[-1].published + timedelta(seconds=1)
        return now


class FakeNewsSite:
    """An aiohttp server on 127.0.0.1 with a free port; use ``async with``."""

    def __init__(self) -> None:
        self.hits: Counter[str] = Counter()
        self.requests: list[SeenRequest] = []
        self.in_flight = 0
        self.max_in_flight = 0
        self._routes: dict[str, Handler] = {}
        self._runner: web.AppRunner | None = None
        self._port = 0
        self.started = datetime.now(UTC).replace(microsecond=0)

    async def __aenter__(self) -> FakeNewsSite:
        await self.start()
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.close()

    async def start(self) -> None:
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._dispatch)
        # handler_cancellation: a client that gives up (trickle, huge) stops its handler.
        self._runner = web.AppRunner(app, handler_cancellation=True, shutdown_timeout=0.2, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self._port = self._runner.addresses[0][1]

    async def close(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._port}"

    def url(self, path: str) -> str:
        """Absolute URL of ``path`` on this site."""
        return self.base_url + (path if path.startswith("/") else "/" + path)

    # -- content --------------------------------------------------------------------------

    def add(
        self,
        path: str,
        body: bytes | str,
        *,
        content_type: str = "text/html",
        charset: str | None = None,
        status: int = 200,
        headers: Mapping[str, str] | None = None,
        gzip: bool = False,
        etag: bool = True,
    ) -> None:
        """Serve ``body`` at ``path``; a str body is encoded with ``charset`` (default utf-8).

        ``charset`` also goes into the Content-Type header; pass bytes and no charset to
        serve a body whose encoding only the document itself declares. Successful answers
        carry an ETag (unless ``etag=False``) and a Last-Modified, and honour conditional GET.
        """
        data = body.encode(charset or "utf-8") if isinstance(body, str) else body
        ctype = f"{content_type}; charset={charset}" if charset else content_type
        self._routes[path] = self._static_handler(
            lambda: data, lambda: self.started, content_type=ctype, status=status,
            headers=dict(headers or {}), gzip=gzip, etag=etag,
        )

    def add_file(self, path: str, file: str | Path, *, content_type: str | None = None) -> None:
        """Serve a file's bytes; the content type is guessed from its name unless given."""
        data = Path(file).read_bytes()
        guessed = content_type or mimetypes.guess_type(str(file))[0] or "application/octet-stream"
        self.add(path, data, content_type=guessed)

    def add_status(self, path: str, status: int, *, headers: Mapping[str, str] | None = None, body: str = "") -> None:
        """Answer ``status`` (e.g. 404, 500, or 503 with ``{"Retry-After": "1"}``)."""
        self.add(path, body or f"status {status}", content_type="text/plain", status=status,
                 headers=headers, etag=False)

    def feed(self, path: str, *, kind: str = "rss", title: str = "Fake News") -> FakeFeed:
        """Serve a feed at ``path`` that shows whatever has been published so far."""
        feed = FakeFeed(self, path, kind, title)
        ctype = "application/rss+xml" if kind == "rss" else "application/atom+xml"
        self._routes[path] = self._static_handler(feed.render, lambda: feed.changed_at, content_type=ctype)
        return feed

    def redirect(self, path: str, to: str, *, status: int = 302) -> None:
        """Redirect ``path`` to ``to`` (a path on this site or any absolute URL)."""
        async def handler(request: web.Request) -> web.StreamResponse:
            return web.Response(status=status, headers={"Location": to})
        self._routes[path] = handler

    def add_slow(self, path: str, body: bytes | str, *, delay: float, content_type: str = "text/html") -> None:
        """Like ``add``, but wait ``delay`` seconds before answering."""
        self.add(path, body, content_type=content_type)
        inner = self._routes[path]

        async def handler(request: web.Request) -> web.StreamResponse:
            await asyncio.sleep(delay)
            return await inner(request)
        self._routes[path] = handler

    def add_trickle(
        self, path: str, *, interval: float = 0.05, chunk: bytes = b"<p>.</p>\n",
        duration: float = 10.0, content_type: str = "text/html", length: int | None = None,
    ) -> None:
        """Send headers at once, then ``chunk`` every ``interval`` s for ``duration`` s.

        ``length`` announces a Content-Length (the body will never reach it).
        """
        async def handler(request: web.Request) -> web.StreamResponse:
            steps = int(duration / interval)
            return await self._stream(request, content_type, length, _repeat(chunk, steps, interval))
        self._routes[path] = handler

    def add_huge(
        self, path: str, size: int, *, content_type: str = "application/rss+xml", declare_length: bool = True,
    ) -> None:
        """Stream ``size`` bytes of filler, never holding them in memory at once."""
        async def handler(request: web.Request) -> web.StreamResponse:
            full, rest = divmod(size, _BLOCK)
            blocks = _chain(_repeat(b"x" * _BLOCK, full, 0.0), _repeat(b"x" * rest, 1 if rest else 0, 0.0))
            return await self._stream(request, content_type, size if declare_length else None, blocks)
        self._routes[path] = handler

    def add_gzip_bomb(self, path: str, size: int, *, content_type: str = "text/html") -> None:
        """Serve gzip that inflates to ``size`` zero bytes (a compression bomb), about 1000:1."""
        async def handler(request: web.Request) -> web.StreamResponse:
            return await self._stream(request, content_type, None, _gzip_zeros(size),
                                      headers={"Content-Encoding": "gzip"})
        self._routes[path] = handler

    def add_broken(self, path: str, body: bytes, *, cut_at: int, content_type: str = "text/html") -> None:
        """Promise ``len(body)`` bytes, send ``cut_at`` of them, then close the connection."""
        async def handler(request: web.Request) -> web.StreamResponse:
            response = web.StreamResponse(headers={"Content-Type": content_type})
            response.content_length = len(body)
            await response.prepare(request)
            await response.write(body[:cut_at])
            if request.transport is not None:
                request.transport.close()
            raise asyncio.CancelledError  # nothing more to send; aiohttp drops the request
        self._routes[path] = handler

    # -- machinery ------------------------------------------------------------------------

    async def _dispatch(self, request: web.Request) -> web.StreamResponse:
        self.hits[request.path] += 1
        self.requests.append(SeenRequest(request.method, request.path, dict(request.headers)))
        handler = self._routes.get(request.path)
        if handler is None:
            return web.Response(status=404, text="not found")
        self.in_flight += 1
        self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            return await handler(request)
        finally:
            self.in_flight -= 1

    def _static_handler(
        self, body: Callable[[], bytes], modified: Callable[[], datetime], *, content_type: str,
        status: int = 200, headers: dict[str, str] | None = None, gzip: bool = False, etag: bool = True,
    ) -> Handler:
        """A handler serving ``body()``, with ETag/Last-Modified and 304s on successful answers."""
        async def handler(request: web.Request) -> web.StreamResponse:
            data = body()
            last_modified = modified()
            out = {"Content-Type": content_type, **(headers or {})}
            if status == 200:
                tag = '"' + hashlib.sha256(data).hexdigest()[:16] + '"' if etag else None
                if tag:
                    out["ETag"] = tag
                out["Last-Modified"] = format_datetime(last_modified, usegmt=True)
                if _not_modified(request, tag, last_modified):
                    return web.Response(status=304, headers={k: v for k, v in out.items() if k != "Content-Type"})
            if gzip:
                data = _gzip(data)
                out["Content-Encoding"] = "gzip"
            return web.Response(status=status, body=data, headers=out)
        return handler

    async def _stream(
        self, request: web.Request, content_type: str, length: int | None,
        blocks: AsyncIterator[bytes], headers: Mapping[str, str] | None = None,
    ) -> web.StreamResponse:
        response = web.StreamResponse(headers={"Content-Type": content_type, **(headers or {})})
        if length is not None:
            response.content_length = length
        await response.prepare(request)
        try:
            async for block in blocks:
                await response.write(block)
            await response.write_eof()
        except (ConnectionResetError, ClientConnectionResetError):
            pass  # the client stopped reading, which is what most tests want
        return response


def _not_modified(request: web.Request, etag: str | None, last_modified: datetime) -> bool:
    """RFC 9110: If-None-Match wins; If-Modified-Since counts only without it."""
    if_none_match = request.headers.get("If-None-Match")
    if if_none_match is not None:
        tags = {t.strip() for t in if_none_match.split(",")}
        return etag is not None and (etag in tags or "*" in tags)
    since = request.if_modified_since
    return since is not None and last_modified <= since


async def _repeat(block: bytes, times: int, interval: float) -> AsyncIterator[bytes]:
    for _ in range(times):
        if interval:
            await asyncio.sleep(interval)
        yield block


async def _chain(*parts: AsyncIterator[bytes]) -> AsyncIterator[bytes]:
    for part in parts:
        async for block in part:
            yield block


def _gzip(data: bytes) -> bytes:
    compressor = zlib.compressobj(6, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    return compressor.compress(data) + compressor.flush()


@lru_cache(maxsize=2)
def _zero_blocks() -> tuple[bytes, bytes]:
    """Gzip of 1 MB of zeros: (header and first MB, any further MB), using a full flush.

    After ``Z_FULL_FLUSH`` the compressor forgets its history, so every further megabyte of
    zeros compresses to the same bytes: a bomb of any size costs one compression.
    """
    compressor = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    zeros = bytes(1 << 20)
    first = compressor.compress(zeros) + compressor.flush(zlib.Z_FULL_FLUSH)
    second = compressor.compress(zeros) + compressor.flush(zlib.Z_FULL_FLUSH)
    return first, second


async def _gzip_zeros(size: int) -> AsyncIterator[bytes]:
    megabytes = max(1, size >> 20)
    first, repeated = _zero_blocks()
    yield first
    # Big writes, so a client reads many megabytes' worth of compressed data in one go.
    for start in range(1, megabytes, 64):
        yield repeated * min(64, megabytes - start)
    trailer = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS).flush()  # final empty block
    crc = 0
    zeros = bytes(1 << 20)
    for _ in range(megabytes):
        crc = zlib.crc32(zeros, crc)
    yield trailer + crc.to_bytes(4, "little") + ((megabytes << 20) & 0xFFFFFFFF).to_bytes(4, "little")
