"""Handoff triggers and the paths that need no desk: the offline ticket, the calendar, the rating.

No desk runs here (tests/support/stack.py points DESK_URL at a closed port), so
every handoff takes the offline path; tests/desk/ covers the live desk.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta

import httpx

from business_hours import load_support_hours
from orders.demo_shop import DEMO_ORDERS
from orders.model import OrderStatus
from tests.support.stack import Stack

OFFLINE = "Our team isn't available right now"
HOURS = load_support_hours()


def coming(weekday: int) -> date:
    """The day a shopper means by "on saturday": the next one, a week ahead when it is today."""
    today = datetime.now(HOURS.timezone).date()
    return today + timedelta(days=(weekday - today.weekday()) % 7 or 7)


def sender() -> str:
    return f"handoff-{uuid.uuid4().hex[:12]}"


def text_of(messages: list[dict]) -> str:
    return "\n".join(m.get("text", "") for m in messages)


def test_two_misunderstandings_in_a_row_hand_over_with_that_reason(stack: Stack):
    me = sender()
    assert "Sorry, I don't know" in text_of(stack.send(me, "what's the best way to learn the violin?"))
    reply = text_of(stack.send(me, "which planet has the most moons?"))
    assert "I still can't answer that" in reply and OFFLINE in reply
    assert stack.tracker(me)["slots"]["handoff_reason"] == "not_understood"


def test_offline_handoff_asks_for_an_email_and_insists_on_a_valid_one(stack: Stack):
    me = sender()
    reply = text_of(stack.send(me, "/request_human"))
    assert OFFLINE in reply and "e-mail" in reply
    assert "doesn't look like an e-mail address" in text_of(stack.send(me, "my email is anna at example"))
    # The desk is unreachable, so the ticket cannot be stored: the shopper gets the mailbox instead.
    assert "support@bramble-birch.example" in text_of(stack.send(me, "anna@example.com"))


def test_accepting_the_delay_offer_hands_off_for_the_delay(stack: Stack):
    order = next(o for o in DEMO_ORDERS if o.status == OrderStatus.DELAYED)
    me = sender()
    assert "look into it" in text_of(stack.send(me, f"where is order {order.number}, email {order.email}"))
    assert OFFLINE in text_of(stack.send(me, "yes please"))
    assert stack.tracker(me)["slots"]["handoff_reason"] == "order_delayed"


def test_opening_on_a_date_comes_from_the_calendar(stack: Stack):
    assert "Christmas Eve" in text_of(stack.send(sender(), "are you open on 24 December?"))
    # The coming weekend may hold a public holiday: then the reply names it instead.
    saturday, sunday = HOURS.day(coming(5)), HOURS.day(coming(6))
    reply = text_of(stack.send(sender(), "is support available on saturday?"))
    assert f"Saturday {saturday.day.day} " in reply and (saturday.holiday or "09:00–15:00") in reply
    reply = text_of(stack.send(sender(), "are you open on sunday?"))
    assert f"Sunday {sunday.day.day} " in reply and (sunday.holiday or "not in") in reply


def test_a_holiday_asked_by_name_is_answered_in_the_shoppers_language(stack: Stack):
    assert "(Easter Monday)" in text_of(stack.send(sender(), "are you open on Easter Monday?"))
    reply = text_of(stack.send(sender(), "czy pracujecie w Boże Narodzenie?"))
    assert "25 grudnia, Boże Narodzenie (pierwszy dzień)" in reply and "nieczynni" in reply


def test_after_a_handoff_ends_the_bot_asks_for_a_rating(stack: Stack):
    me = sender()
    stack.send(me, "hello")
    response = httpx.post(
        f"{stack.rasa_url}/conversations/{me}/trigger_intent",
        params={"token": stack.token, "output_channel": "latest"},
        json={"name": "handoff_ended"},
        timeout=30,
    )
    response.raise_for_status()
    messages = response.json()["messages"]
    assert "I'm the assistant again" in text_of(messages)
    stars = messages[-1]["buttons"]
    assert [b["title"] for b in stars] == ["★" * n for n in range(1, 6)]
    assert "Anything you'd like to add" in text_of(stack.send(me, stars[3]["payload"]))
    assert "Thanks for your feedback" in text_of(stack.send(me, "quick and friendly"))
    slots = stack.tracker(me)["slots"]
    assert slots["csat_rating"] is None  # stored and cleared
