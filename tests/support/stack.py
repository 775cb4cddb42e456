"""The assistant as `make run` starts it: a Rasa server and an action server."""

from __future__ import annotations

import secrets
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from tests.support.processes import REPO_ROOT, Service, free_port

RASA_BIN = REPO_ROOT / ".venv-rasa" / "bin" / "rasa"
RASA_SERVER = REPO_ROOT / "scripts" / "rasa_server.sh"
# Ports kept for demo shops whose pages may use the stack's chat widget (SHOP_ORIGINS).
SHOP_PORTS_PER_STACK = 3


@dataclass
class Stack:
    rasa_url: str
    action_url: str
    token: str
    tracker_db: Path
    env: dict[str, str] = field(default_factory=dict)  # what both servers were started with (secrets included)
    shop_ports: list[int] = field(default_factory=list)
    shop_origins: list[str] = field(default_factory=list)
    services: list[Service] = field(default_factory=list)

    def take_shop_port(self) -> int:
        """A port for a demo shop whose origin (http://127.0.0.1:PORT) the stack's Rasa accepts."""
        return self.shop_ports.pop(0)

    def send(self, sender: str, message: str) -> list[dict[str, Any]]:
        """Send a shopper message through the REST channel; returns the bot's messages."""
        response = httpx.post(f"{self.rasa_url}/webhooks/rest/webhook", json={"sender": sender, "message": message}, timeout=60)
        response.raise_for_status()
        return response.json()

    def post_raw(self, body: bytes | str, content_type: str = "application/json") -> httpx.Response:
        return httpx.post(
            f"{self.rasa_url}/webhooks/rest/webhook", content=body, headers={"Content-Type": content_type}, timeout=60
        )

    def tracker(self, sender: str) -> dict[str, Any]:
        response = httpx.get(f"{self.rasa_url}/conversations/{sender}/tracker", params={"token": self.token}, timeout=30)
        response.raise_for_status()
        return response.json()

    def stop(self) -> None:
        for service in reversed(self.services):
            service.stop()


def start_stack(workdir: Path, env: dict[str, str] | None = None, endpoints: str | Path = "endpoints.yml") -> Stack:
    """Start action server then Rasa, each on a free port, with their own tracker database.

    ``endpoints``: Rasa's endpoints file (bench/chat_load.py compares another tracker store).
    """
    env = dict(env or {})
    action_port, rasa_port = free_port(), free_port()
    shop_ports = [free_port() for _ in range(SHOP_PORTS_PER_STACK)]
    shop_origins = [f"http://127.0.0.1:{port}" for port in shop_ports]
    token = secrets.token_urlsafe(16)
    common = {
        "ACTION_ENDPOINT_URL": f"http://127.0.0.1:{action_port}/webhook",
        "TRACKER_DB": str(workdir / "tracker.db"),
        "EVENT_BROKER_DB": str(workdir / "events.db"),
        # No desk unless a test starts one: port 9 (discard) refuses at once, so the bot works "offline".
        "DESK_URL": "http://127.0.0.1:9",
        "DESK_BOT_TOKEN": "test-bot-token",
        "ACTION_SERVER_TOKEN": secrets.token_urlsafe(24),
        "ORDER_VERIFICATION_KEY": secrets.token_urlsafe(32),
        "SHOP_ORIGINS": ",".join(shop_origins),
        "PYTHONPATH": str(REPO_ROOT),
        "TF_CPP_MIN_LOG_LEVEL": "2",
        "SQLALCHEMY_SILENCE_UBER_WARNING": "1",
        **env,
    }
    stack = Stack(
        f"http://127.0.0.1:{rasa_port}", f"http://127.0.0.1:{action_port}", token, Path(common["TRACKER_DB"]), common,
        shop_ports, shop_origins,
    )
    try:
        actions = Service(
            f"actions-{action_port}",
            [sys.executable, "-m", "actions.server", "--actions", "actions", "--port", str(action_port)],
            common,
        )
        stack.services.append(actions)
        rasa = Service(
            f"rasa-{rasa_port}",
            # A later --endpoints wins over the launcher's default (argparse keeps the last).
            [
                str(RASA_SERVER), "-m", str(REPO_ROOT / "models"), f"--auth-token={token}", "--port", str(rasa_port),
                "--endpoints", str(endpoints),
            ],
            common,
        )
        stack.services.append(rasa)
        actions.wait_until(lambda: httpx.get(f"{stack.action_url}/health", timeout=2).status_code == 200, 120)
        rasa.wait_until(
            lambda: bool(httpx.get(f"{stack.rasa_url}/status", params={"token": token}, timeout=2).json().get("model_id")), 240
        )
    except Exception:
        stack.stop()
        raise
    return stack


def say(stack: Stack, sender: str, text: str, *, source: str = "127.0.0.1", headers: dict[str, str] | None = None,
        metadata: dict[str, Any] | None = None) -> str:
    """One REST message from the given loopback source address; the bot's texts joined."""
    body: dict[str, Any] = {"sender": sender, "message": text}
    if metadata is not None:
        body["metadata"] = metadata
    with httpx.Client(transport=httpx.HTTPTransport(local_address=source), timeout=60) as client:
        response = client.post(f"{stack.rasa_url}/webhooks/rest/webhook", json=body, headers=headers or {})
    response.raise_for_status()
    return "\n".join(m.get("text", "") for m in response.json())
