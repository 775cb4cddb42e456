"""Running a fake shop on a free loopback port, plus shared failure modes."""

from __future__ import annotations

import asyncio
import socket
from types import TracebackType

from aiohttp import web

# Order numbers every fake answers with a failure instead of an order.
SERVER_ERROR = "900500"  # HTTP 500
GARBAGE = "900200"  # HTTP 200, body is not JSON
WRONG_SHAPE = "900201"  # HTTP 200, JSON that is not a valid order (per fake)
HANG = "900408"  # never answers
DRIP = "900409"  # answers headers, then a byte every 0.3 s for ~10 s

FAILURE_NUMBERS = (SERVER_ERROR, GARBAGE, WRONG_SHAPE, HANG, DRIP)

# Set when the server stops, so hanging handlers end instead of holding up
# shutdown.
RELEASE = web.AppKey("release", asyncio.Event)

_MAX_STALL_S = 10.0


async def misbehave(request: web.Request, number: str) -> web.StreamResponse | None:
    """The failure response for one of the shared failure numbers, else None."""
    release = request.app[RELEASE]
    if number == SERVER_ERROR:
        return web.json_response({"error": "internal error"}, status=500)
    if number == GARBAGE:
        return web.Response(text="<html><body>Maintenance</body></html>", content_type="application/json")
    if number == HANG:
        try:
            await asyncio.wait_for(release.wait(), _MAX_STALL_S)
        except TimeoutError:
            pass
        return web.json_response({}, status=504)
    if number == DRIP:
        response = web.StreamResponse(headers={"Content-Type": "application/json"})
        await response.prepare(request)
        for _ in range(int(_MAX_STALL_S / 0.3)):
            if release.is_set():
                break
            await response.write(b" ")
            await asyncio.sleep(0.3)
        await response.write(b"{}")
        return response
    return None


class FakeServer:
    """Serves an aiohttp app on 127.0.0.1 at a free port while in ``async with``."""

    def __init__(self, app: web.Application) -> None:
        app[RELEASE] = asyncio.Event()
        self.app = app
        self.url = ""
        self._runner = web.AppRunner(app, shutdown_timeout=1.0)

    async def __aenter__(self) -> FakeServer:
        await self._runner.setup()
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.bind(("127.0.0.1", 0))  # port 0: the OS picks a free one
        site = web.SockSite(self._runner, sock)
        await site.start()
        self.url = f"http://127.0.0.1:{sock.getsockname()[1]}"
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.app[RELEASE].set()
        await self._runner.cleanup()
