"""What to fix next: the questions the bot failed, grouped by meaning, per language.

A failed question: "don't know", articles offered and none picked, or an answer
followed by a request for a person or by the customer coming back about it.
Questions are grouped with the KB index's own encoder: the most asked text opens a
cluster, and every text at least ``Encoder.near_duplicate``-similar to a cluster's
first text joins it (the same cut-off the KB lint uses for "these say the same").
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import numpy as np
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from analytics import store
from analytics.numbers import Scope, _where

EXAMPLES = 3


def failed_questions(connection: Connection, scope: Scope) -> list[tuple[str, str, str, int, np.ndarray]]:
    """(language, text_key, text, times, vector) of the failed questions in scope, most asked first."""
    q, v = store.questions, store.vectors
    failed = sa.or_(q.c.outcome == "unknown", q.c.rejected, sa.and_(q.c.naive.is_(False), q.c.person),
                    sa.and_(q.c.naive, q.c.recontact))
    rows = connection.execute(
        sa.select(q.c.lang, q.c.text_key, sa.func.min(q.c.text), sa.func.count(), v.c.vector)
        .select_from(q.join(v, v.c.text_key == q.c.text_key))
        .where(*_where(q, scope, "at"), failed)
        .group_by(q.c.lang, q.c.text_key, v.c.vector)
    ).all()
    result = [(lang, key, text, n, np.frombuffer(blob, dtype=np.float32)) for lang, key, text, n, blob in rows]
    return sorted(result, key=lambda row: (-row[3], row[2]))


def clusters(connection: Connection, scope: Scope, near_duplicate: float, top: int = 10) -> dict[str, list[dict[str, Any]]]:
    """Per language, the biggest clusters of failed questions: count, examples (most asked first)."""
    per_language: dict[str, list[tuple[str, int, np.ndarray]]] = defaultdict(list)
    for lang, _, text, times, vector in failed_questions(connection, scope):
        per_language[lang].append((text, times, vector))
    result: dict[str, list[dict[str, Any]]] = {}
    for lang, texts in sorted(per_language.items()):
        leaders: list[np.ndarray] = []
        groups: list[dict[str, Any]] = []
        for text, times, vector in texts:
            scores = [float(leader @ vector) for leader in leaders]
            best = int(np.argmax(scores)) if scores else -1
            if best >= 0 and scores[best] >= near_duplicate:
                group = groups[best]
            else:
                leaders.append(vector)
                group = {"lang": lang, "count": 0, "texts": 0, "examples": []}
                groups.append(group)
            group["count"] += times
            group["texts"] += 1
            if len(group["examples"]) < EXAMPLES:
                group["examples"].append(text)
        result[lang] = sorted(groups, key=lambda g: -g["count"])[:top]
    return result
