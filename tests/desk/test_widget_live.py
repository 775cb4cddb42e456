"""The desk's side of the shopper's live chat: typing both ways, long-polled updates, and the
shoppers still waiting when support hours end (told and offered a ticket)."""

from __future__ import annotations

import asyncio

from desk import handoffs
from desk.closing import offer_tickets_after_hours
from desk.live import Changes
from desk.transcript_mail import shopper_email
from tests.desk.conftest import Harness
from tests.desk.test_agent_desk import claim, handed_off, post_json


async def test_shopper_typing_reaches_the_agents_updates_and_fades(harness: Harness) -> None:
    handoff_id = await handed_off(harness)
    anna = await harness.agent("anna", "Anna")
    bot = await harness.client()
    typing = {"sender_id": "shopper-1", "typing": True}
    assert (await bot.post("/api/bot/typing", json=typing)).status == 401  # only the bot may say so
    assert (await bot.post("/api/bot/typing", json=typing, headers=harness.bot_headers())).status == 200
    updates = await (await anna.get(f"/conversations/{handoff_id}/updates.json")).json()
    assert updates["shopper_typing"] is True
    harness.clock.advance(seconds=7)  # no repeat: the shopper stopped
    updates = await (await anna.get(f"/conversations/{handoff_id}/updates.json")).json()
    assert updates["shopper_typing"] is False


async def test_a_waiting_update_request_answers_as_soon_as_the_shopper_types(harness: Harness) -> None:
    handoff_id = await handed_off(harness)
    anna = await harness.agent("anna", "Anna")
    bot = await harness.client()
    query = {"after": "999999", "wait": "10", "status": "waiting", "typing": "false"}
    waiting = asyncio.create_task(anna.get(f"/conversations/{handoff_id}/updates.json", params=query))
    await asyncio.sleep(0.3)
    assert not waiting.done()  # nothing new: the request waits
    await bot.post("/api/bot/typing", json={"sender_id": "shopper-1", "typing": True}, headers=harness.bot_headers())
    response = await asyncio.wait_for(waiting, 2)
    assert (await response.json())["shopper_typing"] is True


async def test_agent_typing_is_sent_to_the_shoppers_channel_only_by_the_conversations_agent(harness: Harness) -> None:
    handoff_id = await handed_off(harness)
    anna = await harness.agent("anna", "Anna")
    ben = await harness.agent("ben", "Ben")
    await claim(anna, handoff_id)
    status, _ = await post_json(ben, f"/conversations/{handoff_id}/typing", {"typing": True})
    assert status == 409
    status, _ = await post_json(anna, f"/conversations/{handoff_id}/typing", {"typing": True})
    # The fake Rasa has no socket.io channel route: the desk says it could not show it, and nothing breaks.
    assert status == 202


async def test_a_shopper_still_waiting_when_support_hours_end_is_offered_a_ticket(harness: Harness) -> None:
    waiting_id = await handed_off(harness, "shopper-1")
    taken_id = await handed_off(harness, "shopper-2")
    anna = await harness.agent("anna", "Anna")
    await claim(anna, taken_id)
    desk = harness.desk
    assert await offer_tickets_after_hours(desk.engine, desk.rasa, desk.hours, harness.clock()) == 0  # still open

    harness.clock.advance(hours=11)  # Monday 20:00 in Warsaw: closed
    assert await offer_tickets_after_hours(desk.engine, desk.rasa, desk.hours, harness.clock()) == 1

    waiting, taken = await handoffs.get_handoff(desk.engine, waiting_id), await handoffs.get_handoff(desk.engine, taken_id)
    assert (waiting["status"], waiting["ended_by"]) == ("ended", "hours")
    assert taken["status"] == "active"  # an agent has it: it carries on
    calls = [(sender, path, body) for sender, path, _, body in harness.fake.posted if sender == "shopper-1"]
    assert calls == [
        ("shopper-1", "tracker/events", [{"event": "resume"}, {"event": "action", "name": "action_listen"}]),
        ("shopper-1", "trigger_intent", {"name": "request_human"}),
    ]
    assert not harness.fake.is_paused("shopper-1")


def test_the_transcript_goes_only_to_an_address_the_conversation_proved_or_left_for_a_ticket() -> None:
    def slot(name: str, value: object) -> dict:
        return {"event": "slot", "name": name, "value": value}

    wrong_then_postcode = [slot("order_verifier", "someone@else.example"), slot("order_verifier", None),
                           slot("order_verifier", "00-950"), slot("verified_order", "100234")]
    assert shopper_email({"events": wrong_then_postcode}) is None
    proven = [slot("order_verifier", "magda@example.com"), slot("order_verifier", None), slot("verified_order", "100205")]
    assert shopper_email({"events": proven}) == "magda@example.com"
    assert shopper_email({"events": [slot("order_verifier", "not@checked.example")]}) is None
    assert shopper_email({"events": [*proven, slot("ticket_email", "later@example.com")]}) == "later@example.com"


async def test_a_change_while_a_request_is_still_looking_is_not_slept_through() -> None:
    changes = Changes()
    seen = changes.version
    changes.bump()  # lands after the request noted the version, before it waits
    await asyncio.wait_for(changes.wait_after(seen, 10), 1)
