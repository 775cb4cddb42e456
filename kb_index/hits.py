"""What the index holds and returns: indexed texts and the articles found for a query."""

from __future__ import annotations

from dataclasses import dataclass

from kb_index.settings import JudgeOn


@dataclass(frozen=True)
class Entry:
    article_id: str
    lang: str
    kind: str  # "question" or "passage"
    text: str
    article_hash: str


@dataclass(frozen=True)
class Hit:
    """An article found for a query: its hybrid score, the dense part of it, its best entry, its confidence.

    Hits are ranked by confidence when the version has a judge, else by the hybrid score.
    """

    article_id: str
    score: float
    matched: str
    dense: float  # the top-entries mean alone; the answer policy may judge on it (Thresholds.judge_on)
    # The learned probability that answering with this article is right (kb_index/judge.py); None without a judge.
    confidence: float | None = None
    # The language of the article's entries that matched (an article is scored per language, kb_index/index.py).
    lang: str | None = None

    def score_on(self, judge_on: JudgeOn) -> float:
        """The score the answer policy's bounds apply to."""
        if judge_on == "confidence":
            return self.score if self.confidence is None else self.confidence
        return self.dense if judge_on == "dense" else self.score
