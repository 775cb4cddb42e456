import pytest

from actions.language import detect_language


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("how much does delivery cost?", "en"),
        ("ile kosztuje dostawa do Gdańska?", "pl"),
        ("czy moge zaplacic blikiem", "pl"),  # no diacritics
        ("где мой заказ?", "ru"),
        ("привет", "ru"),
    ],
)
def test_first_message_sets_the_language(text, expected):
    assert detect_language(text, None) == expected


@pytest.mark.parametrize("short", ["ok", "tak", "hej", "da", "100234", "🙂", "/request_human"])
def test_short_or_wordless_messages_keep_the_conversation_language(short):
    assert detect_language(short, "en") == "en"
    assert detect_language(short, "ru") == "ru"


def test_clear_evidence_switches_language():
    assert detect_language("a właściwie, jak mogę zwrócić zamówienie?", "en") == "pl"
    assert detect_language("sorry, can you answer in English please?", "pl") == "en"
    assert detect_language("спасибо", "pl") == "ru"
