"""Telegram Bot API connector: ``POST /webhooks/telegram/webhook``.

Written on the shared :mod:`bot.channels.messaging` rather than on Rasa 3.6's TelegramInput:
that one calls api.telegram.org through aiogram 2.15 (no configurable base URL, so no local
fake in tests), answers the webhook only after the whole turn (Telegram re-sends slow ones),
checks no ``secret_token`` and cannot retry.

- The webhook must carry ``X-Telegram-Bot-Api-Secret-Token`` equal to the secret given to
  ``setWebhook`` (``python -m bot.channels.telegram set-webhook URL``); otherwise 401.
- ``message`` with text, and ``callback_query`` (a button tapped: answered at once so the
  shopper's spinner stops) become shopper messages from ``telegram:<chat id>``; other update
  types are ignored.
- Buttons are an inline keyboard (one button a row: titles are sentences). ``callback_data``
  holds at most 64 bytes, so a longer payload travels as a short key kept here.
- Texts over 4096 characters are split.
- During a handoff a photo, document, voice note, video, sticker or location reaches the agent
  (``getFile``, then the file endpoint; bot/channels/media.py).
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import hmac
import sys
from collections import OrderedDict
from typing import Any

import aiohttp
import yaml
from sanic.request import Request

from bot.channels.common import platform_id, sender_id, shorten, split_text
from bot.channels.media import Media, MediaUnavailable, download
from bot.channels.messaging import DeliveryFailed, Incoming, OutgoingFile, PlatformOutput, WebhookInput

MAX_TEXT = 4096
MAX_CAPTION = 1024
MAX_CALLBACK_BYTES = 64
KEPT_PAYLOADS = 10_000
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
# Telegram sends "/start" when a shopper opens the bot; Rasa would read it as an unknown intent.
COMMANDS = {"/start": "/greet"}
CREDENTIALS_KEY = "bot.channels.telegram.TelegramInput"
# Message fields holding a file, and what the agent is told it is.
MEDIA_FIELDS = {"photo": "photo", "document": "file", "voice": "voice", "audio": "voice", "video": "video",
                "video_note": "video", "sticker": "sticker"}


class CallbackPayloads:
    """Button payloads too long for ``callback_data``, by a short key (the newest ``KEPT_PAYLOADS``)."""

    def __init__(self) -> None:
        self._payloads: OrderedDict[str, str] = OrderedDict()

    def data_for(self, payload: str) -> str:
        if len(payload.encode()) <= MAX_CALLBACK_BYTES:
            return payload
        key = "#" + hashlib.sha256(payload.encode()).hexdigest()[:20]
        self._payloads[key] = payload
        self._payloads.move_to_end(key)
        while len(self._payloads) > KEPT_PAYLOADS:
            self._payloads.popitem(last=False)
        return key

    def payload_of(self, data: str) -> str:
        return self._payloads.get(data, data)


class TelegramOutput(PlatformOutput):
    channel: TelegramInput

    @classmethod
    def name(cls) -> str:
        return TelegramInput.name()

    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        await self._send(recipient_id, text, None, kwargs)

    async def send_text_with_buttons(self, recipient_id: str, text: str, buttons: list[dict[str, Any]], **kwargs: Any) -> None:
        keyboard = [[self._button(button)] for button in buttons]
        await self._send(recipient_id, text, {"inline_keyboard": keyboard}, kwargs)

    async def send_image_url(self, recipient_id: str, image: str, **kwargs: Any) -> None:
        await self.channel.call("sendPhoto", {"chat_id": platform_id(recipient_id), "photo": image}, kwargs)

    async def send_file(self, recipient_id: str, outgoing: OutgoingFile, **kwargs: Any) -> None:
        # By URL Telegram fetches the file itself (sendDocument takes PDF and ZIP that way).
        method, field = ("sendPhoto", "photo") if outgoing.image else ("sendDocument", "document")
        message = {"chat_id": platform_id(recipient_id), field: outgoing.link, "caption": shorten(outgoing.caption, MAX_CAPTION)}
        await self.channel.call(method, message, kwargs)

    def _button(self, button: dict[str, Any]) -> dict[str, str]:
        payload = str(button.get("url") or button.get("payload") or button["title"])
        if payload.startswith(("https://", "http://")):
            return {"text": button["title"], "url": payload}
        return {"text": button["title"], "callback_data": self.channel.payloads.data_for(payload)}

    async def _send(self, recipient_id: str, text: str, markup: dict[str, Any] | None, kwargs: dict[str, Any]) -> None:
        parts = split_text(text, MAX_TEXT) or [text]
        for number, part in enumerate(parts, 1):
            # Plain text (no parse_mode): whatever a shopper, the KB or an agent wrote shows as written.
            message: dict[str, Any] = {"chat_id": platform_id(recipient_id), "text": part}
            if markup is not None and number == len(parts):
                message["reply_markup"] = markup
            await self.channel.call("sendMessage", message, kwargs)


class TelegramInput(WebhookInput):
    secrets = ("token", "webhook_secret")

    def __init__(self, settings: dict[str, str] | None, base_url: str) -> None:
        super().__init__(settings, base_url)
        self.payloads = CallbackPayloads()

    @classmethod
    def name(cls) -> str:
        return "telegram"

    @staticmethod
    def retry_after(status: int, body: Any, headers: dict[str, str]) -> float | None:
        parameters = body.get("parameters") if isinstance(body, dict) else None
        value = parameters.get("retry_after") if isinstance(parameters, dict) else None
        return float(value) if isinstance(value, (int, float)) else None

    def method_url(self, method: str) -> str:
        return f"{self.base_url}/bot{self.settings['token']}/{method}"  # type: ignore[index]

    async def call(self, method: str, payload: dict[str, Any], kwargs: dict[str, Any] | None = None,
                   must_arrive: bool = False) -> Any:
        """A Bot API call; a failed agent reply raises, so the desk learns it was not delivered."""
        must_arrive = must_arrive or bool((kwargs or {}).get("from_agent"))
        return await self.deliver(method, self.method_url(method), payload, must_arrive=must_arrive)

    def verified(self, request: Request) -> bool:
        given = request.headers.get(SECRET_HEADER, "")
        return hmac.compare_digest(given.encode(), self.settings["webhook_secret"].encode())  # type: ignore[index]

    def incoming(self, body: Any) -> list[Incoming]:
        update_id = body["update_id"]
        key = f"telegram:{int(update_id)}"
        if isinstance(body.get("message"), dict):
            message = body["message"]
            sender = sender_id(self.name(), int(message["chat"]["id"]))
            text = message.get("text")
            text = COMMANDS.get(text.strip(), text) if isinstance(text, str) else None
            # An album (media group) arrives as one update per file, each forwarded on its own.
            media = self._media(message) if text is None else None
            return [Incoming(key, sender, text, media=[media] if media else [])] if sender else []
        if isinstance(body.get("callback_query"), dict):
            query = body["callback_query"]
            chat = (query.get("message") or {}).get("chat") or query["from"]
            sender = sender_id(self.name(), int(chat["id"]))
            if not sender:
                return []

            async def acknowledge() -> None:
                await self.call("answerCallbackQuery", {"callback_query_id": str(query["id"])})

            return [Incoming(key, sender, self.payloads.payload_of(str(query.get("data") or "")), acknowledge=acknowledge)]
        return []  # edited messages, channel posts, polls...: not a shopper's question

    def _media(self, message: dict[str, Any]) -> Media | None:
        """A photo (its largest size), document, voice note, audio, video, sticker or location."""
        if isinstance(message.get("location"), dict):
            return Media("location", location=(float(message["location"]["latitude"]), float(message["location"]["longitude"])))
        found = next(((kind, message[field]) for field, kind in MEDIA_FIELDS.items() if message.get(field)), None)
        if found is None:
            return None
        kind, item = found
        item = item[-1] if isinstance(item, list) else item  # photo sizes, smallest first
        file_id = str(item.get("file_id") or "")

        async def fetch(session: aiohttp.ClientSession) -> bytes:
            # getFile gives a path below the file endpoint, valid for an hour.
            try:
                found = await self.call("getFile", {"file_id": file_id}, must_arrive=True)
            except DeliveryFailed as error:
                raise MediaUnavailable("getFile refused") from error
            path = (found or {}).get("result", {}).get("file_path")
            if not path:
                raise MediaUnavailable("no file path")
            return await download(session, f"{self.base_url}/file/bot{self.settings['token']}/{path}")  # type: ignore[index]

        return Media(kind, item.get("file_name"), message.get("caption"), fetch if file_id else None)

    def get_output_channel(self) -> TelegramOutput | None:
        return TelegramOutput(self) if self.enabled else None


async def set_webhook(channel: TelegramInput, url: str) -> Any:
    """Register ``url`` (this server's public ``/webhooks/telegram/webhook``) with its secret token."""
    payload = {"url": url, "secret_token": channel.settings["webhook_secret"],  # type: ignore[index]
               "allowed_updates": ["message", "callback_query"]}
    try:
        return await channel.call("setWebhook", payload, must_arrive=True)
    finally:
        await channel.client.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot.channels.telegram", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    hook = commands.add_parser("set-webhook", help="register this server's webhook URL with Telegram")
    hook.add_argument("url", help="public HTTPS URL ending in /webhooks/telegram/webhook")
    hook.add_argument("--credentials", default="bot/credentials.yml")
    args = parser.parse_args(argv)
    with open(args.credentials, encoding="utf-8") as file:
        credentials = yaml.safe_load(file).get(CREDENTIALS_KEY) or {}
    channel = TelegramInput.from_credentials(credentials)
    if not channel.enabled:
        print(f"Set {credentials.get('token_env')} and {credentials.get('webhook_secret_env')} first.", file=sys.stderr)
        return 2
    try:
        answer = asyncio.run(set_webhook(channel, args.url))
    except Exception as error:  # noqa: BLE001 - the CLI reports any failure in one line
        print(f"setWebhook failed: {error}", file=sys.stderr)
        return 1
    print(f"Telegram will deliver updates to {args.url}: {answer.get('description', 'ok')}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
