"""A shopper's WhatsApp chat: webhooks signed with the app secret, replies read from the fake Graph API."""

from __future__ import annotations

import hashlib
import hmac
import json
import random
import uuid
from typing import Any

import httpx

from tests.channels.chat import ChannelChat
from tests.fakes.fake_whatsapp import FakeWhatsApp
from tests.support.stack import Stack


def sign(body: bytes, secret: str) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


class WhatsAppChat(ChannelChat):
    channel = "whatsapp"

    def __init__(self, stack: Stack, whatsapp: FakeWhatsApp, app_secret: str) -> None:
        self.wa_id = f"48{random.randrange(10**8, 10**9)}"
        super().__init__(stack, self.wa_id)
        self.whatsapp = self.platform = whatsapp
        self.app_secret = app_secret

    def post(self, update: dict[str, Any], secret: str | None = None) -> httpx.Response:
        body = json.dumps(update).encode()
        signature = sign(body, self.app_secret if secret is None else secret)
        headers = {"Content-Type": "application/json", "X-Hub-Signature-256": signature}
        return httpx.post(self.url, content=body, headers=headers, timeout=30)

    def key_of(self, update: dict[str, Any]) -> str:
        return "whatsapp:" + update["entry"][0]["changes"][0]["value"]["messages"][0]["id"]

    def sent(self) -> list[dict[str, Any]]:
        return self.whatsapp.messages_to(self.wa_id)

    @staticmethod
    def text_of(message: dict[str, Any]) -> str:
        if message["type"] == "interactive":
            return message["interactive"]["body"]["text"]
        return (message.get("text") or {}).get("body", "")

    @staticmethod
    def media_of(message: dict[str, Any]) -> tuple[str, str, str] | None:
        if message["type"] not in ("image", "document"):
            return None
        media = message[message["type"]]
        return message["type"], media["link"], media.get("caption", "")

    def update(self, **message: Any) -> dict[str, Any]:
        """A webhook with one message from this shopper, as Meta sends it."""
        message = {"from": self.wa_id, "id": f"wamid.{uuid.uuid4().hex}", "timestamp": "1764600000", **message}
        value = {"messaging_product": "whatsapp",
                 "metadata": {"display_phone_number": "48221234567", "phone_number_id": self.whatsapp.phone_number_id},
                 "contacts": [{"profile": {"name": "Shopper"}, "wa_id": self.wa_id}], "messages": [message]}
        return {"object": "whatsapp_business_account",
                "entry": [{"id": "102290129340398", "changes": [{"field": "messages", "value": value}]}]}

    def text_update(self, text: str) -> dict[str, Any]:
        return self.update(type="text", text={"body": text})

    def say(self, text: str) -> str:
        return self.turn_text(self.text_update(text))

    @staticmethod
    def choices(message: dict[str, Any]) -> list[tuple[str, str]]:
        """(id, full title) of an interactive message's reply buttons or list rows."""
        if message["type"] != "interactive":
            return []
        interactive = message["interactive"]
        if interactive["type"] == "button":
            return [(b["reply"]["id"], b["reply"]["title"]) for b in interactive["action"]["buttons"]]
        rows = [row for section in interactive["action"]["sections"] for row in section["rows"]]
        return [(row["id"], row.get("description", row["title"])) for row in rows]

    @classmethod
    def titles_of(cls, message: dict[str, Any]) -> list[str]:
        return [title for _, title in cls.choices(message)]

    def tap(self, title: str) -> str:
        """Tap the newest reply button or list row with this (full) title."""
        for message in reversed(self.sent()):
            for id_, choice in self.choices(message):
                if choice == title:
                    kind = "button_reply" if message["interactive"]["type"] == "button" else "list_reply"
                    reply = {"type": kind, kind: {"id": id_, "title": title}}
                    return self.turn_text(self.update(type="interactive", interactive=reply))
        raise AssertionError(f"no choice {title!r}")
