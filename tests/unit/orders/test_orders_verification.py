import pytest

from orders.demo_shop import DEMO_ORDERS
from orders.model import Order
from orders.verification import VerificationProof, normalise_email, normalise_postcode, verify


@pytest.fixture
def order() -> Order:
    # Anna Kowalska, anna.kowalska@example.com, 00-950
    return next(o for o in DEMO_ORDERS if o.number == "100201")


@pytest.mark.parametrize("typed", ["anna.kowalska@example.com", "  Anna.Kowalska@EXAMPLE.com ", "ANNA.KOWALSKA@EXAMPLE.COM\n"])
def test_email_matches_whatever_the_case_and_spacing(order: Order, typed: str) -> None:
    assert verify(order, email=typed)


@pytest.mark.parametrize("typed", ["00-950", "00950", "00 950", " 00 - 950 ", "00\u2013950"])
def test_postcode_matches_in_any_common_spelling(order: Order, typed: str) -> None:
    assert verify(order, postcode=typed)


def test_uk_postcode_is_case_and_space_insensitive() -> None:
    uk = next(o for o in DEMO_ORDERS if o.postcode == "WC1N 3AX")
    assert verify(uk, postcode="wc1n3ax")


@pytest.mark.parametrize(
    "kwargs",
    [
        {"email": "anna.kowalska@example.org"},
        {"email": "piotr.nowak@example.com"},  # another customer's address
        {"email": ""},
        {"email": "   "},
        {"postcode": "00-951"},
        {"postcode": ""},
        {"postcode": "-"},
    ],
)
def test_wrong_verifier_is_refused(order: Order, kwargs: dict[str, str]) -> None:
    assert not verify(order, **kwargs)


def test_one_verifier_is_enough_but_a_wrong_second_one_is_not_ignored(order: Order) -> None:
    assert verify(order, email="anna.kowalska@example.com", postcode="00-950")
    assert not verify(order, email="anna.kowalska@example.com", postcode="99-999")
    assert not verify(order, email="someone@example.com", postcode="00-950")


def test_no_order_never_verifies() -> None:
    assert not verify(None, email="anna.kowalska@example.com")
    assert not verify(None, postcode="00-950")
    # Not even with the dummy values compared against internally.
    assert not verify(None, email="nobody@invalid.example", postcode="00000")


def test_a_verifier_is_required(order: Order) -> None:
    with pytest.raises(ValueError):
        verify(order)


def test_normalisers() -> None:
    assert normalise_email("  Jan.Nowak@Example.COM ") == "jan.nowak@example.com"
    assert normalise_postcode(" sw1a 1aa ") == "SW1A1AA"
    assert normalise_postcode("00-950") == "00950"
    assert normalise_postcode("１０１０００") == "101000"


# --- the signed proof that a conversation verified an order ------------------------------

def test_a_proof_holds_only_for_its_conversation_and_order() -> None:
    proofs = VerificationProof(b"k" * 32, max_age_seconds=3600)
    proof = proofs.issue("shopper#1700000000.0", "100205", now=1_000_000)
    assert proofs.holds(proof, "shopper#1700000000.0", "100205", now=1_000_010)
    assert not proofs.holds(proof, "shopper#1700000999.0", "100205", now=1_000_010), "another session"
    assert not proofs.holds(proof, "attacker#1700000000.0", "100205", now=1_000_010), "another sender"
    assert not proofs.holds(proof, "shopper#1700000000.0", "100206", now=1_000_010), "another order"
    assert not proofs.holds(proof, "shopper#1700000000.0", "100205", now=1_000_000 + 3601), "expired"


def test_a_made_up_or_foreign_proof_never_holds() -> None:
    proofs = VerificationProof(b"k" * 32, max_age_seconds=3600)
    other_key = VerificationProof(b"x" * 32, max_age_seconds=3600)
    forged = other_key.issue("shopper#1", "100205", now=1_000_000)
    assert not proofs.holds(forged, "shopper#1", "100205", now=1_000_000)
    issued = proofs.issue("shopper#1", "100205", now=1_000_000)
    moved = f"{1_000_500}.{issued.partition('.')[2]}"  # a later issue time with the old signature
    assert not proofs.holds(moved, "shopper#1", "100205", now=1_000_600)
    for junk in (None, "", "yes", "1.", ".abc", 100205, "x.y"):
        assert not proofs.holds(junk, "shopper#1", "100205", now=1_000_000)
    assert not proofs.holds(issued, "shopper#1", None, now=1_000_000)
