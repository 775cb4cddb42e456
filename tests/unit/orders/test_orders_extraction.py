import time

import pytest

from orders.extraction import Extracted, extract


@pytest.mark.parametrize(
    "text",
    [
        "where is order 100234?",
        "Order #100234 hasn't arrived",
        "#100234",
        "nr 100234",
        "no. 100234",
        "Order No. 100234",
        "my order number is 100234",
        "order id: 100234",
        "BB-100234",
        "zamówienie 100234",
        "Gdzie jest moje zamówienie nr 100234?",
        "ZAMÓWIENIE 100234 nie dotarło",
        "numer zamówienia: 100234",
        "заказ 100234",
        "заказ №100234",
        "Где мой заказ № 100234?",
        "номер заказа 100234",
        "по заказу номер 100234 ничего нет",
        "order\n100234",
        "ＯＲＤＥＲ　＃１００２３４",  # full-width, as some mobile keyboards send
    ],
)
def test_order_number_after_keyword(text: str) -> None:
    assert extract(text).order_number == "100234"


@pytest.mark.parametrize("expecting", [None, "postcode", "email", "order_number"])
def test_order_number_after_keyword_is_never_a_postcode(expecting: str | None) -> None:
    result = extract("zamówienie 100234", expecting)
    assert result.order_number == "100234"
    assert result.postcode is None


def test_bare_number_depends_on_what_was_asked() -> None:
    assert extract("100234", "order_number") == Extracted(order_number="100234")
    assert extract("100234", "postcode") == Extracted(postcode="100234")
    # Could be either: better to ask than to look up the wrong thing.
    assert extract("100234") == Extracted()
    assert extract("100234", "some_other_slot") == Extracted()


@pytest.mark.parametrize(
    "text",
    [
        "call me on 600123456",  # 9 digits: a phone number
        "order 1002345",  # 7 digits
        "order 10023",  # 5 digits
        "it costs 100234.50",
        "100-234",
        "ORD100234X",
    ],
)
def test_numbers_that_are_not_order_numbers(text: str) -> None:
    assert extract(text, "order_number").order_number is None


def test_order_digits_can_be_widened_for_other_shops() -> None:
    assert extract("order #1001", order_digits=(4, 8)).order_number == "1001"
    assert extract("order #1001").order_number is None


@pytest.mark.parametrize(
    ("text", "email"),
    [
        ("my email is Anna.Kowalska@Example.com.", "Anna.Kowalska@Example.com"),
        ("e-mail: jan+shop@mail.example.co.uk, thanks", "jan+shop@mail.example.co.uk"),
        ("(ola_m@example.com)", "ola_m@example.com"),
        ("мой адрес: olga.smirnova@example.com!", "olga.smirnova@example.com"),
        ("mailto:piotr@example.com?", "piotr@example.com"),
    ],
)
def test_email_is_found_with_case_kept_and_punctuation_dropped(text: str, email: str) -> None:
    assert extract(text).email == email


def test_digits_inside_an_email_are_not_an_order_number() -> None:
    result = extract("order100234@example.com", "order_number")
    assert result.email == "order100234@example.com"
    assert result.order_number is None


@pytest.mark.parametrize(
    ("text", "expecting", "postcode"),
    [
        ("kod pocztowy 00-950", None, "00-950"),
        ("mieszkam w Warszawie, 00-950", None, "00-950"),
        ("00950", "postcode", "00950"),
        ("00 950", "postcode", "00 950"),
        ("postcode: 31-019", None, "31-019"),
        ("my postcode is SW1A 1AA", None, "SW1A 1AA"),
        ("London SW1A 1AA", None, "SW1A 1AA"),
        ("sw1a 1aa", "postcode", "SW1A 1AA"),
        ("PLZ 10115", None, "10115"),
        ("zip code is 10115", None, "10115"),
        ("10115", "postcode", "10115"),
        ("индекс 101000", None, "101000"),
        ("мой почтовый индекс: 190000", None, "190000"),
        ("101000", "postcode", "101000"),
        ("113 45", "postcode", "113 45"),
    ],
)
def test_postcodes(text: str, expecting: str | None, postcode: str) -> None:
    assert extract(text, expecting).postcode == postcode


@pytest.mark.parametrize(
    "text",
    [
        "00950",  # a Polish postcode without its hyphen is too ambiguous
        "10115",  # German postcode with no keyword
        "101000",  # Russian postcode with no keyword
        "sw1a 1aa",  # lower-case UK without being asked
        "dated 2024-05-12",
        "phone 12-345-67-89",
    ],
)
def test_no_postcode_without_a_keyword_or_being_asked(text: str) -> None:
    assert extract(text).postcode is None


def test_everything_in_one_message() -> None:
    result = extract("Hi, order #100234, my email is Jan.Nowak@Example.com and zip 02-715.", "postcode")
    assert result == Extracted("100234", "Jan.Nowak@Example.com", "02-715")


def test_russian_message_with_order_and_postcode_while_asking_postcode() -> None:
    result = extract("заказ №100234, индекс 630099", "postcode")
    assert result == Extracted(order_number="100234", postcode="630099")


def test_first_of_several_candidates_wins() -> None:
    assert extract("order 100234 or maybe order 100235").order_number == "100234"


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "\x00\x01\x02",
        "'; DROP TABLE orders; --",
        "<script>alert(1)</script>",
        "{{7*7}} ${jndi:ldap://x}",
        "🙂" * 50,
        "order order order # # # nr no",
        "@@@@@@@@",
    ],
)
def test_hostile_input_gives_nothing(text: str) -> None:
    assert extract(text, "order_number") == Extracted()


@pytest.mark.parametrize(
    "blob",
    [
        "a" * 20_000,
        "1" * 20_000,
        "#" * 20_000,
        "order " * 3_400,
        "a@" * 10_000,
        "a." * 10_000 + "@",
        "a@" + "a." * 10_000,
        "00-950-" * 3_000,
        "zamówienie nr " * 1_500,
        "x" * 19_980 + " order 100234",
    ],
)
def test_20000_characters_are_handled_quickly(blob: str) -> None:
    for expecting in (None, "order_number", "postcode"):
        started = time.perf_counter()
        extract(blob, expecting)
        assert time.perf_counter() - started < 0.25


def test_order_number_at_the_end_of_a_long_message_is_found() -> None:
    assert extract("x" * 19_980 + " order 100234").order_number == "100234"
