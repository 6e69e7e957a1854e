"""End to end: admin commands and channel membership, through the fake Bot API and news site."""

from __future__ import annotations

from tests.conftest import ADMIN_ID, READER_ID, RunningBot
from tests.fakes.news_site import FakeNewsSite
from tests.stories import DAM, DAM_FOLLOWUP, ELECTION

CHANNEL = -1001234


async def _add_channel(bot: RunningBot, *, can_post: bool = True) -> None:
    bot.tg.push_my_chat_member(CHANNEL, "channel", title="Daily News", username="dailynews",
                               can_post_messages=can_post, from_user_id=ADMIN_ID)
    await bot.tg.wait_for("sendMessage", predicate=lambda c: c.params.get("chat_id") == ADMIN_ID)


async def test_admin_commands_are_refused_politely_for_others(running_bot: RunningBot) -> None:
    for command in ("/addfeed https://example.org/rss", "/stats", "/broadcast hi", "/post https://x.org/a"):
        [answer] = await running_bot.command(READER_ID, command)
        assert "admins only" in answer.params["text"]
    assert await running_bot.services.db.feeds.list() == []


async def test_addfeed_validates_and_reports_title_and_count(running_bot: RunningBot, site: FakeNewsSite) -> None:
    feed = site.feed("/rss.xml", title="Fake Times")
    feed.publish("Dam gates open", body=DAM)
    feed.publish("Election result", body=ELECTION)
    [answer] = await running_bot.command(ADMIN_ID, f"/addfeed {site.url('/rss.xml')}")
    assert "Added Fake Times as feed 1: 2 items" in answer.params["text"]
    [stored] = await running_bot.services.db.feeds.list()
    assert stored.url == site.url("/rss.xml") and stored.title == "Fake Times"


async def test_addfeed_on_a_web_page_offers_its_feed(running_bot: RunningBot, site: FakeNewsSite) -> None:
    site.feed("/feed.xml")
    site.add("/", '<html><head><link rel="alternate" type="application/rss+xml" href="/feed.xml"></head>'
                  "<body><p>Home</p></body></html>", content_type="text/html")
    [answer] = await running_bot.command(ADMIN_ID, f"/addfeed {site.url('/')}")
    assert "not a feed" in answer.params["text"]
    assert site.url("/feed.xml") in answer.params["text"]
    assert await running_bot.services.db.feeds.list() == []


async def test_addfeed_with_bad_arguments(running_bot: RunningBot, site: FakeNewsSite) -> None:
    [answer] = await running_bot.command(ADMIN_ID, "/addfeed")
    assert "Send /addfeed with the feed's address" in answer.params["text"]
    [answer] = await running_bot.command(ADMIN_ID, "/addfeed not-a-url")
    assert answer.params["text"].startswith("“not-a-url” is not a web address")
    for scheme in ("ftp", "file"):
        [answer] = await running_bot.command(ADMIN_ID, f"/addfeed {scheme}://example.org/rss")
        assert f"only poll http:// and https:// addresses, not {scheme}://" in answer.params["text"]
    [answer] = await running_bot.command(ADMIN_ID, f"/addfeed {site.url('/missing.xml')}")
    assert "could not fetch" in answer.params["text"] and "404" in answer.params["text"]


async def test_private_addresses_are_refused_unless_allowed(make_settings, tg, clock, site: FakeNewsSite) -> None:  # type: ignore[no-untyped-def]
    from bot.app import build_application
    from tests.conftest import RunningBot as Bot, start_bot

    site.feed("/rss.xml")
    application = build_application(make_settings(allow_private_urls=False), clock=clock, schedule_jobs=False)
    async with start_bot(application):
        [answer] = await Bot(application, tg).command(ADMIN_ID, f"/addfeed {site.url('/rss.xml')}")
    assert "could not fetch" in answer.params["text"]
    assert "private" in answer.params["text"].lower() or "loopback" in answer.params["text"].lower()
    assert "set ALLOW_PRIVATE_URLS=true" in answer.params["text"]


async def test_channel_added_is_recorded_and_admins_told(running_bot: RunningBot) -> None:
    await _add_channel(running_bot)
    chat = await running_bot.services.db.chats.get(CHANNEL)
    assert chat is not None and chat.kind == "channel" and chat.can_post
    told = running_bot.tg.sent_messages(ADMIN_ID)[-1].params["text"]
    assert "Daily News" in told and "can post" in told


async def test_channel_without_post_right_is_reported(running_bot: RunningBot) -> None:
    await _add_channel(running_bot, can_post=False)
    told = running_bot.tg.sent_messages(ADMIN_ID)[-1].params["text"]
    assert "Post messages" in told
    [answer] = await running_bot.command(ADMIN_ID, "/channels")
    assert "cannot post" in answer.params["text"]


async def test_removed_from_channel_marks_it_inactive(running_bot: RunningBot) -> None:
    await _add_channel(running_bot)
    running_bot.tg.push_my_chat_member(CHANNEL, "channel", old_status="administrator", new_status="left")
    await running_bot.tg.wait_for("sendMessage", count=2, predicate=lambda c: c.params.get("chat_id") == ADMIN_ID)
    chat = await running_bot.services.db.chats.get(CHANNEL)
    assert chat is not None and not chat.active


async def test_post_url_to_channel_with_read_also_and_buttons(running_bot: RunningBot, site: FakeNewsSite) -> None:
    await _add_channel(running_bot)
    feed = site.feed("/rss.xml", title="Fake Times")
    feed.publish("Reservoir levels rise after dam gates open", body=DAM_FOLLOWUP)
    await running_bot.command(ADMIN_ID, f"/addfeed {site.url('/rss.xml')}")
    [stored] = await running_bot.services.db.feeds.list()
    await running_bot.services.ingestor.poll(stored)  # one related story in the database
    site.add("/story.html", f"<html><head><title>Dam gates open</title></head><body><article><h1>Dam gates open"
                            f"</h1>{''.join(f'<p>{p}</p>' for p in DAM.split(chr(10) * 2))}</article></body></html>",
             content_type="text/html")
    [answer] = await running_bot.command(ADMIN_ID, f"/post {site.url('/story.html')} {CHANNEL}")
    assert answer.params["text"].startswith("Queued")  # answered at once; the publisher sends it
    assert (await running_bot.services.publisher.drain()).sent == 1
    [posted] = running_bot.tg.sent_messages(CHANNEL)
    text = posted.params["text"]
    assert text.startswith("<b><a href=")
    assert "Engineers opened the gates" in text
    assert "Read also:" in text and "Reservoir levels rise" in text
    buttons = [b for row in posted.params["reply_markup"]["inline_keyboard"] for b in row]
    assert buttons[0]["text"] == "Read more" and buttons[0]["url"] == site.url("/story.html")
    assert buttons[1]["url"].startswith("https://t.me/newsbot_test_bot?start=related_")
    assert posted.params["link_preview_options"]["is_disabled"] is True  # LINK_PREVIEWS default
    [again] = await running_bot.command(ADMIN_ID, f"/post {site.url('/story.html')} {CHANNEL}")
    assert "already posted" in again.params["text"]
    assert len(running_bot.tg.sent_messages(CHANNEL)) == 1
    # The admin may ask for a preview on one post; the channel's default stays off.
    site.add("/other.html", f"<html><body><article><h1>Election</h1><p>{ELECTION}</p></article></body></html>",
             content_type="text/html")
    running_bot.services.clock.advance(60)  # type: ignore[attr-defined]
    await running_bot.command(ADMIN_ID, f"/post {site.url('/other.html')} {CHANNEL} preview")
    await running_bot.services.publisher.drain()
    assert running_bot.tg.sent_messages(CHANNEL)[-1].params["link_preview_options"]["is_disabled"] is False
    assert (await running_bot.services.db.chats.get(CHANNEL)).link_previews is None  # type: ignore[union-attr]


async def test_channel_subscribe_pause_resume_and_stats(running_bot: RunningBot, site: FakeNewsSite) -> None:
    await _add_channel(running_bot)
    site.feed("/rss.xml", title="Fake Times").publish("Dam gates open", body=DAM)
    await running_bot.command(ADMIN_ID, f"/addfeed {site.url('/rss.xml')}")
    [answer] = await running_bot.command(ADMIN_ID, f"/channel {CHANNEL} subscribe 1")
    assert "Daily News now gets Fake Times" in answer.params["text"]
    [answer] = await running_bot.command(ADMIN_ID, f"/channel {CHANNEL} quiet 23:00-07:00")
    assert "quiet 23:00-07:00" in answer.params["text"]
    [answer] = await running_bot.command(ADMIN_ID, f"/channel {CHANNEL} quiet late")
    assert "HH:MM-HH:MM" in answer.params["text"]
    [answer] = await running_bot.command(ADMIN_ID, "/pause")
    assert answer.params["text"] == "Paused posting to Daily News."
    assert (await running_bot.services.db.chats.get(CHANNEL)).paused  # type: ignore[union-attr]
    await running_bot.command(ADMIN_ID, "/resume")
    assert not (await running_bot.services.db.chats.get(CHANNEL)).paused  # type: ignore[union-attr]
    [answer] = await running_bot.command(ADMIN_ID, "/stats")
    assert "Feeds: 1 (1 on, 0 failing)" in answer.params["text"]
    [answer] = await running_bot.command(ADMIN_ID, "/feeds")
    assert "Fake Times" in answer.params["text"]


async def test_broadcast_goes_to_readers_through_the_outbox(running_bot: RunningBot) -> None:
    await running_bot.command(READER_ID, "/start")
    [answer] = await running_bot.command(ADMIN_ID, "/broadcast Maintenance <tonight> & tomorrow")
    assert "Queued for 1 chats" in answer.params["text"]  # answered before any reader got it
    assert (await running_bot.services.publisher.drain()).sent == 1
    [got] = await running_bot.tg.wait_for(
        "sendMessage", predicate=lambda c: c.params["chat_id"] == READER_ID and "Maintenance" in c.params["text"])
    assert got.params["text"] == "Maintenance &lt;tonight&gt; &amp; tomorrow"
    rows = await running_bot.services.db.deliveries.for_chat(READER_ID)
    assert [r.state for r in rows] == ["sent"]


async def test_export_and_import_opml(running_bot: RunningBot, site: FakeNewsSite) -> None:
    site.feed("/rss.xml", title="Fake Times")
    await running_bot.command(ADMIN_ID, f"/addfeed {site.url('/rss.xml')}")
    await running_bot.command(ADMIN_ID, "/export", replies=0)
    [document] = await running_bot.tg.wait_for("sendDocument")
    assert site.url("/rss.xml").encode() in document.files["document"].data
    [feed] = await running_bot.services.db.feeds.list()
    await running_bot.services.db.feeds.remove(feed.id)

    # The admin sends the exported file back with /import as its caption.
    user = {"id": ADMIN_ID, "is_bot": False, "first_name": "Admin"}
    running_bot.tg.push_update({"message": {
        "message_id": 900, "date": 1767268800, "chat": {"id": ADMIN_ID, "type": "private", "first_name": "Admin"},
        "from": user, "document": document.result["document"], "caption": "/import",
    }})
    [answer] = await running_bot.tg.wait_for(
        "sendMessage", predicate=lambda c: c.params["chat_id"] == ADMIN_ID and "Imported" in c.params["text"])
    assert "Imported 1 new feeds" in answer.params["text"]
    assert [f.url for f in await running_bot.services.db.feeds.list()] == [site.url("/rss.xml")]


async def test_feed_interval_resume_and_remove(running_bot: RunningBot, site: FakeNewsSite) -> None:
    site.feed("/rss.xml", title="Fake Times").publish("Dam gates open", body=DAM)
    await running_bot.command(ADMIN_ID, f"/addfeed {site.url('/rss.xml')}")
    [answer] = await running_bot.command(ADMIN_ID, "/interval 1 30")
    assert "poll Fake Times every 30 minutes" in answer.params["text"]
    [feed] = await running_bot.services.db.feeds.list()
    assert feed.poll_interval_s == 1800
    [answer] = await running_bot.command(ADMIN_ID, "/interval 1 2")
    assert answer.params["text"].startswith("Send /interval FEED MINUTES")
    await running_bot.services.db.feeds.set_enabled(feed.id, False, now=running_bot.services.clock.now())
    [answer] = await running_bot.command(ADMIN_ID, "/resume 1")
    assert "Polling Fake Times again" in answer.params["text"]
    assert (await running_bot.services.db.feeds.get(feed.id)).enabled  # type: ignore[union-attr]
    [answer] = await running_bot.command(ADMIN_ID, "/removefeed 1")
    assert "Removed Fake Times" in answer.params["text"]
    assert await running_bot.services.db.feeds.list() == []
    [answer] = await running_bot.command(ADMIN_ID, "/removefeed 1")
    assert "There are no feeds yet" in answer.params["text"]
    [answer] = await running_bot.command(ADMIN_ID, "/removefeed")
    assert "Send /removefeed with the feed's number" in answer.params["text"]
