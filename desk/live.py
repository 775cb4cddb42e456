"""Live updates: one counter the desk bumps whenever something agents see has changed, pushed as Server-Sent Events.

The pages keep their JSON endpoints (queue.json, updates.json, attention.json); the stream
only tells them *when* to read again, so a lost event costs nothing but a later read.
Several desk processes (the scaled profile) hear of each other's changes through a relay
(desk/live_relay.py); embedded there is one, and the in-process signal reaches every agent.
"""

from __future__ import annotations

import asyncio
import contextlib

from aiohttp import web

from desk.live_relay import LiveRelay, LocalRelay
from desk.security import Handler

HEARTBEAT_SECONDS = 15.0  # keeps proxies from closing an idle stream; EventSource reconnects by itself anyway


class Changes:
    """A version number and a wake-up for everyone waiting on it."""

    def __init__(self, relay: LiveRelay | None = None) -> None:
        self.version = 0
        self.closing = False  # the desk is shutting down: streams end, so shutdown need not wait for them
        self._changed = asyncio.Event()
        self._relay = relay or LocalRelay()

    def bump(self) -> None:
        """Something changed here: wake this process's pages and tell the other desk processes."""
        self.heard()
        self._relay.publish({"kind": "change"})

    def heard(self) -> None:
        """Something changed (here or in another desk process): the pages waiting here read again."""
        self.version += 1
        self._changed.set()
        self._changed = asyncio.Event()  # the old one stays set for the waiters it woke

    def close(self) -> None:
        self.closing = True
        self.heard()

    async def wait_after(self, version: int, timeout: float) -> int:
        """The version once it is past ``version``, or the same one after ``timeout``."""
        if self.version == version:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._changed.wait(), timeout)
        return self.version


async def stream(request: web.Request, changes: Changes) -> web.StreamResponse:
    """``text/event-stream``: an event ``change`` with the version at once and after every change."""
    response = web.StreamResponse(headers={"Content-Type": "text/event-stream", "X-Accel-Buffering": "no"})
    await response.prepare(request)
    version = -1
    with contextlib.suppress(ConnectionResetError):  # the agent closed the page
        while not changes.closing:
            current = changes.version if version == -1 else await changes.wait_after(version, HEARTBEAT_SECONDS)
            if changes.closing:
                break
            if current == version:
                await response.write(b": heartbeat\n\n")
                continue
            version = current
            await response.write(f"event: change\ndata: {version}\n\n".encode())
    return response


def bump_after_posts(changes: Changes) -> Handler:
    """Every change an agent or the bot makes through the desk is a POST: each successful one wakes the pages."""

    @web.middleware
    async def middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
        try:
            response = await handler(request)
        except web.HTTPException as answer:  # the forms' redirects (303) are raised
            if request.method == "POST" and answer.status < 400:
                changes.bump()
            raise
        if request.method == "POST" and response.status < 400:
            changes.bump()
        return response

    return middleware
