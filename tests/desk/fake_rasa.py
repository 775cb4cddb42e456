"""A small stand-in for the Rasa server, as far as the desk sees it.

It speaks the documented HTTP API (``GET /conversations/{id}/tracker``,
``POST .../tracker/events`` and ``POST .../trigger_intent``, ``?token=``), taking the
id from the raw path without percent-decoding it, as Rasa 3.6 (Sanic) does, and
publishes every tracker event into a SQLite ``events`` table exactly as Rasa's
SQLEventBroker does (id INTEGER PRIMARY KEY, sender_id VARCHAR(255), data TEXT
holding ``{"sender_id": ..., **event}``). It records what the desk posted and what
would have been delivered to the shopper's channel.
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
import threading
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from aiohttp import web

FAKE_RASA = web.AppKey("fake_rasa", object)
HANDOFF_ENDED_REPLY = "Thanks for waiting! How would you rate the help you got, from 1 to 5?"


@dataclass
class Delivered:
    sender_id: str
    channel: str
    text: str
    metadata: dict[str, Any]


@dataclass
class FakeRasa:
    events_db: Path
    token: str
    trackers: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    posted: list[tuple[str, str, dict[str, str], Any]] = field(default_factory=list)  # (sender, path, query, body)
    delivered: list[Delivered] = field(default_factory=list)
    down: bool = False
    broken: set[str] = field(default_factory=set)  # conversations Rasa answers 500 for
    stalled: set[str] = field(default_factory=set)  # conversations Rasa does not answer for until ``release``
    requests: list[tuple[str, str]] = field(default_factory=list)  # (method, raw path) of every API call
    # What the shopper's channel does on receiving a delivered bot event, before Rasa answers the desk
    # (the widget asks for an agent's file at once).
    on_delivery: Callable[[dict[str, Any]], Awaitable[None]] | None = None
    # Rasa and the desk live in the same (test) time: the desk's clock, when the test moves it.
    clock: Callable[[], datetime] | None = None
    _last_timestamp: float = 0.0
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        with sqlite3.connect(self.events_db) as db:
            db.execute(
                "CREATE TABLE IF NOT EXISTS events (id INTEGER NOT NULL, sender_id VARCHAR(255), data TEXT, PRIMARY KEY (id))"
            )

    # --- what Rasa does when a shopper writes or an action runs ---------------------
    def publish(self, sender_id: str, event: dict[str, Any]) -> dict[str, Any]:
        """Add an event to the tracker and to the broker table."""
        with self._lock:
            now = self.clock().timestamp() if self.clock else time.time()
            # As Rasa's: later events of a conversation have later timestamps, even across fakes sharing its trackers.
            latest = max((float(e.get("timestamp") or 0) for e in self.trackers.get(sender_id, [])), default=0.0)
            self._last_timestamp = max(now, self._last_timestamp + 0.001, latest + 0.001)
            event = {**event, "timestamp": self._last_timestamp}
            self.trackers.setdefault(sender_id, []).append(event)
            with sqlite3.connect(self.events_db) as db:
                db.execute(
                    "INSERT INTO events (sender_id, data) VALUES (?, ?)",
                    (sender_id, json.dumps({"sender_id": sender_id, **event})),
                )
        return event

    def shopper_says(self, sender_id: str, text: str, intent: str = "ask_question", channel: str = "rest") -> None:
        parse_data = {"intent": {"name": intent, "confidence": 0.95}, "entities": [], "text": text}
        self.publish(
            sender_id, {"event": "user", "text": text, "parse_data": parse_data, "input_channel": channel, "metadata": {}}
        )

    def bot_says(self, sender_id: str, text: str, buttons: list[dict[str, str]] | None = None) -> None:
        self.publish(sender_id, {"event": "bot", "text": text, "data": {"buttons": buttons} if buttons else {}, "metadata": {}})

    def hand_off(self, sender_id: str, reason: str = "shopper_asked", **slots: Any) -> None:
        """What action_handoff does: set the reason, say who answers, pause."""
        self.publish(sender_id, {"event": "action", "name": "action_handoff"})
        for name, value in {"handoff_reason": reason, **slots}.items():
            self.publish(sender_id, {"event": "slot", "name": name, "value": value})
        self.bot_says(sender_id, "A person will answer shortly. You're number 1 in the queue.")
        self.publish(sender_id, {"event": "pause"})

    def conversation(self, sender_id: str, *exchanges: tuple[str, str]) -> None:
        for shopper, bot in exchanges:
            self.shopper_says(sender_id, shopper)
            self.bot_says(sender_id, bot)

    # --- the HTTP API --------------------------------------------------------------
    def tracker_state(self, sender_id: str) -> dict[str, Any]:
        events = list(self.trackers.get(sender_id, []))
        slots: dict[str, Any] = {}
        paused = False
        channel = None
        for event in events:
            if event["event"] == "slot":
                slots[event["name"]] = event["value"]
            elif event["event"] in ("pause", "resume"):
                paused = event["event"] == "pause"
            elif event["event"] == "user" and event.get("input_channel"):
                channel = event["input_channel"]
        return {
            "sender_id": sender_id,
            "slots": slots,
            "latest_message": next((e for e in reversed(events) if e["event"] == "user"), {}),
            "latest_event_time": events[-1]["timestamp"] if events else None,
            "paused": paused,
            "events": events,
            "latest_input_channel": channel,
            "active_loop": {},
            "latest_action_name": None,
        }

    def is_paused(self, sender_id: str) -> bool:
        return self.tracker_state(sender_id)["paused"]

    def release(self) -> None:
        """Stalled conversations get their answers."""
        self.stalled.clear()
        self._released.set()

    def app(self) -> web.Application:
        app = web.Application()
        app[FAKE_RASA] = self
        self._released = asyncio.Event()
        app.router.add_route("*", "/conversations/{rest:.*}", self._route)
        return app

    async def _route(self, request: web.Request) -> web.Response:
        """Sanic's ``/conversations/<conversation_id:path>/...``: matched on the raw path, never unescaped."""
        path = request.raw_path.partition("?")[0].removeprefix("/conversations/")
        self.requests.append((request.method, request.raw_path))
        routes = {
            "GET": {"/tracker": self._get_tracker},
            "POST": {"/tracker/events": self._post_events, "/trigger_intent": self._trigger_intent},
        }
        for suffix, handler in routes.get(request.method, {}).items():
            if path.endswith(suffix):
                sender_id = path.removesuffix(suffix)
                await self._check(request, sender_id)
                return await handler(request, sender_id)
        raise web.HTTPNotFound()

    async def _check(self, request: web.Request, sender_id: str) -> None:
        if self.down:
            raise web.HTTPServiceUnavailable()
        if request.query.get("token") != self.token:
            raise web.HTTPUnauthorized(
                text='{"status": "failure", "reason": "NotAuthenticated"}', content_type="application/json"
            )
        if sender_id in self.stalled:
            await self._released.wait()
        if sender_id in self.broken:
            raise web.HTTPInternalServerError()

    async def _get_tracker(self, request: web.Request, sender_id: str) -> web.Response:
        return web.json_response(self.tracker_state(sender_id))

    async def _post_events(self, request: web.Request, sender_id: str) -> web.Response:
        body = await request.json()
        self.posted.append((sender_id, "tracker/events", dict(request.query), body))
        for event in body if isinstance(body, list) else [body]:
            self.publish(sender_id, event)
            side_effects = request.query.get("execute_side_effects") == "true"
            if event["event"] == "bot" and side_effects and request.query.get("output_channel") == "latest":
                channel = self.tracker_state(sender_id)["latest_input_channel"] or "rest"
                self.delivered.append(Delivered(sender_id, channel, event["text"], event.get("metadata") or {}))
                if self.on_delivery is not None:
                    await self.on_delivery(event)
        return web.json_response(self.tracker_state(sender_id))

    async def _trigger_intent(self, request: web.Request, sender_id: str) -> web.Response:
        body = await request.json()
        self.posted.append((sender_id, "trigger_intent", dict(request.query), body))
        if self.is_paused(sender_id):  # Rasa would not predict anything for a paused conversation
            return web.json_response({"tracker": self.tracker_state(sender_id), "messages": []})
        self.publish(sender_id, {"event": "user", "text": f"/{body['name']}", "parse_data": {"intent": {"name": body["name"]}}})
        self.bot_says(sender_id, HANDOFF_ENDED_REPLY)
        channel = self.tracker_state(sender_id)["latest_input_channel"] or "rest"
        self.delivered.append(Delivered(sender_id, channel, HANDOFF_ENDED_REPLY, {}))
        return web.json_response({"tracker": self.tracker_state(sender_id), "messages": []})
