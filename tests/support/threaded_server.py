"""Run an aiohttp fake (tests/fakes) in a background thread, for tests that are not async."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from aiohttp import web

from tests.fakes.server import FakeServer


@contextmanager
def serve_in_thread(app: web.Application) -> Iterator[str]:
    """Serve ``app`` on a free loopback port; yields its base URL."""
    loop = asyncio.new_event_loop()
    started = threading.Event()
    holder: dict[str, object] = {}

    async def main() -> None:
        async with FakeServer(app) as server:
            holder["url"] = server.url
            holder["stop"] = stop = asyncio.Event()
            started.set()
            await stop.wait()

    thread = threading.Thread(target=loop.run_until_complete, args=(main(),), daemon=True)
    thread.start()
    if not started.wait(10):
        raise RuntimeError("fake server did not start")
    try:
        yield str(holder["url"])
    finally:
        loop.call_soon_threadsafe(holder["stop"].set)  # type: ignore[union-attr]
        thread.join(10)
