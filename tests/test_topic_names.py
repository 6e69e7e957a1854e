"""Forum topic names are cut at 128 code points (Telegram's unit for them), never inside a
character as a reader sees it."""

from __future__ import annotations

from bot.topic_names import MAX_TOPIC_NAME, cut_at_character, topic_name

UA = "\U0001F1FA\U0001F1E6"  # 🇺🇦: two regional indicators
FAMILY = "\U0001F468\u200d\U0001F469\u200d\U0001F467"  # 👨‍👩‍👧: joined by ZWJ
THUMB = "\U0001F44D\U0001F3FD"  # 👍🏽: a skin tone


def test_a_name_within_the_limit_is_kept_whole() -> None:
    assert topic_name("  Water & Dams  ") == "Water & Dams"
    cyrillic = "Ж" * MAX_TOPIC_NAME  # 128 characters, 256 UTF-8 bytes: still within the limit
    assert topic_name(cyrillic) == cyrillic


def test_the_cut_is_at_128_code_points_not_utf16_units() -> None:
    # Each emoji is one code point but two UTF-16 units: 128 of them fit.
    name = "\U0001F30A" * 200
    assert topic_name(name) == "\U0001F30A" * MAX_TOPIC_NAME


def test_a_flag_across_the_limit_is_left_out_whole() -> None:
    assert topic_name("a" * 127 + UA + " news") == "a" * 127
    assert topic_name("a" * 126 + UA + UA) == "a" * 126 + UA  # the second flag starts at 128


def test_joined_emoji_skin_tones_and_combining_marks_stay_whole() -> None:
    assert topic_name("a" * 125 + FAMILY + "b") == "a" * 125
    assert topic_name("a" * 127 + THUMB) == "a" * 127
    assert topic_name("a" * 127 + "e\u0301x") == "a" * 127  # é as e + combining acute
    assert cut_at_character("ab" + FAMILY, 4) == "ab"


def test_every_cut_is_a_prefix_within_the_limit() -> None:
    text = ("News " + UA + FAMILY + THUMB + "e\u0301 ") * 40
    for limit in range(1, 140):
        cut = cut_at_character(text, limit)
        assert len(cut) <= limit and text.startswith(cut)
