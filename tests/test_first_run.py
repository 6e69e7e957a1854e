"""A first user's run: the real ``newsbot run`` process, configured as the README's quickest
set-up says (BOT_TOKEN, ADMIN_IDS, FEEDS, CHANNELS), against the fake Bot API and news site.

Within a minute of the first poll the channel shows each feed's newest stories with clean
links, and ``/feeds`` warns about the broken feed. Besides those four settings the process
only gets what the fakes need: their address (TELEGRAM_API_BASE_URL), leave to fetch from
127.0.0.1 (ALLOW_PRIVATE_URLS) and a database path in the test's directory. Slow: it starts a
real process (a few seconds of imports).
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from tests.conftest import ADMIN_ID
from tests.fakes.news_site import FakeNewsSite
from tests.fakes.telegram_api import FakeTelegramServer
from tests.stories import DAM, DAM_FOLLOWUP, ELECTION, HARBOUR, KYIV_UK, KYIV_UK_FOLLOWUP, MUSEUM
from tests.test_restart import BotProcess

pytestmark = pytest.mark.slow

CHANNEL = -1009009
FIRST_POLL_WITHIN = 60.0  # the README: the first poll "as soon as the bot has started"


async def test_feeds_and_channels_alone_fill_the_channel_and_feeds_shows_the_broken_one(
    tg: FakeTelegramServer, site: FakeNewsSite, tmp_path: Path, database_target: str
) -> None:
    feed = site.feed("/rss.xml", title="Fake Times")
    for title, body in (("Dam gates open after repairs", DAM), ("Portugal votes for stability", ELECTION),
                        ("Reservoir levels rise", DAM_FOLLOWUP), ("Museum reopens its east wing", MUSEUM),
                        ("Storm keeps boats in harbour", HARBOUR)):
        feed.publish(title, body=body, tracking="utm_source=rss&utm_medium=feed", canonical=True)
    whole = site.feed("/other.xml", title="Broken Feed")
    whole.publish("A story in a damaged feed", body=KYIV_UK)
    whole.publish("The story that survives the damage", body=KYIV_UK_FOLLOWUP)
    rendered = whole.render()  # newest first: the damage cuts into the older story
    site.add("/broken.xml", rendered[: rendered.index(b"</item>") + 60], content_type="application/rss+xml")
    tg.add_chat(CHANNEL, "channel", title="First Run", username="firstrun")
    tg.set_member(CHANNEL, tg.bot_id, "administrator", can_post_messages=True)

    bot = BotProcess(tg, database_target, tmp_path / "bot.log", messages_per_second=30)
    bot.env.update({
        "ADMIN_IDS": str(ADMIN_ID),
        "FEEDS": f"{site.url('/rss.xml')} {site.url('/broken.xml')}",
        "CHANNELS": "@firstrun",
        "ALLOW_PRIVATE_URLS": "true",
        "LOG_LEVEL": "INFO",
        # The channel's five posts 1.1 s apart instead of 3.1 s (the pace is not what this tests).
        "TELEGRAM_GROUP_MESSAGES_PER_MINUTE": "60",
    })
    started = time.monotonic()
    await bot.start()
    try:
        posts = await tg.wait_for("sendMessage", count=5, timeout=FIRST_POLL_WITHIN,
                                  predicate=lambda c: c.ok and c.params.get("chat_id") == CHANNEL)
        elapsed = time.monotonic() - started
        tg.push_command(ADMIN_ID, "/feeds", user_id=ADMIN_ID)
        [health] = await tg.wait_for("sendMessage", timeout=20,
                                     predicate=lambda c: c.ok and c.params.get("chat_id") == ADMIN_ID
                                     and c.params["text"].startswith("<b>Feeds</b>"))
    except TimeoutError as exc:
        raise AssertionError(f"{exc}; bot log:\n{bot.log_tail()}") from None
    finally:
        await bot.stop()

    titles = {p.params["text"].split("</a>")[0].rsplit(">", 1)[1] for p in posts}
    assert {"Reservoir levels rise", "Museum reopens its east wing", "Storm keeps boats in harbour",
            "The story that survives the damage"} <= titles, bot.log_tail()
    assert elapsed < FIRST_POLL_WITHIN
    for post in posts:
        assert "utm_" not in post.params["text"]
        assert all("utm_" not in b.get("url", "") for row in post.params["reply_markup"]["inline_keyboard"] for b in row)
    assert f'href="{site.url("/rss/5.html")}"' in " ".join(p.params["text"] for p in posts)
    broken = [line for line in health.params["text"].splitlines() if "Broken Feed" in line]
    assert broken and "⚠️ warning" in broken[0] and "damaged" in broken[0], health.params["text"]
    log = (tmp_path / "bot.log").read_text(errors="replace")
    assert "Traceback" not in log and " ERROR " not in log, log[-3000:]
