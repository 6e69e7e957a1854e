"""End to end: one event from two outlets is one post, edited to name both; a corrected article
edits its post; an unrelated story gets no "Read also". Through the fake Bot API and the fake
news site, with a real SQLite file and a FakeClock."""

from __future__ import annotations

import re
from datetime import timedelta

from bot.app import build_application
from bot.clock import FakeClock
from bot.jobs.digest import queue_due_digests
from bot.jobs.poll import poll_due_feeds
from bot.news.render import telegram_length
from bot.storyflow import EditLimits
from tests.conftest import ADMIN_ID, READER_ID, TOKEN, RunningBot, start_bot
from tests.fakes._tg_updates import utf16_len
from tests.fakes.news_site import FakeNewsSite
from tests.stories import DAM, ELECTION, KYIV_BRIDGE_EN, QUAKE_AP, QUAKE_OTHER, QUAKE_REUTERS


CHANNEL = -1007002


async def _channel_follows(bot: RunningBot, site: FakeNewsSite, paths: list[str]) -> None:
    bot.tg.push_my_chat_member(CHANNEL, "channel", title="World News", from_user_id=ADMIN_ID)
    await bot.tg.wait_for("sendMessage", predicate=lambda c: c.params.get("chat_id") == ADMIN_ID)
    for number, path in enumerate(paths, start=1):
        await bot.command(ADMIN_ID, f"/addfeed {site.url(path)}")
        await bot.command(ADMIN_ID, f"/channel {CHANNEL} subscribe {number}")


async def _cycle(bot: RunningBot, clock: FakeClock) -> int:
    clock.advance(timedelta(minutes=20))  # every feed is due again
    await poll_due_feeds(bot.services)
    return (await bot.services.publisher.drain()).sent


async def _posted_then_reported_again(bot: RunningBot, site: FakeNewsSite, clock: FakeClock) -> None:
    """The quake posted from the wire's feed, then the press's own write-up of it published."""
    wire = site.feed("/wire.xml", title="Wire Service")
    press = site.feed("/press.xml", title="Daily Press")
    wire.publish("Earthquake kills 12 in Indonesia's Aceh", body=QUAKE_REUTERS)
    await _channel_follows(bot, site, ["/wire.xml", "/press.xml"])
    assert await _cycle(bot, clock) == 1
    press.publish("Strong quake in Aceh leaves at least 12 dead", body=QUAKE_AP)


def _edits(bot: RunningBot) -> list:
    return [c for c in bot.tg.calls if c.method == "editMessageText" and c.params.get("chat_id") == CHANNEL]


async def test_two_outlets_one_event_make_one_post_edited_to_name_both(
    running_bot: RunningBot, site: FakeNewsSite, clock: FakeClock
) -> None:
    wire = site.feed("/wire.xml", title="Wire Service")
    press = site.feed("/press.xml", title="Daily Press")
    wire.publish("Earthquake kills 12 in Indonesia's Aceh", body=QUAKE_REUTERS)
    await _channel_follows(running_bot, site, ["/wire.xml", "/press.xml"])
    assert await _cycle(running_bot, clock) == 1
    [post] = running_bot.tg.sent_messages(CHANNEL)
    assert "Also:" not in post.params["text"]

    second = press.publish("Strong quake in Aceh leaves at least 12 dead", body=QUAKE_AP)
    assert await _cycle(running_bot, clock) == 0  # the same event: no second post
    [edit] = _edits(running_bot)
    assert edit.ok and edit.params["message_id"] == post.result["message_id"]
    assert "Also:" in edit.params["text"] and f'href="{second.url}"' in edit.params["text"]
    assert "Daily Press" in edit.params["text"] and "Wire Service" in edit.params["text"]
    assert edit.params.get("reply_markup"), "the edit keeps the post's buttons"
    [story] = await running_bot.services.db.articles.latest(limit=5)
    assert story.source_count == 2

    # Another event of the same kind is a story of its own.
    press.publish("Quake shakes Sumbawa, schools damaged", body=QUAKE_OTHER)
    assert await _cycle(running_bot, clock) == 1
    assert len(_edits(running_bot)) == 1
    # Polling again changes nothing.
    assert await _cycle(running_bot, clock) == 0
    assert len(_edits(running_bot)) == 1 and len(running_bot.tg.sent_messages(CHANNEL)) == 2


async def test_a_corrected_article_edits_its_post_and_is_not_posted_again(
    running_bot: RunningBot, site: FakeNewsSite, clock: FakeClock
) -> None:
    feed = site.feed("/rss.xml", title="Fake Times")
    item = feed.publish("Portugal votes for stability", body=ELECTION)
    await _channel_follows(running_bot, site, ["/rss.xml"])
    assert await _cycle(running_bot, clock) == 1
    [post] = running_bot.tg.sent_messages(CHANNEL)
    assert "116 of the 230 seats" in post.params["text"]

    corrected = ELECTION.replace("116 of the 230 seats", "118 of the 230 seats").replace(
        "narrow majority in parliament", "narrow but workable majority in parliament"
    )
    feed.update(item, summary="corrected", body=corrected)
    assert await _cycle(running_bot, clock) == 0
    [edit] = _edits(running_bot)
    assert edit.ok and edit.params["message_id"] == post.result["message_id"]
    assert "118 of the 230 seats" in edit.params["text"]
    stored = await running_bot.services.db.articles.get(post_article := 1)
    assert stored is not None and "118" in stored.text, post_article
    # Unchanged on the next poll: no further edit, no new post.
    assert await _cycle(running_bot, clock) == 0
    assert len(_edits(running_bot)) == 1


async def test_corrections_stop_at_the_limit_per_post(
    running_bot: RunningBot, site: FakeNewsSite, clock: FakeClock
) -> None:
    feed = site.feed("/rss.xml", title="Fake Times")
    item = feed.publish("Portugal votes for stability", body=ELECTION)
    await _channel_follows(running_bot, site, ["/rss.xml"])
    assert await _cycle(running_bot, clock) == 1
    limit = running_bot.services.settings.story_max_corrections
    for seats in range(100, 100 + limit + 2):
        item = feed.update(item, summary=f"v{seats}", body=ELECTION.replace("116 of", f"{seats} of"))
        assert await _cycle(running_bot, clock) == 0
    assert len(_edits(running_bot)) == limit
    assert len(running_bot.tg.sent_messages(CHANNEL)) == 1


async def test_an_unrelated_story_gets_no_read_also(
    running_bot: RunningBot, site: FakeNewsSite, clock: FakeClock
) -> None:
    feed = site.feed("/rss.xml", title="Fake Times")
    feed.publish("Dam gates open after repairs", body=DAM)
    await _channel_follows(running_bot, site, ["/rss.xml"])
    assert await _cycle(running_bot, clock) == 1
    feed.publish("Portugal votes for stability", body=ELECTION)
    assert await _cycle(running_bot, clock) == 1
    for post in running_bot.tg.sent_messages(CHANNEL):
        assert "Read also" not in post.params["text"]


async def test_an_edit_of_a_deleted_post_fails_once_and_loses_nothing(
    running_bot: RunningBot, site: FakeNewsSite, clock: FakeClock
) -> None:
    wire = site.feed("/wire.xml", title="Wire Service")
    press = site.feed("/press.xml", title="Daily Press")
    wire.publish("Earthquake kills 12 in Indonesia's Aceh", body=QUAKE_REUTERS)
    await _channel_follows(running_bot, site, ["/wire.xml", "/press.xml"])
    assert await _cycle(running_bot, clock) == 1
    [post] = running_bot.tg.sent_messages(CHANNEL)
    await running_bot.application.bot.delete_message(CHANNEL, post.result["message_id"])  # a channel admin did

    press.publish("Strong quake in Aceh leaves at least 12 dead", body=QUAKE_AP)
    assert await _cycle(running_bot, clock) == 0
    [edit] = _edits(running_bot)
    assert not edit.ok and "message to edit not found" in (edit.description or "")
    db = running_bot.services.db
    assert await db.edits.count("failed") == 1 and await db.edits.count("pending") == 0
    for _ in range(3):  # never tried again, never re-posted
        assert await _cycle(running_bot, clock) == 0
    assert len(_edits(running_bot)) == 1
    [story] = await db.articles.latest(limit=5)
    assert story.source_count == 2  # the story kept its second source


async def test_an_edit_that_keeps_failing_is_given_up_after_a_few_tries(
    running_bot: RunningBot, site: FakeNewsSite, clock: FakeClock
) -> None:
    running_bot.tg.fail("editMessageText", "500", times=None)
    await _posted_then_reported_again(running_bot, site, clock)
    for _ in range(8):
        await _cycle(running_bot, clock)
        clock.advance(timedelta(minutes=5))
    db = running_bot.services.db
    assert len(_edits(running_bot)) == 3 and await db.edits.count("failed") == 1
    assert len(running_bot.tg.sent_messages(CHANNEL)) == 1


async def test_an_edit_refused_for_a_revoked_token_is_kept_and_stops_sending(
    running_bot: RunningBot, site: FakeNewsSite, clock: FakeClock
) -> None:
    """The token revoked while only an edit is due (no post): Telegram's 401 is no passing
    error. Before, the edit was tried as after a 5xx and given up after three tries, and the bot
    ran on; now it waits, untried, for the new token, and sending stops (the watch job then
    stops the bot with one line, as for a post)."""
    await _posted_then_reported_again(running_bot, site, clock)
    running_bot.tg.revoked_tokens.add(TOKEN)
    try:
        for _ in range(8):
            await _cycle(running_bot, clock)
            clock.advance(timedelta(minutes=5))
    finally:
        running_bot.tg.revoked_tokens.clear()
    db = running_bot.services.db
    [refused] = _edits(running_bot)  # one try, then no more
    assert refused.status == 401
    assert await db.edits.count("failed") == 0 and await db.edits.count("pending") == 1
    assert running_bot.services.publisher.token_refused is not None


async def test_an_edit_telegram_calls_not_modified_is_done(
    running_bot: RunningBot, site: FakeNewsSite, clock: FakeClock
) -> None:
    running_bot.tg.fail("editMessageText", "400", description="Bad Request: message is not modified: specified "
                        "new message content and reply markup are exactly the same as a current content and reply "
                        "markup of the message")
    await _posted_then_reported_again(running_bot, site, clock)
    assert await _cycle(running_bot, clock) == 0
    db = running_bot.services.db
    assert await db.edits.count("done") == 1 and len(_edits(running_bot)) == 1


def _titles(answer_text: str) -> list[str]:
    return [line.split(">", 1)[1].split("<", 1)[0] for line in answer_text.splitlines()[2:]]


async def test_latest_lists_a_story_once_ranked_by_sources_and_recency(
    running_bot: RunningBot, site: FakeNewsSite, clock: FakeClock
) -> None:
    wire = site.feed("/wire.xml", title="Wire Service")
    press = site.feed("/press.xml", title="Daily Press")
    for path in ("/wire.xml", "/press.xml"):
        await running_bot.command(ADMIN_ID, f"/addfeed {site.url(path)}")
    await running_bot.command(READER_ID, "/subscribe 1")
    await running_bot.command(READER_ID, "/subscribe 2")
    now = clock.now()
    wire.publish("Earthquake kills 12 in Indonesia's Aceh", body=QUAKE_REUTERS, published=now - timedelta(hours=3))
    press.publish("Portugal votes for stability", body=ELECTION, published=now - timedelta(hours=1))
    wire.publish("Dam gates open after repairs", body=DAM, published=now - timedelta(minutes=30))
    await _cycle(running_bot, clock)
    press.publish("Strong quake in Aceh leaves at least 12 dead", body=QUAKE_AP, published=now - timedelta(hours=2))
    await _cycle(running_bot, clock)
    [quake] = [a for a in await running_bot.services.db.articles.latest(limit=10) if "Aceh" in a.title]
    assert quake.source_count == 2

    [answer] = await running_bot.command(READER_ID, "/latest")
    # Two outlets carried the quake: it leads though two stories are newer; listed once.
    assert _titles(answer.params["text"]) == [
        "Earthquake kills 12 in Indonesia's Aceh", "Dam gates open after repairs", "Portugal votes for stability"]

    # A day later a fresh one-source story comes first: recency outweighs an old second source.
    clock.advance(timedelta(hours=24))
    press.publish("Quake shakes Sumbawa, schools damaged", body=QUAKE_OTHER, published=clock.now())
    await _cycle(running_bot, clock)
    [answer] = await running_bot.command(READER_ID, "/latest 2")
    assert _titles(answer.params["text"]) == ["Quake shakes Sumbawa, schools damaged",
                                              "Earthquake kills 12 in Indonesia's Aceh"]


async def test_a_photo_post_gets_its_new_source_in_its_caption(
    running_bot: RunningBot, site: FakeNewsSite, clock: FakeClock
) -> None:
    wire = site.feed("/wire.xml", title="Wire Service")
    press = site.feed("/press.xml", title="Daily Press")
    wire.publish("Earthquake kills 12 in Indonesia's Aceh", body=QUAKE_REUTERS, page_image=site.url("/img/aceh.jpg"))
    await _channel_follows(running_bot, site, ["/wire.xml", "/press.xml"])
    assert await _cycle(running_bot, clock) == 1
    [photo] = running_bot.tg.calls_to("sendPhoto")
    second = press.publish("Strong quake in Aceh leaves at least 12 dead", body=QUAKE_AP)
    assert await _cycle(running_bot, clock) == 0
    assert not _edits(running_bot)  # a photo's text is its caption: editMessageText would be refused
    [edit] = running_bot.tg.calls_to("editMessageCaption")
    assert edit.ok and edit.params["message_id"] == photo.result["message_id"]
    assert "Also:" in edit.params["caption"] and f'href="{second.url}"' in edit.params["caption"]


async def test_many_outlets_of_one_event_keep_the_edit_within_telegrams_limits(
    running_bot: RunningBot, site: FakeNewsSite, clock: FakeClock
) -> None:
    """Twelve more outlets with long names carry one event, one poll each: every edit is one
    Telegram accepts (the fake refuses what Telegram refuses), the post keeps its title, the
    "Also:" line names the sources that fit its room and counts the rest, and the post is
    edited at most ``EditLimits.max_edits`` (10) times, however many outlets follow."""
    wire = site.feed("/wire.xml", title="Wire Service")
    wire.publish("Earthquake kills 12 in Indonesia's Aceh", body=QUAKE_REUTERS)
    outlets = [site.feed(f"/outlet{n}.xml", title=f"The Regional Broadcasting Corporation of Province Number {n} "
                         "· Evening Edition · Живі новини регіону")
               for n in range(12)]
    await _channel_follows(running_bot, site, ["/wire.xml", *(f"/outlet{n}.xml" for n in range(12))])
    assert await _cycle(running_bot, clock) == 1
    [post] = running_bot.tg.sent_messages(CHANNEL)
    for number, outlet in enumerate(outlets):
        outlet.publish(f"Strong quake in Aceh leaves at least 12 dead ({number})",
                       body=QUAKE_AP + f"\n\nReported by our correspondent number {number}.")
        assert await _cycle(running_bot, clock) == 0
    edits = _edits(running_bot)
    assert len(edits) == EditLimits().max_edits and all(edit.ok for edit in edits)
    [story] = await running_bot.services.db.articles.latest(limit=5)
    assert story.source_count == 13 and len(running_bot.tg.sent_messages(CHANNEL)) == 1
    last = edits[-1].params["text"]
    assert telegram_length(last) <= 4096
    assert last.startswith(post.params["text"].split("\n\n")[0])  # the same title line
    shown = last.split("Also: ", 1)[1].count("<a href=")
    counted = re.search(r"</a> and (\d+) more$", last)
    # At the tenth edit eleven outlets had it: the first one's post names the ten others.
    assert counted and shown + int(counted.group(1)) == 10


async def test_a_digest_lists_a_story_carried_by_two_outlets_once_and_first(
    running_bot: RunningBot, site: FakeNewsSite, clock: FakeClock
) -> None:
    wire = site.feed("/wire.xml", title="Wire Service")
    press = site.feed("/press.xml", title="Daily Press")
    await _channel_follows(running_bot, site, ["/wire.xml", "/press.xml"])
    [answer] = await running_bot.command(ADMIN_ID, f"/channel {CHANNEL} schedule digest 18:00 only")
    assert answer.params["text"].startswith("Done."), answer.params["text"]
    wire.publish("Earthquake kills 12 in Indonesia's Aceh", body=QUAKE_REUTERS)
    assert await _cycle(running_bot, clock) == 0  # "only": the channel gets its stories in digests
    press.publish("Strong quake in Aceh leaves at least 12 dead", body=QUAKE_AP)
    wire.publish("Dam gates open after repairs", body=DAM)
    press.publish("Portugal votes for stability", body=ELECTION)
    assert await _cycle(running_bot, clock) == 0
    clock.set(clock.now().replace(hour=18, minute=0, second=10))
    await queue_due_digests(running_bot.services)
    assert (await running_bot.services.publisher.drain()).sent == 1
    [digest] = running_bot.tg.sent_messages(CHANNEL)
    items = re.findall(r"\n\d+\. <a [^>]*>([^<]*)</a>", digest.params["text"])
    # Newer stories came later, but two outlets carried the quake: it leads, once.
    assert items[0] == "Earthquake kills 12 in Indonesia's Aceh"
    assert sorted(items) == sorted(["Earthquake kills 12 in Indonesia's Aceh", "Dam gates open after repairs",
                                    "Portugal votes for stability"])
    assert "Strong quake in Aceh" not in digest.params["text"]


async def test_related_as_a_reply_to_a_post_lists_neither_the_post_nor_its_other_sources(
    running_bot: RunningBot, site: FakeNewsSite, clock: FakeClock
) -> None:
    await running_bot.command(READER_ID, "/start")
    wire = site.feed("/wire.xml", title="Wire Service")
    press = site.feed("/press.xml", title="Daily Press")
    for number, path in enumerate(("/wire.xml", "/press.xml"), start=1):
        await running_bot.command(ADMIN_ID, f"/addfeed {site.url(path)}")
        await running_bot.command(READER_ID, f"/subscribe {number}")
    first = wire.publish("Earthquake kills 12 in Indonesia's Aceh", body=QUAKE_REUTERS)
    await _cycle(running_bot, clock)
    second = press.publish("Strong quake in Aceh leaves at least 12 dead", body=QUAKE_AP)
    press.publish("Quake shakes Sumbawa, schools damaged", body=QUAKE_OTHER)
    await _cycle(running_bot, clock)
    [post] = [c for c in running_bot.tg.sent_messages(READER_ID) if "Aceh" in c.params["text"]]
    [answer] = await running_bot.command(READER_ID, "/related", reply_to=post.result["message_id"])
    text = answer.params["text"]
    assert first.url not in text and second.url not in text
    assert "Strong quake in Aceh" not in text and "Earthquake kills 12" not in text.split("\n", 1)[-1]


async def test_related_finds_a_story_across_scripts(
    running_bot: RunningBot, site: FakeNewsSite, clock: FakeClock
) -> None:
    await running_bot.command(READER_ID, "/start")
    feed = site.feed("/rss.xml", title="Kyiv Post")
    await running_bot.command(ADMIN_ID, f"/addfeed {site.url('/rss.xml')}")
    feed.publish("Zelensky opens new bridge in Kyiv", body=KYIV_BRIDGE_EN)
    feed.publish("Dam gates open after repairs", body=DAM)
    await _cycle(running_bot, clock)
    for query in ("Зеленський", "Зеленский", "Київ", "Киев"):
        [answer] = await running_bot.command(READER_ID, f"/related {query}")
        assert "Zelensky opens new bridge in Kyiv" in answer.params["text"], query
        assert "Dam gates" not in answer.params["text"], query


async def test_related_says_it_found_nothing_rather_than_list_unrelated_stories(
    running_bot: RunningBot, site: FakeNewsSite, clock: FakeClock
) -> None:
    await running_bot.command(READER_ID, "/start")
    feed = site.feed("/rss.xml", title="Fake Times")
    await running_bot.command(ADMIN_ID, f"/addfeed {site.url('/rss.xml')}")
    await running_bot.command(READER_ID, "/subscribe 1")
    feed.publish("Dam gates open after repairs", body=DAM)
    feed.publish("Portugal votes for stability", body=ELECTION)
    await _cycle(running_bot, clock)
    nothing = "I found no stored stories about that"
    [answer] = await running_bot.command(READER_ID, "/related South Dakota meth campaign")
    assert answer.params["text"].startswith(nothing)
    [post] = [c for c in running_bot.tg.sent_messages(READER_ID) if "Dam gates open" in c.params["text"]]
    assert "Read also" not in post.params["text"]
    [answer] = await running_bot.command(READER_ID, "/related", reply_to=post.result["message_id"])
    assert answer.params["text"].startswith(nothing)  # the election story is stored, and unrelated


async def test_a_chat_following_only_the_second_outlet_gets_the_story_once(
    running_bot: RunningBot, site: FakeNewsSite, clock: FakeClock
) -> None:
    wire = site.feed("/wire.xml", title="Wire Service")
    press = site.feed("/press.xml", title="Daily Press")
    wire.publish("Earthquake kills 12 in Indonesia's Aceh", body=QUAKE_REUTERS)
    await _channel_follows(running_bot, site, ["/wire.xml", "/press.xml"])  # CHANNEL: both outlets
    await running_bot.command(READER_ID, "/start")
    await running_bot.command(READER_ID, "/subscribe 2")  # the reader: the press only
    assert await _cycle(running_bot, clock) == 1
    press.publish("Strong quake in Aceh leaves at least 12 dead", body=QUAKE_AP)
    assert await _cycle(running_bot, clock) == 1  # to the reader, who had not had it
    [post] = [c for c in running_bot.tg.sent_messages(READER_ID) if "Aceh" in c.params["text"]]
    assert "Earthquake kills 12 in Indonesia's Aceh" in post.params["text"]  # the story, with its sources
    assert "Also:" in post.params["text"]
    assert len(running_bot.tg.sent_messages(CHANNEL)) == 1 and len(_edits(running_bot)) == 1
    for _ in range(2):
        assert await _cycle(running_bot, clock) == 0
    assert len([c for c in running_bot.tg.sent_messages(READER_ID) if "Aceh" in c.params["text"]]) == 1


QUAKE_LONG = QUAKE_REUTERS + (
    "\n\nThe agency said more than 300 houses, six schools and two bridges were damaged, and that about "
    "2,000 residents had moved into tents set up on the football field in Takengon.\n\n"
    "Electricity was cut in large parts of Central Aceh after the main substation was damaged, the "
    "state power company said, and repairs were expected to take at least two days.\n\n"
    "Aceh, on the northern tip of Sumatra, was the region worst hit by the tsunami of 2004, which "
    "killed more than 120,000 people in the province alone."
)


async def test_a_photo_post_with_a_full_caption_still_names_its_new_sources(
    make_settings, tg, clock: FakeClock, site: FakeNewsSite
) -> None:
    """A photo whose caption (title, a long summary, the source line) is near Telegram's 1,024
    characters: when a second and a third outlet carry the event, the caption is edited to name
    them as links, its summary shortened to make room (before: "caption full", no edit)."""
    application = build_application(make_settings(summary_max_chars=900, summary_sentences=8),
                                    clock=clock, schedule_jobs=False)
    async with start_bot(application):
        bot = RunningBot(application, tg)
        wire = site.feed("/wire.xml", title="Wire Service")
        press = site.feed("/press.xml", title="Daily Press")
        herald = site.feed("/herald.xml", title="Morning Herald")
        wire.publish(("Earthquake kills 12 in Indonesia's Aceh province, hundreds of houses and six schools "
                      "damaged, 2,000 residents spend the night in tents on a football field"),
                     body=QUAKE_LONG, page_image=site.url("/img/aceh.jpg"))
        await _channel_follows(bot, site, ["/wire.xml", "/press.xml", "/herald.xml"])
        assert await _cycle(bot, clock) == 1
        [photo] = tg.calls_to("sendPhoto")
        sent = photo.result["caption"]  # what the reader sees, as the fake parsed it
        assert 1024 - 60 < utf16_len(sent) <= 1024, utf16_len(sent)  # no room for an "Also:" line

        second = press.publish("Strong quake in Aceh leaves at least 12 dead", body=QUAKE_AP)
        assert await _cycle(bot, clock) == 0
        third = herald.publish("Aceh earthquake: 12 dead, rescuers search rubble",
                               body=QUAKE_AP + "\n\nReported by our correspondent in Banda Aceh.")
        assert await _cycle(bot, clock) == 0
        edits = tg.calls_to("editMessageCaption")
        assert len(edits) == 2 and all(edit.ok for edit in edits), [e.description for e in edits]
        last = edits[-1]
        assert last.params["message_id"] == photo.result["message_id"]
        caption = last.params["caption"]
        assert f'<a href="{second.url}">Daily Press</a>' in caption
        assert f'<a href="{third.url}">Morning Herald</a>' in caption
        shown = last.result["caption"]
        assert utf16_len(shown) <= 1024 and "Also: Daily Press, Morning Herald" in shown
        assert shown.split("\n")[0] == sent.split("\n")[0]  # the same title
        summary, was = shown.split("\n\n")[1], sent.split("\n\n")[1]
        assert len(summary) < len(was) and was.startswith(summary.removesuffix("…"))  # shortened, not dropped
        [story] = await bot.services.db.articles.latest(limit=5)
        assert story.source_count == 3


async def test_related_words_that_only_unrelated_stories_share_find_nothing(
    running_bot: RunningBot, site: FakeNewsSite, clock: FakeClock
) -> None:
    """The dam story holds "farmers" and "water", two words of four; the rest of the query
    (a farmers' protest over prices) is stored nowhere: below the words floor, so nothing,
    where before the dam story was listed. Words a stored story is about still find it."""
    await running_bot.command(READER_ID, "/start")
    feed = site.feed("/rss.xml", title="Fake Times")
    await running_bot.command(ADMIN_ID, f"/addfeed {site.url('/rss.xml')}")
    feed.publish("Dam gates open after repairs", body=DAM)
    feed.publish("Portugal votes for stability", body=ELECTION)
    await _cycle(running_bot, clock)
    [answer] = await running_bot.command(READER_ID, "/related Farmers protest water prices")
    assert answer.params["text"].startswith("I found no stored stories about that")
    [answer] = await running_bot.command(READER_ID, "/related Kakhovka dam repairs")
    assert "Dam gates open after repairs" in answer.params["text"]
    assert "Portugal votes" not in answer.params["text"]
