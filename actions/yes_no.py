"""action_reply_to_yes_no: a bare "yes" or "no" answers whatever the bot just offered."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

# Bot messages that end with "would you like to talk to a person?".
HUMAN_OFFERS = frozenset({"utter_kb_dont_know", "utter_kb_unavailable", "utter_kb_or_human"})


def last_bot_response(tracker: Tracker) -> str | None:
    """Name of the domain response the bot sent last, if any."""
    for event in reversed(tracker.events):
        if event.get("event") == "bot":
            return (event.get("metadata") or {}).get("utter_action")
    return None


def reply_to_yes_no(intent: str | None, last_response: str | None) -> str:
    """The response that answers ``intent`` (affirm/deny) given the bot's last offer."""
    if last_response in HUMAN_OFFERS and intent == "affirm":
        return "utter_human_contact"
    return "utter_anything_else"


class ActionReplyToYesNo(Action):
    def name(self) -> str:
        return "action_reply_to_yes_no"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
        intent = (tracker.latest_message.get("intent") or {}).get("name")
        dispatcher.utter_message(response=reply_to_yes_no(intent, last_bot_response(tracker)))
        return []
