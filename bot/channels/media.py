"""A photo, file, voice note or location a shopper sends while a person has the conversation.

The bot reads text only (outside a handoff the shopper is told so), but an agent can look at a
photo of a broken table. During a handoff the connector describes the thing as :class:`Media`;
this module fetches the file from the platform (through the connector's configured base URL,
at most ``MAX_MEDIA_BYTES``), hands it to the desk's bot API, which checks what it really is and
keeps it for signed-in agents (desk/attachments.py), and makes the shopper's message the
agent sees: a short label, with the desk's attachment id in the metadata. A file that cannot
be fetched or is refused still reaches the agent as a label saying so: nothing is lost.

The desk is found as the action server finds it: env DESK_URL, else ``desk.url`` in
assistant.yml; the bot token is env DESK_BOT_TOKEN.
"""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import yaml

log = logging.getLogger(__name__)

MAX_MEDIA_BYTES = 10 * 1024 * 1024  # the desk's limit too
FETCH_TIMEOUT = aiohttp.ClientTimeout(total=30)
ATTACHMENT_METADATA = "attachment"  # the desk reads this key (desk/attachments.py)
REPO_ROOT = Path(__file__).resolve().parents[2]


class MediaUnavailable(Exception):
    """The platform did not give the file (gone, too big, refused)."""


@dataclass
class Media:
    """What a shopper sent instead of text, and how to get its bytes from the platform."""

    kind: str  # photo, file, voice, video, sticker, location
    name: str | None = None
    caption: str | None = None  # text sent with it
    fetch: Callable[[aiohttp.ClientSession], Awaitable[bytes]] | None = None
    location: tuple[float, float] | None = None


def kind_of(mime_type: str | None) -> str:
    """What a file is, from the type the platform gives (only for the label; the desk checks the bytes)."""
    family = (mime_type or "").split("/")[0]
    return {"image": "photo", "audio": "voice", "video": "video"}.get(family, "file")


async def download(session: aiohttp.ClientSession, url: str, headers: dict[str, str] | None = None) -> bytes:
    """The body at ``url``, refused beyond ``MAX_MEDIA_BYTES`` without reading it all."""
    try:
        async with session.get(url, headers=headers or {}, timeout=FETCH_TIMEOUT, allow_redirects=False) as answer:
            if answer.status != 200:
                raise MediaUnavailable(f"status {answer.status}")
            if (answer.content_length or 0) > MAX_MEDIA_BYTES:
                raise MediaUnavailable("too big")
            data = await answer.content.read(MAX_MEDIA_BYTES + 1)
    except (aiohttp.ClientError, asyncio.TimeoutError) as error:
        raise MediaUnavailable(type(error).__name__) from error
    if len(data) > MAX_MEDIA_BYTES:
        raise MediaUnavailable("too big")
    return data


def desk_url() -> str:
    if os.environ.get("DESK_URL"):
        return os.environ["DESK_URL"]
    path = Path(os.environ.get("ASSISTANT_CONFIG") or REPO_ROOT / "assistant.yml")
    return str((yaml.safe_load(path.read_text(encoding="utf-8")) or {})["desk"]["url"])


class MediaForwarder:
    """Fetches a shopper's file and hands it to the desk; one HTTP session per connector."""

    def __init__(self, channel: str) -> None:
        self.channel = channel
        self._session: aiohttp.ClientSession | None = None

    @property
    def session(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession()
        return self._session

    async def message_for(self, sender_id: str, media: Media) -> tuple[str, dict[str, Any]]:
        """The text and metadata of the shopper message the agent gets for ``media`` (its caption after the label)."""
        text, metadata = await self._described(sender_id, media)
        return (f"{text}\n{media.caption.strip()}" if media.caption and media.caption.strip() else text), metadata

    async def _described(self, sender_id: str, media: Media) -> tuple[str, dict[str, Any]]:
        if media.location is not None:
            latitude, longitude = media.location
            link = f"https://www.openstreetmap.org/?mlat={latitude}&mlon={longitude}#map=17/{latitude}/{longitude}"
            return f"[location] {latitude}, {longitude} {link}", {}
        label = f"[{media.kind}]" + (f" {media.name}" if media.name else "")
        if media.fetch is None:
            return f"{label} (not fetched: {self.channel} does not give this file to bots)", {}
        try:
            data = await media.fetch(self.session)
        except MediaUnavailable as error:
            # The channel and the reason only: no shopper, no file name.
            log.warning("%s: a shopper's %s was not fetched (%s)", self.channel, media.kind, error)
            return f"{label} (could not be fetched from {self.channel})", {}
        attachment = await self._upload(sender_id, media, data)
        if attachment is None:
            return f"{label} (not kept: not a type the desk shows, or the desk did not answer)", {}
        return label, {ATTACHMENT_METADATA: {"id": attachment["id"], "kind": media.kind}}

    async def _upload(self, sender_id: str, media: Media, data: bytes) -> dict[str, Any] | None:
        params = {"sender_id": sender_id, "kind": media.kind}
        if media.name:
            params["name"] = media.name
        headers = {"Authorization": f"Bearer {os.environ.get('DESK_BOT_TOKEN', '')}",
                   "Content-Type": "application/octet-stream"}
        try:
            async with self.session.post(f"{desk_url().rstrip('/')}/api/bot/attachments", params=params, data=data,
                                         headers=headers, timeout=FETCH_TIMEOUT) as answer:
                body = await answer.json(content_type=None)
                if answer.status == 201 and isinstance(body, dict):
                    return body
                log.warning("%s: the desk refused a shopper's %s (status %s)", self.channel, media.kind, answer.status)
        except (aiohttp.ClientError, asyncio.TimeoutError, ValueError) as error:
            log.warning("%s: the desk did not take a shopper's %s (%s)", self.channel, media.kind, type(error).__name__)
        return None

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
