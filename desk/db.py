"""The desk's database: every table in one place, created on start (SQLite by default, PostgreSQL at scale).

All access goes through SQLAlchemy Core on an async engine, so the same statements
run on ``sqlite+aiosqlite`` and ``postgresql+psycopg``.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    TypeDecorator,
    event,
    inspect,
    text,
)
from sqlalchemy.engine import Connection, Dialect, make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.schema import CreateColumn


class UTCDateTime(TypeDecorator):
    """Aware UTC datetimes in, aware UTC datetimes out, on every backend (SQLite has no time zones)."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the desk database")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        return None if value is None else value.replace(tzinfo=UTC)


metadata = MetaData()

agents = Table(
    "agents",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("username", String(80), nullable=False, unique=True),
    Column("display_name", String(120), nullable=False),
    Column("password_hash", String(255), nullable=False),
    Column("active", Boolean, nullable=False, default=True),
    # Bumped at sign-out, so every session cookie issued before stops working.
    Column("session_generation", Integer, nullable=False, default=0),
    Column("signed_in", Boolean, nullable=False, default=False),
    Column("last_seen_at", UTCDateTime),
    Column("created_at", UTCDateTime, nullable=False),
    # desk.agents.ROLES: an admin sees everyone's analytics, an agent only their own.
    Column("role", String(16), nullable=False, default="agent", server_default="agent"),
)

handoffs = Table(
    "handoffs",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("sender_id", String(255), nullable=False),
    Column("reason", String(64), nullable=False),
    Column("channel", String(64), nullable=False),
    Column("language", String(16), nullable=False),
    Column("verified_order", JSON),
    Column("order_status", JSON),
    Column("kb_candidates", JSON),
    Column("status", String(16), nullable=False),  # waiting, active, ended
    Column("claimed_by", Integer, ForeignKey("agents.id")),
    Column("ended_by", String(16)),  # agent, shopper, bot, hours (support hours ended while waiting: desk/closing.py)
    Column("created_at", UTCDateTime, nullable=False),
    Column("claimed_at", UTCDateTime),
    Column("ended_at", UTCDateTime),
)
Index("handoffs_sender_status", handoffs.c.sender_id, handoffs.c.status)
Index("handoffs_status_created", handoffs.c.status, handoffs.c.created_at)

# Handoffs whose transcript and context are still to be read from Rasa's tracker. A row of its
# own (not columns of ``handoffs``), so desk databases made before it get it from create_all.
pending_histories = Table(
    "pending_histories",
    metadata,
    Column("handoff_id", Integer, ForeignKey("handoffs.id"), primary_key=True),
    Column("paused_at", Float, nullable=False),  # Rasa's timestamp of the pause
    Column("checks", Integer, nullable=False, default=0),  # tracker reads that did not hold the pause yet
    Column("failures", Integer, nullable=False, default=0),  # reads Rasa refused or did not answer
    Column("next_attempt_at", UTCDateTime, nullable=False),
    Column("given_up", Boolean, nullable=False, default=False),  # shown without its history
)

messages = Table(
    "messages",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("handoff_id", Integer, ForeignKey("handoffs.id"), nullable=False, index=True),
    Column("role", String(16), nullable=False),  # shopper, bot, agent
    Column("text", Text, nullable=False),
    Column("agent_id", Integer, ForeignKey("agents.id")),
    Column("author_name", String(120)),
    Column("created_at", UTCDateTime, nullable=False),
    # Rasa's timestamp of the event a message came from (None: stored by the desk itself). Several Rasa
    # replicas publish to the broker independently, so a conversation's events can arrive out of order;
    # Rasa's lock store makes a conversation's turns, and so these timestamps, follow one another.
    Column("rasa_timestamp", Float),
    # Where the message sits in the conversation (None: by id). Set for a message that arrived after later ones.
    Column("position", Float),
)

# Files shoppers sent during a handoff (a photo on a messenger), fetched by the channel and handed
# to the desk (desk/attachments.py). The id is random (it is in the agents' URLs); the message is
# set once the shopper's message naming the file arrives through the event broker.
attachments = Table(
    "attachments",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("sender_id", String(255), nullable=False),
    Column("message_id", Integer, ForeignKey("messages.id"), index=True),
    Column("kind", String(16), nullable=False),  # photo, file, voice, video, sticker
    Column("filename", String(120), nullable=False),
    Column("content_type", String(64), nullable=False),  # as sniffed from the bytes, never as claimed
    Column("size", Integer, nullable=False),
    Column("data", LargeBinary, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
)

notes = Table(
    "notes",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("handoff_id", Integer, ForeignKey("handoffs.id"), nullable=False, index=True),
    Column("agent_id", Integer, ForeignKey("agents.id"), nullable=False),
    Column("text", Text, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
)

ratings = Table(
    "ratings",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("sender_id", String(255), nullable=False),
    Column("handoff_id", Integer, ForeignKey("handoffs.id")),
    Column("rating", Integer, nullable=False),
    Column("comment", Text),
    Column("created_at", UTCDateTime, nullable=False),
)

tickets = Table(
    "tickets",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("sender_id", String(255), nullable=False),
    Column("email", String(320), nullable=False),
    Column("reason", String(64), nullable=False),
    Column("channel", String(64), nullable=False),
    Column("language", String(16), nullable=False),
    Column("transcript", JSON, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("promised_reply_by", UTCDateTime),
    Column("promised_reply_text", String(120), nullable=False),
    # Delivery to the support mailbox and to the helpdesk webhook: off, pending, sent, failed.
    Column("email_status", String(16), nullable=False),
    Column("webhook_status", String(16), nullable=False),
    Column("delivery_attempts", Integer, nullable=False, default=0),
    Column("next_attempt_at", UTCDateTime),
)

# One history across channels (customers/): every conversation (a sender's Rasa session) seen on
# the broker, the identities it proved, and the customer they link it to. Identities are keyed
# digests (customers/identities.py), never the e-mail, phone or order number itself.
customers = Table(
    "customers",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("created_at", UTCDateTime, nullable=False),
)

customer_conversations = Table(
    "customer_conversations",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("sender_id", String(255), nullable=False),
    Column("session_started", Float, nullable=False),  # Rasa's timestamp of the session start
    Column("channel", String(64)),
    Column("started_at", UTCDateTime, nullable=False),
    Column("last_at", UTCDateTime, nullable=False),
    Column("first_question", Text),
    Column("outcome", String(16), nullable=False),  # open, answered, order, handoff
    Column("customer_id", Integer, ForeignKey("customers.id")),
    # The e-mail digest (or "postcode") last given for an order check, and the order last marked
    # verified: neither proves anything until the action's proof slot follows.
    Column("claimed_verifier", String(80)),
    Column("claimed_order", String(80)),
    Column("last_event_id", Integer, nullable=False),  # the broker event applied last: re-reads are skipped
)
Index("customer_conversations_sender", customer_conversations.c.sender_id, customer_conversations.c.session_started, unique=True)
Index("customer_conversations_customer", customer_conversations.c.customer_id, customer_conversations.c.started_at)

customer_identities = Table(
    "customer_identities",
    metadata,
    Column("digest", String(80), primary_key=True),
    Column("customer_id", Integer, ForeignKey("customers.id"), nullable=False, index=True),
)

conversation_identities = Table(
    "conversation_identities",
    metadata,
    Column("conversation_id", Integer, ForeignKey("customer_conversations.id"), primary_key=True),
    Column("digest", String(80), primary_key=True),
    Column("proved_at", UTCDateTime, nullable=False),
)

conversation_lines = Table(
    "conversation_lines",
    metadata,
    Column("event_id", Integer, primary_key=True, autoincrement=False),  # the broker event's id
    Column("conversation_id", Integer, ForeignKey("customer_conversations.id"), nullable=False, index=True),
    Column("role", String(16), nullable=False),  # shopper, bot, agent
    Column("text", Text, nullable=False),
    Column("author_name", String(120)),
    Column("created_at", UTCDateTime, nullable=False),
)

# What shoppers said of KB replies (kb_index/feedback.py signals), as the follower read them from the broker.
kb_signals = Table(
    "kb_signals",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("sender_id", String(255), nullable=False),
    Column("kind", String(16), nullable=False),  # helpful, not_helpful, picked
    Column("question", Text, nullable=False),
    Column("article_id", String(120), nullable=False),
    Column("lang", String(16), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
)
Index("kb_signals_kind_lang", kb_signals.c.kind, kb_signals.c.lang)

# Questions proposed for an article, waiting for an editor: approved ones go into the article's file, rejected ones go.
kb_candidates = Table(
    "kb_candidates",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("kind", String(16), nullable=False),  # helpful, picked, agent_link, not_helpful
    Column("question", Text, nullable=False),
    Column("lang", String(16), nullable=False),
    Column("article_id", String(120), nullable=False),
    Column("times", Integer, nullable=False, default=1),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
)
Index("kb_candidates_question", kb_candidates.c.lang, kb_candidates.c.article_id, kb_candidates.c.question, unique=True)

# Clusters of unanswered questions an editor rejected (by their questions: a new question makes a new cluster).
kb_dismissed_clusters = Table(
    "kb_dismissed_clusters",
    metadata,
    Column("key", String(64), primary_key=True),
    Column("created_at", UTCDateTime, nullable=False),
)

# Every version an editor published or rolled back to from the desk, newest last: what "roll back" goes back to.
kb_publications = Table(
    "kb_publications",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("version", String(80), nullable=False),
    Column("previous_version", String(80)),
    Column("agent_id", Integer, ForeignKey("agents.id")),
    Column("action", String(16), nullable=False),  # publish, rollback
    Column("created_at", UTCDateTime, nullable=False),
)

# An agent's e-mail answer to an offline ticket (desk/ticket_replies.py); a table of its own, so
# databases made before it get it from create_all.
ticket_replies = Table(
    "ticket_replies",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("ticket_id", String(32), ForeignKey("tickets.id"), nullable=False, index=True),
    Column("agent_id", Integer, ForeignKey("agents.id"), nullable=False),
    Column("text", Text, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
)

# An agent's presence: away agents do not count as online for the bot's handoff decision. Missing row: available.
agent_presence = Table(
    "agent_presence",
    metadata,
    Column("agent_id", Integer, ForeignKey("agents.id"), primary_key=True),
    Column("status", String(16), nullable=False),  # available, away
    Column("changed_at", UTCDateTime, nullable=False),
)

# Saved replies the agents insert into a conversation, per language (desk/canned.py).
canned_responses = Table(
    "canned_responses",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("language", String(16), nullable=False),
    Column("title", String(120), nullable=False),
    Column("body", Text, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
)

broker_cursor = Table(
    "broker_cursor",
    metadata,
    Column("source", String(64), primary_key=True),
    Column("last_event_id", Integer, nullable=False),
)


def async_url(url: str) -> str:
    """The async driver for a configured URL: sqlite -> aiosqlite, postgresql -> psycopg (3)."""
    parsed = make_url(url)
    driver = {"sqlite": "sqlite+aiosqlite", "postgresql": "postgresql+psycopg"}.get(parsed.drivername, parsed.drivername)
    return parsed.set(drivername=driver).render_as_string(hide_password=False)


def _tune_sqlite(dbapi_connection, _record) -> None:
    # WAL lets the queue pages read while the follower writes; the busy timeout
    # makes concurrent writers (two agents claiming) wait instead of failing.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def make_engine(url: str) -> AsyncEngine:
    engine = create_async_engine(async_url(url), pool_pre_ping=True)
    if engine.dialect.name == "sqlite":
        event.listen(engine.sync_engine, "connect", _tune_sqlite)
    return engine


async def open_database(url: str) -> AsyncEngine:
    """An engine on the desk database, with every table created if missing."""
    parsed = make_url(url)
    if parsed.drivername.startswith("sqlite") and parsed.database and parsed.database != ":memory:":
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    engine = make_engine(url)
    async with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            # Several desk processes starting at once (the scaled profile): one creates the tables, the others wait.
            await connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": SCHEMA_LOCK_KEY})
        await connection.run_sync(metadata.create_all)
        await connection.run_sync(add_missing_columns)
    return engine


SCHEMA_LOCK_KEY = 0x6465736B  # "desk": any number the other users of that PostgreSQL do not lock


# Columns added to tables older desk databases already have: create_all leaves existing tables alone.
ADDED_COLUMNS = ((agents, "role"), (messages, "rasa_timestamp"), (messages, "position"))


def add_missing_columns(connection: Connection) -> None:
    """The idempotent migration step: ALTER TABLE ... ADD COLUMN for each added column a table lacks."""
    inspector = inspect(connection)
    for table, name in ADDED_COLUMNS:
        if name not in {column["name"] for column in inspector.get_columns(table.name)}:
            definition = CreateColumn(table.c[name]).compile(dialect=connection.dialect)
            connection.execute(text(f"ALTER TABLE {table.name} ADD COLUMN {definition}"))


def utcnow() -> datetime:
    return datetime.now(UTC)
