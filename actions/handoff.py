"""Handing the conversation to a person: connect now, or take a ticket when nobody is there.

    shopper: I want to talk to a person
    bot:     (team open)   You're number 2 in the queue, about 6 minutes.   -> conversation paused
             (team closed) Our team is back Monday 8:00 CET. Your e-mail?   -> offline ticket
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import ConversationPaused, EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.desk_client import DeskClient
from business_hours import load_support_hours
from orders.extraction import extract

DESK = DeskClient.from_settings()
HOURS = load_support_hours()
SAY_MINUTES_FROM = 2  # shorter waits are not given in minutes ("about 1 minutes")
REASONS = frozenset({"shopper_asked", "not_understood", "verification_failed", "order_delayed"})


def handoff_reason(tracker: Tracker) -> str:
    """Why a person is needed: from the button payload, or set by the action that decided it."""
    given = next(tracker.get_latest_entity_values("handoff_reason"), None) or tracker.get_slot("handoff_reason")
    return given if given in REASONS else "shopper_asked"


def latest_channel(tracker: Tracker) -> str:
    return tracker.get_latest_input_channel() or "unknown"


class ActionHandoff(Action):
    def name(self) -> str:
        return "action_handoff"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
        reason = SlotSet("handoff_reason", handoff_reason(tracker))
        team = await DESK.availability()
        if team and team.get("open") and team.get("agents_online", 0) > 0:
            wait = team.get("expected_wait_minutes")
            position = str(int(team.get("queue_length", 0)) + 1)
            if isinstance(wait, int | float) and wait >= SAY_MINUTES_FROM:
                dispatcher.utter_message(response="utter_handoff_connecting", position=position, minutes=str(round(wait)))
            else:  # a wait under two minutes (or unknown) is "in a moment", never "about 0 minutes"
                dispatcher.utter_message(response="utter_handoff_connecting_now", position=position)
            return [reason, ConversationPaused()]
        language = tracker.get_slot("language") or "en"
        opening = self._next_person_text(language, (team or {}).get("next_opening"))
        dispatcher.utter_message(response="utter_handoff_offline", opening=opening)
        return [reason, FollowupAction("offline_ticket_form")]

    @staticmethod
    def _next_person_text(language: str, desk_says: str | None) -> str:
        """When a person will answer: the desk's next opening, else our calendar's; if we are open
        but nobody is signed in, the same promise an offline ticket gets."""
        now = datetime.now(timezone.utc)
        if desk_says:
            when = datetime.fromisoformat(desk_says)
        else:
            when = HOURS.reply_by(now) if HOURS.is_open(now) else HOURS.next_opening(now)
        return HOURS.describe(when, language) if when else "—"


class ValidateOfflineTicketForm(FormValidationAction):
    def name(self) -> str:
        return "validate_offline_ticket_form"

    async def extract_ticket_email(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> dict:
        if tracker.get_slot("requested_slot") != "ticket_email":
            return {}
        email = extract(tracker.latest_message.get("text") or "").email
        if email is None:
            dispatcher.utter_message(response="utter_ticket_email_invalid")
        return {"ticket_email": email} if email else {}


class ActionCreateTicket(Action):
    def name(self) -> str:
        return "action_create_ticket"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
        ticket = await DESK.create_ticket(
            {
                "sender_id": tracker.sender_id,
                "email": tracker.get_slot("ticket_email"),
                "reason": handoff_reason(tracker),
                "channel": latest_channel(tracker),
                "language": tracker.get_slot("language") or "en",
            }
        )
        if ticket is None:
            dispatcher.utter_message(response="utter_ticket_failed")
        else:
            reply_by = datetime.fromisoformat(ticket["promised_reply_by"])
            language = tracker.get_slot("language") or "en"
            dispatcher.utter_message(
                response="utter_ticket_created", ticket_id=str(ticket["ticket_id"]), reply_by=HOURS.describe(reply_by, language)
            )
        return [SlotSet("ticket_email", None)]
