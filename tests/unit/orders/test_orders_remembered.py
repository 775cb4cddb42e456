"""A verification remembered for the identity that made it (orders/remembered.py), and for nothing else.

In memory and in a real Redis shared by two action servers. Through the real stack:
tests/channels/test_customers.py.
"""

from __future__ import annotations

import asyncio
import json

import pytest

from customers.identities import reuse_identity
from orders.remembered import MemoryRecords, RedisRecords, RememberedVerifications, record_store

KEY = b"a-verification-key-for-these-tests"
HOURS_12 = 12 * 3600
MAGDA = "whatsapp:48500100200"
NOW = 1_800_000_000.0


def run(coroutine):
    return asyncio.run(coroutine)


async def recalled(memory: RememberedVerifications, identity: str, now: float = NOW + 60) -> str | None:
    found = await memory.recall(identity, now=now)
    return found.order_number if found else None


def test_the_identity_that_verified_gets_its_order_back_and_nobody_else_does():
    async def scenario() -> None:
        memory = RememberedVerifications(KEY, HOURS_12, MemoryRecords())
        await memory.remember(MAGDA, "100205", now=NOW)
        assert await recalled(memory, MAGDA) == "100205"
        found = await memory.recall(MAGDA, now=NOW + 60)
        assert found is not None and found.expires == NOW + HOURS_12
        for stranger in ("whatsapp:48500100999", "telegram:48500100200", "rest|whatsapp:48500100200"):
            assert await recalled(memory, stranger) is None

    run(scenario())


def test_it_expires_and_a_shortened_setting_applies_at_once():
    async def scenario() -> None:
        records = MemoryRecords()
        memory = RememberedVerifications(KEY, HOURS_12, records)
        await memory.remember(MAGDA, "100205", now=NOW)
        assert await recalled(memory, MAGDA, now=NOW + HOURS_12 - 1) == "100205"
        assert await recalled(memory, MAGDA, now=NOW + HOURS_12 + 1) is None
        shorter = RememberedVerifications(KEY, 3600, records)
        assert await recalled(shorter, MAGDA, now=NOW + 60) is None
        off = RememberedVerifications(KEY, 0, records)
        assert await recalled(off, MAGDA) is None
        await off.remember("telegram:1", "100205", now=NOW)
        assert await recalled(memory, "telegram:1") is None  # switched off: nothing is recorded either

    run(scenario())


def test_a_forged_moved_or_old_key_record_is_refused():
    async def scenario() -> None:
        records = MemoryRecords()
        memory = RememberedVerifications(KEY, HOURS_12, records)
        await memory.remember(MAGDA, "100205", now=NOW)
        [(magda_key, (_, magda_record))] = list(records._records.items())
        stranger = "whatsapp:48500100999"
        await memory.remember(stranger, "100212", now=NOW)
        stranger_key = next(k for k in records._records if k != magda_key)

        # Her record copied under the stranger's key: the signature names her identity.
        await records.put(stranger_key, magda_record, HOURS_12)
        assert await recalled(memory, stranger) is None
        # Her record with another order number or a later expiry written in (someone with store access, no key).
        order, expires, mac = json.loads(magda_record)
        for forged in ([order.replace("5", "6"), expires, mac], [order, expires + HOURS_12, mac], "garbage"):
            await records.put(magda_key, json.dumps(forged), HOURS_12)
            assert await recalled(memory, MAGDA) is None
        # Signed with the key before a rotation.
        await memory.remember(MAGDA, "100205", now=NOW)
        rotated = RememberedVerifications(b"the-new-verification-key-after-rotation", HOURS_12, records)
        assert await recalled(rotated, MAGDA) is None
        assert await recalled(memory, MAGDA) == "100205"

    run(scenario())


def test_two_action_servers_share_it_through_redis_and_redis_down_means_asking_again(redis_url: str):
    async def scenario() -> None:
        first = RememberedVerifications(KEY, HOURS_12, record_store(redis_url))
        second = RememberedVerifications(KEY, HOURS_12, RedisRecords(redis_url))
        await first.remember(MAGDA, "100205")
        assert await recalled(second, MAGDA, now=None) == "100205"
        assert await recalled(second, "whatsapp:48500100999", now=None) is None
        down = RememberedVerifications(KEY, HOURS_12, RedisRecords("redis://127.0.0.1:1/0"))
        await down.remember(MAGDA, "100205")  # logged, not raised
        assert await recalled(down, MAGDA, now=None) is None

    run(scenario())


def test_who_a_verification_may_be_remembered_for():
    assert reuse_identity(MAGDA, "whatsapp") == MAGDA
    assert reuse_identity("telegram:4242", "telegram") == "telegram:4242"
    assert reuse_identity("sio-3f2a", "socketio") == "socketio|sio-3f2a"
    assert reuse_identity("c0ffee", "rest") == "rest|c0ffee"
    # A REST client naming itself after her WhatsApp id, an id of another platform, an unknown channel.
    assert reuse_identity(MAGDA, "rest") is None
    assert reuse_identity("whatsapp:48500100200", "telegram") is None
    assert reuse_identity("c0ffee", "cmdline") is None
    with pytest.raises(ValueError):
        record_store("postgresql://elsewhere")
