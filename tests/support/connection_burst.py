"""Shoppers arriving together: how many new connections a server takes in per few turns of its event loop.

Imported by probes that run inside a server's own process (Rasa's Python 3.10 environment or the
action server's), so it uses the standard library only. uvloop's libuv accepts one connection per
turn of the loop; a turn under load is 20-100 ms, so the last of 32 arrivals waited 1-2 s (issue 16).
"""

from __future__ import annotations

import asyncio
import os
import socket
from collections.abc import Awaitable, Callable
from typing import Any

SHOPPERS = 32
TURNS = 3  # the turn that wakes the listener, the one that accepts, one to spare


def unused_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def open_sockets() -> int:
    links = []
    for fd in os.listdir("/proc/self/fd"):
        try:
            links.append(os.readlink(f"/proc/self/fd/{fd}"))
        except FileNotFoundError:  # the descriptor the listing itself used
            pass
    return sum(link.startswith("socket:") for link in links)


def burst_then_stop(port: int, result: dict[str, Any]) -> Callable[[Any, Any], Awaitable[None]]:
    """A Sanic ``after_server_start`` listener: SHOPPERS connect at once; ``result`` gets how many were taken in."""

    async def burst(app: Any, loop: asyncio.AbstractEventLoop) -> None:
        shoppers = [socket.create_connection(("127.0.0.1", port)) for _ in range(SHOPPERS)]
        waiting = open_sockets()  # the kernel has completed every handshake; none is accepted yet
        for _ in range(TURNS):
            await asyncio.sleep(0)
        result.update(loop=type(loop).__module__, taken_in=open_sockets() - waiting, shoppers=SHOPPERS)
        for shopper in shoppers:
            shopper.close()
        app.stop()

    return burst
