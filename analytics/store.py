"""Compact tables derived from Rasa's tracker store, kept up to date incrementally.

The tracker store holds every event as JSON; a year of traffic is millions of rows,
far too many to parse for each page view. ``refresh`` reads only the conversations
that got events since the last run (the store's ``events.id`` is the cursor), turns
them into one row per question, conversation, handoff and verified identity, and
re-checks re-contact for the customers those conversations belong to. The page then
runs a few indexed aggregates.

Re-contact (the truth behind "deflected"): a question the bot answered, with no
person asked for, counts as deflected only if the same customer did not come back
within ``recontact_days`` with a question about the same article, a question the
encoder finds a near-duplicate (``Encoder.near_duplicate``), or a handoff. The same
customer is decided by the desk's customer directory (customers/: the same widget session,
messenger user, verified e-mail, order or phone); a sender it links to nobody is a customer
of its own. Links the directory makes later (its follower may lag the tracker store) are
caught by a second cursor, on the directory's own events.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol

import numpy as np
import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from business_hours import SupportHours
from kb_index.encoders import Encoder
from kb_index.traffic import HANDOFF_ACTION, Event, KBTurn, redact, tracker_url, turns_from_events

SESSION_START = "action_session_start"
BATCH_SENDERS = 400
UNKNOWN = "unknown"

metadata = sa.MetaData()

questions = sa.Table(
    "analytics_questions",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("sender_id", sa.String(255), nullable=False, index=True),
    sa.Column("customer", sa.String(255), nullable=False, index=True),
    sa.Column("at", sa.Float, nullable=False, index=True),
    sa.Column("channel", sa.String(64), nullable=False),
    sa.Column("lang", sa.String(16), nullable=False),
    sa.Column("text", sa.Text, nullable=False),  # redacted: no e-mail, phone or order number
    sa.Column("text_key", sa.String(40), nullable=False),  # hash of the lower-cased redacted text
    sa.Column("outcome", sa.String(16), nullable=False),  # answer, suggest, unknown, unavailable
    sa.Column("article", sa.String(120)),  # answered, picked, or first offered
    sa.Column("picked", sa.Boolean, nullable=False),  # suggested and one picked
    sa.Column("person", sa.Boolean, nullable=False),  # a person asked for right after
    sa.Column("rejected", sa.Boolean, nullable=False),  # articles offered, none picked
    sa.Column("naive", sa.Boolean, nullable=False),  # answered (outright or picked) and no person asked for
    sa.Column("recontact", sa.Boolean, nullable=False),
    sa.Column("deflected", sa.Boolean, nullable=False),  # naive and no re-contact
)
sa.Index("analytics_questions_customer_at", questions.c.customer, questions.c.at)

conversations = sa.Table(
    "analytics_conversations",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("sender_id", sa.String(255), nullable=False, index=True),
    sa.Column("started_at", sa.Float, nullable=False, index=True),
    sa.Column("channel", sa.String(64), nullable=False),
    sa.Column("lang", sa.String(16), nullable=False),
)

handoffs = sa.Table(
    "analytics_handoffs",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("sender_id", sa.String(255), nullable=False, index=True),
    sa.Column("customer", sa.String(255), nullable=False, index=True),
    sa.Column("at", sa.Float, nullable=False, index=True),
    sa.Column("reason", sa.String(64), nullable=False),
    sa.Column("channel", sa.String(64), nullable=False),
    sa.Column("lang", sa.String(16), nullable=False),
    sa.Column("hour", sa.Integer, nullable=False),  # hour of day in the support calendar's time zone
    sa.Column("in_hours", sa.Boolean, nullable=False),  # within the support hours
)

vectors = sa.Table(
    "analytics_vectors",
    metadata,
    sa.Column("text_key", sa.String(40), primary_key=True),
    sa.Column("vector", sa.LargeBinary, nullable=False),  # float32, L2-normalised
)

state = sa.Table(
    "analytics_state",
    metadata,
    sa.Column("key", sa.String(64), primary_key=True),
    sa.Column("value", sa.Text, nullable=False),
)


def text_key(text: str) -> str:
    return hashlib.sha1(" ".join(text.lower().split()).encode()).hexdigest()


@dataclass
class Parsed:
    """What one batch of senders' events holds, as rows of the derived tables."""

    questions: list[dict]
    conversations: list[dict]
    handoffs: list[dict]


def _question_row(turn: KBTurn) -> dict:
    text = redact(turn.text)
    picked = turn.picked_article is not None
    person = turn.next_step == "person"
    outcome = turn.outcome or "unavailable"
    naive = (outcome == "answer" or picked) and not person
    return {
        "sender_id": turn.sender, "customer": turn.sender, "at": turn.at, "channel": turn.channel or UNKNOWN,
        "lang": turn.lang or UNKNOWN, "text": text, "text_key": text_key(text), "outcome": outcome,
        "article": turn.picked_article if picked else turn.article_id, "picked": picked, "person": person,
        "rejected": outcome == "suggest" and not picked, "naive": naive, "recontact": False, "deflected": naive,
    }


def parse_events(events: Sequence[Event], hours: SupportHours) -> Parsed:
    """Rows for the derived tables from events given per sender in order (as the tracker store holds them)."""
    parsed = Parsed([_question_row(turn) for turn in turns_from_events(events)], [], [])
    language: dict[str, str] = {}
    channel: dict[str, str] = {}
    current: dict[str, dict] = {}  # sender -> their current conversation
    new_session: set[str] = set()  # senders whose next message opens a conversation (Rasa started a session)
    pending_handoff: dict[str, dict] = {}  # sender -> handoff whose reason slot may still follow
    for sender, type_name, timestamp, event in events:
        if type_name == "user":
            channel[sender] = event.get("input_channel") or channel.get(sender) or UNKNOWN
            if sender in new_session or sender not in current:
                new_session.discard(sender)
                current[sender] = {"sender_id": sender, "started_at": timestamp, "channel": channel[sender],
                                   "lang": language.get(sender)}
                parsed.conversations.append(current[sender])
            pending_handoff.pop(sender, None)
        elif type_name == "slot":
            name, value = event.get("name"), event.get("value")
            if name == "language" and value:
                language[sender] = value
                if sender in current and current[sender]["lang"] is None:
                    current[sender]["lang"] = value
            elif name == "handoff_reason" and value and sender in pending_handoff:
                pending_handoff.pop(sender)["reason"] = str(value)
        elif type_name == "action" and event.get("name") == SESSION_START:
            new_session.add(sender)
        elif type_name == "action" and event.get("name") == HANDOFF_ACTION:
            local = datetime.fromtimestamp(timestamp, UTC).astimezone(hours.timezone)
            row = {
                "sender_id": sender, "customer": sender, "at": timestamp, "reason": "shopper_asked",
                "channel": channel.get(sender, UNKNOWN), "lang": language.get(sender, UNKNOWN),
                "hour": local.hour, "in_hours": hours.is_open(local),
            }
            parsed.handoffs.append(row)
            pending_handoff[sender] = row
        elif type_name == "action" and event.get("name") == "action_listen":
            pending_handoff.pop(sender, None)
    for conversation in parsed.conversations:
        conversation["lang"] = conversation["lang"] or UNKNOWN
    return parsed


def open_store(url: str) -> Engine:
    """The analytics database, with its tables (and a SQLite file's folder) created if missing."""
    parsed = sa.engine.make_url(url)
    if parsed.drivername.startswith("sqlite") and parsed.database and parsed.database != ":memory:":
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    engine = sa.create_engine(url)
    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":  # several desk processes starting at once: one after the other
            connection.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": 0x616E6C79})
        metadata.create_all(connection)
    return engine


def get_state(connection: Connection, key: str) -> str | None:
    """A value the analytics keep between runs (the tracker cursor, the last weekly report sent)."""
    return connection.execute(sa.select(state.c.value).where(state.c.key == key)).scalar_one_or_none()


def set_state(connection: Connection, key: str, value: str) -> None:
    connection.execute(sa.delete(state).where(state.c.key == key))
    connection.execute(sa.insert(state).values(key=key, value=value))


class CustomerLinks(Protocol):
    """Who is whom, as the customer directory (customers.CustomerDirectory) answers it, synchronously."""

    def customers_of(self, senders: Sequence[str]) -> dict[str, int]:
        """Sender -> customer id, for the senders the directory links to a customer."""

    def senders_of(self, customers: Iterable[int]) -> set[str]:
        """Every sender with a conversation linked to one of the customers."""

    def changed_since(self, cursor: int) -> tuple[list[str], int]:
        """Senders the directory saw events of after ``cursor`` (its event id), and the new cursor."""


@dataclass(frozen=True)
class RefreshResult:
    senders: int  # conversations re-read or re-linked
    events_until: int  # the tracker store's last event id now included


def refresh(
    analytics: Engine,
    tracker_location: str,
    encoder: Encoder,
    hours: SupportHours,
    recontact_days: float,
    links: CustomerLinks,
) -> RefreshResult:
    """Bring the derived tables up to date with the tracker store and the customer directory; returns what changed."""
    fingerprint = json.dumps(
        [float(recontact_days), encoder.name, encoder.near_duplicate, "customers.CustomerDirectory", str(hours.timezone)]
    )
    tracker = sa.create_engine(tracker_url(tracker_location))
    try:
        with analytics.begin() as out, tracker.connect() as source:
            if get_state(out, "fingerprint") != fingerprint:  # other rules: derive everything again
                for table in (questions, conversations, handoffs):
                    out.execute(sa.delete(table))
                out.execute(sa.delete(state).where(state.c.key.in_(["last_event_id", "directory_event_id"])))
                set_state(out, "fingerprint", fingerprint)
            cursor = int(get_state(out, "last_event_id") or 0)
            last = source.execute(sa.text("SELECT max(id) FROM events")).scalar_one_or_none() or 0
            linked_cursor = int(get_state(out, "directory_event_id") or 0)
            relinked, linked_last = links.changed_since(linked_cursor)
            if last <= cursor and not relinked:
                return RefreshResult(0, cursor)
            senders = [] if last <= cursor else source.execute(
                sa.text("SELECT DISTINCT sender_id FROM events WHERE id > :cursor AND id <= :last"),
                {"cursor": cursor, "last": last},
            ).scalars().all()
            for start in range(0, len(senders), BATCH_SENDERS):
                _reparse(out, source, senders[start : start + BATCH_SENDERS], last, hours)
            _embed_new_texts(out, encoder)
            changed = {*senders, *relinked}
            _recheck_customers(out, same_customer(links, changed), recontact_days * 86400, encoder.near_duplicate)
            set_state(out, "last_event_id", str(max(last, cursor)))
            set_state(out, "directory_event_id", str(linked_last))
            return RefreshResult(len(changed), max(last, cursor))
    finally:
        tracker.dispose()


def _reparse(
    out: Connection, source: Connection, senders: Sequence[str], last: int, hours: SupportHours
) -> None:
    query = sa.text(
        "SELECT sender_id, type_name, timestamp, data FROM events WHERE sender_id IN :senders AND id <= :last "
        "ORDER BY sender_id, id"
    ).bindparams(sa.bindparam("senders", expanding=True))
    events = [
        (sender, type_name, float(timestamp or 0.0), json.loads(data or "{}"))
        for sender, type_name, timestamp, data in source.execute(query, {"senders": list(senders), "last": last})
    ]
    parsed = parse_events(events, hours)
    for table in (questions, conversations, handoffs):
        out.execute(sa.delete(table).where(table.c.sender_id.in_(senders)))
    for table, rows in (
        (questions, parsed.questions),
        (conversations, parsed.conversations),
        (handoffs, parsed.handoffs),
    ):
        if rows:
            out.execute(sa.insert(table), rows)


def _embed_new_texts(out: Connection, encoder: Encoder) -> None:
    missing = (
        sa.select(questions.c.text_key, sa.func.min(questions.c.text))
        .where(~questions.c.text_key.in_(sa.select(vectors.c.text_key)))
        .group_by(questions.c.text_key)
    )
    rows = out.execute(missing).all()
    if not rows:
        return
    embedded = encoder.encode([text for _, text in rows], kind="query").astype(np.float32)
    out.execute(
        sa.insert(vectors), [{"text_key": key, "vector": v.tobytes()} for (key, _), v in zip(rows, embedded, strict=True)]
    )


def customer_key(sender: str, customer_id: int | None) -> str:
    """The derived tables' customer: the directory's customer, or the sender alone when it links it to nobody."""
    return sender if customer_id is None else f"customer:{customer_id}"


def same_customer(links: CustomerLinks, changed: set[str]) -> dict[str, str]:
    """Sender -> customer key, for the changed senders and every other sender of their customers.

    The one place the analytics learn which conversations belong to the same customer: the
    customer directory decides (customers.CustomerDirectory), so the desk's history and these
    numbers agree. Every sender of the customers is included: a link found today (two
    customers merged) changes the customer of conversations that did not change.
    """
    first = links.customers_of(sorted(changed))
    related = links.senders_of(set(first.values())) - changed
    linked = {**first, **links.customers_of(sorted(related))}
    return {sender: customer_key(sender, linked.get(sender)) for sender in changed | related}


def _recheck_customers(out: Connection, keys: dict[str, str], window: float, near_duplicate: float) -> None:
    """Set the customer of the given senders' rows and re-check re-contact of every question of their customers."""
    senders = sorted(keys)
    stored: dict[str, set[str]] = defaultdict(set)  # sender -> the customer keys its rows have now
    for start in range(0, len(senders), BATCH_SENDERS):
        batch = senders[start : start + BATCH_SENDERS]
        for table in (questions, handoffs):
            query = sa.select(table.c.sender_id, table.c.customer).where(table.c.sender_id.in_(batch)).distinct()
            for sender, customer in out.execute(query):
                stored[sender].add(customer)
    for sender, customer in keys.items():
        if stored.get(sender, {customer}) != {customer}:
            for table in (questions, handoffs):
                out.execute(sa.update(table).where(table.c.sender_id == sender).values(customer=customer))
    # A customer a sender left (merged into another) is re-checked too: it lost questions or handoffs.
    customers = set(keys.values()) | {key for kept in stored.values() for key in kept}
    customer_list = sorted(customers)
    for start in range(0, len(customer_list), BATCH_SENDERS):
        batch = customer_list[start : start + BATCH_SENDERS]
        rows = out.execute(
            sa.select(questions.c.id, questions.c.customer, questions.c.at, questions.c.article, questions.c.naive,
                      questions.c.text_key, questions.c.recontact, questions.c.outcome)
            .where(questions.c.customer.in_(batch))
        ).all()
        contacts = out.execute(sa.select(handoffs.c.customer, handoffs.c.at).where(handoffs.c.customer.in_(batch))).all()
        _recheck(out, rows, contacts, window, near_duplicate)


def _recheck(out: Connection, rows: Sequence, contacts: Sequence, window: float, near_duplicate: float) -> None:
    keys = sorted({row.text_key for row in rows})
    stored = dict(out.execute(sa.select(vectors.c.text_key, vectors.c.vector).where(vectors.c.text_key.in_(keys))).all())
    vector = {key: np.frombuffer(blob, dtype=np.float32) for key, blob in stored.items()}
    by_customer: dict[str, list] = defaultdict(list)
    for row in rows:
        by_customer[row.customer].append(row)
    handoff_times: dict[str, list[float]] = defaultdict(list)
    for customer, at in contacts:
        handoff_times[customer].append(at)
    changes: list[dict] = []
    for customer, asked in by_customer.items():
        asked.sort(key=lambda row: (row.at, row.id))
        for i, row in enumerate(asked):
            later = [other for other in asked[i + 1 :] if other.at <= row.at + window]
            came_back = any(row.at < at <= row.at + window for at in handoff_times[customer]) or any(
                _same_article(row, other) or float(vector[row.text_key] @ vector[other.text_key]) >= near_duplicate
                for other in later
            )
            if came_back != row.recontact:
                changes.append({"row_id": row.id, "recontact": came_back, "deflected": row.naive and not came_back})
    if changes:
        out.execute(
            sa.update(questions).where(questions.c.id == sa.bindparam("row_id"))
            .values(recontact=sa.bindparam("recontact"), deflected=sa.bindparam("deflected")),
            changes,
        )


def _same_article(row, other) -> bool:
    # A "don't know" names an article only as its weak best guess: no evidence of the topic.
    return row.article is not None and row.outcome != "unknown" and other.outcome != "unknown" and other.article == row.article
