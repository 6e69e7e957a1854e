"""From a downloaded page to everything we store about a story, in one pure CPU-bound call.

``process_page`` is what the ingest job runs in a worker thread and what the throughput
benchmark measures: extract → clean → detect language → summarize → fingerprint → index terms.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.news.errors import ExtractionError
from bot.news.extract import article_from_feed, extract_article
from bot.news.fingerprint import fingerprint, fingerprint_bands
from bot.news.limits import bounded_page
from bot.news.models import Article, FeedEntry
from bot.news.stories import StoryProfile, story_profile
from bot.news.summarize import summarize_text
from bot.news.namekeys import index_text
from bot.news.urls import canonical_url


@dataclass(frozen=True, slots=True)
class ProcessedArticle:
    article: Article
    canonical_url: str
    summary: str
    fingerprint: int | None  # signed 64-bit SimHash, fits SQLite INTEGER
    bands: tuple[int, int, int, int] | None
    title_terms: str
    body_terms: str
    profile: StoryProfile | None = None  # for same-story detection (bot.news.stories)
    image_url: str = ""  # the story's lead image (bot.news.images), already checked by the caller


@dataclass(frozen=True, slots=True)
class SummaryOptions:
    max_sentences: int = 3
    max_chars: int = 600


def process_page(
    html: str | bytes | None, url: str, *, entry: FeedEntry | None = None,
    options: SummaryOptions = SummaryOptions(),
) -> ProcessedArticle:
    """Extract and summarize one page; with no page (``html`` None) use the feed entry.

    Raises ExtractionError when neither the page nor the entry has any text.
    """
    if html is None:
        if entry is None:
            raise ExtractionError(f"nothing to extract for {url}")
        article = article_from_feed(entry, entry.url)
    else:
        article = extract_article(bounded_page(html), url, fallback=entry)
    return process_article(article, options=options)


def process_article(article: Article, *, options: SummaryOptions = SummaryOptions()) -> ProcessedArticle:
    """Summary, fingerprint and search terms for an extracted article."""
    summary = summarize_text(
        article.text, article.language, title=article.title,
        max_sentences=options.max_sentences, max_chars=options.max_chars,
    )
    fp = fingerprint(article.text) if len(article.text) >= 200 else None
    bands = tuple(fingerprint_bands(fp)) if fp is not None else None
    return ProcessedArticle(
        article=article,
        canonical_url=canonical_url(article.canonical_url or article.url),
        summary=summary,
        fingerprint=fp,
        bands=bands,  # type: ignore[arg-type]
        title_terms=index_text(article.title, article.language),
        body_terms=index_text(article.text, article.language),
        profile=story_profile(article.title, article.text),
    )
