"""What an action call did, read from the call and its answer, for the metrics and the one-line log."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from typing import Any

from monitoring.metrics import HANDOFFS, KB_OUTCOMES, TURN_SECONDS, TURNS

log = logging.getLogger("assistant.turns")
KB_DECISIONS = ("answer", "suggest", "unknown")


@dataclass(frozen=True)
class TurnOutcome:
    action: str
    status: int
    kb_outcome: str | None = None
    handoff_reason: str | None = None
    handoff_to: str | None = None  # "desk" (the conversation was paused for an agent) or "ticket"


def action_name(call: Any) -> str:
    name = call.get("next_action") if isinstance(call, dict) else None
    return name if isinstance(name, str) and name else "unknown"


def outcome_of(action: str, status: int, answer_body: bytes | None) -> TurnOutcome:
    """Read the KB decision and a handoff from the events the action returned."""
    try:
        answer = json.loads(answer_body or b"null")
    except ValueError:
        answer = None
    events = answer.get("events") if isinstance(answer, dict) else None
    slots: dict[str, Any] = {}
    paused = followup = None
    for event in events if isinstance(events, list) else []:
        if not isinstance(event, dict):
            continue
        kind = event.get("event")
        if kind == "slot":
            slots[str(event.get("name"))] = event.get("value")
        elif kind == "pause":
            paused = True
        elif kind == "followup":
            followup = event.get("name")
    kb = slots.get("kb_outcome") if slots.get("kb_outcome") in KB_DECISIONS else None
    reason = slots.get("handoff_reason") if action == "action_handoff" else None
    to = None
    if isinstance(reason, str) and reason:
        to = "desk" if paused else "ticket" if followup == "offline_ticket_form" else None
    return TurnOutcome(action, status, kb, reason if to else None, to)


def record(outcome: TurnOutcome, seconds: float, conversation: str) -> None:
    """Count the turn and log it on one line: the conversation id, never what was said."""
    TURNS.labels(outcome.action, str(outcome.status)).inc()
    TURN_SECONDS.labels(outcome.action).observe(seconds)
    if outcome.kb_outcome:
        KB_OUTCOMES.labels(outcome.kb_outcome).inc()
    if outcome.handoff_reason and outcome.handoff_to:
        HANDOFFS.labels(outcome.handoff_reason, outcome.handoff_to).inc()
    extra = "".join(
        f" {key}={value}"
        for key, value in (("kb", outcome.kb_outcome), ("handoff", outcome.handoff_reason), ("to", outcome.handoff_to))
        if value
    )
    log.info(
        "turn action=%s status=%s seconds=%.3f conversation=%s%s", outcome.action, outcome.status, seconds, conversation, extra
    )
