"""What the action server's metrics read from an action's answer (monitoring/turns.py)."""

from __future__ import annotations

import json

from monitoring.turns import action_name, outcome_of


def answer(*events: dict) -> bytes:
    return json.dumps({"events": list(events), "responses": []}).encode()


def test_the_kb_decision_is_read_from_the_slot_the_action_set():
    outcome = outcome_of("action_answer_from_kb", 200, answer({"event": "slot", "name": "kb_outcome", "value": "suggest"}))
    assert (outcome.kb_outcome, outcome.handoff_reason) == ("suggest", None)


def test_a_handoff_to_the_desk_pauses_and_one_to_a_ticket_starts_the_ticket_form():
    reason = {"event": "slot", "name": "handoff_reason", "value": "order_delayed"}
    to_desk = outcome_of("action_handoff", 200, answer(reason, {"event": "pause"}))
    to_ticket = outcome_of("action_handoff", 200, answer(reason, {"event": "followup", "name": "offline_ticket_form"}))
    assert (to_desk.handoff_reason, to_desk.handoff_to) == ("order_delayed", "desk")
    assert (to_ticket.handoff_reason, to_ticket.handoff_to) == ("order_delayed", "ticket")


def test_an_error_answer_or_a_strange_call_counts_as_a_turn_without_outcomes():
    assert action_name(None) == action_name({"next_action": 3}) == "unknown"
    outcome = outcome_of("action_answer_from_kb", 500, b"not json")
    assert (outcome.status, outcome.kb_outcome, outcome.handoff_to) == (500, None, None)
    # A value outside the policy's decisions is not a label: labels stay a closed set.
    assert outcome_of("x", 200, answer({"event": "slot", "name": "kb_outcome", "value": "hacked"})).kb_outcome is None
