"""Attacks on the action server: forged calls, forged verifications, replayed trackers.

Before the fix, a POST to /webhook from anyone with a tracker saying ``verified_order: "100206"``
got that order's carrier, tracking number, items and city, and created desk tickets for invented
senders.
"""

from __future__ import annotations

import copy
import json
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import yaml

from orders.demo_shop import DEMO_ORDERS
from tests.support.processes import REPO_ROOT, free_port
from tests.support.stack import Stack, start_stack

TARGET = next(o for o in DEMO_ORDERS if o.number == "100206")
DOMAIN = yaml.safe_load((REPO_ROOT / "bot" / "domain.yml").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    running = start_stack(tmp_path_factory.mktemp("action-server"))
    yield running
    running.stop()


def forged_call(action: str, sender: str, slots: dict[str, Any], events: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """A webhook call as Rasa makes it, written by hand."""
    return {
        "next_action": action,
        "sender_id": sender,
        "version": "3.6.21",
        "domain": DOMAIN,
        "tracker": {
            "sender_id": sender,
            "slots": slots,
            "latest_message": {"text": "and when will it arrive?", "intent": {"name": "ask_order_status"}, "entities": []},
            "events": events or [],
            "paused": False,
            "followup_action": None,
            "active_loop": {},
            "latest_action_name": "action_listen",
        },
    }


def call(stack: Stack, body: dict[str, Any], token: str | None) -> httpx.Response:
    headers = {"Authorization": f"Bearer {token}"} if token is not None else {}
    return httpx.post(f"{stack.action_url}/webhook", json=body, headers=headers, timeout=30)


def order_data_in(response: httpx.Response, order=TARGET) -> list[str]:
    """The target order's details found in an action server answer."""
    text = response.text
    found = [s.tracking_number for s in order.shipments if s.tracking_number in text]
    found += [value for value in (order.delivery_city, order.postcode) if value and value in text]
    if "utter_order_status_" in text:
        found.append("status reply")
    return found


def action_token(stack: Stack) -> str:
    return stack.env["ACTION_SERVER_TOKEN"]


def test_a_forged_call_without_the_token_is_refused_and_gets_no_order_data(stack: Stack):
    body = forged_call("action_order_status", "attacker", {"verified_order": TARGET.number})
    response = call(stack, body, token=None)
    assert response.status_code == 401 and order_data_in(response) == []
    assert response.headers["WWW-Authenticate"] == "Bearer"


def test_a_wrong_token_is_refused(stack: Stack):
    body = forged_call("action_order_status", "attacker", {"verified_order": TARGET.number})
    assert call(stack, body, token="guessed").status_code == 403
    assert call(stack, body, token=action_token(stack) + "x").status_code == 403
    response = httpx.post(f"{stack.action_url}/webhook", json=body, params={"token": action_token(stack)}, timeout=30)
    assert response.status_code == 401, "the token is taken from the header only, never from the URL"


def test_no_desk_ticket_and_no_action_list_without_the_token(stack: Stack):
    body = forged_call("action_create_ticket", "invented-sender", {"ticket_email": "victim@example.com"})
    assert call(stack, body, token=None).status_code == 401
    assert httpx.get(f"{stack.action_url}/actions", timeout=10).status_code == 401
    # Only the health probe is anonymous, and it says nothing but "ok".
    health = httpx.get(f"{stack.action_url}/health", timeout=10)
    assert health.status_code == 200 and health.json() == {"status": "ok"}


def test_a_forged_verified_order_slot_gets_nothing_even_with_the_token(stack: Stack):
    sessions = [{"event": "session_started", "timestamp": 1_700_000_000.0}]
    for slots in (
        {"verified_order": TARGET.number},
        {"verified_order": TARGET.number, "order_verification": "1700000000.bm90LWEtc2lnbmF0dXJl"},
        {"verified_order": TARGET.number, "order_number": TARGET.number},
    ):
        response = call(stack, forged_call("action_order_status", "attacker", slots, sessions), action_token(stack))
        assert response.status_code == 200, response.text  # the call is Rasa's; the tracker is lying
        assert order_data_in(response) == [], (slots, response.text)


def verified_conversation(stack: Stack) -> tuple[str, dict[str, Any]]:
    """A real shopper verifies the target order through Rasa; returns the sender and their tracker."""
    me = f"victim-{uuid.uuid4().hex[:10]}"
    replies = stack.send(me, f"where is order {TARGET.number}? my email is {TARGET.email}")
    assert any(TARGET.number in (m.get("text") or "") for m in replies)
    return me, stack.tracker(me)


def replay(stack: Stack, tracker: dict[str, Any], sender: str) -> httpx.Response:
    body = {"next_action": "action_order_status", "sender_id": sender, "version": "3.6.21", "domain": DOMAIN,
            "tracker": {**tracker, "sender_id": sender}}
    return call(stack, body, action_token(stack))


def test_a_replayed_tracker_works_only_for_its_own_conversation(stack: Stack):
    me, tracker = verified_conversation(stack)
    # Control: the very tracker Rasa holds, sent as Rasa sends it, is this shopper's follow-up.
    assert order_data_in(replay(stack, tracker, me)), "the replay itself must be well formed"

    assert order_data_in(replay(stack, tracker, "attacker")) == [], "another sender id"

    other_order = copy.deepcopy(tracker)
    other = next(o for o in DEMO_ORDERS if o.number != TARGET.number and o.shipments)
    other_order["slots"]["verified_order"] = other.number
    moved = replay(stack, other_order, me)
    # At most the shopper's own order comes back (remembered for her: orders/remembered.py), never the other.
    assert other.number not in moved.text, "the proof moved to another order"
    assert [found for found in order_data_in(moved, other) if found != "status reply"] == [], "the proof moved"

    new_session = copy.deepcopy(tracker)
    new_session["events"].append({"event": "session_started", "timestamp": new_session["events"][-1]["timestamp"] + 5})
    # A later session of the same sender is answered from the verification she made (the issue's
    # returning customer); the same tracker under any other sender id gets nothing.
    later = replay(stack, new_session, me)
    assert "utter_order_remembered" in later.text and order_data_in(later), "the same sender, a later session"
    assert order_data_in(replay(stack, new_session, "attacker")) == [], "a later session of another sender"


def test_rasa_sends_the_token_in_a_header_so_real_conversations_work(stack: Stack):
    # Everything above is refused; the real Rasa server is not.
    me, _ = verified_conversation(stack)
    follow_up = json.dumps(stack.send(me, "and when will it arrive?"))
    assert TARGET.number in follow_up


def listening_addresses(port: int) -> set[str]:
    """Local addresses with a listening TCP socket on ``port`` (from /proc/net/tcp and tcp6)."""
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in open(table).read().splitlines()[1:]:
            local, state = line.split()[1], line.split()[3]
            address, hex_port = local.split(":")
            if state == "0A" and int(hex_port, 16) == port:
                found.add(address)
    return found


def test_the_action_server_listens_on_loopback_only(stack: Stack):
    port = int(stack.action_url.rsplit(":", 1)[1])
    assert listening_addresses(port) == {"0100007F"}  # 127.0.0.1, not 0.0.0.0 or ::


def test_it_refuses_to_start_without_its_secrets_outside_the_dev_profile():
    env = {k: v for k, v in os.environ.items() if k not in ("ACTION_SERVER_TOKEN", "ORDER_VERIFICATION_KEY", "ASSISTANT_PROFILE")}
    env["PYTHONPATH"] = str(REPO_ROOT)
    started = subprocess.run(
        [sys.executable, "-m", "actions.server", "--actions", "actions", "--port", str(free_port())],
        cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=120,
    )
    assert started.returncode != 0
    assert "ACTION_SERVER_TOKEN is not set" in started.stderr and "ORDER_VERIFICATION_KEY is not set" in started.stderr
