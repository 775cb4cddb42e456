"""The KB learns from shoppers: their signals (kb_index/feedback.py) become candidates an editor approves.

A "yes, it helped" and a picked suggestion propose the question for that article; a "no"
proposes the question for the editor to place (the article that did not help is named);
an agent's reply with an article's link proposes the shopper's question for that
article. Approving adds the question to the article's source file (kb_index.feedback.KBSources,
the CLI's own validation); the next publish includes it. Rejecting deletes the candidate.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from collections.abc import Iterable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from desk.db import kb_candidates, kb_dismissed_clusters, kb_signals
from kb_index.articles import Article
from kb_index.feedback import read_signal
from kb_index.lexical import terms
from kb_index.traffic import KB_ACTION, KBTurn, redact

if TYPE_CHECKING:
    from desk.context import Desk

log = logging.getLogger(__name__)

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


def linked_article(articles: Iterable[Article], text: str, lang: str) -> tuple[str, str] | None:
    """(article id, language) of the first KB article whose link the text contains, in ``lang`` where it has one."""
    linked = [a for a in articles if a.url and a.url in text]
    if not linked:
        return None
    chosen = next((a for a in linked if a.lang == lang), linked[0])
    in_lang = any(a.id == chosen.id and a.lang == lang for a in articles)
    return chosen.id, lang if in_lang else chosen.lang


def last_kb_question(tracker: dict[str, Any]) -> str | None:
    """The last message the bot looked up in the KB (a typed one: button payloads are not questions)."""
    question, typed = None, None
    for event in tracker.get("events") or []:
        if event.get("event") == "user":
            text = (event.get("text") or "").strip()
            typed = None if text.startswith("/") else text
        elif event.get("event") == "action" and event.get("name") == KB_ACTION and typed:
            question = typed
    return question


async def learn_from_agent_reply(desk: Desk, handoff: dict[str, Any], text: str) -> bool:
    """An agent's reply with an article's link proposes the shopper's last KB question for that article.

    Never fails the reply it follows: a KB or Rasa problem is logged and the reply stands.
    """
    editor = desk.kb_editor()
    if editor is None or "://" not in text:
        return False
    try:
        found = linked_article(await asyncio.to_thread(editor.articles), text, handoff["language"])
        if found is None:
            return False
        question = last_kb_question(await desk.rasa.tracker(handoff["sender_id"]))
        if not question or len(question) > MAX_QUESTION_CHARS:
            return False
        async with desk.engine.begin() as connection:
            await propose(connection, "agent_link", question, found[1], found[0], desk.clock())
    except Exception as error:
        log.warning("handoff %s: the article link was not learned from: %s", handoff["id"], type(error).__name__)
        return False
    return True


# --- clusters of unanswered questions: proposed new articles ---------------------------------------

MIN_CLUSTER_ASKED = 2  # one unanswered question is noise; the same need twice is an article to write
SHARED_TERMS = 0.5  # two questions belong together when they share half the content words of the shorter


def unanswered_clusters(turns: Iterable[KBTurn], known: set[str], top: int = 10) -> list[dict[str, Any]]:
    """Questions the bot did not know, grouped per language by shared content words, most asked first.

    Word overlap, not embeddings: an editor must be able to see why questions were put together,
    and the questions the KB cannot answer are exactly the ones its embeddings place poorly.
    Questions an article has since been given (``known``, case-folded) are left out.
    """
    asked: dict[tuple[str, str], int] = {}
    spelled: dict[tuple[str, str], str] = {}  # the first spelling of a question asked in several
    for turn in turns:
        text = redact(turn.text)
        if turn.outcome == "unknown" and text and text.casefold() not in known:
            key = (turn.lang or "en", text.casefold())
            asked[key] = asked.get(key, 0) + 1
            spelled.setdefault(key, text)
    clusters: list[dict[str, Any]] = []
    for key, times in sorted(asked.items(), key=lambda item: -item[1]):
        lang, text = key[0], spelled[key]
        words = set(terms(text))
        home = next((c for c in clusters if c["lang"] == lang and _close(words, c["terms"])), None)
        if home is None:
            clusters.append({"lang": lang, "questions": [text], "times": times, "terms": set(words)})
        else:
            home["questions"].append(text)
            home["times"] += times
            home["terms"] |= words
    found = [c for c in clusters if c["times"] >= MIN_CLUSTER_ASKED]
    for cluster in found:
        cluster.pop("terms")
        cluster["key"] = cluster_key(cluster["lang"], cluster["questions"])
    return sorted(found, key=lambda c: -c["times"])[:top]


def _close(words: set[str], cluster_terms: set[str]) -> bool:
    if not words or not cluster_terms:
        return False
    return len(words & cluster_terms) >= SHARED_TERMS * min(len(words), len(cluster_terms))


def cluster_key(lang: str, questions: Iterable[str]) -> str:
    return hashlib.sha256("\n".join([lang, *sorted(q.casefold() for q in questions)]).encode()).hexdigest()[:32]


async def dismissed_clusters(engine: AsyncEngine) -> set[str]:
    async with engine.connect() as connection:
        return set((await connection.execute(select(kb_dismissed_clusters.c.key))).scalars())


async def dismiss_cluster(engine: AsyncEngine, key: str, now: datetime) -> None:
    async with engine.begin() as connection:
        if not (await connection.execute(select(kb_dismissed_clusters).where(kb_dismissed_clusters.c.key == key))).first():
            await connection.execute(insert(kb_dismissed_clusters).values(key=key, created_at=now))
