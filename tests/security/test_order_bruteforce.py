"""Brute force of order verification, as an attacker would try it, against the real stack.

Before the fix every limit was keyed on the sender id, which the client picks: the postcode of
100205 was found on guess 39 in 15 s with a fresh sender id per guess, and /restart gave a
conversation new attempts (and a new handoff after each third failure).

The tests of this module share one stack and so one failure budget of 127.0.0.1 (``per_address``);
the per-address test runs last and sends from other loopback addresses where it needs a fresh one.
(tests/security/test_kb_feedback_flood.py uses the same stack from addresses of its own.)
"""

from __future__ import annotations

import json
import queue
import uuid
from typing import Any

import httpx
import pytest
import socketio
import yaml

from bot.channels.metadata import CLIENT_ADDRESS
from orders.demo_shop import DEMO_ORDERS
from tests.support.processes import REPO_ROOT
from tests.support.stack import Stack, say

LOCKED = "I'm sorry, I can't confirm this order here. A person from our team can check it with you."
NOT_VERIFIED = "Sorry, I couldn't find an order with that number and that e-mail address or postcode."
HANDOFF = "Let me get a person from our team to check it with you."
LIMITS = yaml.safe_load((REPO_ROOT / "assistant.yml").read_text(encoding="utf-8"))["orders"]["failed_checks"]


def count(limit: str) -> int:
    return int(limit.split("/")[0])


def order(number: str):
    return next(o for o in DEMO_ORDERS if o.number == number)


@pytest.fixture(scope="module")
def stack(shipped_stack: Stack) -> Stack:
    return shipped_stack


def fresh() -> str:
    return f"guess-{uuid.uuid4().hex[:12]}"


def all_events(stack: Stack, sender: str) -> list[dict[str, Any]]:
    response = httpx.get(f"{stack.rasa_url}/conversations/{sender}/tracker",
                         params={"token": stack.token, "include_events": "ALL"}, timeout=30)
    response.raise_for_status()
    return response.json()["events"]


def test_a_fresh_sender_id_per_guess_is_stopped_by_the_order_lock(stack: Stack):
    target = order("100205")
    wrong = [f"61-{n:03d}" for n in range(count(LIMITS["per_order"]) + 1)]
    replies = [say(stack, fresh(), f"where is order {target.number}? postcode {guess}") for guess in wrong]
    assert all(r.startswith(NOT_VERIFIED) for r in replies[:-1]), replies
    assert replies[-1].startswith(LOCKED), replies[-1]
    # The right postcode now gets exactly the reply a wrong one gets: the lock tells nothing.
    right = say(stack, fresh(), f"where is order {target.number}? postcode {target.postcode}")
    assert right == replies[-1] and "delivered" not in right
    # Other orders are not locked.
    other = order("100214")
    assert "has been delivered" in say(stack, fresh(), f"where is order {other.number}? postcode {other.postcode}")


def test_restart_and_session_start_keep_the_count_and_there_is_one_handoff(stack: Stack):
    target = order("100224")
    me = fresh()
    assert say(stack, me, f"where is order {target.number}? email guess1@example.com").startswith(NOT_VERIFIED)
    say(stack, me, "/restart")
    assert say(stack, me, f"where is order {target.number}? email guess2@example.com").startswith(NOT_VERIFIED)
    say(stack, me, "/session_start")
    third = say(stack, me, f"where is order {target.number}? email guess3@example.com")
    assert HANDOFF in third, third
    say(stack, me, "no")  # no offline ticket
    for restart in ("/restart", "/session_start"):
        say(stack, me, restart)
        again = say(stack, me, f"where is order {target.number}? email {target.email}")
        assert again.startswith(LOCKED) and HANDOFF not in again, again
    handoffs = [e for e in all_events(stack, me) if e["event"] == "action" and e["name"] == "action_handoff"]
    assert len(handoffs) == 1


def test_the_client_address_comes_from_the_connection_not_from_the_client(stack: Stack):
    rest_sender = fresh()
    say(stack, rest_sender, "hello", metadata={CLIENT_ADDRESS: "203.0.113.50"}, headers={"X-Forwarded-For": "198.51.100.1"})
    user = next(e for e in all_events(stack, rest_sender) if e["event"] == "user")
    assert user["metadata"][CLIENT_ADDRESS] == "127.0.0.1"

    client = socketio.Client(reconnection=False)
    session_id = f"sio-{uuid.uuid4().hex[:12]}"
    confirmed: queue.Queue[Any] = queue.Queue()
    answered: queue.Queue[Any] = queue.Queue()
    client.on("session_confirm", confirmed.put)
    client.on("bot_uttered", answered.put)
    client.connect(stack.rasa_url, socketio_path="/socket.io", transports=["polling"], wait_timeout=30,
                   headers={"X-Forwarded-For": "198.51.100.2"})
    try:
        client.emit("session_request", {"session_id": session_id})
        confirmed.get(timeout=30)
        claim = json.dumps({CLIENT_ADDRESS: "203.0.113.51", "language": "en"})  # widgets may send it as JSON text
        client.emit("user_uttered", {"message": "hello", "session_id": session_id, "metadata": claim})
        answered.get(timeout=60)
    finally:
        client.disconnect()
    user = next(e for e in all_events(stack, session_id) if e["event"] == "user")
    assert user["metadata"][CLIENT_ADDRESS] == "127.0.0.1" and user["metadata"]["language"] == "en"


def test_one_address_is_limited_whatever_sender_id_or_forwarded_header_it_sends(stack: Stack):
    # Runs last in this module: it uses up 127.0.0.1's failure budget.
    budget = count(LIMITS["per_address"])
    replies = []
    for n in range(budget + 1):
        unknown = f"19{n:04d}"  # never an order; each number is guessed once, so no order lock
        headers = {"X-Forwarded-For": f"198.51.100.{n % 250 + 1}"}
        replies.append(say(stack, fresh(), f"where is order {unknown}? email someone@example.com", headers=headers))
        if replies[-1].startswith(LOCKED):
            break
    assert replies[-1].startswith(LOCKED), f"no lock after {budget + 1} failures from one address"
    untouched = order("100301")
    check = f"where is order {untouched.number}? email {untouched.email}"
    assert say(stack, fresh(), check, headers={"X-Forwarded-For": "192.0.2.77"}).startswith(LOCKED)
    # The same check from another address works: it is the address that is limited, not everyone.
    assert "has been delivered" in say(stack, fresh(), check, source="127.0.0.2")
