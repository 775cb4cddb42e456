"""The KB learns from shoppers: their signals (kb_index/feedback.py) become candidates an editor approves.

A "yes, it helped" and a picked suggestion propose the question for that article; a "no"
proposes the question for the editor to place (the article that did not help is named);
an agent's reply with an article's link proposes the shopper's question for that
article. Approving adds the question to the article's source file (kb_index.feedback.KBSources,
the CLI's own validation); the next publish includes it. Rejecting deletes the candidate.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from desk.db import kb_candidates, kb_signals
from kb_index.articles import Article
from kb_index.feedback import read_signal

MAX_QUESTION_CHARS = 500  # a longer "question" is a pasted text, not something to teach the KB
CANDIDATE_KINDS = {
    "helpful": "answered, and the shopper said it helped",
    "picked": "the shopper picked this suggestion",
    "not_helpful": "answered, and the shopper said it did not help",
    "agent_link": "an agent answered with this article's link",
}
# What shoppers confirmed: the labelled live traffic calibration may use (kb_index/feedback.py).
CONFIRMING_KINDS = ("helpful", "picked")


async def record_signal(connection: AsyncConnection, sender_id: str, value: Any, now: datetime) -> bool:
    """Store a ``kb_signal`` slot value and propose its question; False for a malformed one (ignored)."""
    signal = read_signal(value)
    if signal is None or len(signal["question"]) > MAX_QUESTION_CHARS:
        return False
    await connection.execute(insert(kb_signals).values(sender_id=sender_id, created_at=now, **signal))
    await propose(connection, signal["kind"], signal["question"], signal["lang"], signal["article_id"], now)
    return True


async def propose(connection: AsyncConnection, kind: str, question: str, lang: str, article_id: str, now: datetime) -> None:
    """One candidate per question, language and article: asked again, it is counted, not repeated."""
    question = " ".join(question.split())
    match = (kb_candidates.c.lang == lang) & (kb_candidates.c.article_id == article_id) & (kb_candidates.c.question == question)
    result = await connection.execute(
        update(kb_candidates).where(match).values(times=kb_candidates.c.times + 1, updated_at=now, kind=kind)
    )
    if result.rowcount == 0:
        await connection.execute(
            insert(kb_candidates).values(
                kind=kind, question=question, lang=lang, article_id=article_id, times=1, created_at=now, updated_at=now
            )
        )


async def pending_candidates(engine: AsyncEngine, articles: Iterable[Article]) -> list[dict[str, Any]]:
    """Candidates newest first; one whose question the article already has is left out (nothing to approve)."""
    known = {(a.id, a.lang): {q.casefold() for q in a.questions} for a in articles}
    async with engine.connect() as connection:
        newest_first = select(kb_candidates).order_by(kb_candidates.c.updated_at.desc(), kb_candidates.c.id.desc())
        rows = (await connection.execute(newest_first)).mappings()
        result = []
        for row in rows:
            if row["kind"] != "not_helpful" and row["question"].casefold() in known.get((row["article_id"], row["lang"]), ()):
                continue
            result.append(dict(row) | {"why": CANDIDATE_KINDS.get(row["kind"], row["kind"])})
    return result


async def get_candidate(engine: AsyncEngine, candidate_id: int) -> dict[str, Any] | None:
    async with engine.connect() as connection:
        row = (await connection.execute(select(kb_candidates).where(kb_candidates.c.id == candidate_id))).mappings().first()
    return dict(row) if row else None


async def remove_candidate(engine: AsyncEngine, candidate_id: int) -> None:
    async with engine.begin() as connection:
        await connection.execute(delete(kb_candidates).where(kb_candidates.c.id == candidate_id))


async def confirmed_labels(engine: AsyncEngine) -> list[tuple[str, str, str]]:
    """(question, article id, language) that shoppers confirmed, each once: calibration's labelled live traffic."""
    query = (
        select(kb_signals.c.question, kb_signals.c.article_id, kb_signals.c.lang)
        .where(kb_signals.c.kind.in_(CONFIRMING_KINDS))
        .group_by(kb_signals.c.question, kb_signals.c.article_id, kb_signals.c.lang)
        .order_by(func.min(kb_signals.c.id))
    )
    async with engine.connect() as connection:
        return [tuple(row) for row in await connection.execute(query)]
