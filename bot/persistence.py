"""Rasa's SQL tracker store and SQL event broker, made cheap on the embedded SQLite default.

Configured in endpoints.yml by module path (``type: bot.persistence.SQLTrackerStore``).
On PostgreSQL (``dialect: postgresql``) both behave exactly like Rasa's own classes, apart
from the one transaction per save for the broker's rows.

Where a greeting's time went with Rasa's classes on SQLite (issue 16: 1.8x an in-memory
store on a quiet machine, 4.5x on a busy one), and what is done instead:

- a new SQLite connection for every session (SQLAlchemy 1.4 gives file databases no pool),
  and every transaction in rollback-journal mode: several fsyncs per commit, and a reader
  (the desk polls the broker's file twice a second) blocks the writer. Here: one pooled
  connection per thread, WAL journal (readers never block the writer) with
  ``synchronous=NORMAL``: a commit reaches the operating system before Rasa answers, so
  it survives Rasa being killed (tests/integration/test_persistence.py does kill -9);
  only a power cut can lose the last commits, and never corrupts the file;
- the broker committing every event in its own transaction (a KB answer is ~8 events):
  here the events of one save go in one transaction;
- the ORM's unit of work for rows nothing reads back: a turn's rows go in as one Core
  executemany (a save of an 8-event turn: 6.3 ms median with ``session.add_all``, 3.4 ms so,
  same rows; 17 % of the Rasa process's CPU under 32 shoppers was ``save``, py-spy);
- the tracker store re-reading and replaying the whole conversation on every save only to
  find which events are new (``stream_events``): here they are found once, by count;
- Rasa's query for a conversation (``_event_query``) built with the ORM and compiled anew for every
  read and every save's count, ~0.7-0.9 ms each, a fifth of the Rasa process's CPU under 32
  shoppers (py-spy): here the same queries are Core statements built once, the sender a bound
  parameter, run on the session's connection (0.05-0.2 ms);
- reading a conversation: Rasa finds each stored event's class by walking every subclass of
  ``Event`` (``inspect.isabstract`` on each), for every event: about 2 ms an event on the busy
  machine, most of a read, and a conversation is read on every shopper message and every agent
  reply (issue 17, bench/handoff_latency.py). Here the class of each event name is looked up once.

Order is Rasa's: events reach the broker before the tracker is saved (the desk waits for
the tracker when it sees a pause, docs/handoff.md).
"""

from __future__ import annotations

import functools
import itertools
import json
from collections.abc import Iterator, Sequence
from typing import Any

import sqlalchemy as sa
from rasa.core.brokers.sql import SQLEventBroker as RasaSQLEventBroker
from rasa.core.tracker_store import SQLTrackerStore as RasaSQLTrackerStore
from rasa.shared.core.events import Event, SessionStarted
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.nlu.constants import INTENT_NAME_KEY

# Per connection. WAL is a property of the file and stays once set; synchronous and
# busy_timeout are not, so every new connection gets them.
SQLITE_PRAGMAS = ("PRAGMA journal_mode=WAL", "PRAGMA synchronous=NORMAL", "PRAGMA busy_timeout=10000")


def sqlite_engine(url: sa.engine.URL | str) -> sa.engine.Engine:
    """An engine keeping one connection per thread, each set up with SQLITE_PRAGMAS."""
    engine = sa.create_engine(url, poolclass=sa.pool.SingletonThreadPool)

    @sa.event.listens_for(engine, "connect")
    def _configure(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        for pragma in SQLITE_PRAGMAS:
            cursor.execute(pragma)
        cursor.close()

    return engine


def _use_sqlite_engine(owner: Any) -> bool:
    """Swap the engine Rasa made for a SQLite file for ours (WAL, one pooled connection).

    False, and nothing changed, for other databases."""
    if owner.engine.dialect.name != "sqlite":
        return False
    url = owner.engine.url
    owner.engine.dispose()
    owner.engine = sqlite_engine(url)
    owner.sessionmaker = sa.orm.sessionmaker(bind=owner.engine)
    return True


@functools.cache
def event_class(type_name: str) -> type[Event] | None:
    """Rasa's own lookup (``Event.resolve_by_type``), once per event name: the classes never change while Rasa runs."""
    return Event.resolve_by_type(type_name)


def deserialise_events(serialised: list[dict[str, Any]]) -> list[Event]:
    """``rasa.shared.core.events.deserialise_events`` with the cached class lookup."""
    events = []
    for data in serialised:
        cls = event_class(data["event"]) if data.get("event") else None
        event = cls._from_parameters(data) if cls is not None else None
        if event is not None:
            events.append(event)
    return events


def conversation_filter(events: sa.Table, all_sessions: bool) -> list[sa.sql.ColumnElement]:
    """Rasa's ``_event_query`` filter, the sender a bound parameter ``sender_id``: the sender's events from
    the latest session start on (all of them if none started), or from every session."""
    of_sender = events.c.sender_id == sa.bindparam("sender_id")
    if all_sessions:
        return [of_sender]
    session_start = (
        sa.select(sa.func.max(events.c.timestamp))
        .where(of_sender, events.c.type_name == SessionStarted.type_name)
        .scalar_subquery()
    )
    return [of_sender, sa.or_(events.c.timestamp >= session_start, session_start.is_(None))]


class SQLEventBroker(RasaSQLEventBroker):
    """Rasa's SQL broker (same ``events`` table), with a batch publish and the SQLite set-up above."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if _use_sqlite_engine(self):
            self.Base.metadata.create_all(self.engine)

    def publish(self, event: dict[str, Any]) -> None:
        self.publish_many([event])

    def publish_many(self, events: Sequence[dict[str, Any]]) -> None:
        """All of ``events`` in one transaction: a turn's events become visible together."""
        if not events:
            return
        rows = [{"sender_id": e.get("sender_id"), "data": json.dumps(e)} for e in events]
        with self.session_scope() as session:
            session.connection().execute(self.SQLBrokerEvent.__table__.insert(), rows)
            session.commit()


class SQLTrackerStore(RasaSQLTrackerStore):
    """Rasa's SQL tracker store (same ``events`` table), saving a turn with one count query and one commit."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        _use_sqlite_engine(self)
        events = self.SQLEvent.__table__
        self._count_latest_session = sa.select(sa.func.count()).select_from(events).where(*conversation_filter(events, False))
        self._read_data = {
            all_sessions: sa.select(events.c.data).where(*conversation_filter(events, all_sessions)).order_by(events.c.id)
            for all_sessions in (False, True)
        }

    async def save(self, tracker: DialogueStateTracker) -> None:
        with self.session_scope() as session:
            connection = session.connection()
            new_events = list(self._additional_events(connection, tracker))
            self._publish(tracker.sender_id, new_events)
            if new_events:
                rows = [self._row(tracker.sender_id, event.as_dict(), event.type_name) for event in new_events]
                connection.execute(self.SQLEvent.__table__.insert(), rows)
            session.commit()

    def _additional_events(self, connection: sa.engine.Connection, tracker: DialogueStateTracker) -> Iterator[Event]:
        """Rasa's: the tracker's events after those stored since the session started, counted without loading them."""
        stored = connection.execute(self._count_latest_session, {"sender_id": tracker.sender_id}).scalar()
        return itertools.islice(tracker.events, stored, len(tracker.events))

    async def _retrieve(self, sender_id: str, fetch_events_from_all_sessions: bool) -> DialogueStateTracker | None:
        """Rasa's ``_retrieve`` (the latest session, or all), building the events with :func:`deserialise_events`."""
        with self.session_scope() as session:
            rows = session.connection().execute(self._read_data[fetch_events_from_all_sessions], {"sender_id": sender_id})
            serialised = [json.loads(data) for (data,) in rows]
        if not self.domain or not serialised:
            return None
        return DialogueStateTracker.from_events(sender_id, deserialise_events(serialised), self.domain.slots)

    def _publish(self, sender_id: str, events: list[Any]) -> None:
        if self.event_broker is None or not events:
            return
        bodies = [{"sender_id": sender_id, **event.as_dict()} for event in events]
        if isinstance(self.event_broker, SQLEventBroker):
            self.event_broker.publish_many(bodies)
        else:
            for body in bodies:
                self.event_broker.publish(body)

    @staticmethod
    def _row(sender_id: str, data: dict[str, Any], type_name: str) -> dict[str, Any]:
        """The columns of Rasa's ``SQLEvent`` for one event."""
        return {
            "sender_id": sender_id,
            "type_name": type_name,
            "timestamp": data.get("timestamp"),
            "intent_name": data.get("parse_data", {}).get("intent", {}).get(INTENT_NAME_KEY),
            "action_name": data.get("name"),
            "data": json.dumps(data),
        }
