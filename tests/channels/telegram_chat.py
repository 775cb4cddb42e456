"""A shopper's Telegram chat, played the way Telegram does it: webhook updates in, Bot API calls out.

Updates are posted to Rasa's ``/webhooks/telegram/webhook`` with the secret header; what the
bot says is read from the fake Telegram server. A turn is over once Rasa's tracker shows the
update's message processed (listening again, or paused for a person), so no test sleeps.
"""

from __future__ import annotations

import itertools
import random
from typing import Any

import httpx

from tests.desk.agent_client import wait_for
from tests.fakes.fake_telegram import FakeTelegram
from tests.support.stack import Stack

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
_update_ids = itertools.count(random.randrange(10**6, 10**8))


def next_update_id() -> int:
    return next(_update_ids)


class TelegramChat:
    def __init__(self, stack: Stack, telegram: FakeTelegram, secret: str) -> None:
        self.stack = stack
        self.telegram = telegram
        self.secret = secret
        self.chat_id = random.randrange(10**8, 10**10)
        self.sender_id = f"telegram:{self.chat_id}"
        self.url = f"{stack.rasa_url}/webhooks/telegram/webhook"

    def post(self, update: dict[str, Any], secret: str | None = None) -> httpx.Response:
        return httpx.post(self.url, json=update, headers={SECRET_HEADER: self.secret if secret is None else secret}, timeout=30)

    def message_update(self, text: str | None = None, **content: Any) -> dict[str, Any]:
        user = {"id": self.chat_id, "is_bot": False, "first_name": "Shopper", "language_code": "en"}
        message = {"message_id": random.randrange(1, 10**6), "from": user, "date": 1764600000,
                   "chat": {"id": self.chat_id, "type": "private", "first_name": "Shopper"}, **content}
        if text is not None:
            message["text"] = text
        return {"update_id": next_update_id(), "message": message}

    def callback_update(self, data: str) -> dict[str, Any]:
        user = {"id": self.chat_id, "is_bot": False, "first_name": "Shopper"}
        chat = {"id": self.chat_id, "type": "private"}
        query = {"id": str(random.randrange(10**15, 10**16)), "from": user, "chat_instance": "1", "data": data,
                 "message": {"message_id": 1, "date": 1764600000, "chat": chat, "text": "..."}}
        return {"update_id": next_update_id(), "callback_query": query}

    def texts(self) -> list[str]:
        return self.telegram.texts_to(self.chat_id)

    def run_turn(self, update: dict[str, Any]) -> list[dict[str, Any]]:
        """Post an update and return the messages the bot sent to this chat while handling it."""
        before = len(self.telegram.messages_to(self.chat_id))
        response = self.post(update)
        assert response.status_code == 200, response.text
        wait_for(f"Rasa to handle update {update['update_id']}", lambda: self.turn_over(update["update_id"]), 60)
        return self.telegram.messages_to(self.chat_id)[before:]

    def reply_outside_rasa(self, update: dict[str, Any]) -> str:
        """Post an update the connector answers itself (not text) and return that one reply."""
        before = len(self.telegram.messages_to(self.chat_id))
        assert self.post(update).status_code == 200
        return wait_for("the connector's reply", lambda: self.telegram.texts_to(self.chat_id)[before:], 30)[0]

    def say(self, text: str) -> str:
        return "\n".join(m.get("text", "") for m in self.run_turn(self.message_update(text)))

    def tap(self, title: str) -> str:
        """Tap the newest inline button with this title."""
        for message in reversed(self.telegram.messages_to(self.chat_id)):
            for row in (message.get("reply_markup") or {}).get("inline_keyboard", []):
                for button in row:
                    if button["text"] == title:
                        return "\n".join(m.get("text", "") for m in self.run_turn(self.callback_update(button["callback_data"])))
        raise AssertionError(f"no button {title!r} among {self.buttons()}")

    def buttons(self) -> list[str]:
        """Titles of the inline buttons on the newest message that has any."""
        for message in reversed(self.telegram.messages_to(self.chat_id)):
            rows = (message.get("reply_markup") or {}).get("inline_keyboard")
            if rows:
                return [button["text"] for row in rows for button in row]
        return []

    def user_events(self) -> list[dict[str, Any]]:
        return [e for e in self.stack.tracker(self.sender_id)["events"] if e["event"] == "user"]

    def turn_over(self, update_id: int) -> bool:
        tracker = self.stack.tracker(self.sender_id)
        events = tracker["events"]
        key = f"telegram:{update_id}"
        at = next((i for i, e in enumerate(events) if e["event"] == "user" and e.get("message_id") == key), None)
        if at is None:
            return False
        later = events[at + 1:]
        return tracker["paused"] or any(e["event"] == "action" and e["name"] == "action_listen" for e in later)
