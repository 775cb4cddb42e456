"""The REST channel, hardened against malformed and hostile requests.

Rasa's own RestInput answers a JSON body that is not an object with a 500 and
hands empty or huge texts straight to NLU. Here every request is checked
first and refused with a 4xx that says what is wrong; valid requests are
served exactly as by RestInput (same URL, same response shape).

The sender id is checked against the one rule of bot/channels/guards.py, the
metadata against ``max_metadata_bytes``; the body as a whole is capped before
it is read by Sanic's REQUEST_MAX_SIZE (env SANIC_REQUEST_MAX_SIZE, set by
scripts/rasa_server.sh). A turn the action server could not answer gets an
apology (bot/channels/no_silence.py).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels.channel import UserMessage
from rasa.core.channels.rest import RestInput
from sanic import Blueprint
from sanic.exceptions import InvalidUsage, PayloadTooLarge
from sanic.request import Request

from bot.channels.guards import oversized_metadata, sender_id_problem
from bot.channels.metadata import client_address, with_client_address
from bot.channels.no_silence import NoSilence


class ShopRestInput(RestInput):
    """``POST /webhooks/rest/webhook`` with ``{"sender": ..., "message": ..., "metadata": {...}}``."""

    def __init__(self, max_message_chars: int = 4000, max_metadata_bytes: int = 8192) -> None:
        self.max_message_chars = max_message_chars
        self.max_metadata_bytes = max_metadata_bytes

    @classmethod
    def name(cls) -> str:
        return "rest"

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> ShopRestInput:
        return cls(**(credentials or {}))

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        no_silence = NoSilence(on_new_message, self.name())
        blueprint = super().blueprint(no_silence)
        no_silence.attach(blueprint)
        return blueprint

    def _body(self, request: Request) -> dict[str, Any]:
        body = request.json
        if not isinstance(body, dict):
            raise InvalidUsage('the body must be a JSON object like {"sender": "...", "message": "..."}')
        return body

    async def _extract_sender(self, req: Request) -> str:
        sender = self._body(req).get("sender")
        if isinstance(sender, int) and not isinstance(sender, bool):
            sender = str(sender)
        problem = sender_id_problem(sender)
        if problem:
            raise InvalidUsage(f"'sender': {problem}")
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
        if metadata is None:
            metadata = {}
        if not isinstance(metadata, dict):
            raise InvalidUsage("'metadata' must be a JSON object")
        problem = oversized_metadata(metadata, self.max_metadata_bytes)
        if problem:
            raise PayloadTooLarge(problem)
        return with_client_address(metadata, client_address(request))
