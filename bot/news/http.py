"""Downloading feeds and pages politely and safely: the one place the news core touches HTTP.

``Fetcher.fetch`` returns a ``FetchResult`` or raises ``FetchError`` with a message a person
can act on. It refuses private addresses (every redirect hop is checked), caps the decoded
size while streaming, aborts a response that does not finish by a total deadline, limits
requests per host, and retries only failures that may go away on their own (connection
errors, timeouts, 5xx, 429), never other 4xx answers.
"""

from __future__ import annotations

import asyncio
import contextlib
import email.utils
import logging
import time
import weakref
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from types import TracebackType

import httpcore
import httpx

from bot.news.bodyread import BodyTooLargeError, DamagedBodyError, UnsupportedEncodingError, read_capped
from bot.news.charset import detect_encoding, is_text_type
from bot.news.errors import FetchError
from bot.news.models import FetchResult
from bot.news.netguard import Resolver, check_peer_address, checked_addresses, display_url
from bot.news.pinning import pinned, pinned_transport

__all__ = ["ANY", "FEED", "FEED_OR_PAGE", "PAGE", "Accept", "FetchPolicy", "Fetcher", "StatusError"]

log = logging.getLogger(__name__)

Sleep = Callable[[float], Awaitable[None]]

_REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})


@dataclass(frozen=True, slots=True)
class FetchPolicy:
    """Limits for one Fetcher. The defaults suit polling news feeds every few minutes."""

    timeout_s: float = 20.0  # total for one attempt: connect, redirects, headers and body
    connect_timeout_s: float = 5.0  # DNS lookup, and TCP+TLS connect
    max_bytes: int = 5 * 1024 * 1024  # decoded body size
    user_agent: str = "Mozilla/5.0 (compatible; newsbot/0.1; Telegram news bot)"
    max_redirects: int = 5
    allow_private: bool = False  # True only in tests and for trusted local feeds
    per_host_concurrency: int = 2
    retries: int = 2  # extra attempts after the first, for transient failures only
    backoff_base_s: float = 1.0  # waits 1 s, 2 s, 4 s, ... between attempts
    max_retry_after_s: float = 60.0  # a longer Retry-After ends the fetch (the next poll retries)


@dataclass(frozen=True, slots=True)
class Accept:
    """What a caller wants back: the Accept header to send and the media types to take.

    An empty ``media_types`` takes anything. A response without a Content-Type is taken too:
    the parser decides what it is.
    """

    label: str  # completes "expected ...", e.g. "a feed or web page"
    header: str
    media_types: frozenset[str] = frozenset()

    def allows(self, media_type: str) -> bool:
        return not self.media_types or not media_type or media_type in self.media_types


_FEED_TYPES = frozenset({
    "application/rss+xml", "application/atom+xml", "application/rdf+xml", "application/feed+json",
    "application/xml", "text/xml", "application/json", "text/plain", "application/x-rss+xml",
    "application/octet-stream",  # some servers label static .xml files so
})
_PAGE_TYPES = frozenset({"text/html", "application/xhtml+xml"})

# Web pages pass as feeds too: when a user gives a site's page instead of its feed, the
# parser answers with the feed links the page advertises, which beats "expected a feed".
FEED = Accept(
    "a feed",
    "application/rss+xml, application/atom+xml, application/feed+json, application/xml;q=0.9, "
    "text/xml;q=0.9, application/json;q=0.8, text/html;q=0.5, */*;q=0.1",
    _FEED_TYPES | _PAGE_TYPES,
)
PAGE = Accept("a web page", "text/html, application/xhtml+xml;q=0.9, */*;q=0.1", _PAGE_TYPES)
FEED_OR_PAGE = Accept(
    "a feed or web page",
    "application/rss+xml, application/atom+xml, application/feed+json, application/xml;q=0.9, "
    "text/xml;q=0.9, text/html;q=0.8, application/json;q=0.8, */*;q=0.1",
    _FEED_TYPES | _PAGE_TYPES,
)
ANY = Accept("anything", "*/*")


class StatusError(FetchError):
    """The server answered with an error status; ``status`` lets callers treat 404/410 apart."""

    def __init__(self, message: str, *, url: str, status: int, transient: bool, retry_after_s: float | None) -> None:
        super().__init__(message, url=url, transient=transient)
        self.status = status
        self.retry_after_s = retry_after_s


class Fetcher:
    """Fetches URLs with one shared ``httpx.AsyncClient``; use ``async with`` or ``aclose()``.

    ``client`` may be injected (it must not follow redirects itself); ``resolver`` replaces
    DNS for the URL checks, ``network_backend`` the sockets under the pinned connections, and
    ``sleep`` replaces ``asyncio.sleep`` between retries (tests).

    One fetch, retries included, takes at most ``policy.timeout_s``: a page that trickles
    costs one timeout, not one per try, and only its own host's slot meanwhile.
    """

    def __init__(
        self,
        policy: FetchPolicy | None = None,
        *,
        client: httpx.AsyncClient | None = None,
        resolver: Resolver | None = None,
        network_backend: httpcore.AsyncNetworkBackend | None = None,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        self.policy = policy or FetchPolicy()
        self._owns_client = client is None
        self._client = client or _new_client(self.policy, network_backend)
        self._resolver = resolver
        self._sleep = sleep
        self._host_slots: weakref.WeakValueDictionary[str, asyncio.Semaphore] = weakref.WeakValueDictionary()

    async def __aenter__(self) -> Fetcher:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the HTTP client if this Fetcher created it."""
        if self._owns_client:
            await self._client.aclose()

    async def fetch(
        self,
        url: str,
        *,
        etag: str | None = None,
        last_modified: str | None = None,
        accept: Accept = FEED_OR_PAGE,
    ) -> FetchResult:
        """Download ``url``; with ``etag``/``last_modified`` from the last fetch, ask only for changes.

        Returns ``FetchResult(not_modified=True)`` when the server answers 304. Raises
        ``UnsafeURLError`` for refused URLs and ``FetchError`` (``transient`` set when a later
        try may succeed) for everything else that goes wrong.
        """
        headers = self._request_headers(accept, etag, last_modified)
        deadline = time.monotonic() + self.policy.timeout_s
        attempt = 0
        while True:
            try:
                return await self._fetch_once(url, headers, accept, deadline)
            except FetchError as exc:
                delay = self._retry_delay(exc, attempt)
                if delay is None or deadline - time.monotonic() < delay + 0.1:
                    raise
                attempt += 1
                log.info("retrying %s in %.1f s (try %d of %d): %s",
                         display_url(url), delay, attempt + 1, self.policy.retries + 1, exc)
                await self._sleep(delay)

    def _request_headers(self, accept: Accept, etag: str | None, last_modified: str | None) -> dict[str, str]:
        headers = {
            "User-Agent": self.policy.user_agent,
            "Accept": accept.header,
            "Accept-Encoding": "gzip, deflate",
        }
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        return headers

    def _retry_delay(self, exc: FetchError, attempt: int) -> float | None:
        """Seconds to wait before the next try, or None when the error is final."""
        if not exc.transient or attempt >= self.policy.retries:
            return None
        backoff = self.policy.backoff_base_s * 2**attempt
        retry_after = exc.retry_after_s if isinstance(exc, StatusError) else None
        if retry_after is None:
            return backoff
        if retry_after > self.policy.max_retry_after_s:
            return None
        return max(backoff, retry_after)

    async def _fetch_once(self, url: str, headers: dict[str, str], accept: Accept, deadline: float) -> FetchResult:
        """One attempt: follow redirects by hand, checking each target, within the time budget."""
        seen: set[str] = set()
        current = url
        for _hop in range(self.policy.max_redirects + 1):
            current, addresses = await self._checked(current)
            if current in seen:
                raise FetchError(f"{display_url(url)} redirects in a loop", url=display_url(url))
            seen.add(current)
            target = httpx.URL(current)
            port = target.port or (443 if target.scheme == "https" else 80)
            async with self._host_slot(target.host):
                with pinned(target.host, port, addresses[0]) if addresses else _no_pin():
                    result, location = await self._request(current, headers, accept, deadline - time.monotonic())
            if result is not None:
                return result
            current = _redirect_target(current, location, shown=display_url(url))
        raise FetchError(
            f"{display_url(url)} redirects more than {self.policy.max_redirects} times", url=display_url(url)
        )

    async def _checked(self, url: str) -> tuple[str, list[str]]:
        try:
            async with asyncio.timeout(self.policy.connect_timeout_s):
                return await checked_addresses(url, allow_private=self.policy.allow_private, resolver=self._resolver)
        except TimeoutError:
            raise FetchError(f"cannot find the address of {display_url(url)}: DNS did not answer",
                             url=display_url(url), transient=True) from None

    def _host_slot(self, host: str) -> asyncio.Semaphore:
        slot = self._host_slots.get(host)
        if slot is None:
            slot = asyncio.Semaphore(self.policy.per_host_concurrency)
            self._host_slots[host] = slot
        return slot

    async def _request(
        self, url: str, headers: dict[str, str], accept: Accept, budget: float
    ) -> tuple[FetchResult | None, str]:
        """Send one GET; return (result, "") or (None, redirect location)."""
        shown = display_url(url)
        try:
            async with asyncio.timeout(max(budget, 0.0)):
                request = self._client.build_request("GET", url, headers=headers)
                response = await self._client.send(request, stream=True, follow_redirects=False)
                try:
                    self._check_peer(response, url)
                    location = response.headers.get("location")
                    if response.status_code in _REDIRECT_STATUSES and location:
                        return None, location
                    return await self._read(response, url, accept), ""
                finally:
                    await response.aclose()
        except TimeoutError:
            raise FetchError(f"{shown}: no complete answer within {self.policy.timeout_s:g} s",
                             url=shown, transient=True) from None
        except httpx.ConnectTimeout:
            raise FetchError(f"cannot connect to {shown} within {self.policy.connect_timeout_s:g} s",
                             url=shown, transient=True) from None
        except httpx.TimeoutException:
            raise FetchError(f"{shown}: no answer within {self.policy.timeout_s:g} s",
                             url=shown, transient=True) from None
        except httpx.ConnectError:
            raise FetchError(f"cannot connect to {shown}", url=shown, transient=True) from None
        except httpx.TransportError as exc:
            log.debug("transport error for %s: %r", shown, exc)
            raise FetchError(f"{shown}: the connection broke off while reading", url=shown, transient=True) from None

    def _check_peer(self, response: httpx.Response, url: str) -> None:
        if self.policy.allow_private:
            return
        stream = response.extensions.get("network_stream")
        peer = stream.get_extra_info("server_addr") if stream is not None else None
        if peer:
            check_peer_address(str(peer[0]), url)

    async def _read(self, response: httpx.Response, url: str, accept: Accept) -> FetchResult:
        """Turn a final (non-redirect) response into a FetchResult, or raise."""
        shown = display_url(url)
        status = response.status_code
        etag = response.headers.get("etag")
        last_modified = response.headers.get("last-modified")
        if status == 304:
            # Read the (empty) body so the connection goes back to the pool: polling thousands
            # of unchanged feeds otherwise opens a new connection (and TLS handshake) for each.
            await response.aread()
            return FetchResult(url=url, status=status, content=b"", etag=etag,
                               last_modified=last_modified, not_modified=True)
        if not 200 <= status < 300:
            raise _status_error(response, shown)
        media_type, charset = _content_type(response.headers.get("content-type", ""))
        if not accept.allows(media_type):
            raise FetchError(f"{shown}: expected {accept.label}, got {media_type}", url=shown)
        content = await self._read_body(response, shown)
        encoding = detect_encoding(content, charset) if is_text_type(media_type) or not media_type else None
        log.debug("fetched %s: %d, %s, %d bytes", shown, status, media_type, len(content))
        return FetchResult(url=url, status=status, content=content, content_type=media_type,
                           encoding=encoding, etag=etag, last_modified=last_modified)

    async def _read_body(self, response: httpx.Response, shown: str) -> bytes:
        cap = self.policy.max_bytes
        too_large = f"{shown} is larger than {_human_size(cap)}, stopped reading"
        declared = response.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > cap:
            raise FetchError(too_large, url=shown)
        try:
            return await read_capped(response.aiter_raw(), response.headers.get("content-encoding", ""), cap)
        except BodyTooLargeError:
            raise FetchError(too_large, url=shown) from None
        except UnsupportedEncodingError as exc:
            raise FetchError(f"{shown} used a compression we cannot read ({exc})", url=shown) from None
        except DamagedBodyError:
            raise FetchError(f"{shown} sent a damaged compressed body", url=shown, transient=True) from None


def _new_client(policy: FetchPolicy, network_backend: httpcore.AsyncNetworkBackend | None = None) -> httpx.AsyncClient:
    # trust_env=False: no proxies or .netrc credentials picked up from the environment.
    # The transport connects to the address the URL check approved (DNS rebinding).
    return httpx.AsyncClient(
        timeout=httpx.Timeout(policy.timeout_s, connect=policy.connect_timeout_s),
        follow_redirects=False,
        trust_env=False,
        transport=pinned_transport(require_pin=not policy.allow_private, inner=network_backend),
    )


@contextlib.contextmanager
def _no_pin() -> Iterator[None]:
    yield


def _redirect_target(current: str, location: str, *, shown: str) -> str:
    try:
        return str(httpx.URL(current).join(location))
    except (httpx.InvalidURL, ValueError):
        raise FetchError(f"{shown} redirects to an invalid address", url=shown) from None


def _status_error(response: httpx.Response, shown: str) -> StatusError:
    status = response.status_code
    reason = response.reason_phrase or ""
    transient = status == 429 or status >= 500
    retry_after = _retry_after_s(response.headers.get("retry-after")) if transient else None
    message = f"{shown} answered {status} {reason}".rstrip()
    if retry_after is not None:
        message += f" (asks to retry after {retry_after:g} s)"
    return StatusError(message, url=shown, status=status, transient=transient, retry_after_s=retry_after)


def _retry_after_s(value: str | None) -> float | None:
    """Seconds a Retry-After header asks for (delta-seconds or an HTTP date), if readable."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        return None
    return max(0.0, when.timestamp() - time.time())


def _content_type(header: str) -> tuple[str, str | None]:
    """(media type in lower case, charset parameter or None) from a Content-Type header."""
    media_type, _, params = header.partition(";")
    charset = None
    for param in params.split(";"):
        name, _, value = param.partition("=")
        if name.strip().lower() == "charset":
            charset = value.strip().strip("\"'") or None
    return media_type.strip().lower(), charset


def _human_size(size: int) -> str:
    for unit, scale in (("GB", 1 << 30), ("MB", 1 << 20), ("KB", 1 << 10)):
        if size >= scale:
            return f"{size / scale:g} {unit}"
    return f"{size} bytes"
