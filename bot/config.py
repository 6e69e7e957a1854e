"""Settings, read once from the environment and ``.env`` and passed down from there.

Nothing else in the product reads ``os.environ``. Every field is documented in
``.env.example``; keep the two in step.
"""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path
from typing import Annotated, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from bot.delivery.backlog import BacklogRule
from bot.news.urls import is_http_url

TELEGRAM_API = "https://api.telegram.org/bot"
_TOKEN = re.compile(r"^\d{1,20}:[A-Za-z0-9_-]{20,}$")


# Appended to a refused private or loopback address, wherever a person reads it.
PRIVATE_URL_HINT = "(set ALLOW_PRIVATE_URLS=true to fetch from your own network)"


class ConfigError(Exception):
    """The configuration cannot be used; the message names the variable and what to fix."""


_S = TypeVar("_S", bound=BaseSettings)


def _split_list(value: object) -> object:
    """Accept "a,b c" (commas or spaces) as well as a real list."""
    if isinstance(value, str):
        return [part for part in re.split(r"[,\s]+", value.strip()) if part]
    return value


class CoreSettings(BaseSettings):
    """What the news core and the shell tools need: no Telegram, so no token required."""

    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", case_sensitive=False
    )

    # Storage: the SQLite file, unless DATABASE_URL names a PostgreSQL database.
    database_path: Path = Path("./data/newsbot.db")
    database_url: str = ""

    # Feeds to poll, registered in the database at start on top of what admins add.
    feeds: Annotated[list[str], NoDecode] = Field(default_factory=list)

    # Behaviour
    timezone: str = "UTC"
    log_level: str = "INFO"
    poll_interval_minutes: float = Field(default=15, gt=0)
    max_feed_errors: int = Field(default=10, ge=1)
    summary_sentences: int = Field(default=3, ge=1, le=10)
    summary_max_chars: int = Field(default=600, ge=100, le=3000)
    link_previews: bool = False
    # Posts: a photo with the post as caption when the story has a lead image (chats may
    # change it: /channel CHAT images on|off, /settings images on|off), and the article mode
    # (off | button: a "Read in Telegram" button | post: the whole article as the post).
    post_images: bool = True
    article_mode: str = "off"
    new_feed_backlog: int = Field(default=3, ge=0)
    # Same-story detection: how far back a new article looks for the story it reports, and
    # how often a sent post's summary may be edited after its article was corrected.
    story_window_hours: float = Field(default=72, gt=0)
    story_max_corrections: int = Field(default=3, ge=0, le=20)
    # Stories older than this are never posted as new (0: no limit).
    max_story_age_hours: float = Field(default=48, ge=0)
    # Stories fetched longer ago than this are deleted, a batch at a time, once a day (0: kept
    # forever); their feed entries are remembered so they are never posted again (bot.retention).
    retention_days: float = Field(default=90, ge=0)

    # Fetching pages and feeds
    http_timeout_seconds: float = Field(default=20, gt=0)
    http_connect_timeout_seconds: float = Field(default=10, gt=0)
    http_max_bytes: int = Field(default=5_000_000, ge=10_000)
    http_user_agent: str = "newsbot/0.1 (+https://github.com/newsbot; Telegram news bot)"
    allow_private_urls: bool = False

    # Optional LLM summaries over an OpenAI-compatible chat-completions endpoint (off when empty)
    llm_base_url: str = ""
    llm_api_key: SecretStr = SecretStr("")
    llm_model: str = ""
    llm_timeout_seconds: float = Field(default=20, gt=0, le=600)
    llm_daily_requests: int = Field(default=1000, ge=0)  # 0: no limit
    llm_daily_tokens: int = Field(default=0, ge=0)  # 0: no limit
    llm_concurrency: int = Field(default=2, ge=1, le=64)
    llm_max_retries: int = Field(default=2, ge=0, le=10)

    @field_validator("llm_base_url")
    @classmethod
    def _llm_url(cls, value: str) -> str:
        value = value.strip()
        if value and not re.match(r"^https?://[^\s/]+", value):
            raise ValueError("must start with http:// or https:// (e.g. https://api.openai.com/v1), or be empty")
        return value.rstrip("/")

    @model_validator(mode="after")
    def _llm_model_needed(self) -> CoreSettings:
        if self.llm_base_url and not self.llm_model.strip():
            raise ValueError("LLM_MODEL is not set: name the model to ask (e.g. gpt-4o-mini, llama3.1)")
        return self

    @model_validator(mode="after")
    def _retention_longer_than_windows(self) -> CoreSettings:
        # Shorter, it would delete stories a new article may still join, or still to be posted.
        hours = max(self.story_window_hours, self.max_story_age_hours)
        if 0 < self.retention_days * 24 < hours:
            raise ValueError(
                f"RETENTION_DAYS={self.retention_days:g} keeps stories for less than STORY_WINDOW_HOURS / "
                f"MAX_STORY_AGE_HOURS ({hours:g} hours): set it to at least {hours / 24:g}, or 0 to keep them forever")
        return self

    @property
    def llm_enabled(self) -> bool:
        return bool(self.llm_base_url)

    @field_validator("feeds", mode="before")
    @classmethod
    def _feed_list(cls, value: object) -> object:
        feeds = _split_list(value)
        for url in feeds if isinstance(feeds, list) else ():
            if not is_http_url(str(url)):
                raise ValueError(f"{str(url)[:100]!r} is not an http:// or https:// address")
        return feeds

    @field_validator("database_url")
    @classmethod
    def _database_url(cls, value: str) -> str:
        value = value.strip()
        if value and not value.startswith(("postgresql://", "postgres://", "sqlite:///")):
            raise ValueError(
                "must be a PostgreSQL URL (postgresql://user:password@host:5432/newsbot), "
                "an SQLite URL (sqlite:///data/newsbot.db), or empty to use DATABASE_PATH"
            )
        return value

    @property
    def database_target(self) -> str:
        """What storage opens: DATABASE_URL when set, else the SQLite file DATABASE_PATH."""
        return self.database_url or str(self.database_path)

    @property
    def database_file(self) -> Path | None:
        """The SQLite file in use (DATABASE_PATH, or the file of an sqlite:/// DATABASE_URL);
        None on PostgreSQL."""
        if not self.database_url:
            return self.database_path
        if self.database_url.startswith("sqlite:///"):
            return Path(self.database_url[len("sqlite:///"):])
        return None

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r} (use an IANA name like Europe/Kyiv)") from exc
        return value

    @field_validator("article_mode")
    @classmethod
    def _article_mode(cls, value: str) -> str:
        mode = value.strip().lower()
        if mode not in ("off", "button", "post"):
            raise ValueError("use off, button or post")
        return mode

    @field_validator("log_level")
    @classmethod
    def _level(cls, value: str) -> str:
        level = value.upper()
        if level not in {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}:
            raise ValueError("use DEBUG, INFO, WARNING or ERROR")
        return level

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def backlog_rule(self) -> BacklogRule:
        """What a chat gets when it starts following a feed (NEW_FEED_BACKLOG, MAX_STORY_AGE_HOURS)."""
        age = timedelta(hours=self.max_story_age_hours) if self.max_story_age_hours > 0 else None
        return BacklogRule(size=self.new_feed_backlog, max_age=age)


class Settings(CoreSettings):
    """Everything the bot needs: the core's settings plus Telegram's."""

    bot_token: SecretStr
    admin_ids: Annotated[list[int], NoDecode] = Field(default_factory=list)
    telegram_api_base_url: str = TELEGRAM_API
    telegram_file_base_url: str = ""  # derived from the API base URL when empty
    # Telegram's flood limits: 30 messages/s overall (up to 1000 with paid broadcasts),
    # 20 a minute per group or channel.
    telegram_messages_per_second: int = Field(default=30, ge=1, le=1000)
    telegram_group_messages_per_minute: int = Field(default=20, ge=1, le=60)
    # About one message a second per private chat: a reply waits until this long after the
    # answer to the chat's last message (0: replies are not paced per chat).
    telegram_private_chat_gap_seconds: float = Field(default=1.0, ge=0, le=60)
    # Channels to register at start (@username or -100... id).
    channels: Annotated[list[str], NoDecode] = Field(default_factory=list)
    # Which CHANNELS get which FEEDS: "@news=1,2;@tech=https://b.example/rss". Empty: all of them.
    channel_feeds: Annotated[dict[str, tuple[str, ...]], NoDecode] = Field(default_factory=dict)
    # Delivery through outages: a post that fails for a passing reason (network, 5xx, timeout)
    # is retried with doubling waits up to DELIVERY_BACKOFF_MAX_SECONDS for this long, then failed.
    delivery_retry_hours: float = Field(default=24, gt=0)
    delivery_backoff_max_seconds: float = Field(default=120, ge=1)
    # Tell the admins when the Bot API has been unreachable this long (and once when it is back).
    outage_notice_minutes: float = Field(default=5, gt=0)
    # A digest slot missed while the bot was down runs at start if it is at most this old;
    # an older one is skipped (and logged), so a morning digest never arrives in the evening.
    schedule_catchup_minutes: float = Field(default=30, ge=0, le=7 * 24 * 60)
    # Webhook mode (``newsbot run --webhook``): Telegram POSTs updates to WEBHOOK_URL; the bot
    # serves them on WEBHOOK_LISTEN:WEBHOOK_PORT at the URL's path (behind a proxy or a load
    # balancer that terminates HTTPS), refusing requests without WEBHOOK_SECRET_TOKEN.
    webhook_url: str = ""
    webhook_listen: str = "127.0.0.1"
    webhook_port: int = Field(default=8443, ge=1, le=65535)
    webhook_secret_token: SecretStr = SecretStr("")
    webhook_max_connections: int = Field(default=40, ge=1, le=100)
    # Replicas on one database: a claim (a message being sent, an edit) holds this long
    # without renewal; a live replica renews its claims every quarter of it, so a replica that
    # dies leaves its rows to the others this long after.
    replica_lease_seconds: float = Field(default=60, ge=2, le=3600)

    @field_validator("bot_token")
    @classmethod
    def _token_shape(cls, value: SecretStr) -> SecretStr:
        if not value.get_secret_value().strip():
            raise ValueError("is empty: set it to the token @BotFather gave you")
        if not _TOKEN.match(value.get_secret_value().strip()):
            # Never echo the value: it may be a real token with a typo.
            raise ValueError("does not look like a bot token (digits, a colon, then 20+ letters)")
        return SecretStr(value.get_secret_value().strip())

    @field_validator("webhook_url")
    @classmethod
    def _webhook_url(cls, value: str) -> str:
        value = value.strip()
        if value and not re.match(r"^https?://[^\s/]+", value):
            raise ValueError("must be the public https:// address Telegram posts updates to, or be empty")
        return value

    @field_validator("webhook_secret_token")
    @classmethod
    def _webhook_secret(cls, value: SecretStr) -> SecretStr:
        secret = value.get_secret_value().strip()
        if secret and not re.match(r"^[A-Za-z0-9_-]{1,256}$", secret):
            # Telegram's rule for secret_token; never echo the value.
            raise ValueError("may hold only A-Z, a-z, 0-9, _ and - (1 to 256 of them)")
        return SecretStr(secret)

    def webhook_problem(self) -> str | None:
        """Why ``newsbot run --webhook`` cannot start with these settings, in plain words."""
        missing = [name for name, value in (("WEBHOOK_URL", self.webhook_url),
                                            ("WEBHOOK_SECRET_TOKEN", self.webhook_secret_token.get_secret_value()))
                   if not value]
        if missing:
            return (f"--webhook needs {' and '.join(missing)}: the public address Telegram posts updates to, and a "
                    "secret of 1-256 letters, digits, _ or - that Telegram sends with each update (see .env.example)")
        return None

    @field_validator("admin_ids", "channels", mode="before")
    @classmethod
    def _lists(cls, value: object) -> object:
        return _split_list(value)

    @field_validator("channel_feeds", mode="before")
    @classmethod
    def _channel_feeds(cls, value: object) -> object:
        return parse_channel_feeds(value) if isinstance(value, str) else value

    @model_validator(mode="after")
    def _mapped_channels_and_feeds(self) -> Settings:
        try:
            self.channel_feeds = resolve_channel_feeds(self.channel_feeds, self.channels, self.feeds)
        except ValueError as exc:
            raise ValueError(f"CHANNEL_FEEDS {exc}") from None
        return self

    def feeds_for_channel(self, channel: str) -> tuple[str, ...]:
        """The FEEDS a CHANNELS entry follows: its CHANNEL_FEEDS mapping, else every feed.

        A channel left out of a non-empty CHANNEL_FEEDS follows nothing from the settings.
        """
        if not self.channel_feeds:
            return tuple(self.feeds)
        return self.channel_feeds.get(_channel_key(channel), ())

    @field_validator("telegram_api_base_url", "telegram_file_base_url")
    @classmethod
    def _base_url(cls, value: str) -> str:
        if value and not re.match(r"^https?://[^\s/]+", value):
            raise ValueError("must start with http:// or https://")
        return value

    @property
    def file_base_url(self) -> str:
        if self.telegram_file_base_url:
            return self.telegram_file_base_url
        base = self.telegram_api_base_url.rstrip("/")
        return base[: -len("/bot")] + "/file/bot" if base.endswith("/bot") else base + "/file/bot"


def _channel_key(channel: str) -> str:
    """@usernames compare without case, as Telegram's do."""
    channel = channel.strip()
    return channel.lower() if channel.startswith("@") else channel


def parse_channel_feeds(text: str) -> dict[str, tuple[str, ...]]:
    """"@news=1,2 https://b.example/rss; -100123=3" → {"@news": ("1", "2", url), "-100123": ("3",)}.

    Entries are separated by ";" (or new lines); each is CHANNEL=FEEDS, FEEDS being numbers
    (positions in FEEDS, from 1) or URLs, separated by commas or spaces.
    """
    mapping: dict[str, tuple[str, ...]] = {}
    for entry in re.split(r"[;\n]+", text):
        if not entry.strip():
            continue
        channel, equals, feeds = entry.partition("=")
        channel = channel.strip()
        if not equals or not channel:
            raise ValueError(f"entry {entry.strip()[:60]!r} is not CHANNEL=FEEDS (e.g. @news=1,2;@tech=3)")
        if not (channel.startswith("@") or channel.lstrip("-").isdigit()):
            raise ValueError(f"{channel[:60]!r} is not a channel: use @username or its -100... id")
        refs = tuple(part for part in re.split(r"[,\s]+", feeds.strip()) if part)
        if not refs:
            raise ValueError(f"{channel} lists no feeds (e.g. {channel}=1,2)")
        mapping[_channel_key(channel)] = mapping.get(_channel_key(channel), ()) + refs
    return mapping


def resolve_channel_feeds(
    mapping: dict[str, tuple[str, ...]], channels: list[str], feeds: list[str]
) -> dict[str, tuple[str, ...]]:
    """Check CHANNEL_FEEDS against CHANNELS and FEEDS and turn feed numbers into URLs."""
    known_channels = {_channel_key(c) for c in channels}
    resolved: dict[str, tuple[str, ...]] = {}
    for channel, refs in mapping.items():
        if channel not in known_channels:
            raise ValueError(f"names {channel}, which is not in CHANNELS")
        urls: list[str] = []
        for ref in refs:
            if ref.isdigit():
                number = int(ref) if len(ref) < 10 else 0
                if not 1 <= number <= len(feeds):
                    raise ValueError(f"gives {channel} feed number {ref[:12]}, but FEEDS lists {len(feeds)}")
                urls.append(feeds[number - 1])
            elif ref in feeds:
                urls.append(ref)
            else:
                raise ValueError(f"gives {channel} the feed {ref[:100]!r}, which is not in FEEDS")
        resolved[channel] = tuple(dict.fromkeys(urls))
    return resolved


def load_settings(**overrides: object) -> Settings:
    """Read the bot's settings, turning validation errors into one readable ConfigError."""
    return _load(Settings, overrides)


def load_core_settings(**overrides: object) -> CoreSettings:
    """Read the settings the shell tools need (no BOT_TOKEN required)."""
    return _load(CoreSettings, overrides)


def _load(cls: type[_S], overrides: dict[str, object]) -> _S:
    try:
        return cls(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        raise ConfigError(describe_errors(exc)) from None


def describe_errors(exc: ValidationError) -> str:
    """One line per bad variable, naming it as the user sets it (upper case), never its value."""
    lines = []
    for error in exc.errors(include_input=False, include_url=False):
        name = str(error["loc"][0]).upper() if error["loc"] else ""
        message = error["msg"]
        if error["type"] == "missing":
            message = "is not set (put it in the environment or in .env; see .env.example)"
        lines.append(f"{name} {message.removeprefix('Value error, ')}".strip())
    return "configuration error: " + "; ".join(lines)
