"""URL identity: one canonical string per article, whatever link a feed or a share used.

``canonical_url`` is a *key* (``articles.canonical_url`` is UNIQUE): it makes
"HTTPS://Example.com:443/news/?utm_source=tg&id=5#top" and "https://example.com/news?id=5"
the same string, so the same story posted through two feeds or campaigns is stored once. It
is not meant for fetching: keep and fetch the URL as published.

Normalization of an http(s) URL:

* scheme and host in lower case; an internationalized host in IDNA (punycode) form; trailing
  dots of the host and default ports (80, 443) dropped; IPv6 literals compressed;
* percent-encoding normalized (RFC 3986 §6.2.2): escapes of unreserved characters decoded,
  other escapes in upper case, characters that may not appear raw (spaces, non-ASCII text)
  escaped as UTF-8, a stray "%" escaped as "%25"; reserved characters such as "/" or "&" are
  never decoded, so the meaning of the URL is kept;
* dot segments ("/a/./b/../c") resolved; empty path is "/"; trailing slashes of a non-root
  path dropped ("/news/" → "/news"): strictly two resources, but news sites serve one and
  redirect the other, and a key must not split a story in two over a slash;
* fragment dropped (it never reaches the server);
* tracking parameters dropped (``utm_*``, ``fbclid``, ``gclid``, ... see ``TRACKING_PARAMS``)
  and the others sorted by name, keeping the order of repeated names.

Anything that is not a well-formed absolute http(s) URL comes back stripped of surrounding
whitespace and otherwise unchanged: the function never raises, and the result is always a
fixed point (``canonical_url(canonical_url(x)) == canonical_url(x)``). Use ``is_http_url`` to
reject such input.
"""

from __future__ import annotations

import ipaddress
import re
from urllib.parse import quote, unquote, urljoin, urlsplit

import idna  # IDNA 2008 + UTS 46, the encoding httpx uses to connect

__all__ = ["TRACKING_PARAMS", "canonical_url", "is_http_url", "public_link", "resolve", "strip_tracking"]

TRACKING_PARAMS: frozenset[str] = frozenset(
    """
    fbclid gclid gclsrc dclid yclid ysclid msclkid twclid ttclid li_fat_id wbraid gbraid
    igshid igsh mc_cid mc_eid _ga _gl _hsenc _hsmi __hstc __hssc __hsfp hsctatracking
    mkt_tok oly_anon_id oly_enc_id vero_id vero_conv rb_clickid s_cid srsltid wickedid
    ref ref_src ref_url cmpid ocid ncid _openstat spm zanpid
    ns_mchannel ns_source ns_campaign ns_linkname ns_fee
    """.split()
)
TRACKING_PREFIXES = ("utm_",)

_DEFAULT_PORTS = {"http": 80, "https": 443}
_UNRESERVED = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
# Characters allowed raw in each component besides unreserved ones (RFC 3986 §3).
_PATH_SAFE = "/:@!$&'()*+,;="
_QUERY_PIECE_SAFE = "/?:@!$'()*+,;="  # "&" separates pieces, so inside one it is escaped
_USERINFO_SAFE = "!$&'()*+,;=:"
_ESCAPE_RE = re.compile(r"%([0-9A-Fa-f]{2})")
_STRAY_PERCENT_RE = re.compile(r"%(?![0-9A-Fa-f]{2})")
_HOST_RE = re.compile(r"^[a-z0-9_-]+(?:\.[a-z0-9_-]+)*$")
_PORT_RE = re.compile(r"^[0-9]{1,5}$")
_BAD_CHARS_RE = re.compile(r"[\x00-\x20\x7f]")


def canonical_url(url: str) -> str:
    """Return the canonical form of an http(s) URL (see the module docstring).

    Input that is not an absolute http(s) URL with a valid host and port is returned stripped
    of surrounding whitespace, otherwise unchanged; this function never raises.
    """
    text = url.strip()
    authority = _http_authority(text)
    if authority is None:
        return text
    scheme, netloc = authority
    parts = urlsplit(text)
    path = _canonical_path(parts.path)
    query = _canonical_query(parts.query)
    return f"{scheme}://{netloc}{path}{'?' + query if query else ''}"


def strip_tracking(url: str) -> str:
    """The URL a reader should click: ``url`` without tracking parameters, otherwise as given.

    Unlike ``canonical_url`` it keeps the host's case, the path, the order of the remaining
    parameters and the fragment, so the link still opens exactly the page it named. Anything
    that is not an http(s) URL comes back stripped of surrounding whitespace.
    """
    text = url.strip()
    if _http_authority(text) is None:
        return text
    base, hash_mark, fragment = text.partition("#")
    head, question, query = base.partition("?")
    if not question:
        return text
    kept = [piece for piece in query.split("&") if piece and not _is_tracking(piece.partition("=")[0])]
    return head + ("?" + "&".join(kept) if kept else "") + hash_mark + fragment


def public_link(declared_canonical: str, url: str) -> str:
    """The link to show for a story: the page's declared canonical URL if it is http(s), else
    ``url``; either without tracking parameters."""
    chosen = declared_canonical if is_http_url(declared_canonical) else url
    return strip_tracking(chosen)


def is_http_url(text: str) -> bool:
    """True for an absolute http(s) URL with a valid host and port and no spaces or controls.

    Surrounding whitespace is ignored, as ``canonical_url`` ignores it.
    """
    stripped = text.strip()
    return not _BAD_CHARS_RE.search(stripped) and _http_authority(stripped) is not None


def resolve(base: str, href: str) -> str:
    """Return ``href`` made absolute against ``base`` (RFC 3986), "" if it cannot be.

    ``href`` is stripped of surrounding whitespace first, as browsers do. The result may be
    any scheme ("mailto:...", "javascript:..."): check it with ``is_http_url``.
    """
    try:
        return urljoin(base.strip(), href.strip())
    except ValueError:  # e.g. an unbalanced "[" in an IPv6 host
        return ""


def _http_authority(text: str) -> tuple[str, str] | None:
    """(lower-case scheme, canonical netloc) of an http(s) URL, or None if it is not one."""
    try:
        parts = urlsplit(text)
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS or not parts.netloc:
        return None
    userinfo, _, hostport = parts.netloc.rpartition("@")
    host_port = _split_host_port(hostport)
    if host_port is None:
        return None
    host, port = host_port
    canonical_host = _canonical_host(host)
    if canonical_host is None or (port and int(port) > 65535):
        return None
    netloc = canonical_host
    if port and int(port) != _DEFAULT_PORTS[scheme]:
        netloc = f"{netloc}:{int(port)}"
    if userinfo:
        netloc = f"{_normalize_escapes(userinfo, _USERINFO_SAFE)}@{netloc}"
    return scheme, netloc


def _split_host_port(hostport: str) -> tuple[str, str] | None:
    """Split "host:port" / "[v6]:port"; None when the port is not 1-5 digits (or empty)."""
    if hostport.startswith("["):
        host, bracket, rest = hostport.partition("]")
        host, port_part = host + bracket, rest
        if port_part and not port_part.startswith(":"):
            return None
        port = port_part[1:]
    else:
        host, _, port = hostport.partition(":")
    if port and not _PORT_RE.match(port):
        return None
    return host, port


def _canonical_host(host: str) -> str | None:
    """Lower-case ASCII (IDNA) host without trailing dots, or None if it is not a valid host."""
    if host.startswith("["):
        return _canonical_ipv6(host)
    host = host.rstrip(".")
    if not host.isascii():
        try:
            host = idna.encode(host, uts46=True).decode("ascii")
        except (idna.IDNAError, UnicodeError, ValueError):
            return None
    host = host.lower()
    return host if _HOST_RE.match(host) else None


def _canonical_ipv6(host: str) -> str | None:
    """"[2001:DB8:0::1]" → "[2001:db8::1]"; None unless it is a bracketed IPv6 address."""
    if not host.endswith("]"):
        return None
    try:
        return f"[{ipaddress.IPv6Address(host[1:-1]).compressed}]"
    except ValueError:
        return None


def _canonical_path(path: str) -> str:
    """Normalized escapes, no dot segments, no trailing slash except for the root."""
    path = _remove_dot_segments(_normalize_escapes(path, _PATH_SAFE))
    if not path.startswith("/"):
        path = "/" + path
    return path.rstrip("/") or "/"


def _canonical_query(query: str) -> str:
    """Normalized escapes, tracking parameters removed, the rest sorted by name."""
    kept: list[str] = []
    for piece in query.split("&"):
        if not piece:
            continue
        piece = _normalize_escapes(piece, _QUERY_PIECE_SAFE)
        if not _is_tracking(piece.partition("=")[0]):
            kept.append(piece)
    kept.sort(key=lambda piece: piece.partition("=")[0])  # stable: repeated names keep order
    return "&".join(kept)


def _is_tracking(name: str) -> bool:
    """True for analytics and campaign parameters that do not change the page."""
    plain = unquote(name).lower()
    return plain in TRACKING_PARAMS or plain.startswith(TRACKING_PREFIXES)


def _normalize_escapes(component: str, safe: str) -> str:
    """Percent-encoding normalized per RFC 3986 §6.2.2, keeping ``safe`` characters raw."""
    component = _STRAY_PERCENT_RE.sub("%25", component)
    component = _ESCAPE_RE.sub(_decode_unreserved, component)
    return quote(component, safe=safe + "%", errors="surrogatepass")


def _decode_unreserved(match: re.Match[str]) -> str:
    """"%7E" → "~" (unreserved characters never need escaping); others in upper case."""
    char = chr(int(match.group(1), 16))
    return char if char in _UNRESERVED else "%" + match.group(1).upper()


def _remove_dot_segments(path: str) -> str:
    """Resolve "." and ".." segments (RFC 3986 §5.2.4); ".." never climbs above the root."""
    output: list[str] = []
    segments = path.split("/")
    for index, segment in enumerate(segments):
        last = index == len(segments) - 1
        if segment == ".":
            if last:
                output.append("")
        elif segment == "..":
            if len(output) > 1:
                output.pop()
            if last:
                output.append("")
        else:
            output.append(segment)
    return "/".join(output)
