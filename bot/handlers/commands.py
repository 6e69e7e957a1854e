"""The bot's command list: one source for /help and Telegram's command menu (per language)."""

from __future__ import annotations

from dataclasses import dataclass

from telegram import BotCommand


@dataclass(frozen=True, slots=True)
class CommandInfo:
    name: str
    usage: str  # arguments, as shown in /help
    description: str  # English
    uk: str = ""
    ru: str = ""
    admin: bool = False

    def describe(self, lang: str) -> str:
        return {"uk": self.uk, "ru": self.ru}.get(lang) or self.description


COMMANDS: tuple[CommandInfo, ...] = (
    CommandInfo("start", "", "welcome and a short guide", "привітання й коротка довідка", "приветствие и краткая справка"),
    CommandInfo("help", "", "this list of commands", "цей список команд", "этот список команд"),
    CommandInfo("subscribe", "[feed]", "follow a feed (no argument: pick from a list)",
                "стежити за стрічкою (без аргументу: вибір зі списку)", "следить за лентой (без аргумента: выбор из списка)"),
    CommandInfo("unsubscribe", "[feed]", "stop following a feed", "не стежити за стрічкою", "не следить за лентой"),
    CommandInfo("list", "", "the feeds this chat follows", "стрічки цього чату", "ленты этого чата"),
    CommandInfo("latest", "[N]", "the newest stories from your feeds", "найновіші історії з ваших стрічок",
                "последние истории из ваших лент"),
    CommandInfo("related", "words", "stored stories about something (or reply to a post)",
                "збережені історії на тему (або відповідь на допис)", "сохранённые истории на тему (или ответ на пост)"),
    CommandInfo("filter", "feed include|exclude words", "only or never stories with these words",
                "лише або ніколи історії з цими словами", "только или никогда истории с этими словами"),
    CommandInfo("settings", "", "time zone, daily digest, summaries, link previews, pictures, whole articles, language",
                "часовий пояс, дайджест, перекази, попередній перегляд, зображення, повні статті, мова",
                "часовой пояс, дайджест, пересказы, предпросмотр, изображения, полные статьи, язык"),
    CommandInfo("digest", "", "today's top stories now", "головне за день", "главное за день"),
    CommandInfo("stop", "", "stop everything and delete this chat's data", "припинити все й видалити дані чату",
                "прекратить всё и удалить данные чата"),
    CommandInfo("addfeed", "URL", "add a feed (checked first)", admin=True),
    CommandInfo("removefeed", "feed", "remove a feed", admin=True),
    CommandInfo("feeds", "[from]", "all feeds with their health (from feed number FROM)", admin=True),
    CommandInfo("interval", "feed minutes|default", "how often one feed is polled", admin=True),
    CommandInfo("channels", "", "channels and groups the bot posts to", admin=True),
    CommandInfo("channel", "chat subscribe [feed topic NAME|ID]|unsubscribe|pace|max|quiet|tz|images|article|hashtags|parts|schedule|overflow ...",
                "set a channel up: pace, quiet hours, pictures, whole articles (off|button|post), #tags, "
                "parts (source,readalso,buttons), forum topics; schedule digest 08:00,20:00 or mon 09:00 posts digests", admin=True),
    CommandInfo("post", "URL [chat] [preview]", "summarize a page and post it now", admin=True),
    CommandInfo("pause", "[chat]", "stop posting (all or one channel)", admin=True),
    CommandInfo("resume", "[chat|feed]", "resume posting, re-enable failed feeds", admin=True),
    CommandInfo("stats", "", "feeds, stories, chats, posts, failures", admin=True),
    CommandInfo("broadcast", "text", "send a message to every reader", admin=True),
    CommandInfo("export", "", "the feed list as OPML", admin=True),
    CommandInfo("import", "", "add feeds from an OPML file (as caption or reply)", admin=True),
)


def menu_commands(lang: str = "en") -> list[BotCommand]:
    """Reader commands for Telegram's menu (admin commands stay out of everyone's menu)."""
    return [BotCommand(c.name, c.describe(lang)) for c in COMMANDS if not c.admin]
