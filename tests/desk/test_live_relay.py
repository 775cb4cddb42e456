"""Several desk processes on one database (the scaled profile): live updates and the event follower shared through
a real redis-server (desk/live_relay.py). The two relays here stand for two desk processes."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis.asyncio as aioredis

from desk import closing
from desk.follower import EventFollower
from desk.live import Changes
from desk.live_relay import LEAD_KEY, LocalRelay, RedisRelay
from tests.desk.conftest import start_harness, stop_harness
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


def running(loop_code: object) -> int:
    """How many tasks of this event loop are running the background loop whose code this is."""
    return sum(task.get_coro().cr_code is loop_code for task in asyncio.all_tasks() if hasattr(task.get_coro(), "cr_code"))


async def until(condition, seconds: float) -> bool:
    for _ in range(int(seconds * 10)):
        if condition():
            return True
        await asyncio.sleep(0.1)
    return condition()


async def test_a_desk_that_leads_again_after_its_lock_lapsed_runs_each_background_loop_once(redis: Daemon, tmp_path: Path):
    """A Redis restart takes the follower lock from the leading desk; when it leads again, every background loop
    (event follower, ticket delivery, reports, closing time, file expiry) starts afresh, once. The closing-time loop
    was once a coroutine made at start: a second lead re-awaited it, that run failed at once, and the lead loop
    kept starting followers beside the old ones."""
    follower_loop, closing_loop = EventFollower.run.__code__, closing.run.__code__
    harness = await start_harness(tmp_path, env={"DESK_LIVE_URL": url(redis)}, run_background=True)
    store = aioredis.from_url(url(redis))
    try:
        assert await until(lambda: running(follower_loop) == 1, 20)
        assert running(closing_loop) == 1
        for _ in range(2):  # the lock taken away twice: the desk leads a second and a third time
            await store.delete(LEAD_KEY)
            assert await until(lambda: running(follower_loop) == 0, 10)  # it noticed at its next renewal and stopped
            assert await until(lambda: running(follower_loop) >= 1, 20)
            await asyncio.sleep(1)
            assert (running(follower_loop), running(closing_loop)) == (1, 1)
    finally:
        await store.close()
        await stop_harness(harness)
