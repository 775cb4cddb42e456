"""What the bot says for a KB decision, as plain data (testable without Rasa)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

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


def replies_for(decision: Decision, index: KBIndex, lang: str) -> list[Reply]:
    """Answer; or suggestions as buttons followed by the way to a person; or the don't-know offer."""
    if decision.outcome == "answer":
        reply = article_reply(index, decision.hits[0].article_id, lang)
        if reply is not None:
            return [reply]
    if decision.outcome == "suggest":
        buttons = []
        for hit in decision.hits:
            article = index.article(hit.article_id, lang)
            if article is not None:
                buttons.append({"title": article["title"], "payload": choose_article_payload(hit.article_id)})
        if buttons:
            return [Reply("utter_kb_suggest", buttons=buttons), Reply("utter_kb_or_human")]
    return [Reply("utter_kb_dont_know")]
