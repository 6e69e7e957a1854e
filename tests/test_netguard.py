"""URL safety checks, with a fake resolver: no test here looks up a real name."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from bot.news.errors import FetchError, UnsafeURLError
from bot.news.netguard import check_url, display_url

PUBLIC_V4 = "93.184.216.34"
PUBLIC_V6 = "2606:2800:220:1:248:1893:25c8:1946"

FAKE_DNS: dict[str, list[str]] = {
    "news.test": [PUBLIC_V4, PUBLIC_V6],
    "intranet.test": ["10.1.2.3"],
    "router.test": ["192.168.1.1"],
    "metadata.test": ["169.254.169.254"],
    "loop6.test": ["::1"],
    "mixed.test": [PUBLIC_V4, "172.16.0.9"],  # one bad address is enough to refuse
    "cgnat.test": ["100.64.0.7"],
    "ula.test": ["fd12:3456::1"],
    "empty.test": [],
}


async def fake_resolver(host: str, port: int) -> Sequence[str]:
    if host not in FAKE_DNS:
        raise FetchError(f"cannot find the address of {host}")
    return FAKE_DNS[host]


async def check(url: str, *, allow_private: bool = False) -> str:
    return await check_url(url, allow_private=allow_private, resolver=fake_resolver)


@pytest.mark.parametrize("url", [
    "http://news.test/feed.xml",
    "https://news.test:8443/rss?x=1",
    f"http://{PUBLIC_V4}/",
    f"http://[{PUBLIC_V6}]/",
])
async def test_public_urls_pass(url: str) -> None:
    assert await check(url) == url


@pytest.mark.parametrize("url", [
    "http://10.0.0.1/",
    "http://127.0.0.1:8080/",
    "http://169.254.169.254/latest/meta-data/",
    "http://0.0.0.0/",
    "http://224.0.0.1/",
    "http://255.255.255.255/",
    "http://100.64.0.1/",
    "http://[::1]/",
    "http://[::]/",
    "http://[::ffff:127.0.0.1]/",
    "http://[::ffff:10.0.0.1]/",
    "http://[fc00::1]/",
    "http://[fe80::1]/",
    "http://[ff02::1]/",
    "http://[64:ff9b::7f00:1]/",  # NAT64 of 127.0.0.1
    "http://[2002:7f00:1::]/",  # 6to4 of 127.0.0.1
    "http://2130706433/",  # 127.0.0.1 as one number
    "http://0x7f.1/",
    "http://127.1/",
    "http://intranet.test/",
    "http://router.test/",
    "http://metadata.test/",
    "http://loop6.test/",
    "http://mixed.test/",
    "http://cgnat.test/",
    "http://ula.test/",
])
async def test_private_and_special_addresses_are_refused(url: str) -> None:
    with pytest.raises(UnsafeURLError, match="private or local"):
        await check(url)


@pytest.mark.parametrize(("url", "reason"), [
    ("http://user@news.test/", "user name or password"),
    ("http://user:pass@news.test/", "user name or password"),
    ("http://news.test@10.0.0.1/", "user name or password"),
    ("http://10.0.0.1\\@news.test/", "backslashes"),
    ("ftp://news.test/file", "only http and https"),
    ("file:///etc/passwd", "only http and https"),
    ("javascript:alert(1)", "only http and https"),
    ("data:text/html,<b>x</b>", "only http and https"),
    ("gopher://news.test/", "only http and https"),
    ("//news.test/feed", "only http and https"),
    ("http:///feed", "no host"),
    ("http://news.test/a b", "spaces"),
    ("http://news.test/\nHost: evil", "spaces"),
])
async def test_malformed_or_tricky_urls_are_refused(url: str, reason: str) -> None:
    with pytest.raises(UnsafeURLError, match=reason):
        await check(url, allow_private=True)  # refused even where private hosts are allowed


async def test_private_addresses_pass_when_allowed() -> None:
    assert await check("http://10.0.0.1/feed", allow_private=True) == "http://10.0.0.1/feed"
    assert await check("http://127.0.0.1:9000/x", allow_private=True) == "http://127.0.0.1:9000/x"


async def test_unknown_host_is_a_fetch_error_not_a_refusal() -> None:
    with pytest.raises(FetchError, match="cannot find the address") as caught:
        await check("http://nowhere.test/")
    assert not isinstance(caught.value, UnsafeURLError)
    with pytest.raises(FetchError, match="cannot find the address"):
        await check("http://empty.test/")


def test_display_url_hides_credentials_and_secret_parameters() -> None:
    shown = display_url("https://bob:hunter2@news.test/rss?api_key=abc123&lang=en&token=zzz#frag")
    assert "hunter2" not in shown and "abc123" not in shown and "zzz" not in shown
    assert shown.startswith("https://news.test/rss?") and "lang=en" in shown
