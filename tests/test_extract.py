"""Article extraction from realistic news pages: whole paragraphs, no junk, metadata, fallbacks."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st
from lxml import etree

from bot.news.clean import clean_paragraphs, is_junk_line
from bot.news.related import find_related_links
from bot.news.errors import ExtractionError
from bot.news.extract import extract_article
from bot.news.models import Article, FeedEntry, RelatedLink
from bot.news.paragraphs import paragraphs_from_body

PAGES = Path(__file__).parent / "data" / "pages"
EN_URL = "https://news.example.com/world/2024/03/kyiv-restores-power?utm_source=rss"
UK_URL = "https://novyny.example.ua/ekonomika/2024/05/12/uriad-uhvalyv-programu"
RU_URL = "http://gorod.example.ru/culture/2023/06/15/vystavka.html"

EN_LEAD = (
    "Engineers in Kyiv restored electricity to most of the capital's districts on Thursday, hours "
    "after a massive overnight missile strike hit two thermal power plants and left more than "
    "200,000 homes without light, the city's military administration said."
)
UK_LEAD = (
    "Кабінет міністрів у неділю ухвалив державну програму відновлення енергетичної "
    "інфраструктури, яка передбачає будівництво нових потужностей розподіленої генерації та "
    "ремонт пошкоджених підстанцій до початку опалювального сезону."
)


@pytest.fixture(scope="module")
def en_article() -> Article:
    return extract_article((PAGES / "en_news.html").read_text(encoding="utf-8"), EN_URL)


@pytest.fixture(scope="module")
def uk_article() -> Article:
    return extract_article((PAGES / "uk_news.html").read_bytes(), UK_URL)


# --- an English news page -----------------------------------------------------------------------

def test_english_text_starts_with_the_whole_lead_paragraph(en_article: Article) -> None:
    # The lead has an inline link and a bold span mid-sentence: it must stay one paragraph.
    assert en_article.paragraphs[0] == EN_LEAD
    assert en_article.paragraphs[1].startswith("Mayor Vitali Klitschko said the metro was running")
    assert en_article.text.endswith("published by the ministry on Thursday afternoon.")
    assert len(en_article.paragraphs) == 5


@pytest.mark.parametrize(
    "junk",
    [
        "Read also", "Ukraine receives new air defence systems",  # inline teaser
        "Read more", "How Ukraine repairs its power grid",  # teaser list
        "Subscribe to our channels", "Photo: Reuters", "Repair crews work on a damaged substation",
        "Share this article", "Facebook", "Telegram", "Tags", "Comments", "Thanks to the repair crews",
        "Most popular", "Cup final", "Sign up", "All rights reserved", "Privacy policy", "Politics",
        "Kyiv restores power to most districts",  # the headline belongs in ``title`` only
    ],
)
def test_english_text_has_no_junk(en_article: Article, junk: str) -> None:
    assert junk not in en_article.text


def test_english_metadata(en_article: Article) -> None:
    assert en_article.title == "Kyiv restores power to most districts after overnight strike"
    assert en_article.author == "Jane Miller"
    assert en_article.published == datetime(2024, 3, 21, 7, 15, tzinfo=UTC)
    assert en_article.canonical_url == "https://news.example.com/world/2024/03/kyiv-restores-power"
    assert en_article.language == "en"
    assert en_article.url == EN_URL
    assert not en_article.from_feed


def test_english_related_links_are_those_the_page_recommends(en_article: Article) -> None:
    assert en_article.related == (
        RelatedLink("Ukraine receives new air defence systems from European partners",
                    "https://news.example.com/world/2024/03/air-defence-upgrade"),
        RelatedLink("How Ukraine repairs its power grid under fire",
                    "https://news.example.com/world/2024/03/grid-repairs-explained"),
        RelatedLink("Winter outages: what residents need to know",
                    "https://news.example.com/world/2024/03/winter-outages"),
    )  # not the page itself (listed with #comments), not the "Most popular" sidebar


def _with_head(head: str) -> str:
    body = "".join(
        f"<p>Paragraph {i}: the regional council discussed new bus routes, the bridge repair and "
        "the school budget, and decided to hold public hearings next month.</p>" for i in range(4)
    )
    return f"<html><head>{head}</head><body><article><h1>Council backs new bus routes</h1>{body}</article></body></html>"


def test_json_ld_article_wins_over_the_web_page_and_a_home_page_canonical_is_ignored() -> None:
    head = """<title>Council backs new bus routes - City News</title>
    <link rel="canonical" href="https://city.example.com/">
    <script type="application/ld+json">{"@context": "https://schema.org", "@graph": [
      {"@type": "WebPage", "name": "Council", "datePublished": "2020-01-01T00:00:00Z"},
      {"@type": ["NewsArticle"], "headline": "Council backs new bus routes",
       "datePublished": "2024-02-03T10:00:00+01:00",
       "author": [{"@type": "Person", "name": "Ann Lee"}, {"@type": "Person", "name": "Bo Chan"}]}]}
    </script>"""
    article = extract_article(_with_head(head), "https://city.example.com/news/2024/02/03/bus")
    assert article.title == "Council backs new bus routes"
    assert article.published == datetime(2024, 2, 3, 9, 0, tzinfo=UTC)
    assert article.author == "Ann Lee, Bo Chan"
    assert article.canonical_url == ""


def test_date_from_the_url_when_the_page_declares_none() -> None:
    article = extract_article(_with_head("<title>Council backs new bus routes</title>"),
                              "https://city.example.com/news/2024/02/03/bus-routes")
    assert article.published == datetime(2024, 2, 3, tzinfo=UTC)
    assert article.title == "Council backs new bus routes"


# --- a Ukrainian news page with loose text and inline links -------------------------------------

def test_ukrainian_text_starts_with_the_whole_lead_paragraph(uk_article: Article) -> None:
    # The lead is loose text in the container (bold start, a link mid-sentence) before <p>s.
    assert uk_article.paragraphs[0] == UK_LEAD
    assert uk_article.paragraphs[1].startswith("Прем'єр-міністр Денис Шмигаль зазначив")
    assert "понад 20 мільярдів гривень на закупівлю" in uk_article.paragraphs[1]
    assert len(uk_article.paragraphs) == 4


@pytest.mark.parametrize(
    "junk",
    [
        "Читайте також", "Тарифи на електроенергію", "Укренерго попередило", "Фото: Укрінформ",
        "Підписуйтесь", "Telegram", "Поділитися", "Viber", "Коментарі", "Головне, щоб ці гроші",
        "Популярне", "фестиваль вуличної музики", "Усі права захищені", "Головна", "переглядів",
    ],
)
def test_ukrainian_text_has_no_junk(uk_article: Article, junk: str) -> None:
    assert junk not in uk_article.text


def test_ukrainian_metadata_and_related_links(uk_article: Article) -> None:
    assert uk_article.title == "Уряд ухвалив програму відновлення енергетики"
    assert uk_article.author == "Олена Коваленко"
    assert uk_article.published == datetime(2024, 5, 12, 11, 30, tzinfo=UTC)
    assert uk_article.canonical_url == UK_URL
    assert uk_article.language == "uk"
    assert [link.url for link in uk_article.related] == [
        "https://novyny.example.ua/ekonomika/2024/05/11/tarify",
        "https://novyny.example.ua/ekonomika/2024/05/09/ukrenergo",
        "https://novyny.example.ua/polityka/2024/05/08/rada",
    ]
    assert uk_article.related[0].title == "Тарифи на електроенергію для населення не зростуть до кінця року"


# --- a Russian page in a legacy encoding ---------------------------------------------------------

RU_PAGE = """<html><head>
<meta http-equiv="Content-Type" content="text/html; charset={charset}">
<title>В Москве открылась выставка современного искусства :: Городские новости</title>
</head><body>
<table class="layout"><tr>
<td class="left-menu"><a href="/">Главная</a><br><a href="/news">Новости</a><br><a href="/culture">Культура</a></td>
<td class="main-column">
<h1>В Москве открылась выставка современного искусства</h1>
<div class="date">15.06.2023 12:40</div>
<div class="news-body">
<div>В Москве в субботу открылась <a href="/culture/2023/06/vystavka">большая выставка</a> современного искусства, на которой представлены работы более ста художников из двадцати регионов страны.</div>
<div>Организаторы рассказали, что экспозиция займёт <b>три этажа</b> бывшего фабричного здания на набережной, а вход для школьников и студентов будет бесплатным по будням.</div>
<div>Читайте также: <a href="/culture/2023/06/muzei">Музеи продлят часы работы летом</a></div>
<div>По словам куратора, главная цель проекта - показать, как молодые авторы осмысляют перемены в жизни больших городов и небольших посёлков.</div>
<div>Подписывайтесь на наш канал в Telegram, чтобы не пропустить главные новости культуры.</div>
</div>
<div class="share">Поделиться: <a href="https://vk.com/share.php">ВКонтакте</a> <a href="https://t.me/share/url">Telegram</a></div>
</td>
<td class="right-column"><b>Реклама</b><br><a href="/ads">Купить квартиру в новостройке недорого</a></td>
</tr></table>
<div class="bottom">Все права защищены.</div>
</body></html>"""
RU_LEAD = (
    "В Москве в субботу открылась большая выставка современного искусства, на которой "
    "представлены работы более ста художников из двадцати регионов страны."
)


@pytest.mark.parametrize(("charset", "codec"), [("windows-1251", "cp1251"), ("koi8-r", "koi8_r")])
def test_russian_page_in_a_legacy_encoding(charset: str, codec: str) -> None:
    article = extract_article(RU_PAGE.format(charset=charset).encode(codec), RU_URL)
    assert article.title == "В Москве открылась выставка современного искусства"
    assert article.paragraphs[0] == RU_LEAD
    assert article.paragraphs[1].startswith("Организаторы рассказали, что экспозиция займёт три этажа")
    assert len(article.paragraphs) == 3
    assert article.language == "ru"
    assert article.related == (
        RelatedLink("Музеи продлят часы работы летом", "http://gorod.example.ru/culture/2023/06/muzei"),
    )
    for junk in ("Читайте также", "Подписывайтесь", "Поделиться", "Реклама", "Купить квартиру",
                 "15.06.2023", "Главная", "Все права защищены"):
        assert junk not in article.text


def test_undeclared_cp1251_page_is_decoded_by_guessing() -> None:
    page = RU_PAGE.replace('<meta http-equiv="Content-Type" content="text/html; charset={charset}">', "")
    article = extract_article(page.encode("cp1251"), RU_URL)
    assert article.paragraphs[0] == RU_LEAD


# --- layouts that trip trafilatura ---------------------------------------------------------------

def _page(body: str) -> str:
    return (
        "<html><head><title>Air raid in Kyiv</title></head><body>"
        "<nav><a href='/'>Home</a> <a href='/news'>News</a> <a href='/sport'>Sport</a></nav>"
        f"{body}<footer>(c) 2024 Courier</footer></body></html>"
    )


def test_sentences_split_by_links_in_div_paragraphs_stay_whole() -> None:
    paragraphs = [
        f"Paragraph {i} of the report says the <a href='/l{i}'>city council</a> approved "
        f"<b>the new budget</b> after a long debate that lasted until late in the evening."
        for i in range(5)
    ]
    body = "<div class='l-container'>" + "".join(f"<div class='para'>{p}</div>" for p in paragraphs) + "</div>"
    article = extract_article(_page(body), "https://example.com/a")
    assert article.paragraphs == [
        f"Paragraph {i} of the report says the city council approved the new budget after a "
        "long debate that lasted until late in the evening."
        for i in range(5)
    ]


def test_text_loose_between_block_elements_keeps_its_paragraphs() -> None:
    # Paragraphs as loose text separated by empty <div>s used as line breaks.
    paragraphs = [
        "Син колишнього президента Німеччини загинув унаслідок нападу під час лекції в "
        "берлінській клініці, повідомила поліція в середу ввечері.",
        "Нападника, 57-річного чоловіка, затримали на місці, а ще одного відвідувача, який "
        "намагався його зупинити, госпіталізували в тяжкому стані.",
    ]
    body = (
        f"<h1>Напад у Берліні</h1><div class='article-body'>{paragraphs[0]}<div class='fake-br'></div>"
        f"{paragraphs[1]}<br><div class='fake-br'></div><script src='/player.js'></script></div>"
    )
    assert extract_article(_page(body), "https://example.com/a").paragraphs == paragraphs


def test_body_split_around_an_ad_is_extracted_whole() -> None:
    def chunk(first: int) -> str:
        return "<div class='grid'><div class='article-body'>" + "".join(
            f"<p>Paragraph {i} tells how the rescue team reached the village after the flood and "
            f"what the residents told them about the night the river rose.</p>"
            for i in range(first, first + 3)
        ) + "</div><div class='rail'><div class='ad'>Advertisement</div></div></div>"

    body = "<main><h1>Air raid in Kyiv</h1>" + chunk(0) + "<div class='full-bleed-ad'></div>" + chunk(3) + "</main>"
    article = extract_article(_page(body), "https://example.com/a")
    assert [p.split(" tells")[0] for p in article.paragraphs] == [f"Paragraph {i}" for i in range(6)]


def test_article_that_precision_mode_misses_is_found() -> None:
    # An old ASP.NET-style page: everything inside a <form>, paragraphs split by <br><br>.
    paragraphs = [
        f"Абзац {i}: обласна рада обговорила нові автобусні маршрути, ремонт мосту та бюджет для "
        "шкіл і вирішила провести громадські слухання наступного місяця."
        for i in range(4)
    ]
    page = (
        "<html><head><title>Обласна рада</title></head><body><form id='aspnetForm' action='news.aspx'>"
        "<div class='menu'><a href='/'>Головна</a> | <a href='/news'>Новини</a></div>"
        f"<div class='news-text'>{'<br><br>'.join(paragraphs)}</div></form></body></html>"
    )
    assert extract_article(page, "https://rada.example.ua/news.aspx?id=5").paragraphs == paragraphs


def test_lines_broken_inside_a_sentence_are_joined() -> None:
    # trafilatura's fallback extractor puts inline elements on lines of their own.
    body = etree.fromstring(
        "<body><p>Kyiv residents woke up as the<lb/>city administration<lb/>warned of an attack."
        "<lb/>Air defence shot down most of the missiles over the capital, the air force said.</p></body>"
    )
    assert paragraphs_from_body(body) == [
        "Kyiv residents woke up as the city administration warned of an attack.",
        "Air defence shot down most of the missiles over the capital, the air force said.",
    ]


# --- bad input and the feed fallback ------------------------------------------------------------

ENTRY = FeedEntry(
    guid="urn:1", url="https://example.com/a", title="Рада ухвалила бюджет",
    summary="Верховна Рада ухвалила державний бюджет на наступний рік у другому читанні. "
            "За відповідне рішення проголосували 257 народних депутатів.",
    published=datetime(2024, 9, 1, 8, 0, tzinfo=UTC), author="Редакція",
)
NAV_ONLY = _page("<div class='menu'><a href='/a'>Politics</a> <a href='/b'>Economy</a></div>")


@pytest.mark.parametrize(
    "page",
    ["", "   \n", b"", b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 40, b"\x00" * 5000, "<html></html>", NAV_ONLY],
)
def test_pages_without_text_raise_extraction_error(page: str | bytes) -> None:
    with pytest.raises(ExtractionError, match="example.com"):
        extract_article(page, "https://example.com/a")


@pytest.mark.parametrize("page", ["", b"\x00" * 5000, NAV_ONLY])
def test_pages_without_text_fall_back_to_the_feed_entry(page: str | bytes) -> None:
    article = extract_article(page, "https://example.com/a", fallback=ENTRY)
    assert article.from_feed
    assert article.text == ENTRY.summary
    assert article.title == ENTRY.title
    assert article.published == ENTRY.published
    assert article.language == "uk"


def test_a_page_shorter_than_the_feed_summary_falls_back_to_it() -> None:
    page = _page("<main><p>Рада ухвалила бюджет. Подробиці згодом.</p></main>")
    article = extract_article(page, "https://example.com/a", fallback=ENTRY)
    assert article.from_feed and article.text == ENTRY.summary


def test_a_good_page_is_preferred_to_the_feed_entry(en_article: Article) -> None:
    article = extract_article((PAGES / "en_news.html").read_text(encoding="utf-8"), EN_URL, fallback=ENTRY)
    assert not article.from_feed
    assert article.text == en_article.text


def test_an_empty_feed_entry_is_no_fallback() -> None:
    with pytest.raises(ExtractionError):
        extract_article("", "https://example.com/a", fallback=FeedEntry(guid="x", url="", title=""))


def test_deeply_nested_markup_is_handled() -> None:
    page = "<html><body>" + "<div>" * 50_000 + "<p>Deep text.</p>" + "</div>" * 50_000 + "</body></html>"
    try:
        extract_article(page, "https://example.com/a")
    except ExtractionError:
        pass  # no text found is a fine answer; anything else (RecursionError...) is not


_HTML_BITS = st.sampled_from([
    "<div>", "</div>", "<p>", "</p>", "<a href='/x'>", "<a href='http://[::1'>", "</a>", "<b>", "</b>", "<br>",
    "<table><tr><td>", "<script>", "</script>", "<!--", "-->", "<html>", "<body>", "<h1>", "</h1>", "<ul><li>",
    "&amp;", "&#0;", "<?xml version='1.0' encoding='utf-8'?>", "<meta charset='koi8-r'>",
    "<script type='application/ld+json'>{\"@type\":\"NewsArticle\",\"datePublished\":\"0000-01-01\"}</script>",
    "<meta property='article:published_time' content='9999-99-99'>", "<link rel='canonical' href='http://[bad'>",
    "<div class='related'>", "<h3>Related</h3>", "<span itemscope>", "<img src=x>",
    "Читайте також: ", "Read also: ", "Kyiv residents woke up to sirens on Monday. ", "\x00", "\ufffd",
])
_PAGES = st.one_of(st.text(), st.binary(), st.lists(_HTML_BITS | st.text(max_size=20), max_size=60).map("".join))
_URLS = st.sampled_from(["https://example.com/a", "http://[bad/x", "", "not a url"])


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_PAGES, _URLS)
def test_arbitrary_input_raises_nothing_but_extraction_error(page: str | bytes, url: str) -> None:
    find_related_links(page, url)  # never raises either
    try:
        article = extract_article(page, url)
    except ExtractionError:
        return
    assert article.text.strip()


# --- the cleaning rules and related links on their own ------------------------------------------

@pytest.mark.parametrize(
    "line",
    [
        "Read also: Ukraine receives new air defence systems", "READ MORE:", "See also",
        "Читайте також: Тарифи не зростуть", "Читайте также: Музеи продлят часы работы",
        "Дивіться також", "Смотрите также:", "Related: Cup final ends in drama", "Tags: energy, Kyiv",
        "Підписуйтесь на наш Telegram-канал", "Подписывайтесь на наш канал в Telegram",
        "Subscribe to our channels", "Follow us on Twitter", "Усі новини — у нашому Telegram-каналі",
        "Поделиться", "Поширити", "Share this article", "Facebook Twitter Telegram",
        "Photo: Reuters", "Фото: Укрінформ", "Фото ілюстративне", "© 2024 Courier. All rights reserved.",
        "Реклама", "15.06.2023 12:40", "21 March 2024, 14:30",
    ],
)
def test_junk_lines(line: str) -> None:
    assert is_junk_line(line)


@pytest.mark.parametrize(
    "line",
    [
        "Related research shows the budget deficit grew by 5% in 2024.",
        "Readers of the newspaper subscribed in record numbers, the publisher said on Monday.",
        "The photo agency said it would share the images with investigators.",
        "Фото з місця події оприлюднила поліція Києва у своєму Telegram-каналі ввечері.",
        "In 2024 the economy grew by 5%.", "10 p.m.",
    ],
)
def test_prose_is_not_junk(line: str) -> None:
    assert not is_junk_line(line)


def test_clean_paragraphs_drops_the_repeated_headline_and_junk_lines() -> None:
    paragraphs = ["Kyiv restores power", "First paragraph of the story.\nPhoto: Reuters", "Read also: Other story"]
    assert clean_paragraphs(paragraphs, title="Kyiv restores power") == ["First paragraph of the story."]


def test_a_lead_that_starts_with_the_headline_words_is_kept() -> None:
    lead = "Kyiv restores power to most districts, the mayor said."
    assert clean_paragraphs([lead], title="Kyiv restores power to most districts") == [lead]


@pytest.mark.parametrize("as_bytes", [False, True])
def test_find_related_links_resolves_dedupes_and_skips_the_page(as_bytes: bool) -> None:
    html = """<html><body><article>
      <p>Story text that is long enough to be a paragraph of an article about the budget.</p>
      <p><strong>Читайте також:</strong> <a href="/news/2">Рада ухвалила бюджет на наступний рік</a></p>
      <h3>Related stories</h3>
      <ul><li><a href="https://example.com/news/3">Budget debate runs late into the night</a></li>
          <li><a href="/news/2#top">Рада ухвалила бюджет на наступний рік</a></li>
          <li><a href="/news/1">This very story, linked from its own list</a></li>
          <li><a href="HTTPS://EXAMPLE.COM/news/1/">This very story, linked once more</a></li></ul>
    </article></body></html>"""
    links = find_related_links(html.encode() if as_bytes else html, "https://example.com/news/1")
    assert links == (
        RelatedLink("Рада ухвалила бюджет на наступний рік", "https://example.com/news/2"),
        RelatedLink("Budget debate runs late into the night", "https://example.com/news/3"),
    )
