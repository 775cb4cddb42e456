"""Every figure of the analytics, as plain functions over the derived tables and the desk database.

Each takes a SQLAlchemy connection and a :class:`Scope` (period, channel, language,
and for an agent who is not an admin, their own handoffs only) and returns plain
dicts and lists, so the page, the CLI, the CSV exports and the e-mail show the same
numbers.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from statistics import median
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from analytics import store
from desk import db as desk_db
from desk.reasons import REASON_LABELS
from kb_index.traffic import redact

COMMENTS_LISTED = 20


@dataclass(frozen=True)
class Scope:
    since: datetime
    until: datetime
    channel: str | None = None
    lang: str | None = None
    agent_id: int | None = None  # only this agent's handoffs and ratings (None: everyone's)

    @property
    def span(self) -> tuple[float, float]:
        return self.since.timestamp(), self.until.timestamp()


def _in_period(column: sa.Column, scope: Scope) -> list:
    since, until = (scope.since, scope.until) if not isinstance(column.type, sa.Float) else scope.span
    return [column >= since, column < until]


def _segment(table: sa.Table, scope: Scope, lang_column: str = "lang") -> list:
    """The chosen channel and language."""
    return [
        *([table.c.channel == scope.channel] if scope.channel else []),
        *([table.c[lang_column] == scope.lang] if scope.lang else []),
    ]


def _where(table: sa.Table, scope: Scope, time_column: str, lang_column: str = "lang") -> list:
    return [*_in_period(table.c[time_column], scope), *_segment(table, scope, lang_column)]


def _share(part: int, whole: int) -> float | None:
    return round(part / whole, 6) if whole else None  # 6 digits: printed as 48.6 %, a share is not rounded twice


def bot_numbers(connection: Connection, scope: Scope) -> dict[str, Any]:
    """Conversations, questions and what became of them; deflection naive and re-contact-checked."""
    q = store.questions
    conversations = connection.execute(
        sa.select(sa.func.count()).select_from(store.conversations).where(*_where(store.conversations, scope, "started_at"))
    ).scalar_one()
    rows = connection.execute(
        sa.select(q.c.outcome, q.c.picked, q.c.person, q.c.naive, q.c.recontact, q.c.deflected, sa.func.count())
        .where(*_where(q, scope, "at"))
        .group_by(q.c.outcome, q.c.picked, q.c.person, q.c.naive, q.c.recontact, q.c.deflected)
    ).all()
    counts: Counter[str] = Counter()
    for outcome, picked, person, naive, recontact, deflected, n in rows:
        counts["questions"] += n
        counts["answered" if outcome == "answer" else "picked" if picked else outcome] += n
        counts["suggested"] += n if outcome == "suggest" else 0
        counts["person_right_after"] += n if person else 0
        counts["naive"] += n if naive else 0
        counts["recontacted"] += n if naive and recontact else 0
        counts["deflected"] += n if deflected else 0
    total = counts["questions"]
    return {
        "conversations": conversations,
        "questions": total,
        "answered_outright": counts["answered"],
        "suggested": counts["suggested"],
        "suggested_and_picked": counts["picked"],
        "unknown": counts["unknown"],
        "unavailable": counts["unavailable"],
        "person_right_after": counts["person_right_after"],
        "deflected_naive": counts["naive"],
        "recontacted": counts["recontacted"],
        "deflected": counts["deflected"],
        "deflection_naive": _share(counts["naive"], total),
        "deflection": _share(counts["deflected"], total),
        "deflection_overstated_by": _share(counts["naive"] - counts["deflected"], total),
    }


def handoff_numbers(connection: Connection, scope: Scope) -> dict[str, Any]:
    """Every request for a person the bot handled (connected or turned into a ticket): by reason, by hour of day."""
    h = store.handoffs
    where = _where(h, scope, "at")
    by_reason = dict(connection.execute(sa.select(h.c.reason, sa.func.count()).where(*where).group_by(h.c.reason)).all())
    hours = connection.execute(sa.select(h.c.hour, h.c.in_hours, sa.func.count()).where(*where).group_by(h.c.hour, h.c.in_hours))
    by_hour = [{"hour": hour, "in_hours": 0, "out_of_hours": 0} for hour in range(24)]
    for hour, in_hours, n in hours:
        by_hour[hour]["in_hours" if in_hours else "out_of_hours"] += n
    reasons = [*REASON_LABELS, *sorted(set(by_reason) - set(REASON_LABELS))]
    return {
        "total": sum(by_reason.values()),
        "by_reason": [{"reason": r, "label": REASON_LABELS.get(r, r), "count": by_reason.get(r, 0)} for r in reasons],
        "by_hour": by_hour,
        "out_of_hours": sum(row["out_of_hours"] for row in by_hour),
    }


def article_numbers(connection: Connection, scope: Scope) -> list[dict[str, Any]]:
    """Per article: answered (outright or picked), confirmed helpful (deflected, re-contact-checked),
    rejected (offered first, none picked), followed by a request for a person."""
    q = store.questions
    answered = sa.or_(q.c.outcome == "answer", q.c.picked)
    as_int = lambda condition: sa.func.sum(sa.case((condition, 1), else_=0))  # noqa: E731 (a column expression)
    rows = connection.execute(
        sa.select(
            q.c.article,
            as_int(answered).label("answered"),
            as_int(q.c.deflected).label("helpful"),
            as_int(q.c.rejected).label("rejected"),
            as_int(sa.and_(answered, q.c.person)).label("handoff"),
            as_int(sa.and_(q.c.naive, q.c.recontact)).label("recontacted"),
        )
        .where(*_where(q, scope, "at"), q.c.article.is_not(None))
        .group_by(q.c.article)
    ).all()
    result = [dict(row._mapping) for row in rows]
    return sorted(result, key=lambda r: (-(r["answered"] or 0), r["article"]))


def _minutes(delta: timedelta) -> float:
    return round(delta.total_seconds() / 60, 1)


def _hours(delta: timedelta) -> float:
    return round(delta.total_seconds() / 3600, 1)


def _summary(values: list[float]) -> dict[str, Any]:
    return {"count": len(values), "mean": round(sum(values) / len(values), 1) if values else None,
            "median": round(median(values), 1) if values else None}


def desk_numbers(connection: Connection, scope: Scope) -> dict[str, Any]:
    """From the desk database: handoffs taken by people, first human reply, resolution, CSAT, per agent, tickets."""
    h, m, r, a, t = desk_db.handoffs, desk_db.messages, desk_db.ratings, desk_db.agents, desk_db.tickets
    replies = desk_db.ticket_replies
    where = _where(h, scope, "created_at", "language")
    if scope.agent_id is not None:
        where.append(h.c.claimed_by == scope.agent_id)
    first_reply = (
        sa.select(m.c.handoff_id, sa.func.min(m.c.created_at).label("first_reply"))
        .where(m.c.role == "agent").group_by(m.c.handoff_id).subquery()
    )
    handoff_rows = connection.execute(
        sa.select(h.c.id, h.c.created_at, h.c.ended_at, h.c.claimed_by, first_reply.c.first_reply)
        .select_from(h.outerjoin(first_reply, first_reply.c.handoff_id == h.c.id))
        .where(*where)
    ).all()
    first, resolution = [], []
    per_agent: dict[int, dict[str, list]] = defaultdict(lambda: {"first": [], "ratings": []})
    for row in handoff_rows:
        if row.first_reply is not None:
            first.append(_minutes(row.first_reply - row.created_at))
            if row.claimed_by is not None:
                per_agent[row.claimed_by]["first"].append(first[-1])
        if row.ended_at is not None:
            resolution.append(_minutes(row.ended_at - row.created_at))
    rating_rows = connection.execute(
        sa.select(r.c.rating, r.c.comment, r.c.created_at, h.c.claimed_by)
        .select_from(r.join(h, r.c.handoff_id == h.c.id))
        .where(*_segment(h, scope, "language"), *_in_period(r.c.created_at, scope),
               *([h.c.claimed_by == scope.agent_id] if scope.agent_id is not None else []))
        .order_by(r.c.created_at)
    ).all()
    distribution = Counter(row.rating for row in rating_rows)
    trend: dict[str, list[int]] = defaultdict(list)
    for row in rating_rows:
        trend[row.created_at.date().isoformat()].append(row.rating)
        if row.claimed_by is not None:
            per_agent[row.claimed_by]["ratings"].append(row.rating)
    names = dict(connection.execute(sa.select(a.c.id, a.c.display_name)).all())
    # Tickets belong to no agent yet: an agent's own view has none.
    first_answer = (sa.select(replies.c.ticket_id, sa.func.min(replies.c.created_at).label("replied_at"))
                    .group_by(replies.c.ticket_id).subquery())
    ticket_rows = None if scope.agent_id is not None else connection.execute(
        sa.select(t.c.reason, t.c.created_at, t.c.promised_reply_by, first_answer.c.replied_at)
        .select_from(t.outerjoin(first_answer, first_answer.c.ticket_id == t.c.id))
        .where(*_where(t, scope, "created_at", "language"))
    ).all()
    ratings = [row.rating for row in rating_rows]
    return {
        "handoffs_taken": len(handoff_rows),
        "first_reply_minutes": _summary(first),
        "resolution_minutes": _summary(resolution),
        "csat": {
            "count": len(ratings),
            "average": round(sum(ratings) / len(ratings), 2) if ratings else None,
            "distribution": {str(stars): distribution.get(stars, 0) for stars in range(1, 6)},
            "trend": [{"day": day, "count": len(v), "average": round(sum(v) / len(v), 2)} for day, v in sorted(trend.items())],
            "comments": [
                {"rating": row.rating, "comment": redact(row.comment), "at": row.created_at.isoformat(timespec="minutes")}
                for row in reversed(rating_rows) if row.comment
            ][:COMMENTS_LISTED],
        },
        "agents": sorted((_agent_row(names, agent_id, v, handoff_rows) for agent_id, v in per_agent.items()),
                         key=lambda row: row["agent"]),
        "tickets": None if ticket_rows is None else {
            "count": len(ticket_rows),
            "by_reason": dict(Counter(row.reason for row in ticket_rows)),
            "promised_reply_hours": _summary([
                _hours(row.promised_reply_by - row.created_at) for row in ticket_rows if row.promised_reply_by
            ]),
            # The first e-mail reply an agent sent from the desk (desk/ticket_replies.py).
            "reply_hours": _summary([_hours(row.replied_at - row.created_at) for row in ticket_rows if row.replied_at]),
        },
    }


def _agent_row(names: dict[int, str], agent_id: int, values: dict[str, list], handoff_rows: list) -> dict[str, Any]:
    rated = values["ratings"]
    return {
        "agent": names.get(agent_id, f"#{agent_id}"),
        "handoffs": sum(1 for row in handoff_rows if row.claimed_by == agent_id),
        "first_reply_median_minutes": _summary(values["first"])["median"],
        "ratings": len(rated),
        "csat": round(sum(rated) / len(rated), 2) if rated else None,
    }


def period(days: float, now: datetime | None = None) -> tuple[datetime, datetime]:
    until = now or datetime.now(UTC)
    return until - timedelta(days=days), until
