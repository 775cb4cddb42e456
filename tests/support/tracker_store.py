"""A tracker store database as Rasa's SQLTrackerStore writes it, with the events a test describes."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import sqlalchemy as sa

# The table Rasa's SQLTrackerStore creates (rasa/core/tracker_store.py, SQLEvent).
EVENTS = sa.Table(
    "events", sa.MetaData(),
    sa.Column("id", sa.Integer, primary_key=True), sa.Column("sender_id", sa.String(255), nullable=False),
    sa.Column("type_name", sa.String(255), nullable=False), sa.Column("timestamp", sa.Float),
    sa.Column("intent_name", sa.String(255)), sa.Column("action_name", sa.String(255)), sa.Column("data", sa.Text),
)


def tracker_with(
    location: Path | str, conversations: dict[str, list[tuple[str, Any]]], started: dict[str, float] | None = None
) -> None:
    """A tracker store (a SQLite path or a SQLAlchemy URL) holding these conversations.

    Events: ('user', text), ('action', name), ('slot', "name=value") or ('slot', (name, value)),
    one second apart from the conversation's ``started`` time (default 0).
    """
    engine = sa.create_engine(str(location) if "://" in str(location) else f"sqlite:///{location}")
    rows = []
    for sender, events in conversations.items():
        for n, (kind, value) in enumerate(events):
            timestamp = (started or {}).get(sender, 0.0) + n
            data: dict[str, Any] = {"event": kind, "timestamp": timestamp}
            if kind == "user":
                data["text"] = value
            elif kind == "slot":
                data["name"], data["value"] = value.split("=") if isinstance(value, str) else value
            else:
                data["name"] = value
            rows.append({"sender_id": sender, "type_name": kind, "timestamp": timestamp,
                         "action_name": value if kind == "action" else None, "data": json.dumps(data)})
    try:
        with engine.begin() as connection:
            EVENTS.metadata.create_all(connection)
            connection.execute(EVENTS.insert(), rows)
    finally:
        engine.dispose()


KB = ("action", "action_answer_from_kb")
HANDOFF = ("action", "action_handoff")


def outcome(value: str, *articles: str) -> list[tuple[str, Any]]:
    """The slots action_answer_from_kb sets."""
    return [("slot", ("kb_outcome", value)), ("slot", ("kb_candidates", [{"article_id": a, "score": 0.9} for a in articles]))]


EN = ("slot", "language=en")
# Five conversations with six KB questions: what `kb_index traffic` and the desk's KB report count.
CONVERSATIONS = {
    # "don't know", then the person button.
    "s1": [EN, ("user", "do you ship to the moon?"), KB, *outcome("unknown"), ("user", "/request_human"), HANDOFF],
    # Answered outright, then a person asked for in words (the NLU runs the handoff).
    "s2": [EN, ("user", "where do I send back a vase, my mail is anna.nowak@example.com"), KB, *outcome("answer", "returns"),
           ("user", "that is not what I asked, a human please"), HANDOFF],
    # Offered two articles, one picked (its answer is not a new question).
    "s3": [EN, ("user", "card payment?"), KB, *outcome("suggest", "payment", "gift-cards"),
           ("user", '/choose_article{"article_id": "payment"}'), KB, *outcome("answer", "payment")],
    # Polish, "don't know", and the shopper leaves.
    "s4": [("slot", "language=pl"), ("user", "czy wysyłacie na księżyc"), KB, *outcome("unknown")],
    # The moon again, then another question answered; the greeting is not a KB question.
    "s5": [EN, ("user", "hi"), ("action", "utter_greet"), ("user", "Do you ship to the Moon?"), KB, *outcome("unknown"),
           ("user", "how long is delivery"), KB, *outcome("answer", "delivery")],
}
