"""Fake Slack Web API: ``POST /chat.postMessage`` and the private file downloads of shared files.

Answers as https://api.slack.com/methods/chat.postMessage documents: HTTP 200 with
``{"ok": true, "channel", "ts", "message"}``, or HTTP 200 with ``{"ok": false, "error"}``
(``not_authed`` / ``invalid_auth`` for a missing or wrong bot token, ``channel_not_found``,
``no_text``, ``msg_too_long`` over 40,000 characters, ``invalid_blocks`` for blocks outside
Block Kit's limits: 50 blocks, section text 3,000, 25 elements an actions block, button label
75 and value 2,000, unique action ids). ``fail_next(channel, 429, 500, ...)`` makes the next
posts to that channel fail (429 with ``Retry-After: 1``, Slack's rate-limit answer). Every
attempt is kept in ``attempts``, every accepted message in ``sent``.

``add_file(...)`` makes a file downloadable at ``/files-pri/<team>-<id>/<name>`` with the bot
token, as Slack's ``url_private_download`` is.
"""

from __future__ import annotations

import itertools
import threading
import time
from collections import defaultdict, deque
from typing import Any

from aiohttp import web

TOKEN = "xoxb-fake-slack-bot-token"
TEAM = "T0FAKE"
MAX_TEXT = 40_000


def blocks_problem(blocks: Any) -> str | None:
    if not isinstance(blocks, list) or not 0 < len(blocks) <= 50:
        return "blocks must be a list of 1 to 50 blocks"
    for block in blocks:
        kind = block.get("type")
        if kind == "section":
            text = block.get("text") or {}
            if text.get("type") not in ("plain_text", "mrkdwn") or not 0 < len(text.get("text", "")) <= 3000:
                return "section text must be 1 to 3000 characters"
        elif kind == "actions":
            elements = block.get("elements") or []
            if not 0 < len(elements) <= 25:
                return "an actions block takes 1 to 25 elements"
            ids = [e.get("action_id") for e in elements]
            if len(set(ids)) != len(ids):
                return "action_id must be unique in a block"
            for element in elements:
                label = element.get("text") or {}
                if element.get("type") != "button" or label.get("type") != "plain_text":
                    return "buttons need a plain_text label"
                if not 0 < len(label.get("text", "")) <= 75:
                    return "button text must be 1 to 75 characters"
                if len(element.get("value", "")) > 2000 or ("value" not in element and "url" not in element):
                    return "a button needs a value of at most 2000 characters or a url"
        elif kind == "image":
            if not block.get("image_url") or not block.get("alt_text"):
                return "an image block needs image_url and alt_text"
        else:
            return f"unsupported block type {kind}"
    return None


def slack_error(error: str, status: int = 200, **headers: str) -> web.Response:
    return web.json_response({"ok": False, "error": error}, status=status, headers=headers)


class FakeSlack:
    def __init__(self, token: str = TOKEN) -> None:
        self.token = token
        self.sent: list[dict[str, Any]] = []
        self.attempts: list[dict[str, Any]] = []
        # (time.monotonic() on arrival, channel) of every accepted message, for bench/channel_latency.py.
        self.arrivals: list[tuple[float, str]] = []
        self.downloads: list[str] = []
        self.files: dict[str, tuple[bytes, str]] = {}
        self._failures: dict[str, deque[int]] = defaultdict(deque)
        self._ts = itertools.count(1)
        self._lock = threading.Lock()
        self.app = web.Application()
        self.app.router.add_post("/chat.postMessage", self.post_message)
        self.app.router.add_get("/files-pri/{file}/{name}", self.download)

    def fail_next(self, channel: str, *statuses: int) -> None:
        with self._lock:
            self._failures[channel].extend(statuses)

    def messages_to(self, channel: str) -> list[dict[str, Any]]:
        with self._lock:
            return [m for m in self.sent if m["channel"] == channel]

    def attempts_to(self, channel: str) -> list[dict[str, Any]]:
        with self._lock:
            return [m for m in self.attempts if m.get("channel") == channel]

    def add_file(self, file_id: str, name: str, content: bytes, content_type: str) -> str:
        """The path of the file's ``url_private_download`` below this server's URL."""
        self.files[f"{TEAM}-{file_id}/{name}"] = (content, content_type)
        return f"/files-pri/{TEAM}-{file_id}/{name}"

    def _authorised(self, request: web.Request) -> str | None:
        given = request.headers.get("Authorization", "")
        if not given:
            return "not_authed"
        return None if given == f"Bearer {self.token}" else "invalid_auth"

    async def download(self, request: web.Request) -> web.Response:
        # Without the token Slack answers a sign-in page, not the file.
        if self._authorised(request) is not None:
            return web.Response(text="<html>sign in</html>", content_type="text/html")
        key = f"{request.match_info['file']}/{request.match_info['name']}"
        if key not in self.files:
            return web.Response(status=404)
        with self._lock:
            self.downloads.append(key)
        content, content_type = self.files[key]
        return web.Response(body=content, content_type=content_type)

    async def post_message(self, request: web.Request) -> web.Response:
        arrived = time.monotonic()
        problem = self._authorised(request)
        if problem is not None:
            return slack_error(problem)
        if not request.content_type.startswith("application/json"):
            return slack_error("invalid_form_data")
        try:
            body = await request.json()
        except ValueError:
            return slack_error("invalid_json")
        channel = str(body.get("channel") or "")
        with self._lock:
            self.attempts.append(body)
            failures = self._failures.get(channel)
            failure = failures.popleft() if failures else None
        if failure == 429:
            return slack_error("ratelimited", 429, **{"Retry-After": "1"})
        if failure is not None:
            return web.Response(status=failure, text="Service Unavailable")
        if not channel.startswith(("D", "C", "G", "U")):
            return slack_error("channel_not_found")
        text = body.get("text")
        if not isinstance(text, str) or not text.strip():
            return slack_error("no_text")
        if len(text) > MAX_TEXT:
            return slack_error("msg_too_long")
        if "blocks" in body and (problem := blocks_problem(body["blocks"])):
            return slack_error("invalid_blocks", **{"X-Fake-Problem": problem})
        ts = f"{int(time.time())}.{next(self._ts):06d}"
        with self._lock:
            self.sent.append(body)
            self.arrivals.append((arrived, channel))
        return web.json_response({"ok": True, "channel": channel, "ts": ts, "message": {"text": text, "ts": ts}})
