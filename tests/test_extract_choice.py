"""Which reading becomes the article, and what each reading keeps (issue #11, dragnet pages).

Small hand-written HTML and paragraph lists of the shapes seen on the dragnet benchmark's
pages; no shared data is read.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from bot.news.candidates import PageText, readability_paragraphs
from bot.news.choose import _padded, _stands_beside
from bot.news.clean import clean_paragraphs
from bot.news.extract import extract_article
from bot.news.htmltree import parse_html
from bot.news.models import FeedEntry
from bot.news.paragraphs import is_linked_prose, link_texts_of

URL = "https://games.example.com/2012/11/story"
BODY = [
    f"Paragraph {n} of the story says the console goes on sale on Sunday, and that the company "
    "expects long queues outside its flagship store in New York for the midnight launch."
    for n in range(1, 6)
]
SHORT_PROSE = [
    "The mayor said on Monday that the bridge would reopen to traffic next week, after repairs "
    "that took longer than planned because of the cold weather and a shortage of steel.",
    "Cyclists and pedestrians will be able to use it from Friday, the city said in a statement.",
]


def page(body: str, head: str = "<title>Launch night</title>") -> str:
    return f"<html><head>{head}</head><body>{body}</body></html>"


# --- a short first reading and readability's reading of the page (dragnet 268, R258, R298) ----

OTHER_BLOCK = [
    "Residents of the northern district have complained for years about the noise from the "
    "airport, and a new survey published on Tuesday shows that most of them want night flights banned.",
]


def balanced(*paragraphs: str) -> Callable[[], list[str]]:
    return lambda: list(paragraphs)


def test_readability_scrap_beside_a_short_prose_reading_does_not_replace_it() -> None:
    # readability kept one caption-sized line where trafilatura kept the story (dragnet 268).
    assert not _stands_beside(["Photo: the bridge at dusk."], SHORT_PROSE, balanced(*SHORT_PROSE))


def test_readability_outvoted_by_both_trafilatura_readings_does_not_replace_a_short_one() -> None:
    # readability took another block (a menu, another story) that shares nothing with the
    # story trafilatura's two readings agree on (dragnet R298, R112).
    menu = [f"Section {n} of the site" for n in range(12)] + ["Autumn collection lookbook 2012"]
    assert not _stands_beside(menu, SHORT_PROSE, balanced(*SHORT_PROSE))
    assert not _stands_beside(OTHER_BLOCK * 3, SHORT_PROSE, balanced(*SHORT_PROSE))


def test_readability_that_holds_the_short_reading_or_that_balanced_mode_supports_replaces_it() -> None:
    assert _stands_beside([*SHORT_PROSE, BODY[0], BODY[1]], SHORT_PROSE, balanced(*SHORT_PROSE))
    # precision mode kept an intro; balanced mode and readability agree on the story (R426).
    assert _stands_beside(OTHER_BLOCK * 3, SHORT_PROSE, balanced(*OTHER_BLOCK, *BODY))
    # a first reading that is not prose is no vote against readability (dragnet T18).
    menu = [f"Section {n}" for n in range(30)]
    assert _stands_beside(OTHER_BLOCK * 3, menu, balanced(*menu))


def test_readability_holding_the_full_reading_and_a_block_beside_it_is_padded() -> None:
    # readability took a short post and the comment thread under it; trafilatura's full
    # reading (with its fallback) kept the post alone (dragnet R756, R682, T6).
    comments = [f"Comment {n}: I ran this one yesterday and my legs still hurt, great workout, "
                "thanks to everyone at the box for the encouragement." for n in range(8)]
    assert _padded([*SHORT_PROSE, *comments], SHORT_PROSE)
    # the same length without the full reading in it is another block, not padding;
    assert not _padded([*OTHER_BLOCK, *comments], SHORT_PROSE)
    # and a reading that merely adds a paragraph or two to the full one is not padded.
    assert not _padded([*SHORT_PROSE, BODY[0]], SHORT_PROSE)
    assert not _padded([*SHORT_PROSE, *comments], [])


# --- teaser lists: "- Headline" then "Teaser … Read more..." (dragnet R944-R950) ----------------

def test_a_list_of_teasers_ending_read_more_goes_with_their_headlines() -> None:
    teasers = [
        "- Nintendo Rolls Out Kiosks to Let Shoppers Play Before Launch Day",
        "Holiday shoppers will soon get hands-on time with the new console. Read more...",
        "- Get Ready to Party When the Console Launches",
        "Party game details... Read more...",
    ]
    assert clean_paragraphs([*BODY, *teasers]) == BODY


def test_a_lone_continue_reading_link_only_loses_the_link() -> None:
    excerpt = "The first paragraph of the post, as the blog's front page shows it. Continue reading →"
    assert clean_paragraphs([excerpt]) == ["The first paragraph of the post, as the blog's front page shows it."]


def test_a_teaser_list_on_the_page_is_not_in_the_text() -> None:
    items = "".join(
        f"<li><a href='/news/{n}'>Console news number {n} from the company</a>"
        f"<p>Short teaser {n} for another story about the launch. <a href='/news/{n}'>Read more...</a></p></li>"
        for n in range(4)
    )
    html = page(f"<div class='main'><h1>Launch night</h1>{''.join(f'<p>{p}</p>' for p in BODY)}"
                f"<ul class='news'>{items}</ul></div>")
    text = extract_article(html, URL).text
    assert "Read more" not in text and "Short teaser" not in text
    assert text.startswith(BODY[0])


# --- prose the page links whole (dragnet T84, T168) -------------------------------------------

def test_a_sentence_linked_whole_is_kept_as_prose_in_readabilitys_reading() -> None:
    # trafilatura drops such a paragraph as link-dense; readability's reading keeps it now.
    intro = ("This week's new episode is a really fun, quick and profoundly silly party game "
             "called Say Anything.")
    quote = ("“Just because a car generates a lot of buzz or is a best seller doesn’t mean that it’s "
             "a good choice for you,” the magazine writes.")
    tree = parse_html(page(
        "<div class='entry'><h1>Launch night</h1>"
        f"<p>{BODY[0]}</p><p><a href='https://video.example.com/watch?v=1'>{intro[:-1]}</a>.</p>"
        f"<p><a href='https://cars.example.com/review'><em>{quote}</em></a></p>"
        + "".join(f"<p>{p}</p>" for p in BODY[1:])
        + "</div><ul class='menu'><li><a href='/a'>Home page of the site</a></li>"
        "<li><a href='/b'>All the news from the games industry</a></li></ul>"
    ))
    paragraphs = readability_paragraphs(PageText(tree, URL, link_texts_of(tree), "Launch night"))
    assert intro in paragraphs and quote in paragraphs
    assert paragraphs[0] == BODY[0] and "Home page of the site" not in paragraphs
    assert is_linked_prose(intro) and not is_linked_prose("All the news from the games industry")


def test_a_linked_meta_line_is_not_prose() -> None:
    assert not is_linked_prose("Posted in Contagious Disease, Current Events, Greece, HIV, Malaria | 1 Comment »")
    assert not is_linked_prose("Categories: Barack Obama, Politics, celeb, For Discussion, Video, News, Race Matters.")


# --- the date: the page's, else the feed's, else htmldate's guess -----------------------------

def test_the_feeds_date_is_preferred_to_a_guess_from_the_markup() -> None:
    html = page("<div class='post-date'>March 4, 2019</div><article>"
                + "".join(f"<p>{p}</p>" for p in BODY) + "</article>")
    assert extract_article(html, URL).published == datetime(2019, 3, 4, tzinfo=UTC)  # the guess
    feed_date = datetime(2019, 3, 5, 8, 30, tzinfo=UTC)
    entry = FeedEntry(guid="1", url=URL, title="Launch night", published=feed_date)
    assert extract_article(html, URL, fallback=entry).published == feed_date


def test_a_date_the_page_declares_beats_the_feeds() -> None:
    declared = "<meta property='article:published_time' content='2019-03-04T10:00:00+00:00'>"
    html = page("<article>" + "".join(f"<p>{p}</p>" for p in BODY) + "</article>",
                f"<title>Launch night</title>{declared}")
    entry = FeedEntry(guid="1", url=URL, title="Launch night", published=datetime(2020, 1, 1, tzinfo=UTC))
    assert extract_article(html, URL, fallback=entry).published == datetime(2019, 3, 4, 10, tzinfo=UTC)
