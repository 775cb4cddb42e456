"""Replaying logged shopper questions against a candidate index before it goes live.

The questions come from Rasa's SQL tracker store (kb_index/traffic.py): every
user message that the bot answered with ``action_answer_from_kb``. Each
distinct question is searched in the live and the candidate version, each
with its own thresholds, and the differences are listed for the editor.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

from kb_index.index import KBIndex
from kb_index.policy import Decision, decide
from kb_index.settings import Thresholds
from kb_index.traffic import kb_turns


class Asked(NamedTuple):
    text: str
    lang: str | None  # the conversation's `language` slot when it was asked


def kb_questions(location: str | Path | None) -> Counter[Asked]:
    """Distinct questions (with their language) the KB action answered, with how often each was asked."""
    return Counter(Asked(turn.text, turn.lang) for turn in kb_turns(location))


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
