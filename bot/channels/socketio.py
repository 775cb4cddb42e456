"""The socket.io channel for the website chat widget (widget/).

Rasa 3.6's SocketIOInput, with two changes:

- An agent's reply keeps the fields that say who wrote it. The desk appends it as a bot event
  with metadata ``from_agent``/``agent_name`` (docs/handoff.md); Rasa's SocketIOOutput sends
  text messages as ``{"text": ...}`` only, so the widget could not show the agent's name.
- With ``message_queue: redis://...`` in its credentials (the scaled profile, deploy/scaled/), every
  replica's socket.io server shares one python-socketio message queue (AsyncRedisManager): a reply
  appended through the HTTP API of one Rasa replica reaches a widget connected to another.
- A turn that fails inside Rasa gets an apology (bot/channels/guard.py), not silence.
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
from socketio import AsyncRedisManager

from bot.channels.guard import guarded

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
    message_queue: str | None = None

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> ShopSocketIOInput:
        channel = super().from_credentials(credentials)
        channel.max_message_chars = int((credentials or {}).get("max_message_chars", cls.max_message_chars))
        channel.message_queue = (credentials or {}).get("message_queue") or None
        return channel

    def get_output_channel(self) -> SocketIOOutput | None:
        """The channel Rasa sends events appended over the HTTP API through (``output_channel=latest``)."""
        return ShopSocketIOOutput(self.sio, self.bot_message_evt) if self.sio else super().get_output_channel()

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        socketio_webhook = super().blueprint(guarded(on_new_message))
        if self.message_queue:
            # Rasa builds its AsyncServer with the in-process manager; swap it before any client connects.
            manager = AsyncRedisManager(self.message_queue, channel="assistant-socketio")
            manager.set_server(self.sio)
            self.sio.manager = manager
        rasa_handler = self.sio.handlers[self.namespace or "/"][self.user_message_evt]

        async def handle_message(sid: str, data: Any) -> None:
            text = data.get("message") if isinstance(data, dict) else None
            if not isinstance(text, str) or not text.strip() or len(text) > self.max_message_chars:
                log.warning("socket.io message ignored: not a text of 1 to %d characters", self.max_message_chars)
                return
            await rasa_handler(sid, data)

        self.sio.on(self.user_message_evt, handle_message, namespace=self.namespace)
        return socketio_webhook
