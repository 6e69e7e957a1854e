"""Flaws found by reading the 30 pages of ``bench/bench_reading.py`` (issue #11), each on a
small hand-written page or text shaped like the one where it was seen (the page id of
``../shared/data/extraction-benchmark`` is in the comment; nothing here reads that folder).
"""

from __future__ import annotations

import pytest

from bot.news.extract import extract_article
from bot.news.titles import strip_seo_tail

RU_BODY = "".join(
    f"<p>{text}</p>"
    for text in (
        "В восьмидесятых годах чешская красавица заявила о себе на весь мир и стала лицом журналов.",
        "Сейчас модели исполнилось 53 года, и хоть выглядит она до сих пор прекрасно, её охватила паника.",
        "В интервью модель призналась, что жутко боится старости и публичного внимания к своему лицу.",
        "Она рассказала, что постоянно прибегает к тем или иным процедурам, чтобы сохранить красоту.",
    )
)


def test_a_search_engine_tail_is_not_part_of_the_title() -> None:
    # c82b3d1d540b: og:title, twitter:title and <title> all end ": новости, фото 2018" (the
    # <title> then "— www.wday.ru", the bare host), and the <h1> says something else.
    seo = "53-летняя модель рассказала, что больше всего боится стареть: новости, фото 2018"
    head = (
        f'<title>{seo} — www.example.ru</title><meta property="og:title" content="{seo}">'
        f'<meta name="twitter:title" content="{seo}">'
    )
    html = (
        f"<html><head>{head}</head><body><article><h1>53-летняя модель: «Посмотри на красотку»</h1>"
        f"{RU_BODY}</article></body></html>"
    )
    article = extract_article(html, "http://www.example.ru/articles/53-letnyaya-model-id120424")
    assert article.title == "53-летняя модель рассказала, что больше всего боится стареть"


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("Пожар в центре Киева: фото и видео", "Пожар в центре Киева"),
        ("Повінь у Карпатах — відео, фото", "Повінь у Карпатах"),
        ("Flood hits the town centre: news, photos", "Flood hits the town centre"),
        ("Во Львове открыли новый мост: фото 2019", "Во Львове открыли новый мост"),
        # one such word and no year may be the story's own: kept
        ("Кошка спасла хозяина во время пожара — фото", "Кошка спасла хозяина во время пожара — фото"),
        # the words inside the headline, not a tail after a separator: kept
        ("Reuters photos of the year 2018", "Reuters photos of the year 2018"),
        ("Как выбрать фото для паспорта: советы и видео", "Как выбрать фото для паспорта: советы и видео"),
        # nothing of a headline would be left: kept
        ("Новости: фото, видео", "Новости: фото, видео"),
    ],
)
def test_seo_tails_go_only_when_they_are_plainly_tails(title: str, expected: str) -> None:
    assert strip_seo_tail(title) == expected
