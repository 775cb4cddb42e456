"""Facebook Messenger connector (Send API ``POST /me/messages``): ``/webhooks/facebook/webhook``.

Written on the shared base rather than Rasa 3.6's FacebookInput (fbmessenger, graph.facebook.com
hard-wired, answers after the whole turn, no de-duplication). Same Meta webhook family as
WhatsApp: verify-token handshake, ``X-Hub-Signature-256``; the page's messaging events
(``message``, ``postback``) become shopper messages from ``facebook:<PSID>``; echoes of our own
messages, delivery and read receipts are ignored.

Buttons become quick replies (at most 13, titles of 20 characters; the payload is kept whole).
Texts are split at 2000 characters. An agent's image or PDF goes as an attachment Meta fetches
from its public link (``is_reusable: false``), its caption as a text before it. An agent's reply is tagged ``HUMAN_AGENT``, which
Messenger accepts for 7 days after the shopper's last message instead of 24 hours.
During a handoff an attachment reaches the agent (its CDN ``payload.url``; bot/channels/media.py).
"""

from __future__ import annotations

from typing import Any

import aiohttp

from bot.channels.common import platform_id, sender_id, shorten, split_text
from bot.channels.media import Media, download
from bot.channels.messaging import Incoming, OutgoingFile, PlatformOutput
from bot.channels.meta import MetaWebhookInput

MAX_QUICK_REPLIES = 13
MAX_QUICK_REPLY_TITLE = 20


class MessengerOutput(PlatformOutput):
    channel: MessengerInput
    #: Attachment types sent as the platform's own (Instagram takes no file attachments).
    attachment_types: frozenset[str] = frozenset({"image", "file"})

    @classmethod
    def name(cls) -> str:
        return "facebook"

    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        await self._send(recipient_id, text, None, kwargs)

    async def send_text_with_buttons(self, recipient_id: str, text: str, buttons: list[dict[str, Any]], **kwargs: Any) -> None:
        quick_replies = [
            {"content_type": "text", "title": shorten(str(b["title"]), MAX_QUICK_REPLY_TITLE),
             "payload": str(b.get("payload") or b["title"])}
            for b in buttons[:MAX_QUICK_REPLIES]
        ]
        await self._send(recipient_id, text, quick_replies, kwargs)

    async def send_file(self, recipient_id: str, outgoing: OutgoingFile, **kwargs: Any) -> None:
        kind = "image" if outgoing.image else "file"
        if kind not in self.attachment_types:
            await super().send_file(recipient_id, outgoing, **kwargs)
            return
        # An attachment carries no text: the caption goes first, as its own message.
        await self._send(recipient_id, outgoing.caption, None, kwargs)
        attachment = {"type": kind, "payload": {"url": outgoing.link, "is_reusable": False}}
        await self._deliver(recipient_id, {"attachment": attachment}, bool(kwargs.get("from_agent")))

    async def _send(self, recipient_id: str, text: str, quick_replies: list[dict[str, str]] | None,
                    kwargs: dict[str, Any]) -> None:
        parts = split_text(text, self.channel.max_text) or [text]
        for number, part in enumerate(parts, 1):
            message: dict[str, Any] = {"text": part}
            if quick_replies and number == len(parts):
                message["quick_replies"] = quick_replies
            await self._deliver(recipient_id, message, bool(kwargs.get("from_agent")))

    async def _deliver(self, recipient_id: str, message: dict[str, Any], agent: bool) -> None:
        tagging = {"messaging_type": "MESSAGE_TAG", "tag": "HUMAN_AGENT"} if agent else {"messaging_type": "RESPONSE"}
        payload = {"recipient": {"id": platform_id(recipient_id)}, **tagging, "message": message}
        await self.channel.deliver("messages", f"{self.channel.base_url}/me/messages", payload,
                                   {"Authorization": f"Bearer {self.channel.settings['page_token']}"},  # type: ignore[index]
                                   must_arrive=agent)


class MessengerInput(MetaWebhookInput):
    secrets = ("page_token", "app_secret", "verify_token")
    max_text = 2000

    @classmethod
    def name(cls) -> str:
        return "facebook"

    def incoming(self, body: Any) -> list[Incoming]:
        events = []
        for entry in body.get("entry", []):
            for event in entry.get("messaging", []):
                message, postback = event.get("message"), event.get("postback")
                media: list[Media] = []
                if isinstance(message, dict) and not message.get("is_echo"):
                    key, text = message["mid"], self._text_of(message)
                    media = self._media(message) if text is None else []
                elif isinstance(postback, dict):
                    key, text = postback.get("mid") or f"{event['sender']['id']}:{event['timestamp']}", str(postback["payload"])
                else:
                    continue  # echoes, deliveries, reads, reactions
                sender = sender_id(self.name(), str(event["sender"]["id"]))
                if sender:
                    events.append(Incoming(f"{self.name()}:{key}", sender, text, media=media))
        return events

    @staticmethod
    def _text_of(message: dict[str, Any]) -> str | None:
        """A quick reply's payload, else the text; None for attachments only (photos, stickers, audio, location)."""
        quick_reply = message.get("quick_reply")
        if isinstance(quick_reply, dict) and quick_reply.get("payload"):
            return str(quick_reply["payload"])
        text = message.get("text")
        return text if isinstance(text, str) and text.strip() else None

    @classmethod
    def _media(cls, message: dict[str, Any]) -> list[Media]:
        """Every attachment of the message (several photos sent at once come as one message)."""
        found = [cls._attachment(a) for a in message.get("attachments") or [] if isinstance(a, dict)]
        return [media for media in found if media is not None]

    @staticmethod
    def _attachment(attachment: dict[str, Any]) -> Media | None:
        """One attachment: its ``payload.url`` is a CDN link that needs no token."""
        payload = attachment.get("payload") or {}
        coordinates = payload.get("coordinates")
        if attachment.get("type") == "location" and isinstance(coordinates, dict):
            return Media("location", location=(float(coordinates["lat"]), float(coordinates["long"])))
        url = str(payload.get("url") or "")
        if not url.startswith(("https://", "http://")):
            return None
        kind = {"image": "photo", "audio": "voice", "video": "video"}.get(str(attachment.get("type")), "file")
        if payload.get("sticker_id"):
            kind = "sticker"

        async def fetch(session: aiohttp.ClientSession) -> bytes:
            return await download(session, url)

        return Media(kind, None, None, fetch)

    def get_output_channel(self) -> MessengerOutput | None:
        return self.output_class()(self) if self.enabled else None

    @classmethod
    def output_class(cls) -> type[MessengerOutput]:
        return MessengerOutput
