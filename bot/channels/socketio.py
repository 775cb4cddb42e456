"""The socket.io channel for the website chat widget (widget/).

Rasa 3.6's SocketIOInput, with these changes:

- An agent's reply keeps the fields that say who wrote it. The desk appends it as a bot event
  with metadata ``from_agent``/``agent_name`` (docs/handoff.md); Rasa's SocketIOOutput sends
  text messages as ``{"text": ...}`` only, so the widget could not show the agent's name.
- Every message carries the client's address in its metadata (bot/channels/metadata.py).
- Malformed ``user_uttered`` events (not an object, no text, more than ``max_message_chars``)
  are ignored instead of reaching NLU or raising, as the REST channel refuses them.
- Session ids outside the sender-id rule (bot/channels/guards.py) and metadata over
  ``max_metadata_bytes`` are refused with an ``error`` event ``{"code", "message"}``.
- Browsers may connect only from the shop's origins (env SHOP_ORIGINS) or the Rasa server's own
  origin: Rasa's server accepts every origin. A socket.io packet is at most ``max_packet_bytes``
  (engine.io's max_http_buffer_size; it checks a polling body's Content-Length before reading).
- A turn the action server could not answer gets an apology (bot/channels/no_silence.py).

Rasa's session handling needs python-socketio < 5.10 (requirements/rasa.txt): it calls
``enter_room`` without ``await``.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels.channel import UserMessage
from rasa.core.channels.socketio import SocketIOInput, SocketIOOutput
from sanic import Blueprint

from bot.channels.guards import oversized_metadata, sender_id_problem, shop_origins
from bot.channels.metadata import client_address, with_client_address
from bot.channels.no_silence import NoSilence

log = logging.getLogger(__name__)

AGENT_FIELDS = ("from_agent", "agent_name")
ERROR_EVENT = "error"


class ShopSocketIOOutput(SocketIOOutput):
    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        agent = {key: kwargs[key] for key in AGENT_FIELDS if key in kwargs}
        for part in text.strip().split("\n\n"):
            await self._send_message(recipient_id, {"text": part, **agent})


class ShopSocketIOInput(SocketIOInput):
    """``/socket.io``: ``session_request`` {session_id}, then ``user_uttered`` {message, session_id, metadata}."""

    max_message_chars = 4000
    max_metadata_bytes = 8192
    max_packet_bytes = 65536

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> ShopSocketIOInput:
        credentials = credentials or {}
        channel = super().from_credentials(credentials)
        for limit in ("max_message_chars", "max_metadata_bytes", "max_packet_bytes"):
            setattr(channel, limit, int(credentials.get(limit, getattr(cls, limit))))
        return channel

    def get_output_channel(self) -> SocketIOOutput | None:
        """The channel Rasa sends events appended over the HTTP API through (``output_channel=latest``)."""
        return ShopSocketIOOutput(self.sio, self.bot_message_evt) if self.sio else super().get_output_channel()

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        no_silence = NoSilence(on_new_message, self.name())
        socketio_webhook = super().blueprint(no_silence)
        no_silence.attach(socketio_webhook)
        sio = self.sio
        # Rasa builds its server with cors_allowed_origins=[], which turns engine.io's origin check
        # off. None would allow the server's own origin only; the shop's pages come on top.
        sio.eio.cors_allowed_origins = shop_origins() or None
        sio.eio.max_http_buffer_size = self.max_packet_bytes
        handlers = sio.handlers[self.namespace or "/"]
        rasa_session_request, rasa_handle_message = handlers["session_request"], handlers[self.user_message_evt]

        async def refuse(sid: str, code: str, message: str) -> None:
            log.warning("socket.io %s refused: %s", code, message)
            await sio.emit(ERROR_EVENT, {"code": code, "message": message}, room=sid, namespace=self.namespace)

        async def session_request(sid: str, data: Any) -> None:
            session_id = data.get("session_id") if isinstance(data, dict) else None
            # Without an id Rasa makes a random one.
            if session_id is not None and (problem := sender_id_problem(session_id)):
                await refuse(sid, "bad_session_id", problem)
                return
            await rasa_session_request(sid, data)

        async def handle_message(sid: str, data: Any) -> None:
            if not isinstance(data, dict):
                await refuse(sid, "bad_message", "user_uttered takes an object {message, session_id, metadata}")
                return
            text = data.get("message")
            if not isinstance(text, str) or not text.strip() or len(text) > self.max_message_chars:
                await refuse(sid, "bad_message", f"'message' must be a text of 1 to {self.max_message_chars} characters")
                return
            if self.session_persistence and (problem := sender_id_problem(data.get("session_id"))):
                await refuse(sid, "bad_session_id", problem)
                return
            metadata = data.get(self.metadata_key)
            if isinstance(metadata, str):  # Rasa's own channel takes JSON text too, and some widgets send it so
                try:
                    metadata = json.loads(metadata)
                except ValueError:
                    pass  # refused just below, as any other non-object
            if metadata is not None and not isinstance(metadata, dict):
                await refuse(sid, "bad_metadata", "'metadata' must be an object")
                return
            if metadata is not None and (problem := oversized_metadata(metadata, self.max_metadata_bytes)):
                await refuse(sid, "metadata_too_large", problem)
                return
            metadata = with_client_address(metadata, self._address(sid))
            await rasa_handle_message(sid, {**data, self.metadata_key: metadata})

        sio.on("session_request", session_request, namespace=self.namespace)
        sio.on(self.user_message_evt, handle_message, namespace=self.namespace)
        return socketio_webhook

    def _address(self, sid: str) -> str:
        """The address of the client behind ``sid``, from the HTTP request that opened its connection."""
        environ = self.sio.get_environ(sid, namespace=self.namespace) or {}
        request = environ.get("sanic.request")
        return client_address(request) if request is not None else environ.get("REMOTE_ADDR", "")
