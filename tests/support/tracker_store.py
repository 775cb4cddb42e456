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
