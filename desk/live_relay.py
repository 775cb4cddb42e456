"""Live updates across desk processes, chosen by config (``DESK_LIVE_URL``).

Embedded (one desk process, the default) every change is already in the process's memory
(desk/live.py ``Changes``, desk/typing.py ``TypingBoard``), so the relay does nothing. With
``DESK_LIVE_URL=redis://...`` (the scaled profile, several desk processes behind the balancer)
each process publishes what changed, and the shoppers' typing signals, on one Redis pub/sub
channel and applies what the others published: an agent's page long-polling desk B wakes when
desk A's follower stored a shopper's message.

The same relay decides which process follows Rasa's event broker: one at a time (a Redis lock
it keeps extending), so two desks never split a queue's events between them or apply one twice;
when that process dies, its lock lapses and another takes over from the saved cursor.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
import uuid
from collections.abc import Callable, Coroutine
from typing import Any, Protocol

log = logging.getLogger(__name__)

CHANNEL = "desk:live"
LEAD_KEY = "desk:event-follower"
LEAD_SECONDS = 15.0  # how long a desk that died holds the follower back
LEAD_RENEW_SECONDS = 3.0
RECONNECT_SECONDS = 1.0

Deliver = Callable[[dict[str, Any]], None]


class LiveRelay(Protocol):
    async def start(self, deliver: Deliver) -> None:
        """From now on ``deliver`` gets every message another desk process publishes."""
        ...

    def publish(self, message: dict[str, Any]) -> None:
        """Tell the other desk processes (a JSON-able dict); never blocks, never fails the caller."""
        ...

    async def lead(self, work: Callable[[], Coroutine[Any, Any, None]], standby: Callable[[], None]) -> None:
        """Run ``work()`` while this process is the one that follows the event broker (forever)."""
        ...

    async def close(self) -> None: ...


class LocalRelay:
    """One desk process: nobody to tell, and it always leads."""

    async def start(self, deliver: Deliver) -> None:
        pass

    def publish(self, message: dict[str, Any]) -> None:
        pass

    async def lead(self, work: Callable[[], Coroutine[Any, Any, None]], standby: Callable[[], None]) -> None:
        await work()

    async def close(self) -> None:
        pass


class RedisRelay:
    """Redis pub/sub for the changes, a Redis lock for the follower (redis-py's asyncio client)."""

    def __init__(self, url: str):
        import redis.asyncio as redis  # only the scaled profile needs it loaded

        # No read timeout: the subscription waits for messages; health checks find a dead connection.
        self._redis = redis.from_url(url, socket_connect_timeout=5, health_check_interval=10)
        self._origin = uuid.uuid4().hex  # our own messages come back too: they are left out
        self._listening: asyncio.Task | None = None
        self._sending: set[asyncio.Task] = set()

    async def start(self, deliver: Deliver) -> None:
        self._listening = asyncio.create_task(self._listen(deliver))

    async def _listen(self, deliver: Deliver) -> None:
        while True:  # Redis restarted: subscribe again (a change missed meanwhile costs a page a later read)
            try:
                async with self._redis.pubsub(ignore_subscribe_messages=True) as pubsub:
                    await pubsub.subscribe(CHANNEL)
                    async for raw in pubsub.listen():
                        message = json.loads(raw["data"])
                        if message.pop("origin", None) != self._origin:
                            deliver(message)
            except asyncio.CancelledError:
                raise
            except Exception as error:
                log.warning("live updates from other desk processes: %s; subscribing again", type(error).__name__)
                await asyncio.sleep(RECONNECT_SECONDS)

    def publish(self, message: dict[str, Any]) -> None:
        task = asyncio.get_running_loop().create_task(self._send(json.dumps({**message, "origin": self._origin})))
        self._sending.add(task)
        task.add_done_callback(self._sending.discard)

    async def _send(self, body: str) -> None:
        try:
            await self._redis.publish(CHANNEL, body)
        except Exception as error:  # the other desks' pages read again at their long-poll timeout
            log.warning("live update not shared: %s", type(error).__name__)

    async def lead(self, work: Callable[[], Coroutine[Any, Any, None]], standby: Callable[[], None]) -> None:
        lock = self._redis.lock(LEAD_KEY, timeout=LEAD_SECONDS)
        while True:
            try:
                acquired = await lock.acquire(blocking=False)
            except Exception as error:
                log.warning("event follower lock: %s", type(error).__name__)
                acquired = False
            if not acquired:
                standby()
                await asyncio.sleep(LEAD_RENEW_SECONDS)
                continue
            # A leader cut off from a restarted Redis learns it lost the lock at its next renewal: let it stop first.
            await asyncio.sleep(LEAD_RENEW_SECONDS + 1)
            log.info("this desk process follows the event broker")
            following = asyncio.create_task(work())
            try:
                await self._keep(lock, following)
            finally:
                following.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await following
                with contextlib.suppress(Exception):
                    await lock.release()
            log.warning("this desk process stopped following the event broker (its lock lapsed)")

    @staticmethod
    async def _keep(lock: Any, following: asyncio.Task) -> None:
        """Extend the lock until the work ends; stop once it may have lapsed (another desk may have it by then)."""
        renewed = time.monotonic()
        while not following.done():
            await asyncio.wait({following}, timeout=LEAD_RENEW_SECONDS)
            try:
                await lock.reacquire()
                renewed = time.monotonic()
            except Exception as error:  # Redis away: carry on while the lock surely still holds
                if "not owned" in str(error).lower() or time.monotonic() - renewed > LEAD_SECONDS - 2 * LEAD_RENEW_SECONDS:
                    return
                log.warning("event follower lock not extended: %s", type(error).__name__)

    async def close(self) -> None:
        if self._listening is not None:
            self._listening.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._listening
        await asyncio.gather(*self._sending, return_exceptions=True)
        await self._redis.close()


def open_relay(url: str | None) -> LiveRelay:
    return RedisRelay(url) if url else LocalRelay()
