"""Hostile or broken input to the REST channel: a 4xx or a sensible reply, never a 500."""

from __future__ import annotations

import json
import uuid

import pytest

from tests.support.stack import Stack

SENDER = f"bad-input-{uuid.uuid4().hex[:8]}"


def still_answers(stack: Stack, sender: str = SENDER) -> None:
    messages = stack.send(sender, "what are your customer service hours?")
    assert messages and "8:00" in messages[0]["text"], messages


@pytest.mark.parametrize(
    ("body", "status", "says"),
    [
        ("{not json", 400, "json"),
        ("[1, 2, 3]", 400, "JSON object"),
        ('"just a string"', 400, "JSON object"),
        (json.dumps({"message": "hi"}), 400, "sender"),
        (json.dumps({"sender": SENDER}), 400, "message"),
        (json.dumps({"sender": SENDER, "message": 42}), 400, "message"),
        (json.dumps({"sender": SENDER, "message": ""}), 400, "empty"),
        (json.dumps({"sender": SENDER, "message": "   \n  "}), 400, "empty"),
        (json.dumps({"sender": SENDER, "message": "hi", "metadata": "x"}), 400, "metadata"),
        (json.dumps({"sender": "x" * 500, "message": "hi"}), 400, "sender"),
        (json.dumps({"sender": SENDER, "message": "a" * 20_000}), 413, "limit is 4000"),
    ],
    ids=["malformed", "array", "string", "no-sender", "no-message", "number", "empty", "blank", "bad-metadata",
         "long-sender", "20k-chars"],
)
def test_broken_request_gets_a_clear_4xx_and_the_conversation_continues(stack: Stack, body, status, says):
    response = stack.post_raw(body)
    assert response.status_code == status, response.text
    assert says.lower() in response.text.lower()
    still_answers(stack)


def test_emoji_only_gets_a_polite_reply(stack: Stack):
    messages = stack.send(SENDER, "🙂🙏🔥")
    assert messages and messages[0]["text"]
    still_answers(stack)


def test_script_text_is_treated_as_text(stack: Stack):
    hostile = "<script>alert('x')</script><img src=x onerror=alert(1)>"
    messages = stack.send(SENDER, hostile)
    assert messages and all("<script" not in m.get("text", "") for m in messages)
    still_answers(stack)


def test_long_but_allowed_message_is_answered(stack: Stack):
    text = "Hi, quick question about shipping. " + "I really like your shop. " * 150 + "How long does delivery to Germany take?"
    assert len(text) < 4000
    messages = stack.send(SENDER, text)
    assert messages and messages[0]["text"]
