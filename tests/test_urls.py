"""URL canonicalization: one key per article, whatever link it was reached through."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlsplit

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.news.urls import TRACKING_PARAMS, canonical_url, is_http_url, public_link, resolve, strip_tracking


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("HTTPS://Example.COM:443/news/?utm_source=tg&id=5#top", "https://example.com/news?id=5"),
        ("http://example.com:80", "http://example.com/"),
        ("http://example.com:8080/", "http://example.com:8080/"),
        ("https://example.com./a", "https://example.com/a"),
        ("  https://example.com/a  \n", "https://example.com/a"),
        ("https://example.com/a/./b/../c/", "https://example.com/a/c"),
        ("https://example.com/a//", "https://example.com/a"),
        ("https://example.com/../../x", "https://example.com/x"),
        ("https://example.com/?b=2&a=1&c=", "https://example.com/?a=1&b=2&c="),
        ("https://example.com/?a=2&b=1&a=1", "https://example.com/?a=2&a=1&b=1"),  # order of a kept
        ("https://example.com/?utm_campaign=x&fbclid=y&gclid=z", "https://example.com/"),
        ("https://example.com/?UTM_Source=x&Ref=tg&page=2", "https://example.com/?page=2"),
        ("https://example.com/%7euser/%41%2f%2Fx", "https://example.com/~user/A%2F%2Fx"),
        ("https://example.com/100%/a%zz", "https://example.com/100%25/a%25zz"),
        ("https://example.com/нові/ст 1", "https://example.com/%D0%BD%D0%BE%D0%B2%D1%96/%D1%81%D1%82%201"),
        ("https://приклад.укр/новини", "https://xn--80aikifvh.xn--j1amh/%D0%BD%D0%BE%D0%B2%D0%B8%D0%BD%D0%B8"),
        ("https://ПРИМЕР.РФ/", "https://xn--e1afmkfd.xn--p1ai/"),
        ("http://[2001:DB8:0::1]:80/a", "http://[2001:db8::1]/a"),
        ("https://example.com/search?q=a+b&q2=%d0%bf", "https://example.com/search?q=a+b&q2=%D0%BF"),
        ("https://example.com/a?x=1&y=a%26b", "https://example.com/a?x=1&y=a%26b"),  # "&" stays escaped
    ],
)
def test_canonical_url(url: str, expected: str) -> None:
    assert canonical_url(url) == expected


@pytest.mark.parametrize(
    "text",
    ["", "   ", "not a url", "ftp://example.com/file", "mailto:news@example.com", "example.com/news",
     "http:/example.com", "http://exa mple.com/", "http://example.com:99999/", "http://example.com:x/",
     "http://[::1", "javascript:alert(1)", "https://", "http://./"],
)
def test_non_urls_come_back_stripped_and_are_rejected(text: str) -> None:
    assert canonical_url(f"  {text} ") == text.strip()
    assert not is_http_url(text)


@pytest.mark.parametrize(
    "url",
    ["https://example.com", "HTTP://EXAMPLE.COM/a?b#c", "https://пример.рф/", "http://127.0.0.1:8080/x",
     "http://[::1]/", "  https://example.com/a  "],
)
def test_is_http_url_accepts_real_urls(url: str) -> None:
    assert is_http_url(url)


def test_is_http_url_rejects_inner_whitespace_and_controls() -> None:
    assert not is_http_url("https://example.com/a b")
    assert not is_http_url("https://exa\nmple.com/")


@pytest.mark.parametrize(
    ("base", "href", "expected"),
    [
        ("https://example.com/news/a.html", "b.html", "https://example.com/news/b.html"),
        ("https://example.com/news/a.html", "../img/x.png", "https://example.com/img/x.png"),
        ("https://example.com/news/a.html", "//cdn.example.net/x", "https://cdn.example.net/x"),
        ("https://example.com/news/a.html", "  /top  ", "https://example.com/top"),
        ("https://example.com/news/a.html", "?page=2", "https://example.com/news/a.html?page=2"),
        ("https://example.com/news/a.html", "https://other.org/", "https://other.org/"),
        ("https://example.com/news/a.html", "", "https://example.com/news/a.html"),
        ("https://example.com/", "mailto:x@example.com", "mailto:x@example.com"),
        ("http://[::1", "x", ""),
    ],
)
def test_resolve(base: str, href: str, expected: str) -> None:
    assert resolve(base, href) == expected


_URLISH = st.builds(
    lambda scheme, host, port, path, query, fragment: f"{scheme}://{host}{port}{path}{query}{fragment}",
    st.sampled_from(["http", "https", "HTTP", "HtTpS", "ftp"]),
    st.one_of(
        st.sampled_from(
            ["example.com", "EXAMPLE.com.", "пример.рф", "[::1]", "[2001:DB8::1]", "a_b.example", "xn--p1ai"]
        ),
        st.text(max_size=12),
    ),
    st.sampled_from(["", ":80", ":443", ":8080", ":", ":0080", ":99999"]),
    st.lists(
        st.one_of(
            st.sampled_from([".", "..", "", "%7E", "%2f", "%", "%zz", "новини", "a b", "~x", "%41"]),
            st.text(max_size=6),
        ),
        max_size=5,
    ).map(lambda segments: "/" + "/".join(segments)),
    st.one_of(
        st.just(""),
        st.lists(
            st.tuples(
                st.sampled_from(["utm_source", "UTM_Medium", "fbclid", "id", "q", "a", "", "Ref", "%75tm_x"]),
                st.text(max_size=6),
            ),
            max_size=5,
        ).map(lambda pairs: "?" + "&".join(f"{k}={v}" for k, v in pairs)),
    ),
    st.sampled_from(["", "#", "#top", "#a?b=c"]),
)


@settings(max_examples=300, deadline=None)
@given(st.one_of(_URLISH, st.text()))
def test_canonical_url_is_idempotent_and_never_raises(text: str) -> None:
    once = canonical_url(text)
    assert canonical_url(once) == once


@settings(max_examples=300, deadline=None)
@given(_URLISH)
def test_canonical_http_urls_are_clean(url: str) -> None:
    canonical = canonical_url(url)
    if canonical == url.strip() and not is_http_url(canonical):
        return  # not an http(s) URL: given back as it was
    assert is_http_url(canonical)  # anything rewritten is a clean URL (escaped spaces, controls)
    parts = urlsplit(canonical)
    assert parts.scheme in ("http", "https") and not parts.fragment
    assert canonical.isascii() and " " not in canonical
    names = [name.lower() for name, _ in parse_qsl(parts.query, keep_blank_values=True)]
    assert not [n for n in names if n in TRACKING_PARAMS or n.startswith("utm_")]
    assert parts.path == "/" or not parts.path.endswith("/")


# -- links readers click: tracking parameters stripped, everything else kept -------------------

_NAMES = st.sampled_from(["id", "page", "q", "Lang", "a", "b"])
_TRACKERS = st.sampled_from(sorted(TRACKING_PARAMS) + ["utm_source", "utm_medium", "UTM_Campaign", "mc_cid",
                                                       "mc_eid", "yclid", "gclid", "fbclid"])
_VALUES = st.text(alphabet="abcXYZ019-_.~%2F", max_size=8)


@settings(max_examples=300)
@given(
    st.lists(st.tuples(st.booleans(), _NAMES, _TRACKERS, _VALUES), max_size=8),
    st.sampled_from(["https://News.Example.com", "http://example.org:8080"]),
    st.sampled_from(["/", "/a/B/", "/story.html", "/%D0%B0"]),
    st.sampled_from(["", "#top", "#"]),
)
def test_strip_tracking_drops_only_tracking_parameters(
    params: list[tuple[bool, str, str, str]], origin: str, path: str, fragment: str
) -> None:
    pieces = [f"{tracker if is_tracker else name}={value}" for is_tracker, name, tracker, value in params]
    url = origin + path + ("?" + "&".join(pieces) if pieces else "") + fragment
    clean = strip_tracking(url)
    kept = [p for (is_tracker, *_), p in zip(params, pieces, strict=True) if not is_tracker]
    assert clean == origin + path + ("?" + "&".join(kept) if kept else "") + fragment  # order, case kept
    assert strip_tracking(clean) == clean
    assert canonical_url(clean) == canonical_url(url)  # still the same story's key
    names = [name.lower() for name, _ in parse_qsl(urlsplit(clean).query, keep_blank_values=True)]
    assert not [n for n in names if n in TRACKING_PARAMS or n.startswith("utm_")]


@pytest.mark.parametrize(
    ("declared", "url", "expected"),
    [
        ("https://example.com/story", "https://example.com/story?utm_source=rss", "https://example.com/story"),
        ("", "https://example.com/s?id=5&utm_medium=feed&fbclid=x#c", "https://example.com/s?id=5#c"),
        ("javascript:alert(1)", "https://example.com/s?gclid=1", "https://example.com/s"),
        ("https://example.com/s?utm_source=canonical", "https://x.example/s", "https://example.com/s"),
        ("", "not a url ?utm_source=x", "not a url ?utm_source=x"),
    ],
)
def test_public_link_prefers_the_declared_canonical_without_tracking(declared: str, url: str, expected: str) -> None:
    assert public_link(declared, url) == expected
