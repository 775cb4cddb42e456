"""Order status: the form that collects the order number and a verifier, and the lookup.

The conversation it serves:

    shopper: where is my order?            -> form asks for the number
    shopper: 100234                        -> form asks for the e-mail or postcode
    shopper: ana@example.com               -> lookup: status, tracking, expected delivery
    shopper: and when will it arrive?      -> same order, no new check (verified in this conversation)

"No such order" and "wrong e-mail" get the same reply, so numbers cannot be
probed; after ``max_failed_attempts`` the bot stops checking and offers a person.
"""

from __future__ import annotations

import logging
from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.order_replies import order_status_replies
from actions.order_settings import load_order_settings
from orders.backends import BackendError, make_backend
from orders.extraction import extract
from orders.verification import LookupLimiter, verify

log = logging.getLogger(__name__)
SETTINGS = load_order_settings()
BACKEND = make_backend(SETTINGS.lookup)
LIMITER = LookupLimiter(SETTINGS.per_conversation, SETTINGS.per_sender, storage_uri=SETTINGS.storage_uri)
FORM_SLOTS = ("order_number", "order_verifier")


def conversation_id(tracker: Tracker) -> str:
    """The sender plus the start of the current session: a verified order never outlives it."""
    started = next((e.get("timestamp") for e in reversed(tracker.events) if e.get("event") == "session_started"), 0)
    return f"{tracker.sender_id}#{started}"


def verifier_kind(verifier: str) -> str:
    return "email" if "@" in verifier else "postcode"


class ValidateOrderStatusForm(FormValidationAction):
    def name(self) -> str:
        return "validate_order_status_form"

    async def required_slots(
        self, domain_slots: list[str], dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[str]:
        verified = tracker.get_slot("verified_order")
        asked_for = tracker.get_slot("order_number")
        # A follow-up about the order already verified in this conversation needs no new check.
        if verified and asked_for in (None, verified) and not tracker.get_slot("order_verifier"):
            return []
        return domain_slots

    async def extract_order_number(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> dict:
        # A bare number counts as an order number only when that is what the bot asked for.
        number = extract(tracker.latest_message.get("text") or "", tracker.get_slot("requested_slot")).order_number
        return {"order_number": number} if number else {}

    async def extract_order_verifier(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> dict:
        found = extract(
            tracker.latest_message.get("text") or "",
            "postcode" if tracker.get_slot("requested_slot") == "order_verifier" else None,
        )
        verifier = found.email or found.postcode
        return {"order_verifier": verifier} if verifier else {}


class ActionOrderStatus(Action):
    def name(self) -> str:
        return "action_order_status"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
        reset = [SlotSet(slot, None) for slot in FORM_SLOTS]
        verified = tracker.get_slot("verified_order")
        number = tracker.get_slot("order_number") or verified
        verifier = tracker.get_slot("order_verifier")
        failures = int(tracker.get_slot("order_failed_attempts") or 0)
        already_verified = verified is not None and number == verified and verifier is None

        if not already_verified and failures >= SETTINGS.max_failed_attempts:
            dispatcher.utter_message(response="utter_order_verification_locked")
            return reset
        if number is None or (verifier is None and not already_verified):
            dispatcher.utter_message(response="utter_order_need_details")
            return reset
        if not already_verified and not LIMITER.allow(conversation_id(tracker), tracker.sender_id):
            dispatcher.utter_message(response="utter_order_too_many_lookups")
            return reset

        try:
            order = await BACKEND.fetch(number)
        except BackendError as error:
            log.warning("order lookup failed in conversation %s: %s", tracker.sender_id, error)
            dispatcher.utter_message(response="utter_order_backend_error")
            return reset

        if not already_verified:
            matches = verify(order, **{verifier_kind(verifier): verifier})
            if not matches or order is None:
                failures += 1
                if failures >= SETTINGS.max_failed_attempts:
                    dispatcher.utter_message(response="utter_order_verification_handoff")
                    return [
                        *reset,
                        SlotSet("order_failed_attempts", failures),
                        SlotSet("handoff_reason", "verification_failed"),
                        FollowupAction("action_handoff"),
                    ]
                else:
                    dispatcher.utter_message(response="utter_order_not_verified")
                return [*reset, SlotSet("order_failed_attempts", failures)]
        elif order is None:  # verified earlier, gone from the shop since
            dispatcher.utter_message(response="utter_order_backend_error")
            return reset

        for reply in order_status_replies(order, tracker.get_slot("language") or "en"):
            dispatcher.utter_message(**reply.as_kwargs())
        return [*reset, SlotSet("verified_order", order.number), SlotSet("order_status", order.status.value)]
