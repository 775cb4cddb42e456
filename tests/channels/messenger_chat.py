"""A shopper's Messenger or Instagram chat: page webhooks signed with the app secret, replies from the fake Send API."""

from __future__ import annotations

import json
import random
import time
import uuid
from typing import Any

import httpx

from tests.channels.chat import ChannelChat
from tests.channels.whatsapp_chat import sign
from tests.fakes.fake_messenger import FakeMessenger
from tests.support.stack import Stack

WEBHOOK_OBJECT = {"facebook": "page", "instagram": "instagram"}


class MessengerChat(ChannelChat):
    def __init__(self, channel: str, stack: Stack, platform: FakeMessenger, app_secret: str) -> None:
        self.channel = channel
        self.psid = str(random.randrange(10**15, 10**16))
        super().__init__(stack, self.psid)
        self.platform = platform
        self.app_secret = app_secret

    def post(self, update: dict[str, Any], secret: str | None = None) -> httpx.Response:
        body = json.dumps(update).encode()
        headers = {"Content-Type": "application/json", "X-Hub-Signature-256": sign(body, secret or self.app_secret)}
        return httpx.post(self.url, content=body, headers=headers, timeout=30)

    def key_of(self, update: dict[str, Any]) -> str:
        event = update["entry"][0]["messaging"][0]
        return f"{self.channel}:{(event.get('message') or event.get('postback'))['mid']}"

    def sent(self) -> list[dict[str, Any]]:
        return self.platform.messages_to(self.psid)

    @staticmethod
    def text_of(message: dict[str, Any]) -> str:
        return message["message"]["text"]

    @staticmethod
    def media_of(message: dict[str, Any]) -> tuple[str, str, str] | None:
        attachment = message["message"].get("attachment")
        if attachment is None:
            return None
        # No caption on an attachment: the connector sends it as a text before.
        return {"file": "document"}.get(attachment["type"], attachment["type"]), attachment["payload"]["url"], ""

    def update(self, **event: Any) -> dict[str, Any]:
        """A webhook with one messaging event from this shopper, as Meta sends it."""
        now = int(time.time() * 1000)
        messaging = {"sender": {"id": self.psid}, "recipient": {"id": "1094567890"}, "timestamp": now, **event}
        return {"object": WEBHOOK_OBJECT[self.channel], "entry": [{"id": "1094567890", "time": now, "messaging": [messaging]}]}

    def text_update(self, text: str, **extra: Any) -> dict[str, Any]:
        return self.update(message={"mid": f"m_{uuid.uuid4().hex}", "text": text, **extra})

    def say(self, text: str) -> str:
        return self.turn_text(self.text_update(text))

    @staticmethod
    def titles_of(message: dict[str, Any]) -> list[str]:
        return [reply["title"] for reply in message["message"].get("quick_replies", [])]

    def tap(self, title: str) -> str:
        """Tap the newest quick reply with this title."""
        for message in reversed(self.sent()):
            for reply in message["message"].get("quick_replies", []):
                if reply["title"] == title:
                    return self.turn_text(self.text_update(title, quick_reply={"payload": reply["payload"]}))
        raise AssertionError(f"no quick reply {title!r}")
