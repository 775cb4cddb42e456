import pytest

from bot.language import detect_language


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("how much does delivery cost?", "en"),
        ("ile kosztuje dostawa do Gdańska?", "pl"),
        ("czy moge zaplacic blikiem", "pl"),  # no diacritics
        ("cześć", "pl"),  # short, but only Polish has "ś" and "ć"
        ("blik ok?", "en"),  # a brand and "ok" say nothing
        ("где мой заказ?", "ru"),
        ("где мой заказ №100203? почта anna.kowalska@example.com", "ru"),  # the address is no evidence
        ("zamówienie 100203, mail john.smith@example.co.uk", "pl"),
        ("привет", "ru"),
    ],
)
def test_first_message_sets_the_language(text, expected):
    assert detect_language(text, None) == expected


@pytest.mark.parametrize("short", ["ok", "tak", "hej", "da", "100234", "🙂", "/request_human", "anna.kowalska@example.com"])
def test_short_or_wordless_messages_keep_the_conversation_language(short):
    assert detect_language(short, "en") == "en"
    assert detect_language(short, "ru") == "ru"


def test_a_polish_place_name_does_not_make_english_polish():
    assert detect_language("do you deliver to Gdańsk?", "en") == "en"
    assert detect_language("do you deliver to Gdańsk?", None) == "en"


def test_clear_evidence_switches_language():
    assert detect_language("a właściwie, jak mogę zwrócić zamówienie?", "en") == "pl"
    assert detect_language("sorry, can you answer in English please?", "pl") == "en"
    assert detect_language("спасибо", "pl") == "ru"
