"""Fake Messenger / Instagram Send API (Graph API): ``POST /me/messages``.

Checks the page token (``Authorization: Bearer``) and what the Send API documents: a
recipient id, ``messaging_type`` (``MESSAGE_TAG`` needs a ``tag``), text of 1 to ``max_text``
characters (2000 on Messenger, 1000 on Instagram), at most 13 quick replies with titles of
20 characters and payloads of 1000, or instead of text an ``attachment`` of one of
``attachment_types`` with a ``payload.url`` (Instagram takes no ``file``); answers 400 with a Graph error object otherwise.
``fail_next(psid, 613 or 500, ...)`` makes the next sends to that user fail (613: Graph's
"calls to this api have exceeded the rate limit", HTTP 400). ``add_cdn_file(name, bytes, type)``
serves an attachment's ``payload.url`` (a public CDN link, as Meta's are).
"""

from __future__ import annotations

import itertools
import threading
import time
from collections import defaultdict, deque
from typing import Any

from aiohttp import web

from tests.fakes.fake_whatsapp import graph_error

RATE_LIMITED = 613


MESSENGER_ATTACHMENTS = ("image", "audio", "video", "file")
INSTAGRAM_ATTACHMENTS = ("image", "audio", "video")


def attachment_problem(attachment: Any, types: tuple[str, ...]) -> str | None:
    if not isinstance(attachment, dict) or attachment.get("type") not in types:
        return f"attachment.type must be one of {', '.join(types)}"
    url = str((attachment.get("payload") or {}).get("url") or "")
    return None if url.startswith(("https://", "http://")) else "attachment.payload.url is required"


def problem_with(body: dict[str, Any], max_text: int, attachment_types: tuple[str, ...] = MESSENGER_ATTACHMENTS) -> str | None:
    if not (body.get("recipient") or {}).get("id"):
        return "recipient.id is required"
    kind = body.get("messaging_type")
    if kind not in ("RESPONSE", "UPDATE", "MESSAGE_TAG") or (kind == "MESSAGE_TAG" and not body.get("tag")):
        return "messaging_type must be RESPONSE, UPDATE or MESSAGE_TAG with a tag"
    message = body.get("message") or {}
    if "attachment" in message:
        if "text" in message:
            return "message takes text or an attachment, not both"
        return attachment_problem(message["attachment"], attachment_types)
    text = message.get("text")
    if not isinstance(text, str) or not 0 < len(text) <= max_text:
        return f"message.text must have 1 to {max_text} characters"
    replies = message.get("quick_replies", [])
    if len(replies) > 13:
        return "at most 13 quick replies"
    for reply in replies:
        if reply.get("content_type") != "text" or not 0 < len(reply.get("title", "")) <= 20:
            return "quick reply title must have 1 to 20 characters"
        if not 0 < len(reply.get("payload", "")) <= 1000:
            return "quick reply payload must have 1 to 1000 characters"
    return None


class FakeMessenger:
    def __init__(self, token: str, max_text: int, attachment_types: tuple[str, ...] = MESSENGER_ATTACHMENTS) -> None:
        self.token = token
        self.max_text = max_text
        self.attachment_types = attachment_types
        self.sent: list[dict[str, Any]] = []
        self.attempts: list[dict[str, Any]] = []
        self.arrivals: list[tuple[float, str]] = []  # (time.monotonic() on arrival, psid): for bench/
        self._failures: dict[str, deque[int]] = defaultdict(deque)
        self._ids = itertools.count(1)
        self._lock = threading.Lock()
        self.app = web.Application()
        self.cdn: dict[str, tuple[bytes, str]] = {}
        self.app.router.add_post("/me/messages", self.messages)
        self.app.router.add_get("/cdn/{name}", self.cdn_file)

    def add_cdn_file(self, name: str, content: bytes, content_type: str) -> str:
        """The path of the file below this server's URL."""
        self.cdn[name] = (content, content_type)
        return f"/cdn/{name}"

    async def cdn_file(self, request: web.Request) -> web.Response:
        if request.match_info["name"] not in self.cdn:
            return web.Response(status=404)
        content, content_type = self.cdn[request.match_info["name"]]
        return web.Response(body=content, content_type=content_type)

    def fail_next(self, psid: str, *codes: int) -> None:
        with self._lock:
            self._failures[psid].extend(codes)

    def messages_to(self, psid: str) -> list[dict[str, Any]]:
        with self._lock:
            return [m for m in self.sent if m["recipient"]["id"] == psid]

    def attempts_to(self, psid: str) -> list[dict[str, Any]]:
        with self._lock:
            return [m for m in self.attempts if (m.get("recipient") or {}).get("id") == psid]

    async def messages(self, request: web.Request) -> web.Response:
        arrived = time.monotonic()
        if request.headers.get("Authorization") != f"Bearer {self.token}":
            return graph_error(401, 190, "Invalid OAuth access token")
        try:
            body = await request.json()
        except ValueError:
            return graph_error(400, 100, "Invalid JSON")
        psid = str((body.get("recipient") or {}).get("id", ""))
        with self._lock:
            self.attempts.append(body)
            failures = self._failures.get(psid)
            failure = failures.popleft() if failures else None
        if failure == RATE_LIMITED:
            return graph_error(400, RATE_LIMITED, "(#613) Calls to this api have exceeded the rate limit.")
        if failure is not None:
            return graph_error(failure, 2, "An unexpected error has occurred. Please retry your request later.")
        problem = problem_with(body, self.max_text, self.attachment_types)
        if problem is not None:
            return graph_error(400, 100, f"(#100) {problem}")
        with self._lock:
            self.sent.append(body)
            self.arrivals.append((arrived, psid))
        return web.json_response({"recipient_id": psid, "message_id": f"m_fake{next(self._ids)}"})
