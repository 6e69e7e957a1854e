"""The fetcher against a real HTTP server on 127.0.0.1: what a feed poller relies on.

Most tests set ``allow_private=True`` because the fake site lives on loopback; the safety
tests turn it off and use a fake resolver, so no test ever looks up or touches a public host.
"""

from __future__ import annotations

import asyncio
import gzip
import socket
import time
import tracemalloc
from collections.abc import Sequence

import httpx
import pytest

from bot.news.errors import FetchError, UnsafeURLError
from bot.news.http import ANY, FEED, FEED_OR_PAGE, PAGE, FetchPolicy, Fetcher, StatusError
from tests.fakes.news_site import FakeNewsSite

RUSSIAN = "Новости дня: в городе открыли новый мост через реку, движение по нему начнётся завтра утром."


def policy(**changes: object) -> FetchPolicy:
    values: dict[str, object] = {
        "timeout_s": 3.0, "connect_timeout_s": 1.0, "max_bytes": 1 << 20, "allow_private": True,
        "retries": 2, "backoff_base_s": 0.5,
    }
    values.update(changes)
    return FetchPolicy(**values)  # type: ignore[arg-type]


class SleepRecorder:
    """Stands in for asyncio.sleep between retries: records the waits, waits for nothing."""

    def __init__(self) -> None:
        self.waits: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)


@pytest.fixture
def sleeps() -> SleepRecorder:
    return SleepRecorder()


@pytest.fixture
async def fetcher(sleeps: SleepRecorder) -> Fetcher:
    async with Fetcher(policy(), sleep=sleeps) as f:
        yield f


# -- basics and conditional GET ------------------------------------------------------------


async def test_fetch_returns_body_type_validators_and_sends_user_agent(site: FakeNewsSite, fetcher: Fetcher) -> None:
    feed = site.feed("/rss.xml")
    feed.publish("Bridge opens")
    result = await fetcher.fetch(site.url("/rss.xml"), accept=FEED)
    assert result.status == 200
    assert result.content_type == "application/rss+xml"
    assert b"Bridge opens" in result.content and result.encoding == "utf-8"
    assert result.etag and result.last_modified and not result.not_modified
    sent = site.requests[-1].headers
    assert sent["User-Agent"] == fetcher.policy.user_agent
    assert "application/rss+xml" in sent["Accept"]


async def test_conditional_get_gives_not_modified_until_something_is_published(
    site: FakeNewsSite, fetcher: Fetcher
) -> None:
    feed = site.feed("/rss.xml")
    feed.publish("One")
    first = await fetcher.fetch(site.url("/rss.xml"))

    by_etag = await fetcher.fetch(site.url("/rss.xml"), etag=first.etag)
    by_date = await fetcher.fetch(site.url("/rss.xml"), last_modified=first.last_modified)
    assert by_etag.not_modified and by_etag.status == 304 and by_etag.content == b""
    assert by_date.not_modified
    assert site.requests[-2].headers["If-None-Match"] == first.etag

    feed.publish("Two")
    changed = await fetcher.fetch(site.url("/rss.xml"), etag=first.etag, last_modified=first.last_modified)
    assert not changed.not_modified and b"Two" in changed.content
    assert changed.etag != first.etag


async def test_gzip_body_is_decoded(site: FakeNewsSite, fetcher: Fetcher) -> None:
    page = "<html><body>" + "<p>compressed words</p>" * 500 + "</body></html>"
    site.add("/z.html", page, gzip=True)
    result = await fetcher.fetch(site.url("/z.html"), accept=PAGE)
    assert result.text == page
    assert "gzip" in site.requests[-1].headers["Accept-Encoding"]


async def test_gzip_bomb_is_stopped_without_inflating_it(site: FakeNewsSite, sleeps: SleepRecorder) -> None:
    site.add_gzip_bomb("/bomb.html", 256 << 20)  # 256 MB of zeros in about 256 KB on the wire
    async with Fetcher(policy(max_bytes=1 << 20), sleep=sleeps) as fetcher:
        tracemalloc.start()
        try:
            with pytest.raises(FetchError, match="larger than 1 MB, stopped reading"):
                await fetcher.fetch(site.url("/bomb.html"), accept=PAGE)
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
    assert peak < 16 << 20, f"peak memory {peak >> 20} MB while reading a 1 MB-capped body"


@pytest.mark.parametrize("declare_length", [True, False], ids=["content-length", "chunked"])
async def test_huge_body_is_stopped_at_the_cap(site: FakeNewsSite, fetcher: Fetcher, declare_length: bool) -> None:
    site.add_huge("/huge.xml", 50 << 20, declare_length=declare_length)
    started = time.monotonic()
    with pytest.raises(FetchError, match=r"larger than 1 MB, stopped reading") as caught:
        await fetcher.fetch(site.url("/huge.xml"))
    assert not caught.value.transient
    assert time.monotonic() - started < 2.0


async def test_announced_huge_body_is_refused_before_reading(site: FakeNewsSite, fetcher: Fetcher) -> None:
    # Says 50 MB and sends a chunk every 30 s: reading even its second chunk would take 30 s.
    site.add_trickle("/announced.xml", length=50 << 20, interval=30.0, duration=300.0)
    started = time.monotonic()
    with pytest.raises(FetchError, match="larger than 1 MB"):
        await fetcher.fetch(site.url("/announced.xml"))
    assert time.monotonic() - started < 10.0  # refused on the header, not after reading


# -- time limits ------------------------------------------------------------------------------


async def test_trickling_page_is_aborted_at_the_total_deadline(site: FakeNewsSite, sleeps: SleepRecorder) -> None:
    # A chunk every 50 ms for 60 s: never idle, so only a total deadline ends it early.
    site.add_trickle("/trickle.html", interval=0.05, duration=60.0)
    async with Fetcher(policy(timeout_s=0.5, retries=0), sleep=sleeps) as fetcher:
        started = time.monotonic()
        with pytest.raises(FetchError, match=r"no complete answer within 0\.5 s") as caught:
            await fetcher.fetch(site.url("/trickle.html"))
    assert caught.value.transient
    assert time.monotonic() - started < 20.0  # the deadline ended it, not the page


async def test_server_that_never_answers_costs_one_timeout_not_one_per_try(
    site: FakeNewsSite, sleeps: SleepRecorder
) -> None:
    """The deadline covers the whole fetch, retries included: a slow site costs one timeout
    per page (with two retries it used to cost three, holding its host's slots as long)."""
    site.add_slow("/slow.html", "late", delay=60.0)
    async with Fetcher(policy(timeout_s=0.3, retries=2), sleep=sleeps) as fetcher:
        started = time.monotonic()
        with pytest.raises(FetchError, match=r"within 0\.3 s") as caught:
            await fetcher.fetch(site.url("/slow.html"))
    assert caught.value.transient
    assert site.hits["/slow.html"] == 1 and sleeps.waits == []  # one try: no retry, no backoff
    assert time.monotonic() - started < 20.0  # the deadline ended it, not the answer


# -- redirects ---------------------------------------------------------------------------------


async def test_redirects_are_followed_to_the_final_url(site: FakeNewsSite, fetcher: Fetcher) -> None:
    site.add("/new/feed.xml", "<rss/>", content_type="application/rss+xml")
    site.redirect("/old", "/moved", status=301)
    site.redirect("/moved", site.url("/new/feed.xml"), status=308)
    result = await fetcher.fetch(site.url("/old"))
    assert result.url == site.url("/new/feed.xml")
    assert result.content == b"<rss/>"


async def test_more_redirects_than_allowed_is_an_error(site: FakeNewsSite, fetcher: Fetcher) -> None:
    for hop in range(6):
        site.redirect(f"/r{hop}", f"/r{hop + 1}")
    site.add("/r6", "end")
    with pytest.raises(FetchError, match="redirects more than 5 times"):
        await fetcher.fetch(site.url("/r0"))
    assert (await fetcher.fetch(site.url("/r1"))).content == b"end"  # exactly 5 is fine


async def test_redirect_loop_is_an_error(site: FakeNewsSite, fetcher: Fetcher) -> None:
    site.redirect("/ping", "/pong")
    site.redirect("/pong", "/ping")
    with pytest.raises(FetchError, match="redirects in a loop") as caught:
        await fetcher.fetch(site.url("/ping"))
    assert not caught.value.transient
    assert site.hits["/ping"] == 1


# -- URL safety through the fetcher ------------------------------------------------------------


class LoopbackTransport(httpx.AsyncBaseTransport):
    """Sends requests for ``public.test`` to the fake site, as if it were a public server.

    ``hide_peer`` drops the connection's address from the response, standing in for a real
    public peer; without it the fetcher sees that it actually connected to 127.0.0.1.
    """

    def __init__(self, site: FakeNewsSite, *, hide_peer: bool) -> None:
        self._inner = httpx.AsyncHTTPTransport()
        self._port = httpx.URL(site.base_url).port
        self._hide_peer = hide_peer

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if request.url.host == "public.test":
            request.url = request.url.copy_with(host="127.0.0.1", port=self._port)
        response = await self._inner.handle_async_request(request)
        if self._hide_peer:
            response.extensions = {k: v for k, v in response.extensions.items() if k != "network_stream"}
        return response

    async def aclose(self) -> None:
        await self._inner.aclose()


async def fake_dns(host: str, port: int) -> Sequence[str]:
    names = {"public.test": ["93.184.216.34"], "localhost": ["127.0.0.1", "::1"], "intranet.test": ["10.1.2.3"]}
    if host not in names:
        raise AssertionError(f"test resolver asked for unexpected host {host}")
    return names[host]


@pytest.mark.parametrize("target", [
    "http://10.0.0.1/admin",
    "http://169.254.169.254/latest/meta-data/",
    "http://localhost:8080/",
    "http://intranet.test/",
    "http://[::ffff:127.0.0.1]/",
    "file:///etc/passwd",
])
async def test_redirect_to_a_private_address_is_refused(site: FakeNewsSite, sleeps: SleepRecorder, target: str) -> None:
    site.redirect("/go", target)
    client = httpx.AsyncClient(transport=LoopbackTransport(site, hide_peer=True))
    async with client, Fetcher(policy(allow_private=False), client=client, resolver=fake_dns, sleep=sleeps) as fetcher:
        with pytest.raises(UnsafeURLError, match="refused"):
            await fetcher.fetch("http://public.test/go")
    assert site.hits["/go"] == 1 and sleeps.waits == []


async def test_public_url_is_fetched_when_private_addresses_are_refused(site: FakeNewsSite, sleeps: SleepRecorder) -> None:
    site.add("/ok", "fine")
    client = httpx.AsyncClient(transport=LoopbackTransport(site, hide_peer=True))
    async with client, Fetcher(policy(allow_private=False), client=client, resolver=fake_dns, sleep=sleeps) as fetcher:
        assert (await fetcher.fetch("http://public.test/ok")).content == b"fine"


async def test_connection_that_lands_on_loopback_is_refused(site: FakeNewsSite, sleeps: SleepRecorder) -> None:
    """DNS said public, the socket went to 127.0.0.1 (DNS rebinding): the body is not read."""
    site.add("/secret", "internal data")
    client = httpx.AsyncClient(transport=LoopbackTransport(site, hide_peer=False))
    async with client, Fetcher(policy(allow_private=False), client=client, resolver=fake_dns, sleep=sleeps) as fetcher:
        with pytest.raises(UnsafeURLError, match="connected to a private or local address"):
            await fetcher.fetch("http://public.test/secret")


async def test_loopback_site_is_refused_unless_private_addresses_are_allowed(site: FakeNewsSite) -> None:
    site.add("/x", "x")
    async with Fetcher(policy(allow_private=False), resolver=fake_dns) as fetcher:
        with pytest.raises(UnsafeURLError):
            await fetcher.fetch(site.url("/x"))
    assert site.hits["/x"] == 0


# -- charsets and content types -----------------------------------------------------------------


async def test_cp1251_page_with_charset_header_decodes(site: FakeNewsSite, fetcher: Fetcher) -> None:
    site.add("/cp.html", f"<html><body><p>{RUSSIAN}</p></body></html>", charset="windows-1251")
    result = await fetcher.fetch(site.url("/cp.html"), accept=PAGE)
    assert result.encoding == "cp1251" and RUSSIAN in result.text


@pytest.mark.parametrize(("document", "encoding"), [
    ('<html><head><meta http-equiv="Content-Type" content="text/html; charset=koi8-r"></head><body>{}</body></html>',
     "koi8-r"),
    ("<html><head><meta charset='windows-1251'></head><body>{}</body></html>", "cp1251"),
    ('<?xml version="1.0" encoding="KOI8-R"?><rss version="2.0"><channel><title>{}</title></channel></rss>', "koi8-r"),
], ids=["meta-http-equiv", "meta-charset", "xml-declaration"])
async def test_charset_declared_only_in_the_document_is_used(
    site: FakeNewsSite, fetcher: Fetcher, document: str, encoding: str
) -> None:
    short = "Новости дня"  # too short for a reliable statistical guess
    site.add("/declared", document.format(short).encode(encoding), content_type="text/html")
    result = await fetcher.fetch(site.url("/declared"))
    assert result.encoding == encoding and short in result.text


@pytest.mark.parametrize("encoding", ["cp1251", "koi8-r"])
async def test_undeclared_cyrillic_page_is_guessed(site: FakeNewsSite, fetcher: Fetcher, encoding: str) -> None:
    site.add("/guess.html", f"<html><body><p>{RUSSIAN} {RUSSIAN}</p></body></html>".encode(encoding))
    result = await fetcher.fetch(site.url("/guess.html"), accept=PAGE)
    assert RUSSIAN in result.text


@pytest.mark.parametrize(("media_type", "accept", "expected"), [
    ("application/pdf", PAGE, "expected a web page, got application/pdf"),
    ("image/png", FEED_OR_PAGE, "expected a feed or web page, got image/png"),
    ("image/jpeg", FEED, "expected a feed, got image/jpeg"),
])
async def test_wrong_content_type_is_refused_without_retry(
    site: FakeNewsSite, fetcher: Fetcher, media_type: str, accept: object, expected: str
) -> None:
    site.add("/file", b"\x89PNG\r\n binary", content_type=media_type)
    with pytest.raises(FetchError, match=expected) as caught:
        await fetcher.fetch(site.url("/file"), accept=accept)  # type: ignore[arg-type]
    assert not caught.value.transient and site.hits["/file"] == 1


async def test_binary_types_have_no_encoding_when_anything_is_accepted(site: FakeNewsSite, fetcher: Fetcher) -> None:
    site.add("/img.png", b"\x89PNG\r\n", content_type="image/png")
    result = await fetcher.fetch(site.url("/img.png"), accept=ANY)
    assert result.content == b"\x89PNG\r\n" and result.encoding is None and result.content_type == "image/png"


# -- retries ------------------------------------------------------------------------------------


async def test_server_error_is_retried_with_backoff_then_reported_transient(
    site: FakeNewsSite, fetcher: Fetcher, sleeps: SleepRecorder
) -> None:
    site.add_status("/down", 500)
    with pytest.raises(StatusError, match="answered 500 Internal Server Error") as caught:
        await fetcher.fetch(site.url("/down"))
    assert caught.value.transient and caught.value.status == 500
    assert site.hits["/down"] == 3 and sleeps.waits == [0.5, 1.0]


async def test_not_found_is_not_retried(site: FakeNewsSite, fetcher: Fetcher, sleeps: SleepRecorder) -> None:
    site.add_status("/gone", 404)
    with pytest.raises(FetchError, match=r"/gone answered 404 Not Found") as caught:
        await fetcher.fetch(site.url("/gone"))
    assert not caught.value.transient
    assert site.hits["/gone"] == 1 and sleeps.waits == []


async def test_retry_after_is_honoured(site: FakeNewsSite, fetcher: Fetcher, sleeps: SleepRecorder) -> None:
    site.add_status("/busy", 503, headers={"Retry-After": "1"})
    with pytest.raises(FetchError, match="asks to retry after 1 s"):
        await fetcher.fetch(site.url("/busy"))
    assert sleeps.waits == [1.0, 1.0]


async def test_a_retry_after_beyond_the_fetch_deadline_ends_the_fetch(
    site: FakeNewsSite, fetcher: Fetcher, sleeps: SleepRecorder
) -> None:
    site.add_status("/busy", 503, headers={"Retry-After": "3"})  # the deadline is 3 s in all
    with pytest.raises(FetchError, match="asks to retry after 3 s"):
        await fetcher.fetch(site.url("/busy"))
    assert site.hits["/busy"] == 1 and sleeps.waits == []


async def test_too_long_retry_after_ends_the_fetch(site: FakeNewsSite, fetcher: Fetcher, sleeps: SleepRecorder) -> None:
    site.add_status("/limited", 429, headers={"Retry-After": "3600"})
    with pytest.raises(FetchError, match="429") as caught:
        await fetcher.fetch(site.url("/limited"))
    assert caught.value.transient  # the next poll may try again
    assert site.hits["/limited"] == 1 and sleeps.waits == []


async def test_connection_cut_mid_body_is_transient(site: FakeNewsSite, fetcher: Fetcher) -> None:
    site.add_broken("/cut.html", b"<p>" * 10_000, cut_at=1000)
    with pytest.raises(FetchError, match="connection broke off") as caught:
        await fetcher.fetch(site.url("/cut.html"))
    assert caught.value.transient and site.hits["/cut.html"] == 3


async def test_refused_connection_is_transient(fetcher: Fetcher) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # closed again below: nothing listens there
    with pytest.raises(FetchError, match="cannot connect") as caught:
        await fetcher.fetch(f"http://127.0.0.1:{port}/feed")
    assert caught.value.transient


async def test_errors_do_not_show_secrets_from_the_url(site: FakeNewsSite, fetcher: Fetcher) -> None:
    with pytest.raises(FetchError) as caught:
        await fetcher.fetch(site.url("/private-feed?user=ann&token=s3cr3t-value"))
    assert "s3cr3t-value" not in str(caught.value) and "s3cr3t-value" not in caught.value.url
    assert "user=ann" in str(caught.value)


# -- politeness ---------------------------------------------------------------------------------


async def test_requests_per_host_are_limited(site: FakeNewsSite, sleeps: SleepRecorder) -> None:
    for n in range(6):
        site.add_slow(f"/p{n}", "ok", delay=0.1)
    async with Fetcher(policy(per_host_concurrency=2), sleep=sleeps) as fetcher:
        results = await asyncio.gather(*(fetcher.fetch(site.url(f"/p{n}")) for n in range(6)))
    assert [r.content for r in results] == [b"ok"] * 6
    assert site.max_in_flight == 2


async def test_gzip_helper_of_the_site_really_compresses(site: FakeNewsSite) -> None:
    """Guards the gzip test above: the fake site must send compressed bytes, not plain ones."""
    site.add("/z", "hello " * 100, gzip=True)
    async with httpx.AsyncClient() as client, client.stream("GET", site.url("/z")) as response:
        raw = b"".join([chunk async for chunk in response.aiter_raw()])
    assert response.headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(raw) == b"hello " * 100
