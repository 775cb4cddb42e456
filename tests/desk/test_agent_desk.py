"""What an agent does at the desk: take a conversation, reply, note, end; and what the shopper gets from it."""

from __future__ import annotations

import asyncio

from aiohttp.test_utils import TestClient

from desk import handoffs
from tests.desk.conftest import Harness
from tests.desk.fake_rasa import HANDOFF_ENDED_REPLY
from tests.desk.support import page_csrf


async def handed_off(harness: Harness, sender_id: str = "shopper-1", channel: str = "socketio") -> int:
    harness.fake.shopper_says(sender_id, "my parcel is late", channel=channel)
    harness.fake.hand_off(sender_id, "order_delayed")
    await harness.follow()
    [handoff] = [h for h in await handoffs.open_handoffs(harness.desk.engine) if h["sender_id"] == sender_id]
    return handoff["id"]


async def claim(agent: TestClient, handoff_id: int) -> str:
    token = await page_csrf(agent, "/")
    response = await agent.post(f"/conversations/{handoff_id}/claim", data={"csrf_token": token}, allow_redirects=False)
    return response.headers["Location"]


async def post_json(agent: TestClient, path: str, body: dict) -> tuple[int, dict]:
    token = await page_csrf(agent, "/")
    response = await agent.post(path, json=body, headers={"X-CSRF-Token": token})
    return response.status, await response.json()


async def test_the_queue_shows_waiting_conversations_with_reason_and_last_message(harness: Harness) -> None:
    await handed_off(harness)
    anna = await harness.agent("anna", "Anna")
    queue = await (await anna.get("/queue.json")).json()
    assert [(item["reason_label"], item["channel"], item["preview"]) for item in queue["waiting"]] == [
        ("Order delayed or lost", "socketio", "my parcel is late")
    ]
    assert queue["agents_online"] == 1 and queue["open"] is True


async def test_a_reply_reaches_the_shopper_on_their_channel_with_the_agents_name(harness: Harness) -> None:
    handoff_id = await handed_off(harness, channel="socketio")
    anna = await harness.agent("anna", "Anna")
    assert await claim(anna, handoff_id) == f"/conversations/{handoff_id}"

    status, body = await post_json(anna, f"/conversations/{handoff_id}/reply", {"text": "Hi! Let me check your parcel."})

    assert status == 201 and body["message"]["author_name"] == "Anna"
    [delivered] = harness.fake.delivered
    assert (delivered.sender_id, delivered.channel, delivered.text) == (
        "shopper-1",
        "socketio",
        "Anna: Hi! Let me check your parcel.",
    )
    assert delivered.metadata == {"from_agent": True, "agent_name": "Anna"}
    [(_, _, query, _)] = harness.fake.posted
    assert (query["output_channel"], query["execute_side_effects"]) == ("latest", "true")
    update = await (await anna.get(f"/conversations/{handoff_id}/updates.json?after=0")).json()
    assert update["messages"][-1]["text"] == "Hi! Let me check your parcel."


async def test_new_shopper_messages_come_through_the_update_feed(harness: Harness) -> None:
    handoff_id = await handed_off(harness)
    anna = await harness.agent("anna", "Anna")
    first = await (await anna.get(f"/conversations/{handoff_id}/updates.json?after=0")).json()
    last_id = first["messages"][-1]["id"]
    harness.fake.shopper_says("shopper-1", "it was due on Friday", channel="socketio")
    await harness.follow()
    update = await (await anna.get(f"/conversations/{handoff_id}/updates.json?after={last_id}")).json()
    assert [(m["role"], m["text"]) for m in update["messages"]] == [("shopper", "it was due on Friday")]


async def test_only_one_of_two_agents_gets_the_conversation(harness: Harness) -> None:
    handoff_id = await handed_off(harness)
    anna, ben = await harness.agent("anna", "Anna"), await harness.agent("ben", "Ben")
    locations = await asyncio.gather(claim(anna, handoff_id), claim(ben, handoff_id))
    assert sorted(locations) == ["/?notice=taken", f"/conversations/{handoff_id}"]

    loser = ben if locations[0] == f"/conversations/{handoff_id}" else anna
    status, _ = await post_json(loser, f"/conversations/{handoff_id}/reply", {"text": "me too"})
    assert status == 409 and harness.fake.delivered == []
    token = await page_csrf(loser, "/")
    response = await loser.post(f"/conversations/{handoff_id}/end", data={"csrf_token": token}, allow_redirects=False)
    assert response.headers["Location"].endswith("notice=not_yours")
    assert (await handoffs.get_handoff(harness.desk.engine, handoff_id))["status"] == "active"


async def test_internal_notes_are_kept_with_the_conversation(harness: Harness) -> None:
    handoff_id = await handed_off(harness)
    anna = await harness.agent("anna", "Anna")
    status, body = await post_json(anna, f"/conversations/{handoff_id}/notes", {"text": "Courier confirmed a delay"})
    assert status == 201
    assert [(n["agent_name"], n["text"]) for n in body["notes"]] == [("Anna", "Courier confirmed a delay")]
    assert harness.fake.delivered == []  # notes never reach the shopper


async def test_ending_hands_the_conversation_back_to_the_bot(harness: Harness) -> None:
    handoff_id = await handed_off(harness)
    anna = await harness.agent("anna", "Anna")
    await claim(anna, handoff_id)
    token = await page_csrf(anna, "/")
    response = await anna.post(f"/conversations/{handoff_id}/end", data={"csrf_token": token}, allow_redirects=False)

    assert response.headers["Location"] == f"/conversations/{handoff_id}?notice=ended"
    assert [(path, query, body) for _, path, query, body in harness.fake.posted] == [
        ("tracker/events", {"token": harness.fake.token}, [{"event": "resume"}, {"event": "action", "name": "action_listen"}]),
        ("trigger_intent", {"output_channel": "latest", "token": harness.fake.token}, {"name": "handoff_ended"}),
    ]
    assert harness.fake.delivered[-1].text == HANDOFF_ENDED_REPLY
    handoff = await handoffs.get_handoff(harness.desk.engine, handoff_id)
    assert (handoff["status"], handoff["ended_by"]) == ("ended", "agent")
    page = await (await anna.get(f"/conversations/{handoff_id}", headers={"Accept": "text/html"})).text()
    assert "This conversation is back with the bot." in page


async def test_when_rasa_is_down_nothing_is_lost_or_half_done(harness: Harness) -> None:
    handoff_id = await handed_off(harness)
    anna = await harness.agent("anna", "Anna")
    await claim(anna, handoff_id)
    harness.fake.down = True

    status, body = await post_json(anna, f"/conversations/{handoff_id}/reply", {"text": "are you there?"})
    assert status == 502 and "Not sent" in body["error"]
    token = await page_csrf(anna, "/")
    response = await anna.post(f"/conversations/{handoff_id}/end", data={"csrf_token": token}, allow_redirects=False)
    assert response.headers["Location"].endswith("notice=rasa_down")

    handoff = await handoffs.get_handoff(harness.desk.engine, handoff_id)
    assert (handoff["status"], handoff["claimed_by"]) == ("active", 1)
    assert [m["text"] for m in await handoffs.messages_after(harness.desk.engine, handoff_id) if m["role"] == "agent"] == []
