"""Several desk processes on one database (the scaled profile): live updates and the event follower shared through
a real redis-server (desk/live_relay.py). The two relays here stand for two desk processes."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest

from desk.live import Changes
from desk.live_relay import LocalRelay, RedisRelay
from tests.support.infra import Daemon, redis_server


@pytest.fixture(scope="module")
def redis(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Daemon]:
    server = redis_server(tmp_path_factory.mktemp("redis"))
    server.start()
    try:
        yield server
    finally:
        server.stop()


def url(redis: Daemon) -> str:
    return f"redis://127.0.0.1:{redis.port}/4"


async def test_a_change_in_one_desk_process_wakes_the_pages_waiting_on_another(redis: Daemon) -> None:
    a, b = RedisRelay(url(redis)), RedisRelay(url(redis))
    heard_a: list[dict] = []
    changes_b = Changes(b)
    heard_b: list[dict] = []

    def on_b(message: dict) -> None:
        heard_b.append(message)
        changes_b.heard()

    await a.start(heard_a.append)
    await b.start(on_b)
    try:
        await asyncio.sleep(0.5)  # both subscribed
        waiting = asyncio.create_task(changes_b.wait_after(changes_b.version, timeout=10))
        Changes(a).bump()
        a.publish({"kind": "typing", "sender_id": "shopper-1", "typing": True})
        assert await asyncio.wait_for(waiting, 10) >= 1  # woken by desk A's change (unwoken, it would stay 0)
        for _ in range(50):
            if len(heard_b) == 2:
                break
            await asyncio.sleep(0.1)
        # Each is a wake-up of its own: their order does not matter.
        assert sorted(heard_b, key=lambda m: m["kind"]) == [
            {"kind": "change"}, {"kind": "typing", "sender_id": "shopper-1", "typing": True}
        ]
        assert heard_a == []  # a process does not hear itself back
    finally:
        await a.close()
        await b.close()


async def test_one_desk_process_at_a_time_follows_the_broker_and_another_takes_over(redis: Daemon) -> None:
    a, b = RedisRelay(url(redis)), RedisRelay(url(redis))
    running: list[str] = []
    overlaps: list[tuple[str, ...]] = []
    standing_by: list[str] = []

    def follower(name: str):
        async def work() -> None:
            running.append(name)
            try:
                while True:
                    if len(running) > 1:
                        overlaps.append(tuple(running))
                    await asyncio.sleep(0.1)
            finally:
                running.remove(name)

        return work

    leading_a = asyncio.create_task(a.lead(follower("a"), lambda: standing_by.append("a")))
    await asyncio.sleep(1)
    leading_b = asyncio.create_task(b.lead(follower("b"), lambda: standing_by.append("b")))
    try:
        await asyncio.sleep(4)
        assert running == ["a"] and "b" in standing_by
        leading_a.cancel()  # desk A stops: its lock goes, B takes over at its next try
        for _ in range(100):
            if running == ["b"]:
                break
            await asyncio.sleep(0.1)
        assert running == ["b"]
        assert overlaps == []
    finally:
        leading_a.cancel()
        leading_b.cancel()
        await asyncio.gather(leading_a, leading_b, return_exceptions=True)
        await a.close()
        await b.close()


async def test_one_embedded_desk_process_always_follows() -> None:
    ran: list[bool] = []

    async def work() -> None:
        ran.append(True)

    await LocalRelay().lead(work, lambda: None)
    assert ran == [True]
