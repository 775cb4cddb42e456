"""The socket.io channel's line to the agent desk: whether a person is available, who is typing, files.

The widget talks only to this channel (shoppers reach nothing else, docs/security.md); the channel
asks the desk's bot API with the bot's token (env DESK_BOT_TOKEN) and the desk tells the channel
an agent is typing with the same token. Nothing here may hold up a shopper's conversation: every
call has a short timeout and a desk that does not answer is "unknown", never an error.
"""

from __future__ import annotations

import hmac
import json
import logging
import os
from typing import Any

import aiohttp

log = logging.getLogger(__name__)
TIMEOUT = aiohttp.ClientTimeout(total=2)
FILE_TIMEOUT = aiohttp.ClientTimeout(total=30)  # a file of several MB, both ways
FILES_PATH = "/api/bot/attachments"
# What a file goes out to the widget with, as the desk set it (desk/attachments.serving_headers).
FILE_HEADERS = ("Content-Type", "Content-Disposition", "Content-Security-Policy", "X-Content-Type-Options", "Cache-Control")


def team_status(availability: dict[str, Any] | None) -> dict[str, Any]:
    """What the widget's header says, from the desk's ``/api/bot/availability`` (None: the desk did not answer).

    ``available``: true when the team is open and someone is signed in, false when not, None when unknown.
    """
    if not isinstance(availability, dict):
        return {"available": None}
    available = bool(availability.get("open")) and int(availability.get("agents_online") or 0) > 0
    return {"available": available, "next_opening_text": availability.get("next_opening_text")}


class DeskLink:
    def __init__(self, url: str, token: str | None):
        self._url = url.rstrip("/")
        self._token = token
        self._http: aiohttp.ClientSession | None = None

    @classmethod
    def from_env(cls, default_url: str) -> DeskLink:
        return cls(os.environ.get("DESK_URL", default_url), os.environ.get("DESK_BOT_TOKEN") or None)

    def authorised(self, header: str | None) -> bool:
        """Whether a call to the channel comes from the desk (``Authorization: Bearer <DESK_BOT_TOKEN>``)."""
        if not self._token or not header or not header.startswith("Bearer "):
            return False
        return hmac.compare_digest(header.removeprefix("Bearer ").encode(), self._token.encode())

    async def team_status(self) -> dict[str, Any]:
        return team_status(await self._call("GET", "/api/bot/availability"))

    async def shopper_typing(self, sender_id: str, typing: bool) -> None:
        await self._call("POST", "/api/bot/typing", {"sender_id": sender_id, "typing": typing})

    async def send_transcript(self, sender_id: str) -> dict[str, Any]:
        """Ask the desk to e-mail the conversation to the address the shopper gave in it."""
        answer = await self._call("POST", "/api/bot/transcripts", {"sender_id": sender_id})
        return answer if isinstance(answer, dict) and "sent" in answer else {"sent": False, "reason": "unavailable"}

    async def upload_file(self, params: dict[str, str], data: bytes) -> tuple[int, dict[str, Any]]:
        """Hand a shopper's file to the desk: (status, the desk's answer); (503, {code: unavailable}) without one."""
        answer = await self._raw("POST", FILES_PATH, params, data)
        if answer is None:
            return 503, {"code": "unavailable"}
        status, body, _ = answer
        try:
            parsed = json.loads(body)
        except ValueError:
            parsed = None
        return (status, parsed) if isinstance(parsed, dict) else (503, {"code": "unavailable"})

    async def file(self, attachment_id: str, token: str) -> tuple[bytes, dict[str, str]] | None:
        """A file of the conversation ``token`` is for, with the headers to serve it with; None when not found."""
        answer = await self._raw("GET", f"{FILES_PATH}/{attachment_id}", {"t": token})
        if answer is None or answer[0] != 200:
            return None
        _, body, headers = answer
        return body, {name: headers[name] for name in FILE_HEADERS if name in headers}

    async def _raw(self, method: str, path: str, params: dict[str, str], data: bytes | None = None) -> Any:
        if not self._token:
            return None
        self._http = self._http or aiohttp.ClientSession(timeout=TIMEOUT)
        headers = {"Authorization": f"Bearer {self._token}", "Content-Type": "application/octet-stream"}
        try:
            async with self._http.request(method, self._url + path, params=params, data=data, headers=headers,
                                          timeout=FILE_TIMEOUT) as response:
                return response.status, await response.read(), response.headers
        except (aiohttp.ClientError, TimeoutError) as error:
            log.info("desk %s %s: %s", method, FILES_PATH, type(error).__name__)
            return None

    async def _call(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        if not self._token:
            return None
        self._http = self._http or aiohttp.ClientSession(timeout=TIMEOUT)
        try:
            headers = {"Authorization": f"Bearer {self._token}"}
            async with self._http.request(method, self._url + path, json=body, headers=headers) as response:
                response.raise_for_status()
                return await response.json()
        except (aiohttp.ClientError, TimeoutError, ValueError) as error:
            log.info("desk %s %s: %s", method, path, type(error).__name__)
            return None
