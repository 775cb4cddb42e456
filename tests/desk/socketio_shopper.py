"""A shopper on Rasa's socket.io channel (what the website widget speaks), with a python-socketio client."""

from __future__ import annotations

import queue
import uuid
from typing import Any

import socketio


class SocketShopper:
    """``confirm=False`` leaves waiting for ``session_confirm`` to the caller (a refused session id never gets one)."""

    def __init__(self, rasa_url: str, session_id: str | None = None, confirm: bool = True):
        self.session_id = session_id or f"sio-{uuid.uuid4().hex[:12]}"
        self.received: queue.Queue[dict[str, Any]] = queue.Queue()
        self.errors: queue.Queue[dict[str, Any]] = queue.Queue()
        self.confirmed: queue.Queue[str] = queue.Queue()
        self._client = socketio.Client(reconnection=False)
        self._client.on("bot_uttered", self.received.put)
        self._client.on("session_confirm", self.confirmed.put)
        self._client.on("error", self.errors.put)
        self._client.connect(rasa_url, socketio_path="/socket.io", transports=["polling"], wait_timeout=30)
        self._client.emit("session_request", {"session_id": self.session_id})
        if confirm:
            self.confirmed.get(timeout=30)

    @property
    def connected(self) -> bool:
        return self._client.connected

    def say(self, text: str, metadata: dict[str, Any] | None = None) -> None:
        self._client.emit("user_uttered", {"message": text, "session_id": self.session_id, "metadata": metadata or {}})

    def next_message(self, timeout: float = 30.0) -> dict[str, Any]:
        return self.received.get(timeout=timeout)

    def wait_for_text(self, fragment: str, timeout: float = 30.0) -> dict[str, Any]:
        """The first bot message containing ``fragment`` (earlier ones are dropped)."""
        while True:
            message = self.next_message(timeout)
            if fragment in (message.get("text") or ""):
                return message

    def close(self) -> None:
        self._client.disconnect()
