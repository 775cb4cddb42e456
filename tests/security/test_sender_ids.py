"""Odd conversation ids through the real Rasa server, action server and desk: claim, reply, end.

Rasa 3.6 never percent-decodes ``/conversations/<id>/...`` and cannot carry a space, ``?``, ``#``,
a control or a non-ASCII character in that path at all (desk/rasa_client.py). An id it can carry
must reach exactly its own conversation; any other id must be refused, by the channel (400) or,
if a channel let it through, by the desk, and never delay anyone else's handoff.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import pytest

from desk.rasa_client import unroutable_reason
from tests.desk.agent_client import AgentClient, wait_for
from tests.desk.desk_process import BOT_TOKEN, DeskProcess, create_agent, desk_env, start_desk
from tests.desk.support import PASSWORD
from tests.desk.test_handoff_e2e import project_config_always_open
from tests.support.processes import free_port
from tests.support.stack import Stack, start_stack

ASK = "I want to talk to a person"


@dataclass
class Assistant:
    stack: Stack
    desk: DeskProcess
    anna: AgentClient

    def say(self, sender: str, text: str) -> httpx.Response:
        body = {"sender": sender, "message": text}
        return httpx.post(f"{self.stack.rasa_url}/webhooks/rest/webhook", json=body, timeout=60)

    def raw_tracker(self, raw_path_id: str) -> dict:
        """The tracker at exactly this (already encoded) path."""
        url = httpx.URL(f"{self.stack.rasa_url}/conversations/{raw_path_id}/tracker", params={"token": self.stack.token})
        return httpx.get(url, timeout=30).raise_for_status().json()


@pytest.fixture(scope="module")
def assistant(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Assistant]:
    workdir = tmp_path_factory.mktemp("sender-ids")
    config = project_config_always_open(workdir)
    desk_port = free_port()
    shared = {"ASSISTANT_CONFIG": str(config), "EVENT_BROKER_DB": str(workdir / "events.db")}
    stack = start_stack(workdir, {**shared, "DESK_URL": f"http://127.0.0.1:{desk_port}", "DESK_BOT_TOKEN": BOT_TOKEN})
    try:
        env = {
            **os.environ,
            **desk_env(config, stack.rasa_url, stack.token),
            **shared,
            "DESK_DATABASE": f"sqlite:///{workdir / 'desk.db'}",
        }
        assert create_agent(env, "anna", "Anna", PASSWORD).returncode == 0
        desk = start_desk(env, desk_port)
        try:
            yield Assistant(stack, desk, AgentClient(desk.url).sign_in("anna"))
        finally:
            desk.stop()
    finally:
        stack.stop()


def bot_texts(tracker: dict) -> list[str]:
    return [e.get("text") or "" for e in tracker["events"] if e["event"] == "bot"]


def handoff_of(agent: AgentClient, sender: str) -> dict | None:
    queue = agent.queue()
    return next((h for h in queue["waiting"] + queue["active"] if h["sender_id"] == sender), None)


def test_rasa_does_not_unescape_conversation_ids(assistant: Assistant) -> None:
    """Why the desk sends ids unescaped: if a Rasa upgrade changes this, revisit desk/rasa_client.py.

    The channels refuse "canary/1" as a sender id, so the conversation is made through Rasa's HTTP
    API, the way the desk addresses it."""
    url = httpx.URL(f"{assistant.stack.rasa_url}/conversations/canary/1/tracker/events", params={"token": assistant.stack.token})
    httpx.post(url, json={"event": "bot", "text": "hello"}, timeout=30).raise_for_status()
    assert any(e["event"] == "bot" for e in assistant.raw_tracker("canary/1")["events"])
    assert not any(e["event"] == "bot" for e in assistant.raw_tracker("canary%2F1")["events"])


@pytest.mark.parametrize("sender_id", ["a/b", "a%2Fb", "zoë-1", "a b", "a?b", "a#b"])
def test_an_odd_id_is_served_exactly_or_refused_clearly(assistant: Assistant, sender_id: str) -> None:
    anna = assistant.anna
    asked = assistant.say(sender_id, ASK)
    if asked.status_code == 400:  # the channel refuses ids Rasa's API cannot carry (or more)
        assert "sender" in asked.text
        return
    assert asked.status_code == 200, asked.text
    # Another shopper handing off right after: the desk deals with them at once, whatever the odd id does.
    neighbour = f"neighbour-{uuid.uuid4().hex[:8]}"
    assert assistant.say(neighbour, ASK).status_code == 200
    wait_for("the neighbour's handoff", lambda: handoff_of(anna, neighbour))
    if unroutable_reason(sender_id) is not None:
        assert handoff_of(anna, sender_id) is None  # refused, not shown with another conversation's history
        return

    handoff = wait_for("the handoff", lambda: handoff_of(anna, sender_id))
    page = anna.page(handoff["id"])
    assert ASK in page  # the transcript is this conversation's
    assert anna.claim(handoff["id"])
    reply = f"Anna here, for {uuid.uuid4().hex[:6]}"
    assert anna.reply(handoff["id"], reply).status_code == 201
    tracker = assistant.stack.tracker(sender_id)
    assert tracker["sender_id"] == sender_id and f"Anna: {reply}" in bot_texts(tracker)
    assert anna.end(handoff["id"]).endswith("notice=ended")
    def resumed() -> dict | None:
        tracker = assistant.stack.tracker(sender_id)
        return tracker if any("How would you rate" in text for text in bot_texts(tracker)) else None

    tracker = wait_for("the bot back in the conversation", resumed, timeout=60)
    assert not tracker.get("paused", False)
    # Nobody else got the reply: not the conversation the escaped or the cut-off id would have named.
    for other in {sender_id.split("/")[0], sender_id.replace("%2F", "/")} - {sender_id}:
        assert f"Anna: {reply}" not in bot_texts(assistant.raw_tracker(other))
