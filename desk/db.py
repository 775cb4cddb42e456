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
    MetaData,
    String,
    Table,
    Text,
    TypeDecorator,
    event,
)
from sqlalchemy.engine import Dialect, make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine


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
        await connection.run_sync(metadata.create_all)
    return engine


def utcnow() -> datetime:
    return datetime.now(UTC)
