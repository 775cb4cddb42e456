"""action_reply_to_yes_no: a bare "yes" or "no" answers whatever the bot just offered."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.kb_answer import look_up, send_decision
from kb_index.feedback import ASK_HELPFUL_RESPONSE, FEEDBACK_ACTION

# Bot messages that end with "would you like to talk to a person?", and why a person is needed then.
HUMAN_OFFERS = {
    "utter_kb_dont_know": "shopper_asked",
    "utter_kb_unavailable": "shopper_asked",
    "utter_kb_or_human": "shopper_asked",
    "utter_kb_not_helpful_human": "shopper_asked",
    "utter_order_delay_offer_human": "order_delayed",
    "utter_order_verification_locked": "verification_failed",
}


def last_bot_response(tracker: Tracker) -> str | None:
    """Name of the domain response the bot sent last, if any."""
    for event in reversed(tracker.events):
        if event.get("event") == "bot":
            return (event.get("metadata") or {}).get("utter_action")
    return None


def reply_to_yes_no(intent: str | None, last_response: str | None) -> list[EventType] | str | None:
    """Handoff events for a yes to a person, a response name for a no, None if nothing was offered.

    After "Did this answer help?" a typed yes or no is the answer to that question.
    """
    if last_response == ASK_HELPFUL_RESPONSE:
        return [FollowupAction(FEEDBACK_ACTION)]
    if last_response not in HUMAN_OFFERS:
        return None
    if intent == "affirm":
        return [SlotSet("handoff_reason", HUMAN_OFFERS[last_response]), FollowupAction("action_handoff")]
    return "utter_anything_else"


class ActionReplyToYesNo(Action):
    def name(self) -> str:
        return "action_reply_to_yes_no"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
        intent = (tracker.latest_message.get("intent") or {}).get("name")
        response = reply_to_yes_no(intent, last_bot_response(tracker))
        if isinstance(response, list):
            return response
        if response:
            dispatcher.utter_message(response=response)
            return []
        # Nothing was offered, so this is no answer to us; "blik ok?" is a
        # question that merely looks like a yes. Let the KB have a go.
        lang = tracker.get_slot("language") or "en"
        try:
            decision, hits = await look_up(tracker.latest_message.get("text") or "", lang)
        except Exception:
            decision = None
        if decision is None or decision.outcome == "unknown":
            dispatcher.utter_message(response="utter_anything_else")
            return []
        return send_decision(dispatcher, decision, hits, lang, tracker.latest_message.get("text") or "")
