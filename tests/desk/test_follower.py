"""Following Rasa's event broker: handoffs appear with their history, shopper messages follow, nothing is lost."""

from __future__ import annotations

import asyncio
import contextlib
import json
import sqlite3
import time
from pathlib import Path

import pytest

from desk import handoffs
from desk.broker.sql_broker import SQLEventSource
from desk.follower import MAX_HISTORY_FAILURES, EventFollower
from tests.desk.conftest import Harness, start_harness, stop_harness
from tests.desk.support import page_csrf

RESUME = [{"event": "resume"}, {"event": "action", "name": "action_listen"}]
KB_TRIED = [{"id": "delivery-times", "title": "How long does delivery take?", "score": 0.52}]


async def messages(harness: Harness, handoff_id: int) -> list[tuple[str, str]]:
    return [(m["role"], m["text"]) for m in await handoffs.messages_after(harness.desk.engine, handoff_id)]


async def only_open_handoff(harness: Harness) -> dict:
    [handoff] = await handoffs.open_handoffs(harness.desk.engine)
    return handoff


async def test_a_pause_becomes_a_waiting_handoff_with_transcript_and_context(harness: Harness) -> None:
    harness.fake.conversation("shopper-1", ("where is my parcel?", "Which order number?"))
    harness.fake.bot_says("shopper-1", "Is it one of these?", buttons=[{"title": "Delivery times", "payload": "/x"}])
    harness.fake.hand_off(
        "shopper-1", "order_delayed", language="en", verified_order="100205", order_status="delayed", kb_candidates=KB_TRIED
    )
    await harness.follow()

    handoff = await only_open_handoff(harness)
    assert handoff["status"] == "waiting"
    assert (handoff["reason"], handoff["channel"], handoff["language"]) == ("order_delayed", "rest", "en")
    assert (handoff["verified_order"], handoff["order_status"], handoff["kb_candidates"]) == ("100205", "delayed", KB_TRIED)
    assert await messages(harness, handoff["id"]) == [
        ("shopper", "where is my parcel?"),
        ("bot", "Which order number?"),
        ("bot", "Is it one of these?\n[Delivery times]"),
        ("bot", "A person will answer shortly. You're number 1 in the queue."),
    ]


async def test_later_shopper_messages_reach_the_handoff_once(harness: Harness) -> None:
    harness.fake.hand_off("shopper-1")
    await harness.follow()
    harness.fake.shopper_says("shopper-1", "hello? anyone there?")
    harness.fake.shopper_says("someone-else", "unrelated chat")
    await harness.follow()
    await harness.follow()  # nothing new: nothing added twice

    handoff = await only_open_handoff(harness)
    assert (await messages(harness, handoff["id"]))[-1] == ("shopper", "hello? anyone there?")
    assert [m for m in await messages(harness, handoff["id"]) if m[1] == "unrelated chat"] == []


async def test_the_shopper_saying_goodbye_hands_back_to_the_bot(harness: Harness) -> None:
    harness.fake.hand_off("shopper-1")
    await harness.follow()
    harness.fake.shopper_says("shopper-1", "thanks, that's all", intent="end_handoff")
    await harness.follow()

    assert await handoffs.open_handoffs(harness.desk.engine) == []
    calls = [(path, body) for _, path, _, body in harness.fake.posted]
    assert calls == [("tracker/events", RESUME), ("trigger_intent", {"name": "handoff_ended"})]
    assert not harness.fake.is_paused("shopper-1")


async def test_a_desk_restart_catches_up_without_losing_or_repeating(tmp_path: Path) -> None:
    first = await start_harness(tmp_path)
    first.fake.hand_off("shopper-1")
    first.fake.shopper_says("shopper-1", "first message")
    await first.follow()
    await stop_harness(first)

    # While the desk is down: more messages, and a second shopper hands off.
    second = await start_harness(tmp_path)
    second.fake.trackers = first.fake.trackers  # the same Rasa (the events table is the same file)
    second.fake.shopper_says("shopper-1", "second message")
    second.fake.hand_off("shopper-2", "not_understood")
    try:
        await second.follow()
        open_now = await handoffs.open_handoffs(second.desk.engine)
        assert [(h["sender_id"], h["reason"]) for h in open_now] == [
            ("shopper-1", "shopper_asked"),
            ("shopper-2", "not_understood"),
        ]
        shopper_lines = [text for role, text in await messages(second, open_now[0]["id"]) if role == "shopper"]
        assert shopper_lines == ["first message", "second message"]
    finally:
        await stop_harness(second)


async def test_agent_replies_echoed_by_the_broker_are_not_stored_twice(harness: Harness) -> None:
    harness.fake.hand_off("shopper-1")
    await harness.follow()
    anna = await harness.agent("anna", "Anna")
    handoff = await only_open_handoff(harness)
    token = await page_csrf(anna, f"/conversations/{handoff['id']}")
    await anna.post(f"/conversations/{handoff['id']}/claim", data={"csrf_token": token}, allow_redirects=False)
    reply = await anna.post(
        f"/conversations/{handoff['id']}/reply", json={"text": "Hi, Anna here"}, headers={"X-CSRF-Token": token}
    )
    assert reply.status == 201
    await harness.follow()  # the broker now carries the agent's bot event
    assert [m for m in await messages(harness, handoff["id"]) if m[0] == "agent"] == [("agent", "Hi, Anna here")]


async def test_rasa_resuming_by_itself_ends_the_handoff(harness: Harness) -> None:
    harness.fake.hand_off("shopper-1")
    await harness.follow()
    harness.fake.publish("shopper-1", {"event": "restart"})
    await harness.follow()
    assert await handoffs.open_handoffs(harness.desk.engine) == []


async def test_a_pause_seen_while_rasa_is_unreachable_is_retried_not_skipped(harness: Harness) -> None:
    harness.fake.conversation("shopper-1", ("where is my parcel?", "Which order number?"))
    harness.fake.hand_off("shopper-1")
    harness.fake.down = True
    await harness.follow()  # the events are applied; only the history waits for Rasa
    assert await handoffs.open_handoffs(harness.desk.engine) == []
    harness.fake.down = False
    harness.clock.advance(seconds=2)
    await harness.follow()
    handoff = await only_open_handoff(harness)
    assert handoff["sender_id"] == "shopper-1" and handoff["history"] == "loaded"
    assert (await messages(harness, handoff["id"]))[0] == ("shopper", "where is my parcel?")


async def test_a_conversation_rasa_fails_for_does_not_hold_up_the_others(harness: Harness, caplog) -> None:
    harness.fake.broken = {"shopper-broken"}
    harness.fake.hand_off("shopper-broken")
    harness.fake.conversation("shopper-2", ("where is my parcel?", "Which order number?"))
    harness.fake.hand_off("shopper-2")
    harness.fake.shopper_says("shopper-broken", "hello?")
    harness.fake.shopper_says("shopper-2", "order 100205")
    await harness.follow()

    [handoff] = await handoffs.open_handoffs(harness.desk.engine)  # the broken one waits out of the queue
    assert handoff["sender_id"] == "shopper-2"
    assert await messages(harness, handoff["id"]) == [
        ("shopper", "where is my parcel?"),
        ("bot", "Which order number?"),
        ("bot", "A person will answer shortly. You're number 1 in the queue."),
        ("shopper", "order 100205"),
    ]
    # Retried with a growing pause, then shown without its history rather than never.
    for _ in range(MAX_HISTORY_FAILURES):
        harness.clock.advance(seconds=61)
        await harness.follow()
    broken = next(h for h in await handoffs.open_handoffs(harness.desk.engine) if h["sender_id"] == "shopper-broken")
    assert (broken["history"], broken["reason"]) == ("unavailable", "unknown")
    assert await messages(harness, broken["id"]) == [("shopper", "hello?")]
    tracker_reads = [path for method, path in harness.fake.requests if method == "GET" and "shopper-broken" in path]
    assert len(tracker_reads) == MAX_HISTORY_FAILURES
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert f"handoff {broken['id']}: no history from Rasa" in logged and "shopper-broken" not in logged


async def test_a_conversation_rasa_does_not_answer_for_delays_nobody(harness: Harness) -> None:
    harness.fake.stalled = {"shopper-slow"}
    follower = asyncio.create_task(harness.desk.follower.run())
    try:
        harness.fake.hand_off("shopper-slow")
        harness.fake.hand_off("shopper-2")
        harness.fake.shopper_says("shopper-2", "anyone there?")

        async def shopper_2_with_history_and_message() -> dict | None:
            handoff = next((h for h in await handoffs.open_handoffs(harness.desk.engine) if h["sender_id"] == "shopper-2"), None)
            return handoff if handoff and (await messages(harness, handoff["id"]))[-1][1] == "anyone there?" else None

        handoff = await eventually(shopper_2_with_history_and_message)
        assert (await messages(harness, handoff["id"]))[0][0] == "bot"  # the history came first
        assert [h["sender_id"] for h in await handoffs.open_handoffs(harness.desk.engine)] == ["shopper-2"]
        harness.fake.release()
        harness.clock.advance(seconds=5)  # in case the slow read timed out meanwhile and was postponed

        async def both() -> list | None:
            handoffs_now = await handoffs.open_handoffs(harness.desk.engine)
            return handoffs_now if len(handoffs_now) == 2 else None

        assert {h["sender_id"] for h in await eventually(both)} == {"shopper-slow", "shopper-2"}
    finally:
        harness.fake.release()
        follower.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await follower


async def eventually(probe, timeout: float = 30.0):
    """Poll a background loop's result; the bound only stops a hung test."""
    deadline = asyncio.get_running_loop().time() + timeout
    while asyncio.get_running_loop().time() < deadline:
        if result := await probe():
            return result
        await asyncio.sleep(0.05)
    raise AssertionError("the follower did not get there")


@pytest.mark.parametrize("sender_id", ["zoë-1", "a b", "a?b", "a#b", "a\x00b", "a\nb"])
async def test_a_conversation_id_rasas_api_cannot_carry_is_refused_without_touching_rasa(
    harness: Harness, caplog, sender_id: str
) -> None:
    harness.fake.hand_off(sender_id)
    harness.fake.hand_off("shopper-2")
    await harness.follow()
    assert [h["sender_id"] for h in await handoffs.open_handoffs(harness.desk.engine)] == ["shopper-2"]
    assert all("shopper-2" in path for _, path in harness.fake.requests)  # nothing asked about the other one
    [refusal] = [r.getMessage() for r in caplog.records if "handoff refused" in r.getMessage()]
    assert sender_id not in refusal and "the channel must not accept such ids" in refusal


@pytest.mark.parametrize("sender_id", ["a/b", "a%2Fb", "a%", "/a", "a/", "..", "x/tracker", "a+b;c=d&e"])
async def test_odd_but_addressable_ids_reach_exactly_their_conversation(harness: Harness, sender_id: str) -> None:
    harness.fake.conversation(sender_id, ("hi", "Hello!"))
    harness.fake.hand_off(sender_id)
    await harness.follow()
    handoff = await only_open_handoff(harness)
    assert handoff["sender_id"] == sender_id
    assert (await messages(harness, handoff["id"]))[:2] == [("shopper", "hi"), ("bot", "Hello!")]
    anna = await harness.agent("anna", "Anna")
    token = await page_csrf(anna, f"/conversations/{handoff['id']}")
    await anna.post(f"/conversations/{handoff['id']}/claim", data={"csrf_token": token}, allow_redirects=False)
    reply = await anna.post(f"/conversations/{handoff['id']}/reply", json={"text": "Anna here"}, headers={"X-CSRF-Token": token})
    assert reply.status == 201
    await anna.post(f"/conversations/{handoff['id']}/end", data={"csrf_token": token}, allow_redirects=False)
    assert [d.sender_id for d in harness.fake.delivered] == [sender_id, sender_id]
    assert set(harness.fake.trackers) == {sender_id} and not harness.fake.is_paused(sender_id)


def broker_only(harness: Harness, sender_id: str, text: str, timestamp: float) -> None:
    """A shopper message reaching the broker with Rasa's timestamp of its turn, as a replica that was cut off
    from RabbitMQ publishes it late (the tracker already has it)."""
    event = {"sender_id": sender_id, "event": "user", "text": text, "timestamp": timestamp, "metadata": {},
             "parse_data": {"intent": {"name": "ask_question", "confidence": 0.9}, "entities": [], "text": text}}
    with sqlite3.connect(harness.fake.events_db) as db:
        db.execute("INSERT INTO events (sender_id, data) VALUES (?, ?)", (sender_id, json.dumps(event)))


async def test_messages_published_late_by_another_replica_take_their_place_in_the_conversation(harness: Harness) -> None:
    harness.fake.hand_off("shopper-1")
    await harness.follow()
    handoff = await only_open_handoff(harness)
    anna = await harness.agent("anna", "Anna")
    token = await page_csrf(anna, f"/conversations/{handoff['id']}")
    await anna.post(f"/conversations/{handoff['id']}/claim", data={"csrf_token": token}, allow_redirects=False)
    start = time.time()
    broker_only(harness, "shopper-1", "note 0", start)
    broker_only(harness, "shopper-1", "note 2", start + 2)
    await harness.follow()
    shown = await (await anna.get(f"/conversations/{handoff['id']}/updates.json")).json()
    last_shown = shown["messages"][-1]["id"]
    # The other replica's buffer reaches RabbitMQ after its reconnect: older turns arrive after newer ones.
    broker_only(harness, "shopper-1", "note 1", start + 1)
    broker_only(harness, "shopper-1", "note 3", start + 3)
    await harness.follow()

    texts = [text for role, text in await messages(harness, handoff["id"]) if role == "shopper"]
    assert texts == ["note 0", "note 1", "note 2", "note 3"]
    # The open page learns where each new message goes: "note 1" before "note 2", "note 3" at the end.
    update = await (await anna.get(f"/conversations/{handoff['id']}/updates.json?after={last_shown}")).json()
    note_2 = next(m["id"] for m in shown["messages"] if m["text"] == "note 2")
    assert [(m["text"], m["before"]) for m in update["messages"]] == [("note 1", note_2), ("note 3", None)]


async def test_a_shopper_message_is_applied_as_rasa_commits_it_not_at_the_next_poll(harness: Harness) -> None:
    """The SQL broker's SQLite file is watched: with a minute between polls, the message still comes at once."""
    harness.fake.hand_off("shopper-1")
    await harness.follow()
    handoff = await only_open_handoff(harness)
    source = SQLEventSource(f"sqlite:///{harness.fake.events_db}")
    changed = asyncio.Event()
    follower = EventFollower(
        harness.desk.engine, source, harness.desk.rasa, harness.clock, poll_seconds=60, on_change=changed.set
    )
    following = asyncio.create_task(follower.run())
    try:
        while follower.problem is not None:  # its first read, which finds nothing new
            await asyncio.sleep(0.01)
        harness.fake.shopper_says("shopper-1", "are you still there?")
        await asyncio.wait_for(changed.wait(), timeout=20)  # far less than the poll interval
        assert (await messages(harness, handoff["id"]))[-1] == ("shopper", "are you still there?")
    finally:
        following.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await following
        await source.close()
