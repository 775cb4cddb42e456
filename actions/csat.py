"""After a person has helped: ask for a rating (1-5) and an optional comment, and give it to the desk."""

from __future__ import annotations

import re
from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.handoff import DESK

NO_COMMENT = "-"
RATING_IN_TEXT = re.compile(r"(?<!\d)([1-5])(?!\d)")


def rating_from(text: str, entity: Any) -> int | None:
    """A 1-5 rating from the star buttons' payload, a digit typed, or a row of stars."""
    for candidate in (entity, *RATING_IN_TEXT.findall(text)):
        try:
            value = int(str(candidate))
        except (TypeError, ValueError):
            continue
        if 1 <= value <= 5:
            return value
    stars = text.count("★") or text.count("⭐")
    return stars if 1 <= stars <= 5 else None


class ValidateCsatForm(FormValidationAction):
    def name(self) -> str:
        return "validate_csat_form"

    async def extract_csat_rating(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> dict:
        if tracker.get_slot("requested_slot") != "csat_rating":
            return {}
        rating = rating_from(tracker.latest_message.get("text") or "", next(tracker.get_latest_entity_values("rating"), None))
        return {"csat_rating": float(rating)} if rating else {}

    async def extract_csat_comment(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> dict:
        if tracker.get_slot("requested_slot") != "csat_comment":
            return {}
        intent = (tracker.latest_message.get("intent") or {}).get("name")
        text = (tracker.latest_message.get("text") or "").strip()
        return {"csat_comment": NO_COMMENT if intent == "deny" or text.startswith("/") else text}


class ActionStoreCsat(Action):
    def name(self) -> str:
        return "action_store_csat"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
        comment = tracker.get_slot("csat_comment")
        await DESK.store_rating(
            {
                "sender_id": tracker.sender_id,
                "rating": int(tracker.get_slot("csat_rating")),
                "comment": None if comment in (None, NO_COMMENT) else comment,
            }
        )
        dispatcher.utter_message(response="utter_csat_thanks")
        return [SlotSet("csat_rating", None), SlotSet("csat_comment", None)]
