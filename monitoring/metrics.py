"""Every Prometheus metric of the assistant, defined once (names, labels, buckets).

Each process exposes the ones it updates at ``GET /metrics`` (``prometheus_client``'s
text format); a metric a process never touches is exported with no samples, which
is how Prometheus expects an unused labelled metric to look. Label values are
closed sets (action names, outcomes, reasons): never a sender id or a text.
"""

from __future__ import annotations

from prometheus_client import CONTENT_TYPE_LATEST, Counter, Gauge, Histogram, generate_latest

# Chat turns answered by the action server, by the action that handled them (the turn's kind).
TURNS = Counter("assistant_turns", "Action calls answered by the action server", ["action", "status"])
TURN_SECONDS = Histogram(
    "assistant_turn_seconds",
    "Time the action server took to run an action",
    ["action"],
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10),
)
# What the KB answer policy decided: answer, suggest or unknown.
KB_OUTCOMES = Counter("assistant_kb_outcomes", "KB questions by the answer policy's decision", ["outcome"])
# Handoffs the bot started: to the desk (an agent is there) or to an offline ticket.
HANDOFFS = Counter("assistant_handoffs", "Handoffs started by the bot", ["reason", "to"])
ENCODER_SECONDS = Histogram(
    "assistant_encoder_seconds",
    "Time to encode shopper questions for the KB search",
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2),
)
# The desk.
QUEUE_LENGTH = Gauge("desk_queue_length", "Handoffs waiting for an agent")
DESK_HANDOFFS = Counter("desk_handoffs", "Handoffs the desk received from Rasa's event broker", ["reason"])
DESK_EVENTS = Counter("desk_broker_events", "Rasa events the desk's follower applied", ["source"])
DELIVERY_FAILURES = Counter(
    "desk_delivery_failures", "Messages the desk could not deliver", ["kind"]  # agent_reply, ticket_mail, ticket_webhook
)
# The KB publish server.
PUBLISHES = Counter("kb_publishes", "KB publishes over HTTP", ["result"])  # published, invalid, busy


def exposition() -> tuple[bytes, str]:
    """The body and content type of a ``/metrics`` response."""
    return generate_latest(), CONTENT_TYPE_LATEST
