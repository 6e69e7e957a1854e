"""Connect to the address that was checked, not to whatever DNS answers a moment later.

``check_url`` resolves a host and refuses private addresses; if the HTTP client then
resolved the name again to connect, a DNS server answering "public" first and "127.0.0.1"
next (DNS rebinding) would get the request into the bot's own network before the peer check
could refuse it. So the fetcher pins each request's host to the checked address, and this
network backend opens the TCP connection to that address. The URL, the Host header and the
TLS server name (SNI, and the certificate check) stay the host name, as httpcore builds
them from the URL: only the socket goes to the pinned IP.
"""

from __future__ import annotations

import contextlib
import typing
from collections.abc import Iterator
from contextvars import ContextVar

import httpcore
import httpx

__all__ = ["PinnedBackend", "pinned", "pinned_transport"]

_PINS: ContextVar[dict[tuple[str, int], str] | None] = ContextVar("newsbot_dns_pins", default=None)


@contextlib.contextmanager
def pinned(host: str, port: int, address: str) -> Iterator[None]:
    """Within the block (this task), connections to ``host:port`` go to ``address``."""
    token = _PINS.set({**(_PINS.get() or {}), (host.lower(), port): address})
    try:
        yield
    finally:
        _PINS.reset(token)


class PinnedBackend(httpcore.AsyncNetworkBackend):
    """httpcore's network backend with each TCP connection sent to the pinned address.

    ``require_pin``: refuse to connect to a host that has no pin (the fetcher pins every
    request when private addresses are refused; with ALLOW_PRIVATE_URLS it does not check, so
    it does not pin). ``inner`` is the real backend (tests inject one that records).
    """

    def __init__(self, *, require_pin: bool, inner: httpcore.AsyncNetworkBackend | None = None) -> None:
        self._require_pin = require_pin
        self._inner = inner or httpcore.AnyIOBackend()

    async def connect_tcp(
        self, host: str, port: int, timeout: float | None = None, local_address: str | None = None,
        socket_options: typing.Iterable[typing.Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        address = (_PINS.get() or {}).get((host.lower().strip("[]"), port))
        if address is None:
            if self._require_pin:
                raise httpcore.ConnectError(f"no checked address for {host}; not connecting")
            address = host
        return await self._inner.connect_tcp(address, port, timeout=timeout, local_address=local_address,
                                             socket_options=socket_options)

    async def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: typing.Iterable[typing.Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        raise httpcore.ConnectError("unix sockets are not fetched")

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


def pinned_transport(
    *, require_pin: bool, inner: httpcore.AsyncNetworkBackend | None = None,
    limits: httpx.Limits = httpx.Limits(max_connections=100, max_keepalive_connections=20),
) -> httpx.AsyncHTTPTransport:
    """An httpx transport whose connections go through ``PinnedBackend``.

    httpx takes no network backend of its own, so the transport's connection pool is
    replaced by one built with the same settings and ours (httpx 0.28 keeps it in ``_pool``;
    tests/test_pinning.py fails if that changes).
    """
    transport = httpx.AsyncHTTPTransport(trust_env=False, limits=limits)
    transport._pool = httpcore.AsyncConnectionPool(  # noqa: SLF001 - see the docstring
        ssl_context=httpx.create_ssl_context(trust_env=False),
        max_connections=limits.max_connections,
        max_keepalive_connections=limits.max_keepalive_connections,
        keepalive_expiry=limits.keepalive_expiry,
        network_backend=PinnedBackend(require_pin=require_pin, inner=inner),
    )
    return transport
