"""WhatsApp Cloud API connector (Meta Graph API): ``/webhooks/whatsapp/webhook``.

Rasa 3.6 has none. Following Meta's documented webhook and ``/{phone-number-id}/messages``:

- ``GET`` is the subscription handshake: ``hub.verify_token`` must equal ours, then
  ``hub.challenge`` is echoed; anything else gets 403.
- ``POST`` must carry ``X-Hub-Signature-256: sha256=<HMAC-SHA256 of the raw body with the app
  secret>``; otherwise 401 and nothing is processed. Delivery statuses are not messages and
  are ignored (a failed one is logged with its error code).
- Shoppers are ``whatsapp:<wa_id>`` (their phone number in international form).
- Buttons become interactive reply buttons when they fit WhatsApp's limits (at most 3,
  titles of at most 20 characters), otherwise a list message (up to 10 rows, 24-character
  titles with the full title in the row's description). A body over 1024 characters is sent
  as text first; texts over 4096 characters are split.
- Outside the 24-hour customer-service window WhatsApp refuses free-form messages (error
  131047). An agent's reply refused that way raises, so the desk says it was not sent.
- During a handoff an image, document, audio, video, sticker or location reaches the agent
  (``GET /{media-id}`` for a short-lived URL, both with the token; bot/channels/media.py).
"""

from __future__ import annotations

import json
import logging
from typing import Any

import aiohttp

from bot.channels.common import platform_id, sender_id, shorten, split_text
from bot.channels.media import Media, MediaUnavailable, download
from bot.channels.messaging import Incoming, OutgoingFile, PlatformOutput
from bot.channels.meta import MetaWebhookInput

log = logging.getLogger(__name__)

MAX_TEXT = 4096
MAX_BODY = 1024
MAX_REPLY_BUTTONS = 3
MAX_BUTTON_TITLE = 20
MAX_LIST_ROWS = 10
MAX_ROW_TITLE = 24
MAX_ROW_DESCRIPTION = 72
# The list message's own button needs a label; a symbol reads the same in every language.
LIST_BUTTON = "☰"
# What WhatsApp takes by link: images as JPEG or PNG, documents as PDF (among others we never send).
IMAGE_TYPES = {"image/jpeg", "image/png"}
DOCUMENT_TYPES = {"application/pdf"}
# Message types carrying a media id, and what the agent is told it is.
MEDIA_KINDS = {"image": "photo", "document": "file", "audio": "voice", "video": "video", "sticker": "sticker"}


def reply_markup(body: str, buttons: list[dict[str, Any]]) -> dict[str, Any]:
    """The interactive object for ``buttons``: reply buttons when they fit, else a list."""
    choices = [(str(b.get("payload") or b["title"]), str(b["title"])) for b in buttons]
    if len(choices) <= MAX_REPLY_BUTTONS and all(len(title) <= MAX_BUTTON_TITLE for _, title in choices):
        return {"type": "button", "body": {"text": body},
                "action": {"buttons": [{"type": "reply", "reply": {"id": id_, "title": title}} for id_, title in choices]}}
    rows = []
    for id_, title in choices[:MAX_LIST_ROWS]:
        row = {"id": id_, "title": shorten(title, MAX_ROW_TITLE)}
        if row["title"] != title:
            row["description"] = shorten(title, MAX_ROW_DESCRIPTION)
        rows.append(row)
    return {"type": "list", "body": {"text": body}, "action": {"button": LIST_BUTTON, "sections": [{"rows": rows}]}}


class WhatsAppOutput(PlatformOutput):
    channel: WhatsAppInput

    @classmethod
    def name(cls) -> str:
        return WhatsAppInput.name()

    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        for part in split_text(text, MAX_TEXT) or [text]:
            await self._send(recipient_id, {"type": "text", "text": {"body": part, "preview_url": True}}, kwargs)

    async def send_text_with_buttons(self, recipient_id: str, text: str, buttons: list[dict[str, Any]], **kwargs: Any) -> None:
        parts = split_text(text, MAX_BODY) or [text]
        for part in parts[:-1]:
            await self._send(recipient_id, {"type": "text", "text": {"body": part}}, kwargs)
        await self._send(recipient_id, {"type": "interactive", "interactive": reply_markup(parts[-1], buttons)}, kwargs)

    async def send_image_url(self, recipient_id: str, image: str, **kwargs: Any) -> None:
        await self._send(recipient_id, {"type": "image", "image": {"link": image}}, kwargs)

    async def send_file(self, recipient_id: str, outgoing: OutgoingFile, **kwargs: Any) -> None:
        caption = shorten(outgoing.caption, MAX_BODY)
        if outgoing.content_type in IMAGE_TYPES:
            message = {"type": "image", "image": {"link": outgoing.link, "caption": caption}}
        elif outgoing.content_type in DOCUMENT_TYPES:
            message = {"type": "document", "document": {"link": outgoing.link, "caption": caption, "filename": outgoing.filename}}
        else:
            await super().send_file(recipient_id, outgoing, **kwargs)
            return
        await self._send(recipient_id, message, kwargs)

    async def _send(self, recipient_id: str, message: dict[str, Any], kwargs: dict[str, Any]) -> None:
        payload = {"messaging_product": "whatsapp", "recipient_type": "individual", "to": platform_id(recipient_id), **message}
        await self.channel.deliver("messages", self.channel.messages_url, payload, self.channel.auth_headers,
                                   must_arrive=bool(kwargs.get("from_agent")))


class WhatsAppInput(MetaWebhookInput):
    secrets = ("token", "app_secret", "verify_token", "phone_number_id")

    @classmethod
    def name(cls) -> str:
        return "whatsapp"

    @property
    def messages_url(self) -> str:
        return f"{self.base_url}/{self.settings['phone_number_id']}/messages"  # type: ignore[index]

    @property
    def auth_headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.settings['token']}"}  # type: ignore[index]

    def incoming(self, body: Any) -> list[Incoming]:
        events = []
        for entry in body.get("entry", []):
            for change in entry.get("changes", []):
                value = change.get("value") or {}
                for status in value.get("statuses", []):
                    if status.get("status") == "failed":
                        codes = [e.get("code") for e in status.get("errors", [])]
                        log.warning("whatsapp: a sent message failed later, error codes %s", codes)
                for message in value.get("messages", []):
                    sender = sender_id(self.name(), str(message["from"]))
                    if sender:
                        text = self._text_of(message)
                        media = self._media(message) if text is None else None
                        events.append(Incoming(f"whatsapp:{message['id']}", sender, text, media=[media] if media else []))
        return events

    @staticmethod
    def _text_of(message: dict[str, Any]) -> str | None:
        """The text, or the id of the button or list row tapped; None for media, stickers, locations..."""
        kind = message.get("type")
        if kind == "text":
            return str(message["text"]["body"])
        if kind == "interactive":
            interactive = message["interactive"]
            return str(interactive[interactive["type"]]["id"])  # button_reply or list_reply
        if kind == "button":  # a template's quick-reply button
            return str(message["button"].get("payload") or message["button"]["text"])
        return None

    def _media(self, message: dict[str, Any]) -> Media | None:
        """An image, document, audio (voice notes too), video, sticker or location."""
        kind = message.get("type")
        if kind == "location":
            place = message["location"]
            return Media("location", location=(float(place["latitude"]), float(place["longitude"])))
        item = message.get(kind) if kind in MEDIA_KINDS else None
        if not isinstance(item, dict) or not item.get("id"):
            return None
        media_id = str(item["id"])

        async def fetch(session: aiohttp.ClientSession) -> bytes:
            # Graph gives a short-lived URL for the media id; both calls need the access token.
            found = await download(session, f"{self.base_url}/{media_id}", self.auth_headers)
            try:
                url = json.loads(found)["url"]
            except (ValueError, KeyError, TypeError) as error:
                raise MediaUnavailable("no media URL") from error
            return await download(session, str(url), self.auth_headers)

        return Media(MEDIA_KINDS[kind], item.get("filename"), item.get("caption"), fetch)

    def get_output_channel(self) -> WhatsAppOutput | None:
        return WhatsAppOutput(self) if self.enabled else None
