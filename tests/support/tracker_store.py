"""A tracker store database as Rasa's SQLTrackerStore writes it, with the events a test describes."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

# The table Rasa's SQLTrackerStore creates (rasa/core/tracker_store.py, SQLEvent).
EVENTS_TABLE = """CREATE TABLE events (
    id INTEGER PRIMARY KEY, sender_id VARCHAR(255) NOT NULL, type_name VARCHAR(255) NOT NULL,
    timestamp FLOAT, intent_name VARCHAR(255), action_name VARCHAR(255), data TEXT)"""


def tracker_with(path: Path, conversations: dict[str, list[tuple[str, Any]]], started: dict[str, float] | None = None) -> None:
    """Events per conversation: ('user', text), ('action', name), ('slot', "name=value") or ('slot', (name, value)).

    Each conversation's events are one second apart from its ``started`` time (default 0).
    """
    connection = sqlite3.connect(path)
    connection.execute(EVENTS_TABLE)
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
            connection.execute(
                "INSERT INTO events (sender_id, type_name, timestamp, intent_name, action_name, data) VALUES (?, ?, ?, ?, ?, ?)",
                (sender, kind, timestamp, None, value if kind == "action" else None, json.dumps(data)),
            )
    connection.commit()
    connection.close()


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
