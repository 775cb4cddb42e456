"""A shopper's Telegram chat: updates posted with the secret header, replies read from the fake Bot API."""

from __future__ import annotations

import itertools
import random
from typing import Any

import httpx

from tests.channels.chat import ChannelChat
from tests.fakes.fake_telegram import FakeTelegram
from tests.support.stack import Stack

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
_update_ids = itertools.count(random.randrange(10**6, 10**8))


class TelegramChat(ChannelChat):
    channel = "telegram"

    def __init__(self, stack: Stack, telegram: FakeTelegram, secret: str) -> None:
        self.chat_id = random.randrange(10**8, 10**10)
        super().__init__(stack, str(self.chat_id))
        self.telegram = self.platform = telegram
        self.secret = secret

    def post(self, update: dict[str, Any], secret: str | None = None) -> httpx.Response:
        return httpx.post(self.url, json=update, headers={SECRET_HEADER: self.secret if secret is None else secret}, timeout=30)

    def key_of(self, update: dict[str, Any]) -> str:
        return f"telegram:{update['update_id']}"

    def sent(self) -> list[dict[str, Any]]:
        return self.telegram.messages_to(self.chat_id)

    @staticmethod
    def text_of(message: dict[str, Any]) -> str:
        return message.get("text", "")

    @staticmethod
    def media_of(message: dict[str, Any]) -> tuple[str, str, str] | None:
        kind = {"sendPhoto": "photo", "sendDocument": "document"}.get(message["method"])
        return None if kind is None else ("image" if kind == "photo" else kind, message[kind], message.get("caption", ""))

    def message_update(self, text: str | None = None, **content: Any) -> dict[str, Any]:
        user = {"id": self.chat_id, "is_bot": False, "first_name": "Shopper", "language_code": "en"}
        message = {"message_id": random.randrange(1, 10**6), "from": user, "date": 1764600000,
                   "chat": {"id": self.chat_id, "type": "private", "first_name": "Shopper"}, **content}
        if text is not None:
            message["text"] = text
        return {"update_id": next(_update_ids), "message": message}

    def callback_update(self, data: str) -> dict[str, Any]:
        user = {"id": self.chat_id, "is_bot": False, "first_name": "Shopper"}
        chat = {"id": self.chat_id, "type": "private"}
        query = {"id": str(random.randrange(10**15, 10**16)), "from": user, "chat_instance": "1", "data": data,
                 "message": {"message_id": 1, "date": 1764600000, "chat": chat, "text": "..."}}
        return {"update_id": next(_update_ids), "callback_query": query}

    def text_update(self, text: str) -> dict[str, Any]:
        return self.message_update(text)

    def say(self, text: str) -> str:
        return self.turn_text(self.message_update(text))

    def tap(self, title: str) -> str:
        """Tap the newest inline button with this title."""
        for message in reversed(self.sent()):
            for row in (message.get("reply_markup") or {}).get("inline_keyboard", []):
                for button in row:
                    if button["text"] == title:
                        return self.turn_text(self.callback_update(button["callback_data"]))
        raise AssertionError(f"no button {title!r} among {self.button_titles()}")

    @staticmethod
    def titles_of(message: dict[str, Any]) -> list[str]:
        return [button["text"] for row in (message.get("reply_markup") or {}).get("inline_keyboard", []) for button in row]
