"""Fake WhatsApp Cloud API (Graph API): ``POST /{phone-number-id}/messages``.

Checks the bearer token and the documented limits of what is sent (text body up to 4096
characters; interactive reply buttons: at most 3, titles up to 20 characters, body up to 1024;
lists: up to 10 rows, row titles 24, descriptions 72, the list button 20) and answers 400 with
a Graph error object otherwise, as Graph does. ``fail_next(wa_id, 130429 or 500, ...)`` makes
the next sends to that number fail (130429: Graph's throughput rate limit, HTTP 400);
``close_window(wa_id)`` makes every later send answer error 131047 (more than 24 hours since
the shopper last wrote). ``add_media(id, bytes, mime_type)`` makes a media id retrievable as
Graph documents: ``GET /{media-id}`` gives a short-lived ``url``, which gives the bytes; both
need the token.
"""

from __future__ import annotations

import itertools
import threading
import time
from collections import defaultdict, deque
from typing import Any

from aiohttp import web

TOKEN = "EAAG-fake-whatsapp-access-token"
PHONE_NUMBER_ID = "106540352242922"
RATE_LIMITED = 130429


def graph_error(status: int, code: int, message: str) -> web.Response:
    return web.json_response({"error": {"message": message, "type": "OAuthException", "code": code,
                                        "fbtrace_id": "AbCdEf"}}, status=status)


def problem_with(message: dict[str, Any]) -> str | None:
    """What Graph would refuse in this message, or None."""
    kind = message.get("type")
    if message.get("messaging_product") != "whatsapp" or not message.get("to"):
        return "messaging_product and to are required"
    if kind == "text":
        body = (message.get("text") or {}).get("body")
        return None if isinstance(body, str) and 0 < len(body) <= 4096 else "text.body must have 1 to 4096 characters"
    if kind in ("image", "document"):
        media = message.get(kind) or {}
        if len(str(media.get("caption") or "")) > 1024:
            return f"{kind}.caption must have at most 1024 characters"
        return None if str(media.get("link") or "").startswith(("https://", "http://")) else f"{kind}.link is required"
    if kind != "interactive":
        return f"unsupported type {kind!r}"
    interactive = message.get("interactive") or {}
    body = (interactive.get("body") or {}).get("text", "")
    if not 0 < len(body) <= 1024:
        return "interactive.body.text must have 1 to 1024 characters"
    action = interactive.get("action") or {}
    if interactive.get("type") == "button":
        buttons = action.get("buttons") or []
        if not 1 <= len(buttons) <= 3:
            return "interactive buttons: 1 to 3 allowed"
        for button in buttons:
            reply = button.get("reply") or {}
            if not 0 < len(reply.get("title", "")) <= 20 or not 0 < len(reply.get("id", "")) <= 256:
                return "button title must have 1 to 20 characters, id 1 to 256"
        return None
    if interactive.get("type") == "list":
        if not 0 < len(action.get("button", "")) <= 20:
            return "list button label must have 1 to 20 characters"
        rows = [row for section in action.get("sections") or [] for row in section.get("rows") or []]
        if not 1 <= len(rows) <= 10:
            return "list: 1 to 10 rows allowed"
        for row in rows:
            if not 0 < len(row.get("title", "")) <= 24 or len(row.get("description", "")) > 72:
                return "row title must have 1 to 24 characters, description up to 72"
            if not 0 < len(row.get("id", "")) <= 200:
                return "row id must have 1 to 200 characters"
        return None
    return "interactive.type must be button or list"


class FakeWhatsApp:
    def __init__(self, token: str = TOKEN, phone_number_id: str = PHONE_NUMBER_ID) -> None:
        self.token = token
        self.phone_number_id = phone_number_id
        self.sent: list[dict[str, Any]] = []
        self.attempts: list[dict[str, Any]] = []
        # (time.monotonic() on arrival, wa_id) of every accepted send, for bench/channel_latency.py.
        self.arrivals: list[tuple[float, str]] = []
        self._failures: dict[str, deque[int]] = defaultdict(deque)
        self._closed: set[str] = set()
        self._ids = itertools.count(1)
        self._lock = threading.Lock()
        self.app = web.Application()
        self.media: dict[str, tuple[bytes, str]] = {}
        self.app.router.add_post("/{phone_number_id}/messages", self.messages)
        self.app.router.add_get("/media-download/{media_id}", self.media_download)
        self.app.router.add_get("/{media_id}", self.media_url)

    def add_media(self, media_id: str, content: bytes, mime_type: str) -> None:
        self.media[media_id] = (content, mime_type)

    async def media_url(self, request: web.Request) -> web.Response:
        if request.headers.get("Authorization") != f"Bearer {self.token}":
            return graph_error(401, 190, "Invalid OAuth access token")
        media_id = request.match_info["media_id"]
        if media_id not in self.media:
            return graph_error(400, 100, "Unsupported get request. Object does not exist")
        content, mime_type = self.media[media_id]
        return web.json_response({"messaging_product": "whatsapp", "id": media_id, "mime_type": mime_type,
                                  "file_size": len(content), "sha256": "x",
                                  "url": f"{request.url.origin()}/media-download/{media_id}"})

    async def media_download(self, request: web.Request) -> web.Response:
        if request.headers.get("Authorization") != f"Bearer {self.token}":
            return web.Response(status=401)
        content, mime_type = self.media[request.match_info["media_id"]]
        return web.Response(body=content, content_type=mime_type)

    def fail_next(self, wa_id: str, *codes: int) -> None:
        with self._lock:
            self._failures[wa_id].extend(codes)

    def close_window(self, wa_id: str) -> None:
        with self._lock:
            self._closed.add(wa_id)

    def messages_to(self, wa_id: str) -> list[dict[str, Any]]:
        with self._lock:
            return [m for m in self.sent if m["to"] == wa_id]

    def attempts_to(self, wa_id: str) -> list[dict[str, Any]]:
        with self._lock:
            return [m for m in self.attempts if m.get("to") == wa_id]

    async def messages(self, request: web.Request) -> web.Response:
        arrived = time.monotonic()
        if request.headers.get("Authorization") != f"Bearer {self.token}":
            return graph_error(401, 190, "Invalid OAuth access token - Cannot parse access token")
        if request.match_info["phone_number_id"] != self.phone_number_id:
            return graph_error(400, 100, "Unsupported post request. Object does not exist")
        try:
            message = await request.json()
        except ValueError:
            return graph_error(400, 100, "Invalid JSON")
        to = str(message.get("to", ""))
        with self._lock:
            self.attempts.append(message)
            failures = self._failures.get(to)
            failure = failures.popleft() if failures else None
            closed = to in self._closed
        if failure == RATE_LIMITED:
            return graph_error(400, RATE_LIMITED, "(#130429) Rate limit hit")
        if failure is not None:
            return graph_error(failure, 1, "An unknown error occurred")
        if closed:
            return graph_error(400, 131047, "Re-engagement message: more than 24 hours have passed since the "
                               "recipient last replied")
        problem = problem_with(message)
        if problem is not None:
            return graph_error(400, 100, f"(#100) Invalid parameter: {problem}")
        with self._lock:
            self.sent.append(message)
            self.arrivals.append((arrived, to))
        return web.json_response({"messaging_product": "whatsapp", "contacts": [{"input": to, "wa_id": to}],
                                  "messages": [{"id": f"wamid.fake{next(self._ids)}"}]})
