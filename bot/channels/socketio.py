"""The socket.io channel for the website chat widget (widget/).

Rasa 3.6's SocketIOInput, with three changes:

- An agent's reply keeps the fields that say who wrote it. The desk appends it as a bot event
  with metadata ``from_agent``/``agent_name`` (docs/handoff.md); Rasa's SocketIOOutput sends
  text messages as ``{"text": ...}`` only, so the widget could not show the agent's name.
- Every message carries the client's address in its metadata (bot/channels/metadata.py).
- Malformed ``user_uttered`` events (not an object, no text, more than ``max_message_chars``)
  are ignored instead of reaching NLU or raising, as the REST channel refuses them.

Rasa's session handling needs python-socketio < 5.10 (requirements/rasa.txt): it calls
``enter_room`` without ``await``.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels.channel import UserMessage
from rasa.core.channels.socketio import SocketIOInput, SocketIOOutput
from sanic import Blueprint

from bot.channels.metadata import client_address, with_client_address

log = logging.getLogger(__name__)

AGENT_FIELDS = ("from_agent", "agent_name")


class ShopSocketIOOutput(SocketIOOutput):
    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        agent = {key: kwargs[key] for key in AGENT_FIELDS if key in kwargs}
        for part in text.strip().split("\n\n"):
            await self._send_message(recipient_id, {"text": part, **agent})


class ShopSocketIOInput(SocketIOInput):
    """``/socket.io``: ``session_request`` {session_id}, then ``user_uttered`` {message, session_id, metadata}."""

    max_message_chars = 4000

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> ShopSocketIOInput:
        channel = super().from_credentials(credentials)
        channel.max_message_chars = int((credentials or {}).get("max_message_chars", cls.max_message_chars))
        return channel

    def get_output_channel(self) -> SocketIOOutput | None:
        """The channel Rasa sends events appended over the HTTP API through (``output_channel=latest``)."""
        return ShopSocketIOOutput(self.sio, self.bot_message_evt) if self.sio else super().get_output_channel()

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        socketio_webhook = super().blueprint(on_new_message)
        rasa_handler = self.sio.handlers[self.namespace or "/"][self.user_message_evt]

        async def handle_message(sid: str, data: Any) -> None:
            text = data.get("message") if isinstance(data, dict) else None
            if not isinstance(text, str) or not text.strip() or len(text) > self.max_message_chars:
                log.warning("socket.io message ignored: not a text of 1 to %d characters", self.max_message_chars)
                return
            metadata = with_client_address(data.get(self.metadata_key), self._address(sid))
            await rasa_handler(sid, {**data, self.metadata_key: metadata})

        self.sio.on(self.user_message_evt, handle_message, namespace=self.namespace)
        return socketio_webhook

    def _address(self, sid: str) -> str:
        """The address of the client behind ``sid``, from the HTTP request that opened its connection."""
        environ = self.sio.get_environ(sid, namespace=self.namespace) or {}
        request = environ.get("sanic.request")
        return client_address(request) if request is not None else environ.get("REMOTE_ADDR", "")
