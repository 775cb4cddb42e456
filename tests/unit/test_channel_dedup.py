"""Re-sent webhooks are taken once (bot/channels/dedup.py): in one process, and across replicas through a real Redis."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from bot.channels.dedup import MemorySeenIds, RedisSeenIds, dedup_url, seen_ids
from tests.support.infra import redis_server


def taken(store, *keys: str) -> list[bool]:
    async def run() -> list[bool]:
        try:
            return [await store.first_time(key) for key in keys]
        finally:
            if hasattr(store, "close"):
                await store.close()

    return asyncio.run(run())


def test_memory_takes_an_id_once_and_stays_bounded():
    seen = MemorySeenIds(max_items=3)
    assert taken(seen, "a", "a", "b", "c", "d", "a") == [True, False, True, True, True, True]  # "a" let go to keep 3


def test_memory_forgets_after_its_time():
    assert taken(MemorySeenIds(ttl_s=-1), "a", "a") == [True, True]


def test_two_replicas_sharing_redis_take_a_resent_update_once(redis_url: str):
    async def race() -> list[bool]:
        replicas = [RedisSeenIds(redis_url), RedisSeenIds(redis_url)]
        try:
            # The platform's first send and its re-send reach different replicas at the same moment.
            first = await asyncio.gather(*(r.first_time("slack:Ev0001") for r in replicas))
            later = [await replicas[1].first_time("slack:Ev0001"), await replicas[0].first_time("slack:Ev0002")]
            return [*first, *later]
        finally:
            for replica in replicas:
                await replica.close()

    first_a, first_b, resent, other = asyncio.run(race())
    assert sorted([first_a, first_b]) == [False, True]
    assert (resent, other) == (False, True)


def test_redis_lets_an_id_go_after_its_time(redis_url: str):
    async def run() -> list[bool]:
        store = RedisSeenIds(redis_url, ttl_s=0.2)
        try:
            first, again = await store.first_time("telegram:1"), await store.first_time("telegram:1")
            await asyncio.sleep(0.4)
            return [first, again, await store.first_time("telegram:1")]
        finally:
            await store.close()

    assert asyncio.run(run()) == [True, False, True]


def test_redis_down_falls_back_to_this_processs_memory(tmp_path: Path):
    redis = redis_server(tmp_path)
    redis.start()
    redis.stop()  # nothing listens there any more
    url = f"redis://127.0.0.1:{redis.port}/0"
    assert taken(RedisSeenIds(url), "whatsapp:wamid.1", "whatsapp:wamid.1") == [True, False]


def test_config_chooses_the_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, redis_url: str):
    monkeypatch.delenv("CHANNEL_DEDUP_URL", raising=False)
    config = tmp_path / "assistant.yml"
    config.write_text(f"channels:\n  dedup_url: {redis_url}\n", encoding="utf-8")
    assert dedup_url(config) == redis_url
    monkeypatch.setenv("CHANNEL_DEDUP_URL", "memory")
    assert isinstance(seen_ids(), MemorySeenIds)
    assert isinstance(seen_ids(redis_url), RedisSeenIds)
    with pytest.raises(ValueError, match="redis://"):
        seen_ids("memcached://x")
