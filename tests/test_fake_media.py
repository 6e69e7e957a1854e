"""The fake Bot API's photos, rich messages, forum topics and caption edits, driven by PTB.

These pin down the rules the rich-post tests rely on, each as the Bot API pages state it (see
the docstring of tests/fakes/_tg_media.py for where each comes from).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from telegram import Bot, Message
from telegram.error import BadRequest, EndPointNotFound, RetryAfter

from bot.clock import FakeClock
from bot.delivery.send import Post, Sender
from bot.news.rich import RichMessage
from storage import Database
from tests.fakes.telegram_api import FakeTelegramServer

USER = 5550001
CHANNEL = -1001234567890
FORUM = -1009990001
IMAGE = "https://news.example/img/lead.jpg"


@pytest.fixture
async def tg() -> AsyncIterator[FakeTelegramServer]:
    async with FakeTelegramServer() as server:
        yield server


@pytest.fixture
async def bot(tg: FakeTelegramServer) -> AsyncIterator[Bot]:
    async with Bot(tg.token, base_url=tg.base_url, base_file_url=tg.base_file_url) as client:
        yield client


async def test_send_photo_by_url_returns_a_photo_message_with_its_caption(tg: FakeTelegramServer, bot: Bot) -> None:
    message = await bot.send_photo(USER, IMAGE, caption="<b>Dam</b> opens", parse_mode="HTML")
    assert message.photo and message.photo[-1].width == 1280
    assert message.caption == "Dam opens"
    [call] = tg.calls_to("sendPhoto")
    assert call.params["photo"] == IMAGE


async def test_caption_limit_is_1024_characters_after_entities(tg: FakeTelegramServer, bot: Bot) -> None:
    fits = "<b>" + "x" * 1024 + "</b>"  # 1031 characters of HTML, 1024 a reader sees
    assert (await bot.send_photo(USER, IMAGE, caption=fits, parse_mode="HTML")).caption == "x" * 1024
    with pytest.raises(BadRequest, match="(?i)Message caption is too long"):
        await bot.send_photo(USER, IMAGE, caption="é" * 1025)


async def test_caption_limit_counts_utf16_units_and_decoded_entities_as_telegram_does(bot: Bot) -> None:
    """Telegram counts a caption in UTF-16 code units after entities parsing: an emoji outside
    the BMP is two, "&amp;" in HTML is the one "&" a reader sees."""
    assert (await bot.send_photo(USER, IMAGE, caption="😀" * 512)).caption == "😀" * 512
    with pytest.raises(BadRequest, match="(?i)Message caption is too long"):
        await bot.send_photo(USER, IMAGE, caption="😀" * 512 + "x")
    sent = await bot.send_photo(USER, IMAGE, caption="&amp;" * 1024, parse_mode="HTML")
    assert sent.caption == "&" * 1024


@pytest.mark.parametrize(("kind", "text"), [
    ("failed", "failed to get HTTP URL content"),
    ("wrong_type", "wrong type of the web page content"),
    ("wrong_id", "wrong file identifier/HTTP URL specified"),
])
async def test_an_image_telegram_cannot_fetch_is_refused_with_telegrams_text(
    tg: FakeTelegramServer, bot: Bot, kind: str, text: str
) -> None:
    tg.mark_unfetchable(IMAGE, kind)
    with pytest.raises(BadRequest, match="(?i)" + text.replace("/", ".")):
        await bot.send_photo(USER, IMAGE)
    assert tg.calls_to("sendPhoto")[0].description == f"Bad Request: {text}"


async def test_a_photo_that_is_no_url_nor_file_id_is_refused(bot: Bot) -> None:
    with pytest.raises(BadRequest, match="(?i)wrong file identifier"):
        await bot.send_photo(USER, "not-a-file-id")


async def test_a_refused_photo_is_not_counted_by_the_flood_limits(tg: FakeTelegramServer, bot: Bot) -> None:
    clock = FakeClock()
    tg.enforce_flood_limits(clock, private_per_sec=1)
    tg.mark_unfetchable(IMAGE)
    with pytest.raises(BadRequest):
        await bot.send_photo(USER, IMAGE)
    await bot.send_message(USER, "text instead")  # the same second: the refusal used no quota
    with pytest.raises(RetryAfter):
        await bot.send_photo(USER, "https://news.example/other.jpg")
    assert tg.flood_429_count == 1


async def _rich(bot: Bot, chat_id: int, rich: dict, **extra: object) -> Message:
    return await bot.do_api_request(
        "sendRichMessage", api_kwargs={"chat_id": chat_id, "rich_message": rich, **extra}, return_type=Message
    )


async def test_send_rich_message_accepts_documented_html_and_keeps_is_rtl(tg: FakeTelegramServer, bot: Bot) -> None:
    html = ('<h1>Title</h1><img src="https://e.com/a.jpg"><p>One <b>two</b> <a href="https://e.com">three</a></p>'
            "<blockquote>quote</blockquote><ul><li>a</li><li>b</li></ul>")
    message = await _rich(bot, USER, {"html": html, "is_rtl": True})
    assert message.message_id == 1
    [call] = tg.calls_to("sendRichMessage")
    assert call.result["rich_message"]["is_rtl"] is True
    assert [b["type"] for b in call.result["rich_message"]["blocks"]] == ["h1", "img", "p", "blockquote", "ul", "li", "li"]


@pytest.mark.parametrize(("rich", "error"), [
    ({"html": "<p>x</p>", "markdown": "x"}, "exactly one of html, markdown or blocks"),
    ({"html": "<div>x</div>"}, 'Unsupported start tag "div"'),
    ({"html": "<p>x"}, "can't find end tag"),
    ({"html": "<p>" + "x" * 32769 + "</p>"}, "rich message text is too long"),
    ({"html": "<p>" + "😀" * 16385 + "</p>"}, "rich message text is too long"),  # 32,770 UTF-16 units
    ({"html": "<p>x</p>" * 501}, "too many blocks"),
    ({"html": "<blockquote>" * 17 + "x" + "</blockquote>" * 17}, "nesting is too deep"),
    ({"html": '<img src="https://e.com/a.jpg">' * 51 + "<p>x</p>"}, "too many media"),
    ({"html": '<img src="javascript:alert(1)"><p>x</p>'}, "wrong media URL"),
])
async def test_send_rich_message_refuses_what_the_docs_refuse(bot: Bot, rich: dict, error: str) -> None:
    with pytest.raises(BadRequest, match="(?i)" + error):
        await _rich(bot, USER, rich)


async def test_the_limits_themselves_are_allowed(bot: Bot) -> None:
    await _rich(bot, USER, {"html": "<p>" + "я" * 32768 + "</p>"})
    await _rich(bot, USER, {"html": "<p>" + "😀" * 16384 + "</p>"})  # 32,768 UTF-16 code units
    await _rich(bot, USER, {"html": "<p>x</p>" * 500})
    await _rich(bot, USER, {"html": "<blockquote>" * 16 + "x" + "</blockquote>" * 16})


async def test_an_older_server_answers_404_for_send_rich_message(tg: FakeTelegramServer, bot: Bot) -> None:
    tg.rich_messages_supported = False
    with pytest.raises(EndPointNotFound):
        await _rich(bot, USER, {"html": "<p>x</p>"})
    assert tg.calls_to("sendRichMessage")[0].status == 404


async def test_create_forum_topic_needs_a_forum_and_the_right(tg: FakeTelegramServer, bot: Bot) -> None:
    tg.add_chat(CHANNEL, "supergroup", "Plain group")
    with pytest.raises(BadRequest, match="(?i)the chat is not a forum"):
        await bot.create_forum_topic(CHANNEL, "News")
    tg.add_forum(FORUM, "Forum")
    tg.set_member(FORUM, tg.bot_id, "administrator")
    with pytest.raises(BadRequest, match="(?i)not enough rights to create a topic"):
        await bot.create_forum_topic(FORUM, "News")
    tg.set_member(FORUM, tg.bot_id, "administrator", can_manage_topics=True)
    with pytest.raises(BadRequest, match="(?i)TOPIC_ICON_COLOR_INVALID"):
        await bot.create_forum_topic(FORUM, "News", icon_color=0x123456)  # type: ignore[arg-type]
    topic = await bot.create_forum_topic(FORUM, "News")
    assert topic.name == "News" and topic.message_thread_id == 1  # the "topic created" service message
    assert [t.name for t in tg.topics(FORUM)] == ["News"]


async def test_create_forum_topic_cuts_a_long_name_silently_as_tdlib_does(tg: FakeTelegramServer, bot: Bot) -> None:
    # Telegram does not refuse a name over 128 characters: TDLib's clean_name keeps the first
    # 128 code points, wherever that falls (here inside a flag), and folds runs of spaces.
    tg.add_forum(FORUM, "Forum")
    tg.set_member(FORUM, tg.bot_id, "administrator", can_manage_topics=True)
    flag = "\U0001F1FA\U0001F1E6"
    long = await bot.create_forum_topic(FORUM, "a" * 127 + flag + " news")
    assert long.name == "a" * 127 + "\U0001F1FA"  # half the flag: why the bot cuts first
    emoji = await bot.create_forum_topic(FORUM, "\U0001F30A" * 130)  # 2 UTF-16 units each, 1 code point
    assert emoji.name == "\U0001F30A" * 128
    spaced = await bot.create_forum_topic(FORUM, "  Water\n\n and\u00a0\u2003Dams  ")
    assert spaced.name == "Water and Dams"
    assert [t.name for t in tg.topics(FORUM)] == [long.name, emoji.name, "Water and Dams"]
    for empty in ("", "   ", "\u200b\u00a0\n"):
        with pytest.raises(BadRequest, match="^Title must be non-empty$"):
            await bot.create_forum_topic(FORUM, empty)
    assert len(tg.topics(FORUM)) == 3


async def test_every_send_honours_message_thread_id(tg: FakeTelegramServer, bot: Bot) -> None:
    tg.add_forum(FORUM, "Forum")
    tg.set_member(FORUM, tg.bot_id, "administrator", can_manage_topics=True)
    thread = (await bot.create_forum_topic(FORUM, "News")).message_thread_id
    text = await bot.send_message(FORUM, "hi", message_thread_id=thread)
    photo = await bot.send_photo(FORUM, IMAGE, message_thread_id=thread)
    rich = await _rich(bot, FORUM, {"html": "<p>x</p>"}, message_thread_id=thread)
    assert {m.message_thread_id for m in (text, photo, rich)} == {thread}
    assert text.is_topic_message
    with pytest.raises(BadRequest, match="(?i)message thread not found"):
        await bot.send_message(FORUM, "hi", message_thread_id=999)
    tg.close_topic(FORUM, thread)
    with pytest.raises(BadRequest, match="(?i)TOPIC_CLOSED"):
        await bot.send_photo(FORUM, IMAGE, message_thread_id=thread)
    tg.delete_topic(FORUM, thread)
    with pytest.raises(BadRequest, match="(?i)message thread not found"):
        await _rich(bot, FORUM, {"html": "<p>x</p>"}, message_thread_id=thread)
    await bot.send_message(FORUM, "General")  # no thread: the General topic


async def test_edit_message_caption_edits_photo_posts_only(tg: FakeTelegramServer, bot: Bot) -> None:
    photo = await bot.send_photo(USER, IMAGE, caption="old")
    edited = await bot.edit_message_caption(USER, photo.message_id, caption="<i>new</i>", parse_mode="HTML")
    assert isinstance(edited, Message) and edited.caption == "new"
    with pytest.raises(BadRequest, match="(?i)message is not modified"):
        await bot.edit_message_caption(USER, photo.message_id, caption="<i>new</i>", parse_mode="HTML")
    with pytest.raises(BadRequest, match="(?i)Message caption is too long"):
        await bot.edit_message_caption(USER, photo.message_id, caption="x" * 1025)
    text = await bot.send_message(USER, "plain")
    with pytest.raises(BadRequest, match="(?i)there is no caption in the message to edit"):
        await bot.edit_message_caption(USER, text.message_id, caption="x")


@pytest.mark.sqlite_only("PRAGMA query_only makes SQLite refuse every write; PostgreSQL write faults are in test_pg_faults.py")
async def test_a_fallback_goes_on_when_the_database_cannot_record_it(
    tg: FakeTelegramServer, bot: Bot, tmp_path: Path
) -> None:
    """The sender's bookkeeping (the once-only admin notice, a gone topic) needs writes; a
    database that refuses them must not stop the fallback post from going out in its slot."""
    db = await Database.open(tmp_path / "bot.db")
    try:
        sender = Sender(bot, db, admin_ids=[], clock=FakeClock())
        tg.rich_messages_supported = False
        await db.conn.execute("PRAGMA query_only = ON")  # every write now fails, as on a full disk
        sent = await sender.send(USER, Post("<b>Dam</b> opens", rich=RichMessage("<p>Dam opens</p>")))
        assert sent.kind == "text" and sent.fallbacks == ("rich",)
        assert tg.sent_messages(USER)[0].params["text"] == "<b>Dam</b> opens"
    finally:
        await db.conn.execute("PRAGMA query_only = OFF")
        await db.close()
