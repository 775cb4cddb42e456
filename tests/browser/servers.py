"""The servers behind the widget in these tests: the demo shop, and Rasa as the desk uses it."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from tests.support.processes import REPO_ROOT, Service
from tests.support.stack import Stack

DESKTOP = {"width": 1280, "height": 800}


def start_shop(stack: Stack, widget_from_other_origin: bool = False) -> tuple[Service, str]:
    """The demo shop server as `make run` starts it, on one of the stack's shop ports (its Rasa accepts that origin).

    With `widget_from_other_origin` the pages load the widget from http://localhost:PORT while
    they are at http://127.0.0.1:PORT: two origins, as for a shop embedding a hosted widget.
    """
    port = stack.take_shop_port()
    url = f"http://127.0.0.1:{port}"
    command = [sys.executable, "-m", "shop_demo", "--port", str(port), "--rasa-url", stack.rasa_url]
    if widget_from_other_origin:
        command += ["--widget-url", f"http://localhost:{port}/widget/widget.js"]
    shop = Service(f"shop-{port}", command, {"PYTHONPATH": str(REPO_ROOT)})
    try:
        shop.wait_until(lambda: httpx.get(url, timeout=2).status_code == 200, 30)
    except Exception:
        shop.stop()
        raise
    return shop, url


@contextmanager
def rasa_stopped(stack: Stack) -> Iterator[None]:
    """Stops the stack's Rasa server for the block, then starts it again: same command, environment and port."""
    old = stack.services[-1]
    # Linux keeps a process's environment in /proc; reusing it keeps this in step with start_stack.
    raw = Path(f"/proc/{old.process.pid}/environ").read_bytes().split(b"\0")
    env = dict(item.decode().split("=", 1) for item in raw if b"=" in item)
    old.stop()
    try:
        yield
    finally:
        new = Service(f"{old.name}-restarted", list(old.process.args), env)
        stack.services[-1] = new
        new.wait_until(
            lambda: bool(httpx.get(f"{stack.rasa_url}/status", params={"token": stack.token}, timeout=2).json().get("model_id")),
            240,
        )


def user_texts(stack: Stack, session_id: str) -> list[str]:
    return [event["text"] for event in stack.tracker(session_id)["events"] if event["event"] == "user"]


def send_as_agent(stack: Stack, session_id: str, name: str, text: str) -> None:
    """What the desk does for an agent's reply (docs/handoff.md): a bot event Rasa delivers on the shopper's channel."""
    response = httpx.post(
        f"{stack.rasa_url}/conversations/{session_id}/tracker/events",
        params={"output_channel": "latest", "execute_side_effects": "true", "token": stack.token},
        json={"event": "bot", "text": f"{name}: {text}", "metadata": {"from_agent": True, "agent_name": name}},
        timeout=30,
    )
    response.raise_for_status()


def end_handoff(stack: Stack, session_id: str) -> None:
    """How the desk ends a handoff (docs/handoff.md); the bot then asks for a rating."""
    httpx.post(
        f"{stack.rasa_url}/conversations/{session_id}/trigger_intent",
        params={"output_channel": "latest", "token": stack.token},
        json={"name": "handoff_ended"},
        timeout=30,
    ).raise_for_status()
