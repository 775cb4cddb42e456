"""The outside ends of an offline ticket: a local SMTP server (aiosmtpd) and a helpdesk webhook receiver."""

from __future__ import annotations

import email
import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.message import Message
from typing import Any

from aiohttp import web
from aiosmtpd.controller import Controller

from tests.support.processes import free_port


@dataclass
class Mailbox:
    messages: list[Message] = field(default_factory=list)

    async def handle_DATA(self, server, session, envelope) -> str:  # noqa: N802 (aiosmtpd's handler API)
        self.messages.append(email.message_from_bytes(envelope.content))
        return "250 OK"


@contextmanager
def smtp_server() -> Iterator[tuple[Mailbox, int]]:
    mailbox = Mailbox()
    port = free_port()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield mailbox, port
    finally:
        controller.stop()


@dataclass
class WebhookReceiver:
    """Records each POST (headers and raw body); answers ``status``."""

    received: list[tuple[dict[str, str], bytes]] = field(default_factory=list)
    status: int = 200

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_post("/tickets", self._receive)
        return app

    async def _receive(self, request: web.Request) -> web.Response:
        self.received.append((dict(request.headers), await request.read()))
        return web.json_response({"ok": self.status < 300}, status=self.status)

    def bodies(self) -> list[dict[str, Any]]:
        return [json.loads(body) for _, body in self.received]
