"""Failed order checks are counted where a client cannot reset them (orders/lockout.py)."""

from __future__ import annotations

from orders.lockout import CheckKeys, FailedCheckLimits, address_key


def limits(**changes: str) -> FailedCheckLimits:
    return FailedCheckLimits(
        **{"per_conversation": "3/hour", "per_order": "5/hour", "per_address": "20/hour", "overall": "1000/hour", **changes}
    )


def test_a_fresh_sender_id_per_guess_still_locks_the_order() -> None:
    guard = limits()
    for guess in range(5):
        keys = CheckKeys(f"sender-{guess}", "100205", f"203.0.113.{guess}")
        assert not guard.locked(keys)
        assert not guard.record_failure(keys)  # never the conversation's third failure
    assert guard.locked(CheckKeys("sender-new", "100205", "198.51.100.9"))
    assert not guard.locked(CheckKeys("sender-new", "100206", "198.51.100.9")), "other orders stay open"


def test_one_address_is_limited_across_orders_and_senders() -> None:
    guard = limits(per_address="4/hour")
    for guess in range(4):
        guard.record_failure(CheckKeys(f"s{guess}", f"10020{guess}", "203.0.113.7"))
    assert guard.locked(CheckKeys("s9", "100209", "203.0.113.7"))
    assert not guard.locked(CheckKeys("s9", "100209", "203.0.113.8"))


def test_an_ipv6_client_cannot_escape_by_changing_its_interface_id() -> None:
    guard = limits(per_address="2/hour")
    guard.record_failure(CheckKeys("a", "100201", "2001:db8:1:2::1"))
    guard.record_failure(CheckKeys("b", "100202", "2001:db8:1:2:aaaa::9"))
    assert guard.locked(CheckKeys("c", "100203", "2001:db8:1:2:ffff::1"))
    assert not guard.locked(CheckKeys("c", "100203", "2001:db8:1:3::1"))


def test_address_keys() -> None:
    assert address_key("203.0.113.7") == "203.0.113.7"
    assert address_key("::ffff:203.0.113.7") == "203.0.113.7"
    assert address_key("[2001:db8::1]") == "2001:db8::/64"
    assert address_key("") is None and address_key(None) is None
    assert address_key("unix-socket") == "unix-socket"


def test_the_conversations_last_attempt_is_reported_once() -> None:
    guard = limits()
    keys = CheckKeys("shopper", "100205", "203.0.113.7")
    assert [guard.record_failure(keys) for _ in range(2)] == [False, False]
    assert guard.record_failure(keys) is True
    assert guard.locked(keys) and guard.conversation_locked("shopper")


def test_overall_limit_covers_everyone() -> None:
    guard = limits(overall="3/hour")
    for n in range(3):
        guard.record_failure(CheckKeys(f"s{n}", f"10021{n}", f"198.51.100.{n}"))
    assert guard.locked(CheckKeys("someone-else", "100299", "192.0.2.1"))


def test_a_check_without_an_address_is_still_limited_per_order() -> None:
    guard = limits(per_order="2/hour")
    guard.record_failure(CheckKeys("a", "100205", None))
    guard.record_failure(CheckKeys("b", "100205", None))
    assert guard.locked(CheckKeys("c", "100205", None))
