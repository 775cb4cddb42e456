"""A client that floods "Did this answer help?" cannot flood the editors or the calibration.

Each "yes" becomes a candidate in the desk and a label calibration trusts (desk/kb_learning.py),
so the shipped limit counts signals per client address: a fresh conversation id per "yes" does
not reset it. The shopper past the limit is still thanked; only the signal is not recorded.
"""

from __future__ import annotations

import uuid

import yaml

from tests.support.processes import REPO_ROOT
from tests.support.stack import Stack, say

PER_SHOPPER = yaml.safe_load((REPO_ROOT / "assistant.yml").read_text(encoding="utf-8"))["kb"]["feedback"]["signals_per_shopper"]
QUESTION = "what payment methods do you take?"
THANKS = "Thanks, that helps us"


def says_yes_in_a_new_conversation(stack: Stack, source: str) -> tuple[str, object]:
    sender = f"flood-{uuid.uuid4().hex[:12]}"
    assert "BLIK" in say(stack, sender, QUESTION, source=source)
    reply = say(stack, sender, "/kb_helpful", source=source)
    return reply, stack.tracker(sender)["slots"].get("kb_signal")


def test_yes_from_one_address_counts_up_to_the_limit_whatever_the_conversation_id(shipped_stack: Stack):
    allowed = int(PER_SHOPPER.split("/")[0])
    for _ in range(allowed):
        reply, signal = says_yes_in_a_new_conversation(shipped_stack, "127.0.0.91")
        assert THANKS in reply and signal and signal["kind"] == "helpful", (reply, signal)
    reply, signal = says_yes_in_a_new_conversation(shipped_stack, "127.0.0.91")
    assert THANKS in reply, reply  # the shopper notices nothing
    assert signal is None
    # Another shopper, from another address, is not held back by the flood.
    reply, signal = says_yes_in_a_new_conversation(shipped_stack, "127.0.0.92")
    assert signal and signal["kind"] == "helpful", (reply, signal)
