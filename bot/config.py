"""Settings, read once from the environment and ``.env`` and passed down from there.

Nothing else in the product reads ``os.environ``. Every field is documented in
``.env.example``; keep the two in step.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

TELEGRAM_API = "https://api.telegram.org/bot"
_TOKEN = re.compile(r"^\d{1,20}:[A-Za-z0-9_-]{20,}$")


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

    # Storage
    database_path: Path = Path("./data/newsbot.db")

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

    # Fetching pages and feeds
    http_timeout_seconds: float = Field(default=20, gt=0)
    http_connect_timeout_seconds: float = Field(default=10, gt=0)
    http_max_bytes: int = Field(default=5_000_000, ge=10_000)
    http_user_agent: str = "newsbot/0.1 (+https://github.com/newsbot; Telegram news bot)"
    allow_private_urls: bool = False

    @field_validator("feeds", mode="before")
    @classmethod
    def _feed_list(cls, value: object) -> object:
        return _split_list(value)

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
    # Channels to register at start (@username or -100... id).
    channels: Annotated[list[str], NoDecode] = Field(default_factory=list)
    # Delivery through outages: a post that fails for a passing reason (network, 5xx, timeout)
    # is retried with doubling waits up to DELIVERY_BACKOFF_MAX_SECONDS for this long, then failed.
    delivery_retry_hours: float = Field(default=24, gt=0)
    delivery_backoff_max_seconds: float = Field(default=120, ge=1)
    # Tell the admins when the Bot API has been unreachable this long (and once when it is back).
    outage_notice_minutes: float = Field(default=5, gt=0)
    # A digest slot missed while the bot was down runs at start if it is at most this old;
    # an older one is skipped (and logged), so a morning digest never arrives in the evening.
    schedule_catchup_minutes: float = Field(default=30, ge=0, le=7 * 24 * 60)

    @field_validator("bot_token")
    @classmethod
    def _token_shape(cls, value: SecretStr) -> SecretStr:
        if not value.get_secret_value().strip():
            raise ValueError("is empty: set it to the token @BotFather gave you")
        if not _TOKEN.match(value.get_secret_value().strip()):
            # Never echo the value: it may be a real token with a typo.
            raise ValueError("does not look like a bot token (digits, a colon, then 20+ letters)")
        return SecretStr(value.get_secret_value().strip())

    @field_validator("admin_ids", "channels", mode="before")
    @classmethod
    def _lists(cls, value: object) -> object:
        return _split_list(value)

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
        name = str(error["loc"][0]).upper() if error["loc"] else "settings"
        message = error["msg"]
        if error["type"] == "missing":
            message = "is not set (put it in the environment or in .env; see .env.example)"
        lines.append(f"{name} {message.removeprefix('Value error, ')}")
    return "configuration error: " + "; ".join(lines)
