"""Expected failures of the news core, each with a message a person can act on."""

from __future__ import annotations


class NewsError(Exception):
    """Base class: something about one feed or page went wrong; the rest of a batch goes on."""


class FetchError(NewsError):
    """A URL could not be downloaded (network, HTTP status, too large, too slow, wrong type)."""

    def __init__(self, message: str, *, url: str = "", transient: bool = False) -> None:
        super().__init__(message)
        self.url = url
        self.transient = transient


class UnsafeURLError(FetchError):
    """A URL is refused before any request: bad scheme, or a private/loopback address."""


class FeedError(NewsError):
    """A document is not a usable feed. ``alternates`` lists feed URLs the page advertises."""

    def __init__(self, message: str, *, alternates: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.alternates = alternates


class ExtractionError(NewsError):
    """No article text could be extracted from a page."""
