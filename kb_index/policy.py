"""The answer policy: what the bot does with the search results of a question."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from kb_index.index import Hit
from kb_index.settings import Thresholds

Outcome = Literal["answer", "suggest", "unknown"]


@dataclass(frozen=True)
class Decision:
    outcome: Outcome
    hits: tuple[Hit, ...]  # the article to answer with, or the suggestions, best first


def decide(hits: list[Hit], thresholds: Thresholds, max_suggestions: int = 3) -> Decision:
    """Answer when confident, suggest when unsure, admit not knowing otherwise.

    Confident means a high score *and* a clear lead over the runner-up: two
    articles scoring alike mean the question is ambiguous, and a wrong
    confident answer costs more than one extra click.
    """
    scores = [h.score_on(thresholds.judge_on) for h in hits]
    if not hits or scores[0] < thresholds.suggest:
        return Decision("unknown", ())
    runner_up = scores[1] if len(hits) > 1 else 0.0
    if scores[0] >= thresholds.answer and scores[0] - runner_up >= thresholds.margin:
        return Decision("answer", (hits[0],))
    suggestions = tuple(h for h, score in zip(hits[:max_suggestions], scores, strict=False) if score >= thresholds.suggest)
    return Decision("suggest", suggestions)
