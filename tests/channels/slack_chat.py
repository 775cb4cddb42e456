"""A shopper's Slack direct message with the app: signed Events API and interactivity requests, replies from the fake Web API."""

from __future__ import annotations

import hashlib
import hmac
import html
import json
import random
import re
import string
import time
import uuid
from typing import Any
from urllib.parse import urlencode

import httpx

from tests.channels.chat import ChannelChat
from tests.fakes.fake_slack import TEAM, FakeSlack
from tests.support.stack import Stack


def signature(secret: str, timestamp: str, body: bytes) -> str:
    """Slack's request signature: v0= HMAC-SHA256 of ``v0:{timestamp}:{body}`` with the signing secret."""
    return "v0=" + hmac.new(secret.encode(), f"v0:{timestamp}:".encode() + body, hashlib.sha256).hexdigest()


def slack_id(prefix: str) -> str:
    return prefix + "".join(random.choices(string.ascii_uppercase + string.digits, k=10))


class SlackChat(ChannelChat):
    channel = "slack"

    def __init__(self, stack: Stack, slack: FakeSlack, signing_secret: str) -> None:
        self.dm = slack_id("D")
        self.user = slack_id("U")
        super().__init__(stack, self.dm)
        self.slack = self.platform = slack
        self.signing_secret = signing_secret

    def post_raw(self, body: bytes, content_type: str, secret: str | None = None, timestamp: int | None = None,
                 retry: int | None = None) -> httpx.Response:
        stamp = str(int(time.time()) if timestamp is None else timestamp)
        headers = {"Content-Type": content_type, "X-Slack-Request-Timestamp": stamp,
                   "X-Slack-Signature": signature(self.signing_secret if secret is None else secret, stamp, body)}
        if retry is not None:  # how Slack marks a re-send
            headers.update({"X-Slack-Retry-Num": str(retry), "X-Slack-Retry-Reason": "http_timeout"})
        return httpx.post(self.url, content=body, headers=headers, timeout=30)

    def post(self, update: dict[str, Any], **signing: Any) -> httpx.Response:
        if update.get("type") == "block_actions":  # interactivity: a form with the JSON in `payload`
            body = urlencode({"payload": json.dumps(update)}).encode()
            return self.post_raw(body, "application/x-www-form-urlencoded", **signing)
        return self.post_raw(json.dumps(update).encode(), "application/json", **signing)

    def resend(self, update: dict[str, Any]) -> httpx.Response:
        return self.post(update, retry=1)  # Slack marks a re-send with X-Slack-Retry-Num

    def key_of(self, update: dict[str, Any]) -> str:
        if update.get("type") == "block_actions":
            return f"slack:action:{update['trigger_id']}"
        return f"slack:{update['event_id']}"

    def sent(self) -> list[dict[str, Any]]:
        return self.slack.messages_to(self.dm)

    @staticmethod
    def text_of(message: dict[str, Any]) -> str:
        return html.unescape(message["text"])

    @staticmethod
    def media_of(message: dict[str, Any]) -> tuple[str, str, str] | None:
        blocks = message.get("blocks") or [{}]
        caption = html.unescape(message["text"])
        if blocks[0].get("type") == "image":
            return "image", blocks[0]["image_url"], caption
        link = re.search(r"<(https?://[^|>]+)\|", (blocks[0].get("text") or {}).get("text", ""))
        return ("document", html.unescape(link.group(1)), caption) if link else None

    def event(self, **event: Any) -> dict[str, Any]:
        """An ``event_callback`` with one message event in this DM, as Slack sends it."""
        now = time.time()
        message = {"type": "message", "channel": self.dm, "user": self.user, "ts": f"{now:.6f}",
                   "event_ts": f"{now:.6f}", "channel_type": "im", **event}
        return {"token": "legacy-verification-token", "team_id": TEAM, "api_app_id": "A0FAKE", "event": message,
                "type": "event_callback", "event_id": slack_id("Ev"), "event_time": int(now)}

    def text_update(self, text: str) -> dict[str, Any]:
        return self.event(text=text, client_msg_id=str(uuid.uuid4()))

    def say(self, text: str) -> str:
        return self.turn_text(self.text_update(text))

    def tap_update(self, button: dict[str, Any]) -> dict[str, Any]:
        action = {"action_id": button["action_id"], "block_id": "b1", "text": button["text"], "value": button.get("value"),
                  "type": "button", "action_ts": f"{time.time():.6f}"}
        return {"type": "block_actions", "user": {"id": self.user, "team_id": TEAM}, "api_app_id": "A0FAKE",
                "team": {"id": TEAM}, "channel": {"id": self.dm, "name": "directmessage"},
                "container": {"type": "message", "message_ts": "1.000001", "channel_id": self.dm, "is_ephemeral": False},
                "trigger_id": f"{random.randrange(10**12)}.{random.randrange(10**12)}.{uuid.uuid4().hex}",
                "response_url": "https://hooks.slack.example/actions/x", "actions": [action]}

    @staticmethod
    def buttons_of(message: dict[str, Any]) -> list[dict[str, Any]]:
        return [e for b in message.get("blocks", []) if b["type"] == "actions" for e in b["elements"]]

    def tap(self, title: str) -> str:
        """Tap the newest button with this label."""
        for message in reversed(self.sent()):
            for button in self.buttons_of(message):
                if button["text"]["text"] == title:
                    return self.turn_text(self.tap_update(button))
        raise AssertionError(f"no button {title!r} among {self.button_titles()}")

    @classmethod
    def titles_of(cls, message: dict[str, Any]) -> list[str]:
        return [b["text"]["text"] for b in cls.buttons_of(message)]
