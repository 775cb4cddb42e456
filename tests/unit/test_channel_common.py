"""The messenger connectors' shared helpers (bot/channels/common.py)."""

from __future__ import annotations

import pytest

from bot.channels.common import NON_TEXT_REPLY, SeenIds, non_text_reply, platform_id, sender_id, split_text, utf16_len


def test_sender_ids_carry_the_channel_and_only_the_safe_alphabet():
    assert sender_id("telegram", 12345) == "telegram:12345"
    assert platform_id("telegram:12345") == "12345"
    assert sender_id("telegram", "12 34") is None and sender_id("slack", "x" * 130) is None


@pytest.mark.parametrize("limit", [50, 4096])
def test_split_text_keeps_every_word_in_order_within_the_limit(limit):
    text = "\n\n".join(" ".join(f"w{p}-{i}" for i in range(300)) for p in range(5))
    parts = split_text(text, limit)
    assert all(0 < utf16_len(part) <= limit for part in parts)
    assert " ".join(" ".join(parts).split()) == " ".join(text.split())
    assert all(not part[-1].isspace() and not part[0].isspace() for part in parts)


def test_split_text_prefers_a_paragraph_break_and_counts_emoji_as_telegram_does():
    first, second = "a" * 60, "b" * 30
    assert split_text(f"{first}\n\n{second}", 80) == [first, second]
    emoji = "😀" * 100  # 200 UTF-16 units
    parts = split_text(emoji, 64)
    assert "".join(parts) == emoji and all(utf16_len(p) <= 64 for p in parts)
    assert split_text("short", 4096) == ["short"]


def test_a_text_without_breaks_is_cut_hard():
    assert split_text("x" * 10, 4) == ["xxxx", "xxxx", "xx"]


def test_seen_ids_take_an_id_once_and_stay_bounded():
    seen = SeenIds(max_items=3)
    assert seen.first_time("a") and not seen.first_time("a")
    for key in "bcd":
        assert seen.first_time(key)
    assert seen.first_time("a")  # the oldest was let go to stay within 3


def test_seen_ids_forget_after_their_time():
    seen = SeenIds(ttl_s=-1)
    assert seen.first_time("a") and seen.first_time("a")


def test_the_text_only_reply_exists_in_every_language_and_defaults_to_english():
    assert set(NON_TEXT_REPLY) == {"en", "pl", "ru"} and all(NON_TEXT_REPLY.values())
    assert non_text_reply("pl") == NON_TEXT_REPLY["pl"]
    assert non_text_reply(None) == non_text_reply("de") == NON_TEXT_REPLY["en"]
