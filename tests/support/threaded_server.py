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


@contextmanager
def hung_redis(db: int) -> Iterator[tuple[str, threading.Event]]:
    """A Redis URL whose server takes connections and never answers (a hung Redis), and the event of its first connection."""
    import socket

    from tests.support.processes import free_port

    listener = socket.create_server(("127.0.0.1", free_port()))
    connected, held = threading.Event(), []

    def accept() -> None:
        while True:
            try:
                held.append(listener.accept()[0])
            except OSError:  # closed at teardown
                return
            connected.set()

    threading.Thread(target=accept, daemon=True).start()
    try:
        yield f"redis://127.0.0.1:{listener.getsockname()[1]}/{db}", connected
    finally:
        listener.close()
        for connection in held:
            connection.close()
