"""The REST channel, hardened against malformed and hostile requests.

Rasa's own RestInput answers a JSON body that is not an object with a 500 and
hands empty or huge texts straight to NLU. Here every request is checked
first and refused with a 4xx that says what is wrong; valid requests are
served exactly as by RestInput (same URL, same response shape). A turn that fails
inside Rasa (a store down) answers with an apology (bot/channels/guard.py), not an empty list.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels.channel import UserMessage
from rasa.core.channels.rest import RestInput
from sanic import Blueprint
from sanic.exceptions import InvalidUsage, PayloadTooLarge
from sanic.request import Request

from bot.channels.guard import guarded

MAX_SENDER_CHARS = 128


class ShopRestInput(RestInput):
    """``POST /webhooks/rest/webhook`` with ``{"sender": ..., "message": ...}``."""

    def __init__(self, max_message_chars: int = 4000) -> None:
        self.max_message_chars = max_message_chars

    @classmethod
    def name(cls) -> str:
        return "rest"

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> ShopRestInput:
        return cls(**(credentials or {}))

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        return super().blueprint(guarded(on_new_message))

    def _body(self, request: Request) -> dict[str, Any]:
        body = request.json
        if not isinstance(body, dict):
            raise InvalidUsage('the body must be a JSON object like {"sender": "...", "message": "..."}')
        return body

    async def _extract_sender(self, req: Request) -> str:
        sender = self._body(req).get("sender")
        if isinstance(sender, int) and not isinstance(sender, bool):
            sender = str(sender)
        if not isinstance(sender, str) or not sender.strip() or len(sender) > MAX_SENDER_CHARS:
            raise InvalidUsage(f"'sender' must be a non-empty text of at most {MAX_SENDER_CHARS} characters")
        return sender

    def _extract_message(self, req: Request) -> str | None:
        message = self._body(req).get("message")
        if not isinstance(message, str):
            raise InvalidUsage("'message' must be a text")
        if not message.strip():
            raise InvalidUsage("'message' is empty")
        if len(message) > self.max_message_chars:
            raise PayloadTooLarge(
                f"'message' has {len(message)} characters; the limit is {self.max_message_chars}. "
                "Please send a shorter message."
            )
        return message

    def _extract_input_channel(self, req: Request) -> str:
        # The channel is where the message arrived, not what the client claims:
        # replies from agents are routed by it.
        return self.name()

    def get_metadata(self, request: Request) -> dict[str, Any] | None:
        metadata = self._body(request).get("metadata")
        if metadata is not None and not isinstance(metadata, dict):
            raise InvalidUsage("'metadata' must be a JSON object")
        return metadata
