"""action_answer_from_kb: answer a shopper's question from the KB index."""

from __future__ import annotations

import logging
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.feedback_limits import signal_limiter
from actions.kb_replies import article_reply, replies_for
from kb_index import Hit, LiveIndex, load_kb_settings
from kb_index.batching import SearchBatcher
from kb_index.feedback import QUESTION_SLOT, SIGNAL_SLOT, make_signal
from kb_index.policy import Decision, decide
from orders.extraction import extract

log = logging.getLogger(__name__)
SETTINGS = load_kb_settings()
LIVE_INDEX = LiveIndex(SETTINGS, background=True)  # loads new versions off the event loop
SEARCH = SearchBatcher(SETTINGS.search_workers, SETTINGS.search_batch)  # off the event loop, concurrent questions batched


async def look_up(text: str, lang: str) -> tuple[Decision, list[Hit]]:
    """Search the live index and apply the answer policy with the thresholds of the shopper's language."""
    index = LIVE_INDEX.get()
    hits = await SEARCH.search(index, text, SETTINGS.max_suggestions) if text.strip() and index.entries else []
    return decide(hits, index.thresholds(SETTINGS.thresholds, lang), SETTINGS.max_suggestions), hits


def is_unsure_order_question(tracker: Tracker, text: str) -> bool:
    """NLU was unsure, but the message names an order: that is an order check, not a KB question."""
    intent = (tracker.latest_message.get("intent") or {}).get("name")
    return intent == "nlu_fallback" and tracker.active_loop_name is None and extract(text).order_number is not None


def misunderstood_twice(tracker: Tracker, decision: Decision) -> bool:
    """True when this question is the second in a row the bot cannot answer."""
    if decision.outcome != "unknown":
        return False
    for event in reversed(tracker.events[:-1]):  # skip the message being answered
        if event.get("event") == "bot":
            return (event.get("metadata") or {}).get("utter_action") == "utter_kb_dont_know"
    return False


def candidate_scores(hits: list[Hit]) -> list[dict[str, Any]]:
    """The articles the bot considered, for the agent who takes over."""
    return [{"article_id": h.article_id, "score": round(h.score, 4)} for h in hits]


def send_decision(
    dispatcher: CollectingDispatcher, decision: Decision, hits: list[Hit], lang: str, question: str
) -> list[EventType]:
    """Say what the decision means and remember it (context for a human agent, and what feedback will refer to)."""
    for reply in replies_for(decision, LIVE_INDEX.get(), lang):
        dispatcher.utter_message(**reply.as_kwargs())
    return [
        SlotSet("kb_outcome", decision.outcome), SlotSet("kb_candidates", candidate_scores(hits)), SlotSet("article_id", None),
        SlotSet(QUESTION_SLOT, question if decision.outcome != "unknown" else None),
    ]


async def picked_signal(tracker: Tracker, article_id: str, lang: str) -> list[EventType]:
    """A suggestion the shopper picked is the right article for the question it was offered for."""
    question = tracker.get_slot(QUESTION_SLOT)
    offered = {c.get("article_id") for c in tracker.get_slot("kb_candidates") or [] if isinstance(c, dict)}
    if not question or article_id not in offered:
        return []
    recorded = await signal_limiter().allow(tracker)
    signal = [SlotSet(SIGNAL_SLOT, make_signal("picked", question, article_id, lang))] if recorded else []
    return [*signal, SlotSet(QUESTION_SLOT, None)]


class ActionAnswerFromKB(Action):
    def name(self) -> str:
        return "action_answer_from_kb"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
        lang = tracker.get_slot("language") or "en"
        text = tracker.latest_message.get("text") or ""
        if is_unsure_order_question(tracker, text):
            return [FollowupAction("order_status_form")]
        chosen = next(tracker.get_latest_entity_values("article_id"), None)
        try:
            picked = article_reply(LIVE_INDEX.get(), chosen, lang) if chosen else None
            if picked is not None:
                dispatcher.utter_message(**picked.as_kwargs())
                return [SlotSet("kb_outcome", "answer"), SlotSet("article_id", None), *await picked_signal(tracker, chosen, lang)]
            decision, hits = await look_up(text, lang)
        except Exception:
            log.exception("KB index unavailable (conversation %s)", tracker.sender_id)
            dispatcher.utter_message(response="utter_kb_unavailable")
            return [SlotSet("kb_outcome", "unknown")]
        if misunderstood_twice(tracker, decision):
            dispatcher.utter_message(response="utter_handoff_after_misunderstanding")
            return [
                SlotSet("kb_outcome", "unknown"),
                SlotSet("kb_candidates", candidate_scores(hits)),
                SlotSet("handoff_reason", "not_understood"),
                FollowupAction("action_handoff"),
            ]
        return send_decision(dispatcher, decision, hits, lang, text)
