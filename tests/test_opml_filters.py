"""OPML import/export and subscription keyword filters."""

from __future__ import annotations

import pytest

from bot.delivery.filters import matches
from bot.opml import OpmlError, OpmlFeed, export_opml, import_opml


def test_opml_round_trip_with_nested_outlines() -> None:
    data = export_opml([OpmlFeed("https://a.example/rss", "A & B"), OpmlFeed("https://b.example/atom")])
    assert import_opml(data) == [OpmlFeed("https://a.example/rss", "A & B"),
                                 OpmlFeed("https://b.example/atom", "https://b.example/atom")]
    nested = (b'<opml version="1.0"><body><outline text="News"><outline xmlUrl="https://c.example/rss" '
              b'text="C"/><outline xmlUrl="javascript:alert(1)"/></outline></body></opml>')
    assert import_opml(nested) == [OpmlFeed("https://c.example/rss", "C")]


@pytest.mark.parametrize("data", [
    b"not xml at all",
    b"<rss></rss>",
    b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;">]>'
    b"<opml><body>&lol2;</body></opml>",
])
def test_bad_opml_is_refused_clearly(data: bytes) -> None:
    with pytest.raises(OpmlError):
        import_opml(data)


def test_keyword_filters() -> None:
    assert matches((), (), "anything")
    assert matches(("war",), (), "The war in Europe")
    assert matches(("war",), (), "Wars and peace")  # word start
    assert not matches(("war",), (), "Software update")
    assert not matches((), ("sport",), "Sport news today")
    assert matches(("Україна",), (), "Новини України")  # same stem
    assert matches(("elections",), (), "The election in Portugal")
    assert not matches(("election",), ("portugal",), "Portugal election results")
    assert matches((), ("new york",), "York is a city")
