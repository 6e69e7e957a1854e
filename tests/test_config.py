"""Settings: clear one-line errors naming the variable, and the token never echoed."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.config import ConfigError, load_settings

TOKEN = "123456:TEST-token-abcdefghijklmnopqrstuvwxyz"


def test_missing_token_names_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("BOT_TOKEN", raising=False)
    with pytest.raises(ConfigError, match="BOT_TOKEN is not set"):
        load_settings(_env_file=None)


def test_malformed_token_is_refused_without_echoing_it() -> None:
    secret = "999:short"
    with pytest.raises(ConfigError) as info:
        load_settings(_env_file=None, bot_token=secret)
    assert "BOT_TOKEN" in str(info.value)
    assert secret not in str(info.value)


def test_lists_accept_commas_and_spaces(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ADMIN_IDS", "1, 2 3")
    monkeypatch.setenv("FEEDS", "https://a.example/rss,https://b.example/atom")
    settings = load_settings(_env_file=None, bot_token=TOKEN)
    assert settings.admin_ids == [1, 2, 3]
    assert settings.feeds == ["https://a.example/rss", "https://b.example/atom"]


def test_env_file_is_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    env = tmp_path / ".env"
    env.write_text(f"BOT_TOKEN={TOKEN}\nTIMEZONE=Europe/Kyiv\nADMIN_IDS=\n", encoding="utf-8")
    monkeypatch.delenv("BOT_TOKEN", raising=False)
    settings = load_settings(_env_file=str(env))
    assert settings.timezone == "Europe/Kyiv"
    assert settings.admin_ids == []


def test_bad_values_are_all_reported_in_one_line() -> None:
    with pytest.raises(ConfigError) as info:
        load_settings(_env_file=None, bot_token=TOKEN, timezone="Mars/Base", http_max_bytes=5)
    message = str(info.value)
    assert "TIMEZONE" in message and "HTTP_MAX_BYTES" in message
    assert "\n" not in message


def test_file_url_is_derived_from_api_url() -> None:
    settings = load_settings(_env_file=None, bot_token=TOKEN, telegram_api_base_url="http://127.0.0.1:8081/bot")
    assert settings.file_base_url == "http://127.0.0.1:8081/file/bot"


def test_every_setting_is_documented_in_env_example() -> None:
    from bot.config import Settings

    example = (Path(__file__).parents[1] / ".env.example").read_text(encoding="utf-8")
    documented = {line.split("=", 1)[0] for line in example.splitlines() if line and not line.startswith("#")}
    assert {name.upper() for name in Settings.model_fields} == documented


def test_channel_feeds_maps_channels_to_feeds_by_number_or_url(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FEEDS", "https://a.example/rss https://b.example/rss https://c.example/rss")
    monkeypatch.setenv("CHANNELS", "@News -1001234 @Other")
    monkeypatch.setenv("CHANNEL_FEEDS", "@news=1,3; -1001234=https://b.example/rss 1")
    settings = load_settings(_env_file=None, bot_token=TOKEN)
    assert settings.feeds_for_channel("@News") == ("https://a.example/rss", "https://c.example/rss")
    assert settings.feeds_for_channel("-1001234") == ("https://b.example/rss", "https://a.example/rss")
    assert settings.feeds_for_channel("@Other") == ()  # left out of the map: none of FEEDS
    monkeypatch.delenv("CHANNEL_FEEDS")
    assert load_settings(_env_file=None, bot_token=TOKEN).feeds_for_channel("@Other") == tuple(settings.feeds)


@pytest.mark.parametrize(("mapping", "expected"), [
    ("@news", "CHANNEL_FEEDS entry '@news' is not CHANNEL=FEEDS (e.g. @news=1,2;@tech=3)"),
    ("news=1", "CHANNEL_FEEDS 'news' is not a channel: use @username or its -100... id"),
    ("@news=", "CHANNEL_FEEDS @news lists no feeds (e.g. @news=1,2)"),
    ("@else=1", "CHANNEL_FEEDS names @else, which is not in CHANNELS"),
    ("@news=3", "CHANNEL_FEEDS gives @news feed number 3, but FEEDS lists 1"),
    ("@news=https://z.example/rss", "CHANNEL_FEEDS gives @news the feed 'https://z.example/rss', which is not in FEEDS"),
])
def test_a_bad_channel_feeds_says_what_is_wrong_in_one_line(
    monkeypatch: pytest.MonkeyPatch, mapping: str, expected: str
) -> None:
    monkeypatch.setenv("FEEDS", "https://a.example/rss")
    monkeypatch.setenv("CHANNELS", "@news")
    monkeypatch.setenv("CHANNEL_FEEDS", mapping)
    with pytest.raises(ConfigError) as info:
        load_settings(_env_file=None, bot_token=TOKEN)
    assert str(info.value) == f"configuration error: {expected}"


def test_feeds_must_be_web_addresses(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FEEDS", "https://a.example/rss ftp://b.example/rss")
    with pytest.raises(ConfigError, match="FEEDS 'ftp://b.example/rss' is not an http:// or https:// address"):
        load_settings(_env_file=None, bot_token=TOKEN)


def test_llm_settings_need_a_model_and_keep_the_key_secret() -> None:
    with pytest.raises(ConfigError, match="LLM_MODEL is not set"):
        load_settings(_env_file=None, bot_token=TOKEN, llm_base_url="http://127.0.0.1:11434/v1")
    with pytest.raises(ConfigError, match="LLM_BASE_URL must start with http"):
        load_settings(_env_file=None, bot_token=TOKEN, llm_base_url="api.openai.com", llm_model="m")
    settings = load_settings(_env_file=None, bot_token=TOKEN, llm_base_url="https://api.example/v1/",
                             llm_model="m", llm_api_key="sk-very-secret")
    assert settings.llm_enabled and settings.llm_base_url == "https://api.example/v1"
    assert "sk-very-secret" not in repr(settings) and "sk-very-secret" not in str(settings.model_dump())
    assert not load_settings(_env_file=None, bot_token=TOKEN).llm_enabled
