"""action_answer_from_kb: answer a shopper's question from the KB index."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.kb_replies import article_reply, replies_for
from kb_index import Hit, LiveIndex, load_kb_settings
from kb_index.policy import Decision, decide

log = logging.getLogger(__name__)
SETTINGS = load_kb_settings()
LIVE_INDEX = LiveIndex(SETTINGS)


async def look_up(text: str) -> tuple[Decision, list[Hit]]:
    """Search the live index and apply the answer policy."""
    index = LIVE_INDEX.get()
    # Encoding is CPU-bound; keep the event loop free for other conversations.
    hits = await asyncio.get_running_loop().run_in_executor(None, index.search, text, SETTINGS.max_suggestions)
    return decide(hits, index.thresholds(SETTINGS.thresholds), SETTINGS.max_suggestions), hits


def send_decision(dispatcher: CollectingDispatcher, decision: Decision, hits: list[Hit], lang: str) -> list[EventType]:
    """Say what the decision means and remember it (for a human agent, later)."""
    for reply in replies_for(decision, LIVE_INDEX.get(), lang):
        dispatcher.utter_message(**reply.as_kwargs())
    candidates = [{"article_id": h.article_id, "score": round(h.score, 4)} for h in hits]
    return [SlotSet("kb_outcome", decision.outcome), SlotSet("kb_candidates", candidates), SlotSet("article_id", None)]


class ActionAnswerFromKB(Action):
    def name(self) -> str:
        return "action_answer_from_kb"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
        lang = "en"
        chosen = next(tracker.get_latest_entity_values("article_id"), None)
        try:
            picked = article_reply(LIVE_INDEX.get(), chosen, lang) if chosen else None
            if picked is not None:
                dispatcher.utter_message(**picked.as_kwargs())
                return [SlotSet("kb_outcome", "answer"), SlotSet("article_id", None)]
            decision, hits = await look_up(tracker.latest_message.get("text") or "")
        except Exception:
            log.exception("KB index unavailable (conversation %s)", tracker.sender_id)
            dispatcher.utter_message(response="utter_kb_unavailable")
            return [SlotSet("kb_outcome", "unknown")]
        return send_decision(dispatcher, decision, hits, lang)
