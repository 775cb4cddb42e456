import time

import pytest

from orders.verification import LookupLimiter


def test_sixth_lookup_in_a_minute_is_refused() -> None:
    limiter = LookupLimiter()
    assert all(limiter.allow("conv-1", "user-1") for _ in range(5))
    assert not limiter.allow("conv-1", "user-1")


def test_other_conversations_are_not_affected() -> None:
    limiter = LookupLimiter(per_conversation="2/minute")
    assert limiter.allow("conv-1", "user-1")
    assert limiter.allow("conv-1", "user-1")
    assert not limiter.allow("conv-1", "user-1")
    assert limiter.allow("conv-2", "user-2")


def test_sender_limit_holds_across_new_conversations() -> None:
    limiter = LookupLimiter(per_conversation="5/minute", per_sender="3/hour")
    assert limiter.allow("conv-1", "attacker")
    assert limiter.allow("conv-2", "attacker")
    assert limiter.allow("conv-3", "attacker")
    assert not limiter.allow("conv-4", "attacker")
    assert limiter.allow("conv-5", "someone-else")


def test_refused_lookups_do_not_use_up_the_other_limit() -> None:
    limiter = LookupLimiter(per_conversation="1/minute", per_sender="2/hour")
    assert limiter.allow("conv-1", "user")
    for _ in range(10):
        assert not limiter.allow("conv-1", "user")
    # The sender still has one lookup left for a fresh conversation.
    assert limiter.allow("conv-2", "user")
    assert not limiter.allow("conv-3", "user")


def test_window_moves_on() -> None:
    limiter = LookupLimiter(per_conversation="2/second", per_sender="100/hour")
    assert limiter.allow("c", "s")
    assert limiter.allow("c", "s")
    assert not limiter.allow("c", "s")
    time.sleep(1.1)
    assert limiter.allow("c", "s")


def test_storage_is_configurable() -> None:
    limiter = LookupLimiter(per_conversation="1/minute", storage_uri="memory://")
    assert limiter.allow("c", "s")
    assert not limiter.allow("c", "s")


def test_bad_limit_strings_fail_at_start_up() -> None:
    with pytest.raises(ValueError):
        LookupLimiter(per_conversation="five a minute")
