"""The socket.io channel for the website chat widget (widget/).

Rasa 3.6's SocketIOInput, with these changes:

- An agent's reply keeps the fields that say who wrote it. The desk appends it as a bot event
  with metadata ``from_agent``/``agent_name`` (docs/handoff.md); Rasa's SocketIOOutput sends
  text messages as ``{"text": ...}`` only, so the widget could not show the agent's name.
- Every message carries the client's address in its metadata (bot/channels/metadata.py).
- With a Redis URL in the variable ``message_queue_env`` names (SOCKETIO_MESSAGE_QUEUE; the scaled profile), every
  replica's socket.io server shares one python-socketio message queue (AsyncRedisManager): a reply
  appended through the HTTP API of one Rasa replica reaches a widget connected to another.
- Malformed ``user_uttered`` events (not an object, no text, more than ``max_message_chars``)
  are ignored instead of reaching NLU or raising, as the REST channel refuses them.
- Session ids outside the sender-id rule (bot/channels/guards.py) and metadata over
  ``max_metadata_bytes`` are refused with an ``error`` event ``{"code", "message"}``.
- Browsers may connect only from the shop's origins (env SHOP_ORIGINS) or the Rasa server's own
  origin: Rasa's server accepts every origin. A socket.io packet is at most ``max_packet_bytes``
  (engine.io's max_http_buffer_size; it checks a polling body's Content-Length before reading).
- A turn the action server could not answer gets an apology (bot/channels/no_silence.py).
- Every ``bot_uttered`` carries ``ts``, the bot event's timestamp in the tracker. A widget that was
  away (between two pages, a network drop) sends the newest ``ts`` it saw as ``last_seen`` in
  ``session_request`` and gets the bot's messages since then again, in order (an agent's reply
  sent while it had no socket is not lost). The session id is the conversation's secret (it
  also joins its room), so replay is for ids of at least 128 bits only (the widget's 32 hex
  digits); the client's session settings (``widget:`` in assistant.yml) and whether a person is
  available now (the desk's availability) follow as ``session_settings``; ``team_status`` asks again.
- Typing both ways: ``user_typing`` {session_id, typing} from a socket in that session's room goes
  to the desk; the desk's ``POST /webhooks/socketio/typing`` {sender_id, typing, agent_name}
  (bearer DESK_BOT_TOKEN) becomes ``agent_typing`` in the shopper's room (bot/channels/desk_link.py).
- Files during a handoff, both ways (``/webhooks/socketio/attachments``, bot/channels/widget_files.py).
- ``transcript`` {session_id}: the desk e-mails the conversation to the address the shopper gave
  in it (desk/transcript_mail.py); the answer {sent, reason} comes back as ``transcript``.

Rasa's session handling needs python-socketio < 5.10 (requirements/rasa.txt): it calls
``enter_room`` without ``await``.
"""

from __future__ import annotations

import json
import logging
import os
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import yaml
from rasa.core.channels.channel import UserMessage
from rasa.core.channels.socketio import SocketIOInput, SocketIOOutput
from rasa.shared.core.events import BotUttered
from sanic import Blueprint, response
from sanic.request import Request
from socketio import AsyncRedisManager

from bot.channels.desk_link import DeskLink
from bot.channels.guards import oversized_metadata, sender_id_problem, shop_origins
from bot.channels.metadata import client_address, with_client_address
from bot.channels.no_silence import NoSilence
from bot.channels.widget_files import add_file_routes, max_upload_bytes

log = logging.getLogger(__name__)

AGENT_FIELDS = ("from_agent", "agent_name")
ERROR_EVENT = "error"
SETTINGS_EVENT = "session_settings"
TEAM_EVENT = "team_status"
USER_TYPING_EVENT = "user_typing"
AGENT_TYPING_EVENT = "agent_typing"
TRANSCRIPT_EVENT = "transcript"  # the widget's request {session_id}, and the answer {sent, reason?}
REPLAY_MIN_SESSION_ID_CHARS = 32  # 128 bits in hex: an id nobody can guess
MAX_REPLAYED = 100
TYPING_MIN_SECONDS = 0.5
MAX_TYPING_SOCKETS = 10_000
REPO_ROOT = Path(__file__).resolve().parents[2]


def socket_payloads(message: dict[str, Any]) -> list[dict[str, Any]]:
    """A bot event's message (``BotUttered.message()``) as the ``bot_uttered`` payloads the widget gets.

    The shapes are Rasa's SocketIOOutput's (text split at blank lines, buttons as ``quick_replies``
    on the last part, images and attachments on their own), plus ``ts`` and the agent's fields on
    each, so live and replayed messages look the same.
    """
    extra = {key: message[key] for key in AGENT_FIELDS if key in message}
    if isinstance(message.get("timestamp"), int | float):
        extra["ts"] = message["timestamp"]
    payloads: list[dict[str, Any]] = []
    text = message.get("text") or ""
    buttons = message.get("quick_replies") or message.get("buttons") or []
    if text.strip() or buttons:
        payloads = [{"text": part} for part in text.strip().split("\n\n")] or [{"text": text}]
        if buttons:
            payloads[-1]["quick_replies"] = [
                {"content_type": "text", "title": b.get("title"), "payload": b.get("payload")} for b in buttons
            ]
    if message.get("image"):
        payloads.append({"attachment": {"type": "image", "payload": {"src": message["image"]}}})
    if message.get("attachment"):
        payloads.append({"attachment": message["attachment"]})
    return [{**payload, **extra} for payload in payloads]


def assistant_config() -> dict[str, Any]:
    """assistant.yml (env ASSISTANT_CONFIG names another file)."""
    path = Path(os.environ.get("ASSISTANT_CONFIG", REPO_ROOT / "assistant.yml"))
    return yaml.safe_load(path.read_text(encoding="utf-8")) or {}


def widget_settings(config: dict[str, Any]) -> dict[str, Any]:
    """What the widget is told after a session starts, from ``widget:`` of assistant.yml."""
    section = config.get("widget") or {}
    files = config.get("attachments") or {}
    attachments = {"max_bytes": max_upload_bytes(config), "types": list(files.get("types") or [])} if files else {}
    return {"history_hours": float(section.get("history_hours", 24)), **({"attachments": attachments} if attachments else {})}


def missed_messages(events: list[Any], last_seen: float) -> list[dict[str, Any]]:
    """The payloads of the bot's messages from ``last_seen`` on (the widget drops those it has), oldest first."""
    missed = [event for event in events if isinstance(event, BotUttered) and event.timestamp >= last_seen]
    return [payload for event in missed[-MAX_REPLAYED:] for payload in socket_payloads(event.message())]


class ShopSocketIOOutput(SocketIOOutput):
    async def send_response(self, recipient_id: str, message: dict[str, Any]) -> None:
        if message.get("custom"):
            await self.send_custom_json(recipient_id, dict(message["custom"]))
        for payload in socket_payloads(message):
            await self._send_message(recipient_id, payload)


class ShopSocketIOInput(SocketIOInput):
    """``/socket.io``: ``session_request`` {session_id}, then ``user_uttered`` {message, session_id, metadata}."""

    max_message_chars = 4000
    message_queue: str | None = None
    max_metadata_bytes = 8192
    max_packet_bytes = 65536

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> ShopSocketIOInput:
        credentials = credentials or {}
        channel = super().from_credentials(credentials)
        for limit in ("max_message_chars", "max_metadata_bytes", "max_packet_bytes"):
            setattr(channel, limit, int(credentials.get(limit, getattr(cls, limit))))
        channel.message_queue = os.environ.get(credentials.get("message_queue_env") or "") or None
        return channel

    def get_output_channel(self) -> SocketIOOutput | None:
        """The channel Rasa sends events appended over the HTTP API through (``output_channel=latest``)."""
        return ShopSocketIOOutput(self.sio, self.bot_message_evt) if self.sio else super().get_output_channel()

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        no_silence = NoSilence(on_new_message, self.name())
        socketio_webhook = super().blueprint(no_silence)
        no_silence.attach(socketio_webhook)
        sio = self.sio
        if self.message_queue:
            # Rasa builds its AsyncServer with the in-process manager; swap it before any client connects.
            manager = AsyncRedisManager(self.message_queue, channel="assistant-socketio")
            manager.set_server(sio)
            sio.manager = manager
        # Rasa builds its server with cors_allowed_origins=[], which turns engine.io's origin check
        # off. None would allow the server's own origin only; the shop's pages come on top.
        sio.eio.cors_allowed_origins = shop_origins() or None
        sio.eio.max_http_buffer_size = self.max_packet_bytes
        handlers = sio.handlers[self.namespace or "/"]
        rasa_session_request = handlers["session_request"]
        config = assistant_config()
        settings = widget_settings(config)
        desk = DeskLink.from_env((config.get("desk") or {}).get("url", ""))

        def in_session(sid: str, session_id: Any) -> bool:
            """Whether ``sid`` joined ``session_id``'s room (by ``session_request``): only then may it speak for it."""
            return isinstance(session_id, str) and session_id in sio.rooms(sid, namespace=self.namespace)

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
            last_seen = data.get("last_seen") if isinstance(data, dict) else None
            if session_id and isinstance(last_seen, int | float) and len(session_id) >= REPLAY_MIN_SESSION_ID_CHARS:
                await replay(sid, session_id, float(last_seen))
            await sio.emit(SETTINGS_EVENT, {**settings, "team": await desk.team_status()}, room=sid, namespace=self.namespace)

        async def team_status(sid: str, _data: Any = None) -> None:
            await sio.emit(TEAM_EVENT, await desk.team_status(), room=sid, namespace=self.namespace)

        # sid -> (when its last "typing" went to the desk, whether it is typing as the desk knows)
        typing_forwarded: dict[str, tuple[float, bool]] = {}

        async def user_typing(sid: str, data: Any) -> None:
            session_id = data.get("session_id") if isinstance(data, dict) else None
            if not in_session(sid, session_id):
                return
            typing, now = bool(data.get("typing")), time.monotonic()
            last, known_typing = typing_forwarded.get(sid, (float("-inf"), False))
            # The widget says "typing" every 2 s at most; a client saying it more often is dropped, not the desk
            # flooded. "Stopped" goes only after a "typing" that went.
            if (typing and now - last < TYPING_MIN_SECONDS) or (not typing and not known_typing):
                return
            if len(typing_forwarded) > MAX_TYPING_SOCKETS:
                typing_forwarded.clear()
            typing_forwarded[sid] = (now if typing else last, typing)
            await desk.shopper_typing(session_id, typing)

        async def transcript_request(sid: str, data: Any) -> None:
            session_id = data.get("session_id") if isinstance(data, dict) else None
            if in_session(sid, session_id):
                result = await desk.send_transcript(session_id)
                await sio.emit(TRANSCRIPT_EVENT, result, room=sid, namespace=self.namespace)

        @socketio_webhook.route("/typing", methods=["POST"])
        async def agent_typing(request: Request) -> response.HTTPResponse:
            if not desk.authorised(request.headers.get("Authorization")):
                return response.json({"error": "the desk's bearer token is required"}, status=401)
            body = request.json if isinstance(request.json, dict) else {}
            sender_id, name = body.get("sender_id"), body.get("agent_name")
            if not isinstance(sender_id, str) or not isinstance(name, str) or sender_id_problem(sender_id):
                return response.json({"error": "sender_id and agent_name are required"}, status=400)
            payload = {"typing": bool(body.get("typing")), "agent_name": name}
            await sio.emit(AGENT_TYPING_EVENT, payload, room=sender_id, namespace=self.namespace)
            return response.json({"ok": True})

        async def replay(sid: str, session_id: str, last_seen: float) -> None:
            tracker = await self._tracker_store(sid).retrieve(session_id)
            for payload in missed_messages(list(tracker.events) if tracker else [], last_seen):
                await sio.emit(self.bot_message_evt, payload, room=sid, namespace=self.namespace)

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
            # Rasa's own handler would answer through its SocketIOOutput, which drops ``ts`` and the agent's fields.
            sender_id = data["session_id"] if self.session_persistence else sid
            output = ShopSocketIOOutput(sio, self.bot_message_evt)
            await no_silence(UserMessage(text, output, sender_id, input_channel=self.name(), metadata=metadata))

        add_file_routes(socketio_webhook, desk, self.name(), max_upload_bytes(config), no_silence,
                        lambda: ShopSocketIOOutput(sio, self.bot_message_evt))
        sio.on("session_request", session_request, namespace=self.namespace)
        sio.on(TEAM_EVENT, team_status, namespace=self.namespace)
        sio.on(USER_TYPING_EVENT, user_typing, namespace=self.namespace)
        sio.on(TRANSCRIPT_EVENT, transcript_request, namespace=self.namespace)
        sio.on(self.user_message_evt, handle_message, namespace=self.namespace)
        return socketio_webhook

    def _tracker_store(self, sid: str) -> Any:
        """The Rasa server's tracker store, reached through the request that opened ``sid``'s connection."""
        return self.sio.get_environ(sid, namespace=self.namespace)["sanic.request"].app.ctx.agent.tracker_store

    def _address(self, sid: str) -> str:
        """The address of the client behind ``sid``, from the HTTP request that opened its connection."""
        environ = self.sio.get_environ(sid, namespace=self.namespace) or {}
        request = environ.get("sanic.request")
        return client_address(request) if request is not None else environ.get("REMOTE_ADDR", "")
