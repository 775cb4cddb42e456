"""What the shopper saw survives a crash of Rasa: kill -9, then read the SQLite files Rasa wrote."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.stack import Stack, start_stack

SENDER = "crash-shopper"
MESSAGES = ["hello", "can I pay with paypal?", "how long does delivery take?", "do you sell gift cards?"]


@pytest.fixture(scope="module")
def crashed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Stack, list[str]]]:
    """A stack of its own: the shopper chats, and Rasa is killed the moment the last reply arrived."""
    stack = start_stack(tmp_path_factory.mktemp("crash"))
    try:
        seen = [message["text"] for text in MESSAGES for message in stack.send(SENDER, text) if message.get("text")]
        rasa = next(service for service in stack.services if service.name.startswith("rasa-"))
        os.killpg(rasa.process.pid, signal.SIGKILL)  # no shutdown, no flush, no checkpoint
        rasa.process.wait()
        yield stack, seen
    finally:
        stack.stop()


def shown(events: list[dict]) -> list[str]:
    """The bot's texts as the REST channel shows them: Rasa sends each paragraph as a message of its own."""
    return [part for e in events if e["event"] == "bot" and e.get("text") for part in e["text"].strip().split("\n\n")]


def rows(db: Path, query: str, *args: object) -> list[tuple]:
    with sqlite3.connect(db) as connection:  # a fresh reader, as after a restart; it replays the WAL
        return connection.execute(query, args).fetchall()


def test_every_reply_the_shopper_saw_is_in_the_tracker_store_after_kill_9(crashed):
    stack, seen = crashed
    assert len(seen) >= len(MESSAGES)
    stored = [json.loads(data) for (data,) in rows(
        stack.tracker_db, "SELECT data FROM events WHERE sender_id = ? ORDER BY id", SENDER)]
    assert [e["text"] for e in stored if e["event"] == "user"] == MESSAGES
    assert shown(stored) == seen


def test_the_desk_finds_every_turn_in_the_event_broker_after_kill_9(crashed):
    stack, seen = crashed
    broker = stack.tracker_db.with_name("events.db")
    published = [json.loads(data) for (data,) in rows(broker, "SELECT data FROM events WHERE sender_id = ? ORDER BY id", SENDER)]
    assert [e["text"] for e in published if e["event"] == "user"] == MESSAGES
    assert shown(published) == seen


def test_both_files_are_in_wal_mode_so_the_desk_reading_never_blocks_rasa_writing(crashed):
    stack, _ = crashed
    for db in (stack.tracker_db, stack.tracker_db.with_name("events.db")):
        assert rows(db, "PRAGMA journal_mode") == [("wal",)]
