"""What the bot says for a KB decision, as plain data (testable without Rasa)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from kb_index.feedback import ASK_HELPFUL_RESPONSE
from kb_index.index import KBIndex
from kb_index.policy import Decision


def choose_article_payload(article_id: str) -> str:
    return "/choose_article" + json.dumps({"article_id": article_id})


@dataclass(frozen=True)
class Reply:
    """A domain response plus the values and buttons it is sent with."""

    response: str
    values: dict[str, str] = field(default_factory=dict)
    buttons: list[dict[str, str]] = field(default_factory=list)

    def as_kwargs(self) -> dict[str, Any]:
        kwargs: dict[str, Any] = {"response": self.response, **self.values}
        if self.buttons:
            kwargs["buttons"] = self.buttons
        return kwargs


def article_reply(index: KBIndex, article_id: str, lang: str) -> Reply | None:
    article = index.article(article_id, lang)
    if article is None:
        return None
    return Reply("utter_kb_answer", {"answer": article["answer"], "url": article["url"]})


def article_buttons(index: KBIndex, article_ids: list[str], lang: str) -> list[dict[str, str]]:
    """One button per article the index still has, titled in the shopper's language."""
    buttons = []
    for article_id in article_ids:
        article = index.article(article_id, lang)
        if article is not None:
            buttons.append({"title": article["title"], "payload": choose_article_payload(article_id)})
    return buttons


def replies_for(decision: Decision, index: KBIndex, lang: str) -> list[Reply]:
    """Answer and ask whether it helped; or suggestions as buttons followed by the way to a person; or the don't-know offer."""
    if decision.outcome == "answer":
        reply = article_reply(index, decision.hits[0].article_id, lang)
        if reply is not None:
            return [reply, Reply(ASK_HELPFUL_RESPONSE)]
    if decision.outcome == "suggest":
        buttons = article_buttons(index, [hit.article_id for hit in decision.hits], lang)
        if buttons:
            return [Reply("utter_kb_suggest", buttons=buttons), Reply("utter_kb_or_human")]
    return [Reply("utter_kb_dont_know")]


def not_helpful_replies(index: KBIndex, next_best: list[str], lang: str) -> list[Reply]:
    """After "no, that did not help": the next best articles and a person, or a person alone."""
    buttons = article_buttons(index, next_best, lang)
    if buttons:
        return [Reply("utter_kb_not_helpful_suggest", buttons=buttons), Reply("utter_kb_or_human")]
    return [Reply("utter_kb_not_helpful_human")]
