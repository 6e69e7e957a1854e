"""URL safety: which URLs the bot may fetch, checked before every request and redirect hop.

The bot fetches URLs that users type in. Without these checks a user could make it read the
cloud metadata service (169.254.169.254), an admin panel on localhost, or anything else inside
the network the bot runs in (server-side request forgery). So a URL is refused unless it is
plain http(s), carries no credentials, and every address its host resolves to is public.

The check resolves the host itself and the fetcher connects to the address it checked
(bot/news/pinning.py), so a DNS answer that changes between the two (DNS rebinding) cannot
reach a private address; ``Fetcher`` also checks the address it actually connected to.
"""

from __future__ import annotations

import asyncio
import ipaddress
import logging
import re
import socket
from collections.abc import Awaitable, Callable, Sequence
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import httpx

from bot.news.errors import FetchError, UnsafeURLError

__all__ = [
    "IPAddress",
    "Resolver",
    "check_peer_address",
    "check_url",
    "checked_addresses",
    "display_url",
    "is_public_address",
    "resolve_host",
]

log = logging.getLogger(__name__)

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
# (host, port) -> the IP addresses (as strings) the host resolves to.
Resolver = Callable[[str, int], Awaitable[Sequence[str]]]

_ALLOWED_SCHEMES = frozenset({"http", "https"})
_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")
# Hosts made only of digits, dots and hex prefixes are IPv4 in disguise ("2130706433",
# "0x7f.1", "127.1"): resolvers accept them, so they are checked as the address they mean.
_NUMERIC_HOST = re.compile(r"[0-9a-fA-FxX.]+")
_SECRET_PARAM = re.compile(r"(token|key|secret|pass|auth|sig|session|sid)", re.IGNORECASE)


async def resolve_host(host: str, port: int) -> Sequence[str]:
    """Resolve ``host`` with the system resolver, without blocking the event loop."""
    loop = asyncio.get_running_loop()
    try:
        infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        transient = exc.errno in (socket.EAI_AGAIN, getattr(socket, "EAI_SYSTEM", None))
        raise FetchError(f"cannot find the address of {host}", transient=transient) from exc
    return [str(info[4][0]) for info in infos]


def is_public_address(ip: IPAddress) -> bool:
    """True when ``ip`` is a globally routable unicast address.

    IPv6 forms that embed an IPv4 address (IPv4-mapped, NAT64, 6to4, Teredo) are judged by
    the IPv4 address inside, since that is where the packets end up.
    """
    if isinstance(ip, ipaddress.IPv6Address):
        embedded = _embedded_ipv4(ip)
        if embedded is not None:
            return is_public_address(embedded)
    if ip.is_multicast or ip.is_reserved or ip.is_unspecified or ip.is_loopback:
        return False
    if ip.is_link_local or ip.is_private:
        return False
    return ip.is_global


def _embedded_ipv4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip in _NAT64:
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    if ip.sixtofour is not None:
        return ip.sixtofour
    if ip.teredo is not None:
        return ip.teredo[1]
    return None


def _literal_address(host: str) -> IPAddress | None:
    """The address ``host`` spells directly (IPv4, IPv6 or a numeric IPv4 form), if any."""
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        pass
    if _NUMERIC_HOST.fullmatch(host) and not host.endswith("."):
        try:
            return ipaddress.IPv4Address(socket.inet_aton(host))
        except OSError:
            return None
    return None


async def check_url(
    url: str,
    *,
    allow_private: bool = False,
    resolver: Resolver | None = None,
) -> str:
    """Return ``url`` normalized if the bot may fetch it, else raise ``UnsafeURLError``.

    See ``checked_addresses``, which also returns the addresses that were checked.
    """
    checked, _ = await checked_addresses(url, allow_private=allow_private, resolver=resolver)
    return checked


async def checked_addresses(
    url: str,
    *,
    allow_private: bool = False,
    resolver: Resolver | None = None,
) -> tuple[str, list[str]]:
    """``url`` normalized and the public addresses its host resolved to, or ``UnsafeURLError``.

    The fetcher connects to the first of these addresses (bot/news/pinning.py), so the
    address checked is the address used. With ``allow_private`` nothing is resolved and the
    list is empty.

    Refused: schemes other than http/https, credentials in the URL ("http://user@host", also
    the "http://trusted@evil" disguise), a missing host, and, unless ``allow_private``, a host
    that is or resolves to a private, loopback, link-local, multicast, reserved or unspecified
    address. ``resolver`` replaces DNS (tests inject one; the default uses the system resolver).
    A host that cannot be resolved raises ``FetchError``.
    """
    parsed = _parse(url)
    host = parsed.host
    if allow_private:
        return str(parsed), []
    literal = _literal_address(host)
    if literal is not None:
        addresses: list[IPAddress] = [literal]
    else:
        port = parsed.port or (443 if parsed.scheme == "https" else 80)
        resolved = await (resolver or resolve_host)(host, port)
        addresses = [_to_address(raw, url) for raw in resolved]
        if not addresses:
            raise FetchError(f"cannot find the address of {host}", url=display_url(url))
    for address in addresses:
        if not is_public_address(address):
            log.warning("refused %s: %s is a private address", display_url(url), address)
            raise UnsafeURLError(
                f"refused {display_url(url)}: {host} is a private or local address",
                url=display_url(url),
            )
    return str(parsed), [str(a) for a in addresses]


def check_peer_address(raw: str, url: str) -> None:
    """Raise ``UnsafeURLError`` if the connection for ``url`` went to a non-public address.

    Called with the address the HTTP client really connected to, after the check by name,
    so a host that resolves to a public address once and a private one next time is caught.
    """
    if not is_public_address(_to_address(raw, url)):
        raise UnsafeURLError(
            f"refused {display_url(url)}: it connected to a private or local address",
            url=display_url(url),
        )


def _parse(url: str) -> httpx.URL:
    """Parse with httpx's own parser, so the check sees exactly what the request will use."""
    shown = display_url(url)
    if any(ch.isspace() or ord(ch) < 0x20 for ch in url) or "\\" in url:
        raise UnsafeURLError(f"refused {shown}: the address contains spaces or backslashes", url=shown)
    try:
        parsed = httpx.URL(url)
    except (httpx.InvalidURL, ValueError) as exc:
        raise UnsafeURLError(f"refused {shown}: not a valid web address", url=shown) from exc
    if parsed.scheme not in _ALLOWED_SCHEMES:
        scheme = parsed.scheme or "no scheme"
        raise UnsafeURLError(f"refused {shown}: only http and https links work, not {scheme}", url=shown)
    if parsed.userinfo:
        raise UnsafeURLError(f"refused {shown}: links with a user name or password are not fetched", url=shown)
    if not parsed.host:
        raise UnsafeURLError(f"refused {shown}: the link has no host name", url=shown)
    return parsed


def _to_address(raw: str, url: str) -> IPAddress:
    try:
        return ipaddress.ip_address(raw)
    except ValueError as exc:
        raise UnsafeURLError(f"refused {display_url(url)}: odd address {raw!r}", url=display_url(url)) from exc


def display_url(url: str) -> str:
    """``url`` fit for logs and error messages: credentials and secret-looking query values hidden.

    Feed URLs sometimes carry an access token ("?key=..."); the person who added the feed may
    see the feed's address, but the token must not end up in logs or in a channel.
    """
    try:
        parts = urlsplit(url)
    except ValueError:
        return "<invalid URL>"
    netloc = parts.netloc.rpartition("@")[2] if "@" in parts.netloc else parts.netloc
    query = parts.query
    if query:
        pairs = parse_qsl(query, keep_blank_values=True)
        if any(_SECRET_PARAM.search(key) for key, _ in pairs):
            query = urlencode([(k, "***" if _SECRET_PARAM.search(k) else v) for k, v in pairs], safe="*")
    return urlunsplit((parts.scheme, netloc, parts.path, query, ""))
