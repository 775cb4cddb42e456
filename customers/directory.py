"""The customer directory: conversations linked to one customer by what they proved.

Fed with Rasa's events as the desk's follower reads them from the event broker (no call from
the bot), it keeps one row per conversation (a sender's Rasa session: channel, start, first
question, outcome, transcript) and links conversations that proved the same identity:

- an order the order action verified: its ``verified_order`` slot followed by the signed proof
  in ``order_verification`` (slots only the action server sets; a shopper cannot set them);
- the e-mail address that check was made with (the last ``order_verifier`` given before it);
- the platform account (Telegram, Messenger, Instagram) or WhatsApp phone number of a message
  that came in through that platform's signed webhook.

An e-mail, phone or order number merely typed, or given for a check that failed, or for an
offline ticket, links nothing. Two customers found to share an identity become one (the
older id stays). Every method is safe to repeat: a re-read event changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from customers.identities import IdentityDigests, Kind, platform_identities
from desk.broker import BrokerEvent
from desk.db import conversation_identities, conversation_lines, customer_conversations, customer_identities, customers
from desk.transcript import event_time, line_from_event

FIRST_QUESTION_CHARS = 300
POSTCODE = "postcode"  # what a check made with a postcode leaves in ``claimed_verifier``
# The outcome a conversation shows is the furthest it got.
OUTCOMES = ("open", "answered", "order", "handoff")
FOLLOWED = frozenset({"session_started", "user", "bot", "slot", "pause"})


@dataclass(frozen=True)
class Conversation:
    id: int
    sender_id: str
    channel: str | None
    started_at: datetime
    last_at: datetime
    first_question: str | None
    outcome: str
    customer_id: int | None


@dataclass(frozen=True)
class TranscriptLine:
    role: str
    text: str
    at: datetime
    author_name: str | None


def _conversation(row) -> Conversation:
    c = customer_conversations.c
    return Conversation(row[c.id], row[c.sender_id], row[c.channel], row[c.started_at], row[c.last_at],
                        row[c.first_question], row[c.outcome], row[c.customer_id])


def _furthest(current: str, new: str) -> str:
    return max(current, new, key=OUTCOMES.index)


class CustomerDirectory:
    """The one place that links conversations to customers and answers who is whom."""

    def __init__(self, engine: AsyncEngine, digests: IdentityDigests) -> None:
        self._engine = engine
        self._digests = digests

    # --- fed by the event follower -----------------------------------------------------------
    async def observe(self, event: BrokerEvent) -> None:
        """Apply one broker event (events of a sender arrive in order)."""
        kind = event.data.get("event")
        if kind not in FOLLOWED:
            return
        async with self._engine.begin() as connection:
            row = await self._current(connection, event)
            if row is None:  # applied before (the follower re-reads after a restart)
                return
            changes: dict = {"last_event_id": event.id, "last_at": max(row["last_at"], event_time(event.data))}
            if kind == "user":
                await self._on_user(connection, row, event, changes)
            elif kind == "bot":
                await self._add_line(connection, row["id"], event)
                changes["outcome"] = _furthest(row["outcome"], "answered")
            elif kind == "pause":
                changes["outcome"] = "handoff"
            elif kind == "slot":
                await self._on_slot(connection, row, event.data, changes)
            await connection.execute(
                update(customer_conversations).where(customer_conversations.c.id == row["id"]).values(**changes)
            )

    async def _current(self, connection: AsyncConnection, event: BrokerEvent) -> dict | None:
        """The sender's conversation this event belongs to (a session start opens a new one)."""
        c = customer_conversations.c
        latest = (await connection.execute(
            select(customer_conversations).where(c.sender_id == event.sender_id).order_by(c.session_started.desc()).limit(1)
        )).mappings().first()
        if latest is not None and event.id <= latest["last_event_id"]:
            return None
        if latest is not None and event.data.get("event") != "session_started":
            return dict(latest)
        # A session start, or the first event the desk sees of a sender (it started following late).
        started = float(event.data.get("timestamp") or 0)
        at = event_time(event.data)
        values = {"sender_id": event.sender_id, "session_started": started, "started_at": at, "last_at": at,
                  "outcome": "open", "last_event_id": event.id - 1}
        new_id = (await connection.execute(insert(customer_conversations).values(**values))).inserted_primary_key[0]
        return {**values, "id": new_id, "customer_id": None, "channel": None, "first_question": None,
                "claimed_verifier": None, "claimed_order": None}

    async def _on_user(self, connection: AsyncConnection, row: dict, event: BrokerEvent, changes: dict) -> None:
        await self._add_line(connection, row["id"], event)
        channel = event.data.get("input_channel")
        if channel and not row["channel"]:
            changes["channel"] = channel
        text = (event.data.get("text") or "").strip()
        if text and not text.startswith("/") and not row["first_question"]:  # "/request_human": a button, not a question
            changes["first_question"] = text[:FIRST_QUESTION_CHARS]
        for kind, value in platform_identities(event.sender_id, channel):
            await self._prove(connection, row, self._digests.digest(kind, value), event_time(event.data))

    async def _on_slot(self, connection: AsyncConnection, row: dict, data: dict, changes: dict) -> None:
        name, value = data.get("name"), data.get("value")
        if not isinstance(value, str) or not value:
            return  # a slot being cleared proves nothing and forgets nothing
        if name == "order_verifier":
            changes["claimed_verifier"] = self._digests.digest(Kind.EMAIL, value) if "@" in value else POSTCODE
        elif name == "verified_order":
            changes["claimed_order"] = self._digests.digest(Kind.ORDER, value)
        elif name == "order_status":
            changes["outcome"] = _furthest(row["outcome"], "order")
        elif name == "order_verification" and changes.get("claimed_order", row["claimed_order"]):
            # The action wrote its proof: the order, and the e-mail the check was made with, are verified.
            at = event_time(data)
            await self._prove(connection, row, changes.get("claimed_order", row["claimed_order"]), at)
            verifier = changes.get("claimed_verifier", row["claimed_verifier"])
            if verifier and verifier != POSTCODE:
                await self._prove(connection, row, verifier, at)

    async def _add_line(self, connection: AsyncConnection, conversation_id: int, event: BrokerEvent) -> None:
        line = line_from_event(event.data)
        if line is not None and line.text:
            await connection.execute(insert(conversation_lines).values(
                event_id=event.id, conversation_id=conversation_id, role=line.role, text=line.text,
                author_name=line.author_name, created_at=line.at))

    async def _prove(self, connection: AsyncConnection, row: dict, digest: str, at: datetime) -> None:
        """Record that the conversation proved ``digest`` and link it to that identity's customer."""
        known = (await connection.execute(select(conversation_identities.c.digest).where(
            conversation_identities.c.conversation_id == row["id"], conversation_identities.c.digest == digest))).first()
        if known is None:
            await connection.execute(
                insert(conversation_identities).values(conversation_id=row["id"], digest=digest, proved_at=at))
        owner = (await connection.execute(
            select(customer_identities.c.customer_id).where(customer_identities.c.digest == digest))).scalar_one_or_none()
        mine = row["customer_id"]
        if owner is None and mine is None:
            mine = (await connection.execute(insert(customers).values(created_at=at))).inserted_primary_key[0]
        elif mine is None:
            mine = owner
        elif owner is not None and owner != mine:
            mine = await self._merge(connection, owner, mine)
        if owner is None:
            await connection.execute(insert(customer_identities).values(digest=digest, customer_id=mine))
        if row["customer_id"] != mine:
            await connection.execute(
                update(customer_conversations).where(customer_conversations.c.id == row["id"]).values(customer_id=mine))
            row["customer_id"] = mine

    @staticmethod
    async def _merge(connection: AsyncConnection, a: int, b: int) -> int:
        """One customer from two: everything of the newer id moves to the older."""
        keep, gone = min(a, b), max(a, b)
        for table in (customer_conversations, customer_identities):
            await connection.execute(update(table).where(table.c.customer_id == gone).values(customer_id=keep))
        return keep

    # --- asked by the desk and by reports ----------------------------------------------------
    async def customer_of(self, sender_id: str) -> int | None:
        """The customer of the sender's latest linked conversation; None if none is linked."""
        return (await self.customers_of([sender_id])).get(sender_id)

    async def customers_of(self, sender_ids: list[str]) -> dict[str, int]:
        """Sender -> customer, for the senders that have one (a report's batch)."""
        c = customer_conversations.c
        latest = (select(c.sender_id, func.max(c.session_started).label("started"))
                  .where(c.sender_id.in_(sender_ids), c.customer_id.is_not(None)).group_by(c.sender_id).subquery())
        query = select(c.sender_id, c.customer_id).join(
            latest, (c.sender_id == latest.c.sender_id) & (c.session_started == latest.c.started))
        async with self._engine.connect() as connection:
            return {sender: customer for sender, customer in (await connection.execute(query)).all()}

    async def senders_changed_since(self, event_id: int) -> tuple[list[str], int]:
        """Senders whose conversations took broker events after ``event_id``, and the last event id applied.

        A report that keeps its own copy of who is whom (analytics) asks this to catch links the
        follower made after the report last looked.
        """
        c = customer_conversations.c
        async with self._engine.connect() as connection:
            last = (await connection.execute(select(func.max(c.last_event_id)))).scalar_one_or_none() or 0
            if last <= event_id:
                return [], event_id
            rows = await connection.execute(
                select(c.sender_id).where(c.last_event_id > event_id, c.last_event_id <= last).distinct())
            return sorted(sender for (sender,) in rows), last

    async def senders_of(self, customer_id: int) -> list[str]:
        """Every sender id with a conversation linked to the customer."""
        c = customer_conversations.c
        async with self._engine.connect() as connection:
            rows = await connection.execute(select(c.sender_id).where(c.customer_id == customer_id).distinct())
            return sorted(sender for (sender,) in rows)

    async def identities_of(self, sender_id: str) -> list[str]:
        """The identity digests ("email:…", "order:…", "phone:…", "account:…") the sender's conversations proved."""
        c = customer_conversations.c
        proved = conversation_identities.c
        query = (select(proved.digest).join(customer_conversations, proved.conversation_id == c.id)
                 .where(c.sender_id == sender_id).distinct())
        async with self._engine.connect() as connection:
            return sorted(digest for (digest,) in await connection.execute(query))

    async def conversation_at(self, sender_id: str, at: datetime) -> Conversation | None:
        """The sender's conversation going on at ``at`` (the last one started by then)."""
        c = customer_conversations.c
        query = (select(customer_conversations).where(c.sender_id == sender_id, c.started_at <= at)
                 .order_by(c.session_started.desc()).limit(1))
        async with self._engine.connect() as connection:
            row = (await connection.execute(query)).mappings().first()
        return None if row is None else _conversation(row)

    async def other_conversations(self, conversation: Conversation, limit: int = 20) -> list[Conversation]:
        """The customer's other conversations on any channel, newest first."""
        if conversation.customer_id is None:
            return []
        c = customer_conversations.c
        query = (select(customer_conversations).where(c.customer_id == conversation.customer_id, c.id != conversation.id)
                 .order_by(c.started_at.desc()).limit(limit))
        async with self._engine.connect() as connection:
            return [_conversation(row) for row in (await connection.execute(query)).mappings()]

    async def get(self, conversation_id: int) -> Conversation | None:
        async with self._engine.connect() as connection:
            row = (await connection.execute(
                select(customer_conversations).where(customer_conversations.c.id == conversation_id))).mappings().first()
        return None if row is None else _conversation(row)

    async def transcript(self, conversation_id: int) -> list[TranscriptLine]:
        lines = conversation_lines.c
        query = select(conversation_lines).where(lines.conversation_id == conversation_id).order_by(lines.event_id)
        async with self._engine.connect() as connection:
            return [TranscriptLine(r[lines.role], r[lines.text], r[lines.created_at], r[lines.author_name])
                    for r in (await connection.execute(query)).mappings()]
