"""Handoffs, their transcripts and internal notes: the desk's queries.

A handoff is ``waiting`` until an agent claims it, ``active`` while the agent
talks to the shopper, and ``ended`` once the bot has the conversation back.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, delete, func, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from desk.attachments import attachments_of_messages, detach_attachments, reattach
from desk.db import agents, handoffs, messages, notes, pending_histories
from desk.transcript import Context, Line

# A conversation's order: by id, but a message that arrived late through the broker at its position.
IN_ORDER = func.coalesce(messages.c.position, messages.c.id)

OPEN = ("waiting", "active")
# What a handoff shows until its history has been read from Rasa's tracker.
UNKNOWN_CONTEXT = Context(
    reason="unknown", channel="unknown", language="en", verified_order=None, order_status=None, kb_candidates=None
)


@dataclass(frozen=True)
class QueueCounts:
    waiting: int
    active: int


def context_columns(context: Context) -> dict[str, Any]:
    """The handoff's columns that come from what the bot gathered (set at creation, refreshed later)."""
    return {
        "reason": context.reason,
        "channel": context.channel,
        "language": context.language,
        "verified_order": context.verified_order,
        "order_status": context.order_status,
        "kb_candidates": context.kb_candidates,
    }


async def open_handoff_id(connection: AsyncConnection, sender_id: str) -> int | None:
    """The sender's waiting or active handoff, if any (there is at most one)."""
    query = select(handoffs.c.id).where(handoffs.c.sender_id == sender_id, handoffs.c.status.in_(OPEN))
    return (await connection.execute(query.order_by(handoffs.c.id.desc()).limit(1))).scalar_one_or_none()


async def create_handoff(
    connection: AsyncConnection, sender_id: str, context: Context, transcript: Iterable[Line], created_at: datetime
) -> int:
    result = await connection.execute(
        insert(handoffs).values(
            sender_id=sender_id,
            **context_columns(context),
            status="waiting",
            created_at=created_at,
        )
    )
    handoff_id = int(result.inserted_primary_key[0])
    await _insert_lines(connection, handoff_id, transcript)
    return handoff_id


async def _insert_lines(connection: AsyncConnection, handoff_id: int, transcript: Iterable[Line]) -> None:
    rows = [
        {"handoff_id": handoff_id, "role": line.role, "text": line.text, "author_name": line.author_name, "created_at": line.at}
        for line in transcript
    ]
    if rows:
        await connection.execute(insert(messages), rows)


async def create_pending_handoff(
    connection: AsyncConnection, sender_id: str, paused_at: float, created_at: datetime, now: datetime
) -> int:
    """A handoff whose transcript and context are read from Rasa from ``now`` on (:func:`record_history`)."""
    handoff_id = await create_handoff(connection, sender_id, UNKNOWN_CONTEXT, [], created_at)
    await connection.execute(
        insert(pending_histories).values(
            handoff_id=handoff_id, paused_at=paused_at, checks=0, failures=0, next_attempt_at=now, given_up=False
        )
    )
    return handoff_id


async def due_histories(engine: AsyncEngine, now: datetime) -> list[dict[str, Any]]:
    query = select(pending_histories, handoffs.c.sender_id).join(handoffs, handoffs.c.id == pending_histories.c.handoff_id)
    query = query.where(pending_histories.c.given_up.is_(False), pending_histories.c.next_attempt_at <= now)
    async with engine.connect() as connection:
        return [dict(row) for row in (await connection.execute(query.order_by(pending_histories.c.handoff_id))).mappings()]


async def postpone_history(engine: AsyncEngine, handoff_id: int, next_attempt_at: datetime, **counts: Any) -> None:
    """Another try later; ``counts`` sets ``checks``, ``failures`` or ``given_up``."""
    async with engine.begin() as connection:
        await connection.execute(
            update(pending_histories)
            .where(pending_histories.c.handoff_id == handoff_id)
            .values(next_attempt_at=next_attempt_at, **counts)
        )


async def record_history(engine: AsyncEngine, handoff_id: int, context: Context, transcript: Iterable[Line]) -> None:
    """The conversation up to the pause, placed before the messages that arrived since, and the bot's context."""
    async with engine.begin() as connection:
        query = select(messages).where(messages.c.handoff_id == handoff_id).order_by(IN_ORDER)
        later = [dict(row) for row in (await connection.execute(query)).mappings()]
        files = await detach_attachments(connection, [row["id"] for row in later])  # they follow their messages
        await connection.execute(delete(messages).where(messages.c.handoff_id == handoff_id))
        await _insert_lines(connection, handoff_id, transcript)
        for row in later:
            # Re-inserted in their order, so their positions are their new ids again.
            values = {k: v for k, v in row.items() if k not in ("id", "position")}
            moved = await connection.execute(insert(messages).values(values))
            if row["id"] in files:
                await reattach(connection, files[row["id"]], int(moved.inserted_primary_key[0]))
        await connection.execute(
            update(handoffs)
            .where(handoffs.c.id == handoff_id)
            .values(
                **context_columns(context),
            )
        )
        await connection.execute(delete(pending_histories).where(pending_histories.c.handoff_id == handoff_id))


async def append_message(
    connection: AsyncConnection, handoff_id: int, line: Line, agent_id: int | None = None, rasa_timestamp: float | None = None
) -> int:
    """Store a message; one from the broker (``rasa_timestamp``) goes before those of later Rasa events already here."""
    result = await connection.execute(
        insert(messages).values(
            handoff_id=handoff_id,
            role=line.role,
            text=line.text,
            agent_id=agent_id,
            author_name=line.author_name,
            created_at=line.at,
            rasa_timestamp=rasa_timestamp,
        )
    )
    message_id = int(result.inserted_primary_key[0])
    if rasa_timestamp is not None:
        position = await _late_position(connection, handoff_id, message_id, rasa_timestamp)
        if position is not None:
            await connection.execute(update(messages).where(messages.c.id == message_id).values(position=position))
    return message_id


async def _late_position(connection: AsyncConnection, handoff_id: int, message_id: int, rasa_timestamp: float) -> float | None:
    """Between the message before the first later Rasa event and that event; None when none is later (the usual case)."""
    of_handoff = and_(messages.c.handoff_id == handoff_id, messages.c.id != message_id)
    later = (
        await connection.execute(
            select(IN_ORDER).where(of_handoff, messages.c.rasa_timestamp > rasa_timestamp).order_by(IN_ORDER).limit(1)
        )
    ).scalar_one_or_none()
    if later is None:
        return None
    before = (await connection.execute(select(func.max(IN_ORDER)).where(of_handoff, IN_ORDER < later))).scalar_one_or_none()
    return (float(before) + float(later)) / 2 if before is not None else float(later) - 1


async def claim(engine: AsyncEngine, handoff_id: int, agent_id: int, now: datetime) -> bool:
    """Give a waiting handoff to the agent. One conditional UPDATE, so of two agents racing exactly one wins."""
    async with engine.begin() as connection:
        result = await connection.execute(
            update(handoffs)
            .where(handoffs.c.id == handoff_id, handoffs.c.status == "waiting", handoffs.c.claimed_by.is_(None))
            .values(status="active", claimed_by=agent_id, claimed_at=now)
        )
    return result.rowcount == 1


async def mark_ended(engine: AsyncEngine, handoff_id: int, ended_by: str, now: datetime) -> str | None:
    """End an open handoff; returns the status it had, or None if it had ended already (someone else ended it)."""
    async with engine.begin() as connection:
        status = (await connection.execute(select(handoffs.c.status).where(handoffs.c.id == handoff_id))).scalar_one_or_none()
        if status not in OPEN:
            return None
        result = await connection.execute(
            update(handoffs)
            .where(handoffs.c.id == handoff_id, handoffs.c.status == status)
            .values(status="ended", ended_by=ended_by, ended_at=now)
        )
    return status if result.rowcount == 1 else None


async def reopen(engine: AsyncEngine, handoff_id: int, status: str) -> None:
    """Undo :func:`mark_ended` when Rasa could not be told (the conversation is still paused there)."""
    async with engine.begin() as connection:
        await connection.execute(
            update(handoffs).where(handoffs.c.id == handoff_id).values(status=status, ended_by=None, ended_at=None)
        )


async def counts(engine: AsyncEngine) -> QueueCounts:
    query = select(handoffs.c.status, func.count()).where(handoffs.c.status.in_(OPEN)).group_by(handoffs.c.status)
    async with engine.connect() as connection:
        by_status = dict((await connection.execute(query)).all())
    return QueueCounts(waiting=by_status.get("waiting", 0), active=by_status.get("active", 0))


def _handoff_query():
    """Handoffs with their agent's name and ``history``: loaded, pending or unavailable (Rasa never gave it)."""
    return select(
        handoffs,
        agents.c.display_name.label("agent_name"),
        pending_histories.c.given_up.label("history_given_up"),
        (pending_histories.c.handoff_id.is_not(None)).label("history_pending"),
    ).select_from(
        handoffs.outerjoin(agents, agents.c.id == handoffs.c.claimed_by).outerjoin(
            pending_histories, pending_histories.c.handoff_id == handoffs.c.id
        )
    )


def _with_history(row: Any) -> dict[str, Any]:
    handoff = dict(row)
    given_up = handoff.pop("history_given_up")
    pending = handoff.pop("history_pending")
    handoff["history"] = "unavailable" if given_up else "pending" if pending else "loaded"
    return handoff


async def get_handoff(engine: AsyncEngine, handoff_id: int) -> dict[str, Any] | None:
    async with engine.connect() as connection:
        row = (await connection.execute(_handoff_query().where(handoffs.c.id == handoff_id))).mappings().first()
    return _with_history(row) if row else None


async def open_handoffs(engine: AsyncEngine) -> list[dict[str, Any]]:
    """Waiting and active handoffs, oldest first, each with the shopper's latest message.

    A handoff whose history is still being read from Rasa is left out: an agent would
    see it without its transcript and reason (normally for well under a second).
    """
    latest_shopper = (
        select(messages.c.text)
        .where(and_(messages.c.handoff_id == handoffs.c.id, messages.c.role == "shopper"))
        .order_by(messages.c.id.desc())
        .limit(1)
        .scalar_subquery()
    )
    query = _handoff_query().add_columns(latest_shopper.label("last_shopper_text"))
    history_read_or_given_up = or_(pending_histories.c.handoff_id.is_(None), pending_histories.c.given_up.is_(True))
    query = query.where(handoffs.c.status.in_(OPEN), history_read_or_given_up).order_by(handoffs.c.created_at, handoffs.c.id)
    async with engine.connect() as connection:
        return [_with_history(row) for row in (await connection.execute(query)).mappings()]


async def messages_after(engine: AsyncEngine, handoff_id: int, after_id: int = 0) -> list[dict[str, Any]]:
    """The messages stored after ``after_id``, in conversation order, each with the ``attachment`` the shopper sent
    with it (or None) and ``before``: the id of the first message up to ``after_id`` it goes before (None: after all)."""
    query = select(messages).where(messages.c.handoff_id == handoff_id).order_by(IN_ORDER)
    async with engine.connect() as connection:
        every = [dict(row) for row in (await connection.execute(query)).mappings()]
    rows, before = [], None
    for row in reversed(every):  # from the end, so each new message knows the shown one after it
        if row["id"] > after_id:
            rows.append({**row, "before": before})
        else:
            before = row["id"]
    rows.reverse()
    files = await attachments_of_messages(engine, [row["id"] for row in rows])
    return [{**row, "attachment": files.get(row["id"])} for row in rows]


async def add_note(engine: AsyncEngine, handoff_id: int, agent_id: int, text: str, now: datetime) -> int:
    async with engine.begin() as connection:
        result = await connection.execute(
            insert(notes).values(handoff_id=handoff_id, agent_id=agent_id, text=text, created_at=now)
        )
    return int(result.inserted_primary_key[0])


async def notes_for(engine: AsyncEngine, handoff_id: int) -> list[dict[str, Any]]:
    query = (
        select(notes, agents.c.display_name.label("agent_name"))
        .select_from(notes.join(agents, agents.c.id == notes.c.agent_id))
        .where(notes.c.handoff_id == handoff_id)
        .order_by(notes.c.id)
    )
    async with engine.connect() as connection:
        return [dict(row) for row in (await connection.execute(query)).mappings()]


async def shopper_message_counts(engine: AsyncEngine, agent_id: int) -> dict[int, int]:
    """How many messages the shopper has written in each conversation the agent has in progress (for alerts)."""
    query = (
        select(handoffs.c.id, func.count(messages.c.id))
        .select_from(handoffs.outerjoin(messages, and_(messages.c.handoff_id == handoffs.c.id, messages.c.role == "shopper")))
        .where(handoffs.c.status == "active", handoffs.c.claimed_by == agent_id)
        .group_by(handoffs.c.id)
    )
    async with engine.connect() as connection:
        return {int(handoff_id): int(count) for handoff_id, count in (await connection.execute(query)).all()}


async def transfer(engine: AsyncEngine, handoff_id: int, from_agent_id: int, to_agent_id: int, now: datetime) -> bool:
    """Give the conversation to another agent: a waiting one from anyone, an active one only from the agent who has it.

    One conditional UPDATE, like :func:`claim`, so a transfer and a claim racing cannot both win.
    """
    mine_or_waiting = or_(
        handoffs.c.status == "waiting", and_(handoffs.c.status == "active", handoffs.c.claimed_by == from_agent_id)
    )
    async with engine.begin() as connection:
        result = await connection.execute(
            update(handoffs)
            .where(handoffs.c.id == handoff_id, mine_or_waiting)
            .values(status="active", claimed_by=to_agent_id, claimed_at=now)
        )
    return result.rowcount == 1
