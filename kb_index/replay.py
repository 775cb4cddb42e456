"""Replaying logged shopper questions against a candidate index before it goes live.

The questions come from Rasa's SQL tracker store (table ``events``): every
user message that the bot answered with ``action_answer_from_kb``. Each
distinct question is searched in the live and the candidate version, each
with its own thresholds, and the differences are listed for the editor.
"""

from __future__ import annotations

import json
import os
import sqlite3
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

from kb_index.index import KBIndex
from kb_index.policy import Decision, decide
from kb_index.settings import REPO_ROOT, Thresholds

KB_ACTION = "action_answer_from_kb"
DEFAULT_TRACKER_DB = "var/tracker.db"  # endpoints.yml's TRACKER_DB as `make run` sets it


def tracker_db_path() -> Path:
    """TRACKER_DB (as endpoints.yml reads it), else the `make run` default."""
    return (REPO_ROOT / os.environ.get("TRACKER_DB", DEFAULT_TRACKER_DB)).resolve()


class Asked(NamedTuple):
    text: str
    lang: str | None  # the conversation's `language` slot when it was asked


def kb_questions(db: Path) -> Counter[Asked]:
    """Distinct user texts (with their language) that the KB action answered, with how often each was asked."""
    if not db.exists():
        raise FileNotFoundError(f"no tracker store at {db} (set TRACKER_DB)")
    connection = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        rows = connection.execute("SELECT sender_id, type_name, data FROM events ORDER BY sender_id, id").fetchall()
    finally:
        connection.close()
    asked: Counter[Asked] = Counter()
    pending: dict[str, str] = {}  # sender -> their latest question, until we see what the bot did with it
    language: dict[str, str] = {}
    for sender, type_name, data in rows:
        event = json.loads(data or "{}")
        if type_name == "user":
            text = (event.get("text") or "").strip()
            pending[sender] = "" if text.startswith("/") else text  # button payloads are not questions
        elif type_name == "slot" and event.get("name") == "language" and event.get("value"):
            language[sender] = event["value"]
        elif type_name == "action" and event.get("name") == KB_ACTION and pending.get(sender):
            asked[Asked(pending.pop(sender), language.get(sender))] += 1
    return asked


@dataclass(frozen=True)
class Outcome:
    decision: str  # answer, suggest or unknown
    article_id: str | None  # the answered article, or the first suggestion

    @classmethod
    def of(cls, decision: Decision) -> Outcome:
        return cls(decision.outcome, decision.hits[0].article_id if decision.hits else None)

    def __str__(self) -> str:
        return f"{self.decision} {self.article_id}" if self.article_id else self.decision


@dataclass(frozen=True)
class Difference:
    text: str
    times_asked: int
    live: Outcome
    candidate: Outcome

    @property
    def dropped(self) -> bool:
        """Answered today, no longer answered outright by the candidate."""
        return self.live.decision == "answer" and self.candidate.decision != "answer"


def replay(
    questions: Counter[Asked], live: KBIndex, candidate: KBIndex, default: Thresholds, max_suggestions: int = 3
) -> list[Difference]:
    """The questions whose outcome differs between ``live`` and ``candidate``, most asked first."""
    asked = [question for question, _ in questions.most_common()]
    if not asked:
        return []
    outcomes = {}
    for name, index in (("live", live), ("candidate", candidate)):
        results = index.search_many([q.text for q in asked], max_suggestions)
        outcomes[name] = [
            Outcome.of(decide(hits, index.thresholds(default, question.lang), max_suggestions))
            for question, hits in zip(asked, results, strict=True)
        ]
    return [
        Difference(question.text, questions[question], before, after)
        for question, before, after in zip(asked, outcomes["live"], outcomes["candidate"], strict=True)
        if before != after
    ]
