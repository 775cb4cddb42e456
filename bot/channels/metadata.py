"""What every channel adds to a user message's metadata, for the actions. Names defined once.

A client may send metadata of its own (the widget sends its language); the keys here are always
set by the channel and overwrite whatever the client sent, so no client can claim them.

The client address is the peer of the connection. Behind a reverse proxy every peer is the
proxy, so the address must come from its X-Forwarded-For / Forwarded header, and only then:
Sanic's own settings of the Rasa server say when (env ``SANIC_PROXIES_COUNT=1`` for one proxy
that appends the address; ``SANIC_REAL_IP_HEADER`` or ``SANIC_FORWARDED_SECRET`` for others).
Without them such headers are ignored, as a client can write them.
"""

from __future__ import annotations

import json
from typing import Any

from sanic.request import Request

# The address the message came from (actions/order_status.py limits failed order checks by it).
CLIENT_ADDRESS = "client_address"


def client_address(request: Request) -> str:
    """The proxied client address when Sanic is configured to trust a proxy, else the peer address."""
    return request.remote_addr or request.ip


def message_client_address(message: dict[str, Any]) -> str | None:
    """The address a parsed user message (a tracker's ``latest_message``) came from, as its channel saw it."""
    address = (message.get("metadata") or {}).get(CLIENT_ADDRESS)
    return address if isinstance(address, str) else None


def with_client_address(metadata: Any, address: str) -> dict[str, Any]:
    """The client's metadata (an object, or JSON text of one, as socket.io clients send) with the address set."""
    if isinstance(metadata, str):
        try:
            metadata = json.loads(metadata)
        except ValueError:
            metadata = None
    return {**(metadata if isinstance(metadata, dict) else {}), CLIENT_ADDRESS: address}
