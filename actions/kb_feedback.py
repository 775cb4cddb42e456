"""action_kb_feedback: the shopper says whether an outright KB answer helped ("Did this answer help?")."""

from __future__ import annotations

import logging
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.feedback_limits import signal_limiter
from actions.kb_answer import LIVE_INDEX
from actions.kb_replies import Reply, not_helpful_replies
from kb_index.feedback import FEEDBACK_ACTION, HELPFUL_INTENT, QUESTION_SLOT, SIGNAL_SLOT, make_signal

log = logging.getLogger(__name__)
# A typed "yes" to the question counts as the Yes button (actions/yes_no.py sends it here).
HELPFUL_INTENTS = frozenset({HELPFUL_INTENT, "affirm"})


def answered_and_next_best(candidates: Any) -> tuple[str | None, list[str]]:
    """The article the bot answered with (the best candidate) and the runners-up, from the kb_candidates slot."""
    ids = [c["article_id"] for c in candidates or [] if isinstance(c, dict) and isinstance(c.get("article_id"), str)]
    return (ids[0], ids[1:]) if ids else (None, [])


class ActionKBFeedback(Action):
    def name(self) -> str:
        return FEEDBACK_ACTION

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
        lang = tracker.get_slot("language") or "en"
        question = tracker.get_slot(QUESTION_SLOT)
        answered, next_best = answered_and_next_best(tracker.get_slot("kb_candidates"))
        if not question or answered is None:  # an old button pressed again: nothing to learn from
            dispatcher.utter_message(response="utter_anything_else")
            return []
        recorded = await signal_limiter().allow(tracker)
        if (tracker.latest_message.get("intent") or {}).get("name") in HELPFUL_INTENTS:
            dispatcher.utter_message(response="utter_kb_feedback_thanks")
            signal = [SlotSet(SIGNAL_SLOT, make_signal("helpful", question, answered, lang))] if recorded else []
            return [*signal, SlotSet(QUESTION_SLOT, None)]
        try:
            replies = not_helpful_replies(LIVE_INDEX.get(), next_best, lang)
        except Exception:  # no index: a person is still one step away
            log.exception("KB index unavailable for the next best articles (conversation %s)", tracker.sender_id)
            replies = [Reply("utter_kb_not_helpful_human")]
        for reply in replies:
            dispatcher.utter_message(**reply.as_kwargs())
        # The question stays set: a runner-up the shopper now picks is recorded as the right article.
        return [SlotSet(SIGNAL_SLOT, make_signal("not_helpful", question, answered, lang))] if recorded else []

