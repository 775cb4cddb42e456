"""Files shoppers send during a handoff (a photo, a PDF, a voice note), kept for the agents.

The channel that received the file fetches it from its platform and hands the bytes to the bot
API (``POST /api/bot/attachments``); the shopper's message naming it follows through Rasa's
event broker and links it (desk/follower.py). Agents open it at ``/attachments/<id>``, signed
in like every desk page. What keeps that safe:

- the type is read from the file's first bytes and must be one of ``KINDS_OF_TYPE``; what the
  platform or the file name claims is ignored, and the file is served with that type only,
  ``nosniff``, inline for images and as a download otherwise, under a sandboxing CSP;
- the id is 128 random bits, and the file lives in the database, not under a path built from
  anything a shopper chose; the file name is only shown (and given as the download's name)
  after being reduced to a plain base name;
- a message may link only a file uploaded for its own conversation, and only once.
"""

from __future__ import annotations

import re
import secrets
import unicodedata
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from desk.db import attachments

MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024
# The user message's metadata key under which the channel names the file (bot/channels/media.py).
ATTACHMENT_METADATA = "attachment"
ATTACHMENT_ID = re.compile(r"[0-9a-f]{32}")
KINDS = ("photo", "file", "voice", "video", "sticker")
MAX_FILENAME_CHARS = 120
# The types the desk serves, by what their first bytes must be.
SIGNATURES: tuple[tuple[str, bytes, int], ...] = (
    ("image/jpeg", b"\xff\xd8\xff", 0),
    ("image/png", b"\x89PNG\r\n\x1a\n", 0),
    ("image/gif", b"GIF8", 0),
    ("application/pdf", b"%PDF-", 0),
    ("audio/ogg", b"OggS", 0),
    ("audio/mpeg", b"ID3", 0),
)
IMAGE_TYPES = frozenset({"image/jpeg", "image/png", "image/gif", "image/webp"})


def sniffed_type(data: bytes) -> str | None:
    """The content type the bytes themselves show, among those the desk serves; None otherwise."""
    for content_type, magic, offset in SIGNATURES:
        if data[offset : offset + len(magic)] == magic:
            return content_type
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    if data[4:8] == b"ftyp":  # the ISO media family: MP4 video, M4A voice notes
        return "audio/mp4" if data[8:11] == b"M4A" else "video/mp4"
    return None


def safe_filename(name: str | None, content_type: str) -> str:
    """A plain base name of at most ``MAX_FILENAME_CHARS`` (no directories, no control characters)."""
    base = re.split(r"[\\/]", unicodedata.normalize("NFC", name or ""))[-1]
    base = "".join(c for c in base if c.isprintable() and c not in '"<>|:*?').strip(" .")
    if not base:
        base = "file." + content_type.split("/")[1]
    return base[-MAX_FILENAME_CHARS:]


async def store_attachment(engine: AsyncEngine, sender_id: str, kind: str, name: str | None, data: bytes,
                           now: datetime) -> dict[str, Any]:
    """The stored attachment's description; ValueError for an empty, unknown or unsupported file."""
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {', '.join(KINDS)}")
    if not data:
        raise ValueError("the file is empty")
    content_type = sniffed_type(data)
    if content_type is None:
        raise ValueError("the desk takes images (JPEG, PNG, GIF, WebP), PDF, MP4 and Ogg/MP3/M4A audio only")
    row = {"id": secrets.token_hex(16), "sender_id": sender_id, "kind": kind, "filename": safe_filename(name, content_type),
           "content_type": content_type, "size": len(data), "data": data, "created_at": now}
    async with engine.begin() as connection:
        await connection.execute(attachments.insert().values(**row))
    return describe(row)


def describe(row: dict[str, Any]) -> dict[str, Any]:
    return {"id": row["id"], "kind": row["kind"], "filename": row["filename"], "content_type": row["content_type"],
            "size": row["size"], "image": row["content_type"] in IMAGE_TYPES, "url": f"/attachments/{row['id']}"}


def attachment_of(user_event: dict[str, Any]) -> Any:
    """The attachment id a channel put into a user event's metadata (``attachment.id``), if any."""
    attachment = (user_event.get("metadata") or {}).get(ATTACHMENT_METADATA)
    return attachment.get("id") if isinstance(attachment, dict) else None


async def link_to_message(connection: AsyncConnection, attachment_id: Any, sender_id: str, message_id: int) -> bool:
    """Link an uploaded file to the shopper's message that names it: same conversation, not linked before."""
    if not isinstance(attachment_id, str) or not ATTACHMENT_ID.fullmatch(attachment_id):
        return False
    result = await connection.execute(
        update(attachments)
        .where(attachments.c.id == attachment_id, attachments.c.sender_id == sender_id, attachments.c.message_id.is_(None))
        .values(message_id=message_id)
    )
    return result.rowcount == 1


async def detach_attachments(connection: AsyncConnection, message_ids: list[int]) -> dict[int, str]:
    """Unlink the files of these messages (about to be re-inserted); message id -> attachment id."""
    if not message_ids:
        return {}
    query = select(attachments.c.id, attachments.c.message_id).where(attachments.c.message_id.in_(message_ids))
    found = {row.message_id: row.id for row in await connection.execute(query)}
    if found:
        await connection.execute(update(attachments).where(attachments.c.id.in_(found.values())).values(message_id=None))
    return found


async def reattach(connection: AsyncConnection, attachment_id: str, message_id: int) -> None:
    await connection.execute(update(attachments).where(attachments.c.id == attachment_id).values(message_id=message_id))


async def attachments_of_messages(engine: AsyncEngine, message_ids: list[int]) -> dict[int, dict[str, Any]]:
    if not message_ids:
        return {}
    columns = [c for c in attachments.c if c.name != "data"]
    query = select(*columns).where(attachments.c.message_id.in_(message_ids))
    async with engine.connect() as connection:
        return {row["message_id"]: describe(dict(row)) for row in (await connection.execute(query)).mappings()}


async def get_attachment(engine: AsyncEngine, attachment_id: str) -> dict[str, Any] | None:
    """The linked attachment with its bytes (files never linked to a message are not shown)."""
    if not ATTACHMENT_ID.fullmatch(attachment_id):
        return None
    query = select(attachments).where(attachments.c.id == attachment_id, attachments.c.message_id.is_not(None))
    async with engine.connect() as connection:
        row = (await connection.execute(query)).mappings().first()
    return dict(row) if row is not None else None
