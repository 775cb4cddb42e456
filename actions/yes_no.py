"""action_reply_to_yes_no: a bare "yes" or "no" answers whatever the bot just offered."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from actions.kb_answer import look_up, send_decision

# Bot messages that end with "would you like to talk to a person?".
HUMAN_OFFERS = frozenset({"utter_kb_dont_know", "utter_kb_unavailable", "utter_kb_or_human"})


def last_bot_response(tracker: Tracker) -> str | None:
    """Name of the domain response the bot sent last, if any."""
    for event in reversed(tracker.events):
        if event.get("event") == "bot":
            return (event.get("metadata") or {}).get("utter_action")
    return None


def reply_to_yes_no(intent: str | None, last_response: str | None) -> str | None:
    """The response answering ``intent`` (affirm/deny) to the bot's last offer; None if nothing was offered."""
    if last_response not in HUMAN_OFFERS:
        return None
    return "utter_human_contact" if intent == "affirm" else "utter_anything_else"


class ActionReplyToYesNo(Action):
    def name(self) -> str:
        return "action_reply_to_yes_no"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
        intent = (tracker.latest_message.get("intent") or {}).get("name")
        response = reply_to_yes_no(intent, last_bot_response(tracker))
        if response:
            dispatcher.utter_message(response=response)
            return []
        # Nothing was offered, so this is no answer to us; "blik ok?" is a
        # question that merely looks like a yes. Let the KB have a go.
        try:
            decision, hits = await look_up(tracker.latest_message.get("text") or "")
        except Exception:
            decision = None
        if decision is None or decision.outcome == "unknown":
            dispatcher.utter_message(response="utter_anything_else")
            return []
        return send_decision(dispatcher, decision, hits, "en")
