"""Meta lines under an article that the line cleaner let through (issue #11's leads):
long "Tags: …" / "Filed under …" lists, and comment counts with their "Post a comment" prompt.

Each page here is small hand-written HTML of the shape seen on real sites.
"""

from __future__ import annotations

import pytest

from bot.news.clean import clean_paragraphs, is_junk_line
from bot.news.extract import extract_article

URL = "https://blog.example.com/2012/05/story"
BODY = [
    f"Paragraph {n} of the post explains that the county board voted on Tuesday to keep the "
    "library open on weekends, after hundreds of residents wrote letters asking it to do so."
    for n in range(1, 6)
]
LONG_TAGS = "Barack Obama, Mitt Romney, election 2012, swing states, Ohio, Florida, debates"


@pytest.mark.parametrize(
    "line",
    [
        f"Tags: {LONG_TAGS}",
        f"Tagged: {LONG_TAGS}",
        f"Tagged with {LONG_TAGS}",
        f"Posted in Politics | Tags: {LONG_TAGS}",
        f"Filed under: Politics, Elections, {LONG_TAGS}",
        f"Keywords: {LONG_TAGS}",
        "Categories: Barack Obama, Politics, celeb, Hate It or Love It?!?!, What the Hell???, You Can't Be Serious...",
        "12 comments have been made. Post a comment.",
        "0 comments have been made. Post a comment.",
        "5 comments so far. Add yours",
        "No comments yet. Be the first to comment!",
        "Comments (3)",
    ],
)
def test_long_tag_lists_and_comment_counts_are_junk(line: str) -> None:
    assert is_junk_line(line)


@pytest.mark.parametrize(
    "line",
    [
        "Tagged cattle were counted by the rangers, who said the herd had grown, Ohio, Texas and more.",
        "Filed under: the long history of a city that has been building its walls for two hundred years",
        "Posted in the middle of the night, the video was watched by millions of people around the world.",
        "12 comments were received by the ministry during the consultation.",
        "One response to the crisis was a new tax on imported fuel.",
    ],
)
def test_prose_that_starts_like_a_meta_line_is_kept(line: str) -> None:
    assert not is_junk_line(line)


def test_a_long_tag_line_and_a_comment_count_under_the_post_are_not_in_its_text() -> None:
    paragraphs = "".join(f"<p>{p}</p>" for p in BODY)
    html = (
        "<html><head><title>Library stays open</title></head><body><div class='post'>"
        f"<h1>Library stays open</h1>{paragraphs}"
        f"<p class='postmetadata'>Posted in <a href='/c/local'>Local</a> | Tags: "
        + ", ".join(f"<a href='/t/{n}'>{t}</a>" for n, t in enumerate(LONG_TAGS.split(", ")))
        + "</p><p>12 comments have been made. <a href='#respond'>Post a comment.</a></p>"
        "</div></body></html>"
    )
    article = extract_article(html, URL)
    assert article.paragraphs == BODY


# --- prose that the cleaner dropped whole (dragnet R74, R32) ----------------------------------

def test_prose_about_our_twitter_list_is_not_a_channel_promotion() -> None:
    prose = ("Put simply, I wanted to create a Who's Who of people who wanted to be our Twitter "
             "Help Desk for Educators.")
    assert not is_junk_line(prose)
    for promo in ("Read us on our Facebook page", "Join our newsletter for more",
                  "Our Telegram channel: t.me/news", "Читайте нас у нашому телеграм-каналі"):
        assert is_junk_line(promo)


def test_a_prose_line_ending_with_its_credit_keeps_its_sentences() -> None:
    line = ("No matter how long I stare at it, despite the evidence, I still can't believe this is "
            "a pencil drawing. Mind...blown. Artwork and photos © DiegoKoi")
    html = ("<html><head><title>Not a photograph</title></head><body><div class='post'>"
            f"<h1>Not a photograph</h1><p>{line}</p></div></body></html>")
    assert extract_article(html, URL).text == line.removesuffix(" Artwork and photos © DiegoKoi")
    assert is_junk_line("Artwork and photos © DiegoKoi")


def test_a_caption_with_its_credit_stays_as_it_was() -> None:
    assert clean_paragraphs(["Home Depot stock fell after the retailer reported earnings. Photo: Getty Images"]) == []
    caption = "A mother carries her baby dressed up for Halloween. (Daniel Sorabji/AFP/Getty Images)"
    assert clean_paragraphs([caption]) == [caption]


# --- a blog's previous / next post links (dragnet 176, 60) ------------------------------------

@pytest.mark.parametrize("line", ["Previous post: Six Ways to Refuel Your Energy Every Day",
                                  "Next post: Manuscrito encontrado em Accra (trechos)",
                                  "Next Post: What Happened to All Those People?", "Previous Post",
                                  "« Older post", "Наступний запис: Зима у Карпатах",
                                  "« 8 great talks on war and peace | Main | What data is being collected on you? »",
                                  "« Yet another discouraging GDP report | Main", "Main | Behold, 6 real-life cyborgs »"])
def test_previous_and_next_post_links_are_navigation(line: str) -> None:
    assert is_junk_line(line)


@pytest.mark.parametrize("line", ["Previous posts in the series looked at the budget.",
                                  "Trains run on the Main | Line 2 shuttle from Frankfurt to Mainz every hour.",
                                  "Next story is about the mayor, who said the library would stay open."])
def test_prose_that_starts_like_post_navigation_is_kept(line: str) -> None:
    assert not is_junk_line(line)


def test_a_post_with_only_a_headline_and_its_navigation_is_the_headline() -> None:
    # A video or photo post: the text is its headline, not the links to the posts beside it.
    html = ("<html><head><title>Conversation with my readers, 29 June 2012</title></head><body>"
            "<div class='post'><h1>Conversation with my readers, 29 June 2012</h1>"
            "<div class='nav'><p>Previous post: <a href='/p/1'>Six Ways to Refuel Your Energy Every Day</a></p>"
            "<p>Next post: <a href='/p/3'>Manuscrito encontrado em Accra (trechos)</a></p></div>"
            "</div></body></html>")
    assert extract_article(html, URL).text == "Conversation with my readers, 29 June 2012"


# --- invitations that are content, not promotions (dragnet R456, 140; a how-to on Hulu) -----

@pytest.mark.parametrize("line", [
    "Join us for our free November Webinar with WordStream Founder, Larry Kim, and our very own PPC Hero, "
    "Sam Owen. In this Webinar we'll cover:",
    "Join us live for Apple's Q3 earnings call today",
    "Sign up for a Hulu ad-free account for $11.99 a month",
])
def test_an_invitation_to_an_event_or_an_offer_is_content(line: str) -> None:
    assert not is_junk_line(line)


@pytest.mark.parametrize("line", ["Sign up for our newsletter", "Join us on Facebook", "Sign up today!",
                                  "Join us", "Sign up for the Morning Brief newsletter and get the news first"])
def test_a_call_to_join_a_channel_or_a_bare_call_is_junk(line: str) -> None:
    assert is_junk_line(line)
