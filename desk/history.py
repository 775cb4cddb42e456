"""Past conversations and offline tickets: one list, filtered and searched, newest first."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import String, and_, cast, exists, func, or_, select
from sqlalchemy.ext.asyncio import AsyncEngine

from desk.db import agents, handoffs, messages, ratings, ticket_replies, tickets

LISTED = 100
# What the status filter offers: an ended conversation, a ticket nobody has answered yet, an answered one.
STATUSES = {"ended": "Ended conversation", "ticket_open": "Ticket, not answered", "ticket_answered": "Ticket, answered"}


@dataclass(frozen=True)
class HistoryFilter:
    status: str = ""
    channel: str = ""
    language: str = ""
    reason: str = ""
    agent_id: int | None = None
    since: date | None = None
    until: date | None = None  # inclusive
    rating: int | None = None
    query: str = ""  # words of the transcript, an order number or an e-mail address

    @classmethod
    def from_query(cls, params: Any) -> HistoryFilter:
        """From the page's query string; a value that does not parse is ignored (the form shows it unset)."""

        def number(name: str, low: int, high: int) -> int | None:
            value = str(params.get(name, "")).strip()
            return int(value) if value.isdigit() and low <= int(value) <= high else None

        def day(name: str) -> date | None:
            try:
                return date.fromisoformat(str(params.get(name, "")).strip())
            except ValueError:
                return None

        status = str(params.get("status", ""))
        return cls(
            status=status if status in STATUSES else "",
            channel=str(params.get("channel", "")).strip()[:64],
            language=str(params.get("language", "")).strip()[:16],
            reason=str(params.get("reason", "")).strip()[:64],
            agent_id=number("agent", 1, 2**31),
            since=day("since"),
            until=day("until"),
            rating=number("rating", 1, 5),
            query=str(params.get("q", "")).strip()[:200],
        )


def _day_bounds(f: HistoryFilter, column) -> list:
    bounds = []
    if f.since:
        bounds.append(column >= datetime.combine(f.since, time(), UTC))
    if f.until:
        bounds.append(column < datetime.combine(f.until + timedelta(days=1), time(), UTC))
    return bounds


def _common(f: HistoryFilter, table) -> list:
    conditions = _day_bounds(f, table.c.created_at)
    for name in ("channel", "language", "reason"):
        if getattr(f, name):
            conditions.append(table.c[name] == getattr(f, name))
    return conditions


async def _conversations(connection, f: HistoryFilter) -> list[dict[str, Any]]:
    if f.status not in ("", "ended") or (f.query and "@" in f.query):
        return []  # conversations carry no e-mail address: that search is for tickets
    rating = select(func.max(ratings.c.rating)).where(ratings.c.handoff_id == handoffs.c.id).scalar_subquery()
    first_words = (
        select(messages.c.text)
        .where(messages.c.handoff_id == handoffs.c.id, messages.c.role == "shopper")
        .order_by(messages.c.id.desc())
        .limit(1)
        .scalar_subquery()
    )
    query = select(
        handoffs.c.id, handoffs.c.sender_id, handoffs.c.reason, handoffs.c.channel, handoffs.c.language,
        handoffs.c.created_at, agents.c.display_name.label("agent_name"), rating.label("rating"),
        first_words.label("preview"),
    ).select_from(handoffs.outerjoin(agents, agents.c.id == handoffs.c.claimed_by))
    conditions = [handoffs.c.status == "ended", *_common(f, handoffs)]
    if f.agent_id:
        conditions.append(handoffs.c.claimed_by == f.agent_id)
    if f.rating:
        conditions.append(rating == f.rating)
    if f.query:
        said = exists().where(messages.c.handoff_id == handoffs.c.id, messages.c.text.icontains(f.query, autoescape=True))
        order = cast(handoffs.c.verified_order, String).icontains(f.query, autoescape=True)
        conditions.append(or_(said, order, handoffs.c.sender_id == f.query))
    query = query.where(and_(*conditions)).order_by(handoffs.c.created_at.desc()).limit(LISTED)
    return [{"kind": "conversation", "status": "ended", **row} for row in (await connection.execute(query)).mappings()]


async def _tickets(connection, f: HistoryFilter) -> list[dict[str, Any]]:
    if f.status == "ended" or f.rating:
        return []  # tickets are not rated
    answered = exists().where(ticket_replies.c.ticket_id == tickets.c.id)
    last_agent = (
        select(agents.c.display_name)
        .select_from(ticket_replies.join(agents, agents.c.id == ticket_replies.c.agent_id))
        .where(ticket_replies.c.ticket_id == tickets.c.id)
        .order_by(ticket_replies.c.id.desc())
        .limit(1)
        .scalar_subquery()
    )
    query = select(
        tickets.c.id, tickets.c.sender_id, tickets.c.reason, tickets.c.channel, tickets.c.language, tickets.c.created_at,
        tickets.c.email, tickets.c.transcript, last_agent.label("agent_name"), answered.label("answered"),
    )
    conditions = _common(f, tickets)
    if f.status == "ticket_open":
        conditions.append(~answered)
    elif f.status == "ticket_answered":
        conditions.append(answered)
    if f.agent_id:
        conditions.append(exists().where(ticket_replies.c.ticket_id == tickets.c.id, ticket_replies.c.agent_id == f.agent_id))
    if f.query:
        conditions.append(
            or_(
                tickets.c.email.icontains(f.query, autoescape=True),
                cast(tickets.c.transcript, String).icontains(f.query, autoescape=True),
                tickets.c.id == f.query.upper(),
            )
        )
    query = query.where(and_(*conditions)).order_by(tickets.c.created_at.desc()).limit(LISTED)
    rows = []
    for row in (await connection.execute(query)).mappings():
        row = dict(row)
        transcript = row.pop("transcript") or []
        shopper = [line["text"] for line in transcript if line.get("role") == "shopper"]
        rows.append({
            "kind": "ticket", "status": "ticket_answered" if row.pop("answered") else "ticket_open", "rating": None,
            "preview": shopper[-1] if shopper else "", **row,
        })
    return rows


async def search_history(engine: AsyncEngine, f: HistoryFilter) -> list[dict[str, Any]]:
    """Ended conversations and tickets matching ``f``, newest first (at most LISTED)."""
    async with engine.connect() as connection:
        rows = await _conversations(connection, f) + await _tickets(connection, f)
    rows.sort(key=lambda row: row["created_at"], reverse=True)
    return rows[:LISTED]


async def filter_choices(engine: AsyncEngine) -> dict[str, list]:
    """The values the filters offer: those that occur."""
    async with engine.connect() as connection:
        def distinct(column):
            return select(column).distinct()

        choices = {}
        for name in ("channel", "language", "reason"):
            values = {v for (v,) in (await connection.execute(distinct(handoffs.c[name])))}
            values |= {v for (v,) in (await connection.execute(distinct(tickets.c[name])))}
            choices[name] = sorted(values)
        agent_rows = await connection.execute(select(agents.c.id, agents.c.display_name).order_by(agents.c.display_name))
        choices["agents"] = [(row.id, row.display_name) for row in agent_rows]
    return choices
