"""action_answer_from_kb: answer a shopper's question from the KB index."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.kb_replies import article_reply, replies_for
from kb_index import LiveIndex, load_kb_settings
from kb_index.policy import decide

log = logging.getLogger(__name__)
SETTINGS = load_kb_settings()
LIVE_INDEX = LiveIndex(SETTINGS)


class ActionAnswerFromKB(Action):
    def name(self) -> str:
        return "action_answer_from_kb"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
        lang = "en"
        try:
            index = LIVE_INDEX.get()
        except Exception:
            log.exception("KB index unavailable (conversation %s)", tracker.sender_id)
            dispatcher.utter_message(response="utter_kb_unavailable")
            return [SlotSet("kb_outcome", "unknown")]

        chosen = next(tracker.get_latest_entity_values("article_id"), None)
        picked = article_reply(index, chosen, lang) if chosen else None
        if picked is not None:
            dispatcher.utter_message(**picked.as_kwargs())
            return [SlotSet("kb_outcome", "answer"), SlotSet("article_id", None)]

        question = tracker.latest_message.get("text") or ""
        # Encoding is CPU-bound; keep the event loop free for other conversations.
        hits = await asyncio.get_running_loop().run_in_executor(None, index.search, question, SETTINGS.max_suggestions)
        decision = decide(hits, index.thresholds(SETTINGS.thresholds), SETTINGS.max_suggestions)
        for reply in replies_for(decision, index, lang):
            dispatcher.utter_message(**reply.as_kwargs())
        candidates = [{"article_id": h.article_id, "score": round(h.score, 4)} for h in hits]
        return [SlotSet("kb_outcome", decision.outcome), SlotSet("kb_candidates", candidates), SlotSet("article_id", None)]
