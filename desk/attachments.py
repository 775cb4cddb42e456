"""Files in a handoff: what shoppers send (a photo, a PDF, a voice note) and the images and PDFs agents send back.

The channel that received a shopper's file (a messenger fetches it from its platform, the widget
uploads it through the socket.io channel) hands the bytes to the bot API (``POST /api/bot/attachments``);
the shopper's message naming it follows through Rasa's event broker and links it (desk/follower.py).
An agent's file is stored linked to the agent's message at once (desk/operations.py). Agents open
files at ``/attachments/<id>``, signed in like every desk page; the shopper's widget gets them
through the socket.io channel (``GET /api/bot/attachments/<id>?t=<token>``), where ``token`` is the
conversation's :func:`conversation_token`: a file asked for with another conversation's token, or
none, is "not found", exactly like a file that does not exist. What keeps that safe:

- the type is read from the file's first bytes and must be one of ``KINDS_OF_TYPE``; what the
  platform or the file name claims is ignored, and the file is served with that type only,
  ``nosniff``, inline for images and as a download otherwise, under a sandboxing CSP;
- the id is 128 random bits, and the file lives in the database, not under a path built from
  anything a shopper chose; the file name is only shown (and given as the download's name)
  after being reduced to a plain base name;
- a message may link only a file uploaded for its own conversation, and only once;
- the widget's and the agents' files are limited to ``attachments.types`` and ``max_bytes`` of
  assistant.yml, uploads are rate-limited per conversation and per client address, and files are
  deleted after ``retention_days``.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging
import re
import secrets
import unicodedata
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import quote

from limits import parse
from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from desk.db import attachments
from desk.rate_limits import Counter, LimitsUnavailable
from desk.settings import AttachmentSettings

# The user message's metadata key under which the channel names the file (bot/channels/media.py).
ATTACHMENT_METADATA = "attachment"
# Where the socket.io channel serves a conversation's files to the shopper (bot/channels/widget_files.py).
SHOPPER_FILES_PATH = "/webhooks/socketio/attachments"
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
# Messengers' voice notes and videos reach the agent whatever ``attachments.types`` says (agents only listen).
log = logging.getLogger(__name__)
EXPIRY_CHECK_SECONDS = 3600
MEDIA_KINDS = frozenset({"voice", "video"})
TYPE_NAMES = {"image/jpeg": "JPEG", "image/png": "PNG", "image/gif": "GIF", "image/webp": "WebP", "application/pdf": "PDF",
              "audio/ogg": "Ogg", "audio/mpeg": "MP3", "audio/mp4": "M4A", "video/mp4": "MP4"}
# A file is only ever shown as itself: no script, no plugin, no frame of ours around it.
FILE_CSP = "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; sandbox"


class AttachmentRefused(ValueError):
    """The file is not taken; ``code`` says why to the widget (too_big, bad_type, empty, limited)."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code


class AttachmentRules:
    """The configured limits on files, the upload rate limits and the key of the shoppers' file links."""

    def __init__(self, settings: AttachmentSettings, key: bytes, counter: Counter):
        self.settings = settings
        self._key = key
        self._limiter = counter
        self._per_conversation = parse(settings.per_conversation)
        self._per_address = parse(settings.per_address)

    def token(self, sender_id: str) -> str:
        return conversation_token(self._key, sender_id)

    def public_link(self, sender_id: str, attachment_id: str) -> str | None:
        """The file's address for the shopper outside the widget (e-mail, messengers); None without ``public_url``."""
        if not self.settings.public_url:
            return None
        return f"{self.settings.public_url}{SHOPPER_FILES_PATH}/{attachment_id}?t={self.token(sender_id)}"

    async def take_upload(self, sender_id: str, address: str | None) -> None:
        """Count one upload; AttachmentRefused("limited") once the conversation or the address has had its share.

        Both are counted: a shopper who starts new conversations is still held by the address, and
        a conversation is held whichever address its uploads come from. When the counts cannot be
        reached (desk.rate_limits), the file is refused too: uncounted uploads could fill the database.
        """
        keys = [(self._per_conversation, "conversation", sender_id)]
        if address:
            keys.append((self._per_address, "address", address))
        try:
            if not all([await self._limiter.test(limit, *key) for limit, *key in keys]):
                raise AttachmentRefused("limited", "too many files in a short time; try again in a few minutes")
            for limit, *key in keys:
                await self._limiter.hit(limit, *key)
        except LimitsUnavailable as error:
            log.warning("upload refused: rate limits unavailable (%s)", error)
            raise AttachmentRefused("limited", "files cannot be taken right now; try again shortly") from error

    def check(self, kind: str, data: bytes) -> str:
        """The file's type as its bytes show it; AttachmentRefused when it is empty, too big or not allowed."""
        if not data:
            raise AttachmentRefused("empty", "the file is empty")
        if len(data) > self.settings.max_bytes:
            raise AttachmentRefused("too_big", f"files of at most {self.settings.max_bytes // (1024 * 1024)} MB are taken")
        content_type = sniffed_type(data)
        allowed = set(self.settings.types) | ({t for t in TYPE_NAMES if not t.startswith(("image", "application"))}
                                               if kind in MEDIA_KINDS else set())
        if content_type not in allowed:
            names = ", ".join(TYPE_NAMES.get(t, t) for t in self.settings.types)
            raise AttachmentRefused("bad_type", f"only these kinds of file are taken: {names}")
        return content_type


def conversation_token(key: bytes, sender_id: str) -> str:
    """The conversation's unguessable proof for its own files (the widget holds it; it names no file)."""
    return hmac.new(key, b"attachments|" + sender_id.encode(), hashlib.sha256).hexdigest()[:32]


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


def new_attachment(rules: AttachmentRules, sender_id: str, kind: str, name: str | None, data: bytes,
                   now: datetime) -> dict[str, Any]:
    """The row for a file (not stored yet); AttachmentRefused for an empty, too big or unsupported file."""
    if kind not in KINDS:
        raise AttachmentRefused("bad_kind", f"kind must be one of {', '.join(KINDS)}")
    content_type = rules.check(kind, data)
    if kind == "file" and content_type in IMAGE_TYPES:
        kind = "photo"  # what it is, for the label: the widget and the agents send "file" for anything
    return {"id": secrets.token_hex(16), "sender_id": sender_id, "kind": kind, "filename": safe_filename(name, content_type),
            "content_type": content_type, "size": len(data), "data": data, "created_at": now}


async def store_attachment(engine: AsyncEngine, rules: AttachmentRules, sender_id: str, kind: str, name: str | None,
                           data: bytes, now: datetime) -> dict[str, Any]:
    """The stored attachment's description (with the conversation's token); AttachmentRefused when it is not taken."""
    row = new_attachment(rules, sender_id, kind, name, data, now)
    async with engine.begin() as connection:
        await insert_unlinked(connection, row)
    return {**describe(row), "token": rules.token(sender_id)}


async def insert_unlinked(connection: AsyncConnection, row: dict[str, Any]) -> None:
    """Store a file before the message it goes with exists (an agent's, linked once delivered: ``reattach``)."""
    await connection.execute(attachments.insert().values(**row))


async def delete_attachment(connection: AsyncConnection, attachment_id: str) -> None:
    await connection.execute(delete(attachments).where(attachments.c.id == attachment_id))


def describe(row: dict[str, Any]) -> dict[str, Any]:
    return {"id": row["id"], "kind": row["kind"], "filename": row["filename"], "content_type": row["content_type"],
            "size": row["size"], "image": row["content_type"] in IMAGE_TYPES, "url": f"/attachments/{row['id']}"}


def serving_headers(row: dict[str, Any]) -> dict[str, str]:
    """The headers a file goes out with, to agents and shoppers alike.

    The exact sniffed type and ``nosniff``, so the browser never takes it for anything else; images
    inline, everything else (a PDF) as a download; a CSP that runs nothing even when opened on its own.
    """
    disposition = "inline" if row["content_type"] in IMAGE_TYPES else "attachment"
    return {"Content-Type": row["content_type"], "X-Content-Type-Options": "nosniff", "Content-Security-Policy": FILE_CSP,
            "Content-Disposition": f"{disposition}; filename*=UTF-8''{quote(row['filename'], safe='')}",
            "Cache-Control": "private, max-age=3600"}


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


async def get_for_conversation(engine: AsyncEngine, rules: AttachmentRules, attachment_id: str,
                               token: str | None) -> dict[str, Any] | None:
    """The file with its bytes when ``token`` is its conversation's; None when not (as for a file that does not exist)."""
    if not token or not ATTACHMENT_ID.fullmatch(attachment_id):
        return None
    async with engine.connect() as connection:
        row = (await connection.execute(select(attachments).where(attachments.c.id == attachment_id))).mappings().first()
    if row is None or not hmac.compare_digest(rules.token(row["sender_id"]), token):
        return None
    return dict(row)


async def delete_expired(engine: AsyncEngine, rules: AttachmentRules, now: datetime) -> int:
    """Delete the files older than ``retention_days``; how many went."""
    cutoff = now - timedelta(days=rules.settings.retention_days)
    async with engine.begin() as connection:
        return (await connection.execute(delete(attachments).where(attachments.c.created_at < cutoff))).rowcount


async def expire_files(engine: AsyncEngine, rules: AttachmentRules, clock: Callable[[], datetime]) -> None:
    """Run for the desk's life: once an hour, delete the files past their retention."""
    while True:
        try:
            if gone := await delete_expired(engine, rules, clock()):
                log.info("deleted %d files past their retention", gone)
        except Exception:  # a database hiccup must not end the loop for the desk's lifetime
            log.exception("deleting expired files failed")
        await asyncio.sleep(EXPIRY_CHECK_SECONDS)
