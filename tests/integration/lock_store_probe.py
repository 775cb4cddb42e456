"""Run in Rasa's environment (.venv-rasa) by tests/integration/test_lock_store.py: the scaled profile's lock
store (bot/lock_store.py) on a real Redis, used as two replicas use it. Prints one JSON line per scenario."""

from __future__ import annotations

import asyncio
import json
import sys
import threading
import time

import redis
from rasa.utils.endpoints import EndpointConfig

from bot.lock_store import RedisTicketLockStore

LIFETIME = 2.0  # TICKET_LOCK_LIFETIME of these scenarios, seconds
POLL = 1.0  # how often a waiting message looks at the lock: Rasa's default


def replica(port: int) -> RedisTicketLockStore:
    """One Rasa replica's lock store: a connection of its own."""
    return RedisTicketLockStore(EndpointConfig(url="127.0.0.1", port=port, db=1, key_prefix="probe"))


async def next_message_after_a_crash(port: int) -> dict:
    """A replica took a conversation's lock and was killed; the shopper's next message reaches the other one at once."""
    conversation = f"crash-{time.time_ns()}"
    replica(port).issue_ticket(conversation, LIFETIME)  # never returned: kill -9
    started = time.monotonic()

    async def next_message() -> float:
        async with replica(port).lock(conversation, lock_lifetime=LIFETIME, wait_time_in_seconds=POLL):
            return time.monotonic() - started

    try:
        return {"served_after_seconds": await asyncio.wait_for(next_message(), LIFETIME * 10)}
    except asyncio.TimeoutError:
        return {"served_after_seconds": None}


def messages_of_one_conversation_on_three_replicas(port: int, per_replica: int = 20) -> dict:
    """Three replicas take turns on one conversation as fast as they can; a Redis counter sees who is inside."""
    conversation, inside = f"busy-{time.time_ns()}", f"probe:inside:{time.time_ns()}"
    counter = redis.Redis(port=port, db=1)
    figures = {"served": 0, "overlaps": 0, "stuck": 0}
    count = threading.Lock()

    async def turns(store: RedisTicketLockStore) -> None:
        for _ in range(per_replica):
            async with store.lock(conversation, lock_lifetime=30, wait_time_in_seconds=0.005):
                overlapping = counter.incr(inside) > 1
                await asyncio.sleep(0.005)
                counter.decr(inside)
            with count:
                figures["served"] += 1
                figures["overlaps"] += overlapping

    def run(store: RedisTicketLockStore) -> None:
        try:
            asyncio.run(asyncio.wait_for(turns(store), 120))
        except asyncio.TimeoutError:
            with count:
                figures["stuck"] += 1

    threads = [threading.Thread(target=run, args=(replica(port),)) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return figures | {"lock_left_behind": bool(counter.exists(f"probe:lock:{conversation}"))}


if __name__ == "__main__":
    redis_port = int(sys.argv[1])
    print(json.dumps({"after_a_crash": asyncio.run(next_message_after_a_crash(redis_port))}))
    print(json.dumps({"three_replicas": messages_of_one_conversation_on_three_replicas(redis_port)}))
