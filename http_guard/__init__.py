"""Guards shared by the project's aiohttp servers (the desk, the KB publish API)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from aiohttp import web

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def body_size_limit(max_bytes: int) -> Callable:
    """A middleware answering 413 to a body over ``max_bytes`` before anything reads it.

    aiohttp's own ``client_max_size`` (set to the same value) only acts when a handler
    reads the body, and only after reading up to the limit; a declared Content-Length is
    refused here at once, whatever the route and before authentication, and a chunked
    body is cut off by ``client_max_size`` as it is read.
    """

    @web.middleware
    async def middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
        if request.content_length is not None and request.content_length > max_bytes:
            return web.json_response(
                {"error": f"the request body is {request.content_length} bytes; at most {max_bytes} are accepted"},
                status=413,
                headers={"Connection": "close"},  # the unread body must not be taken for the next request
            )
        return await handler(request)

    return middleware
