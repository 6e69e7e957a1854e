"""DNS rebinding: the fetcher connects to the address it checked, never to a second answer.

No test connects to a public address: the network backend under the pinned connections is
replaced by one that records where it was asked to connect and connects only to loopback.
"""

from __future__ import annotations

import typing
from collections.abc import Sequence

import httpcore
import pytest

from bot.news.errors import FetchError
from bot.news.http import FetchPolicy, Fetcher
from bot.news.pinning import pinned
from tests.fakes.news_site import FakeNewsSite

PUBLIC = "93.184.216.34"


class LoopbackOnly(httpcore.AsyncNetworkBackend):
    """Records each TCP connect; connects to 127.0.0.1 only, refuses anything else."""

    def __init__(self) -> None:
        self.connects: list[tuple[str, int]] = []
        self._real = httpcore.AnyIOBackend()

    async def connect_tcp(self, host: str, port: int, timeout: float | None = None, local_address: str | None = None,
                          socket_options: typing.Iterable[typing.Any] | None = None) -> httpcore.AsyncNetworkStream:
        self.connects.append((host, port))
        if host != "127.0.0.1":
            raise httpcore.ConnectError(f"test network: {host} is not reachable from here")
        return await self._real.connect_tcp(host, port, timeout=timeout)

    async def sleep(self, seconds: float) -> None:
        await self._real.sleep(seconds)


class Rebinding:
    """A DNS server that answers a public address first and 127.0.0.1 after that."""

    def __init__(self) -> None:
        self.asked = 0

    async def __call__(self, host: str, port: int) -> Sequence[str]:
        self.asked += 1
        return [PUBLIC] if self.asked == 1 else ["127.0.0.1"]


async def test_a_name_that_rebinds_to_loopback_never_reaches_loopback(site: FakeNewsSite) -> None:
    """"localhost" stands for the attacker's name: the system resolver (which the HTTP client
    used to ask again) says 127.0.0.1, where the fake site holds a secret; the checked answer
    was public. The request goes to the public address (refused by the test network), and
    the site never sees it."""
    site.add("/secret", "internal data")
    backend, dns = LoopbackOnly(), Rebinding()
    url = site.url("/secret").replace("127.0.0.1", "localhost")
    port = int(url.split(":")[2].split("/")[0])
    async with Fetcher(FetchPolicy(allow_private=False, retries=0, timeout_s=2), resolver=dns,
                       network_backend=backend) as fetcher:
        with pytest.raises(FetchError, match="cannot connect"):
            await fetcher.fetch(url)
    assert site.hits["/secret"] == 0
    assert backend.connects == [(PUBLIC, port)]
    assert dns.asked == 1  # resolved once, for the check; the connection used that answer


async def test_the_pinned_connection_keeps_the_host_name_in_the_request(site: FakeNewsSite) -> None:
    """Only the socket goes to the checked address: the Host header stays the name (and so
    would TLS's server name), so virtual hosts and certificates work as before."""
    site.add("/page", "hello")
    backend = LoopbackOnly()

    async def dns(host: str, port: int) -> Sequence[str]:
        return ["127.0.0.1"]

    url = site.url("/page").replace("127.0.0.1", "news.test")
    async with Fetcher(FetchPolicy(allow_private=True, retries=0), resolver=dns, network_backend=backend) as fetcher:
        port = int(url.split(":")[2].split("/")[0])
        with pinned("news.test", port, "127.0.0.1"):
            result = await fetcher.fetch(url)
    assert result.content == b"hello"
    assert backend.connects == [("127.0.0.1", port)]
    assert site.requests[-1].headers["Host"] == f"news.test:{port}"
