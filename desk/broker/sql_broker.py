"""Rasa's SQL event broker as an event source: table ``events`` (id, sender_id, data JSON).

The desk only reads it; Rasa creates and writes it. Until Rasa has written its
first event the table (or the SQLite file) may not exist: that reads as no events.

On SQLite, every commit of Rasa's changes the database file or its write-ahead log (WAL mode,
bot/persistence.py), so :meth:`SQLEventSource.wait` watches their size and modification time
(two ``stat`` calls, no query) and the follower reads as soon as they change: a shopper's
message reaches the desk within ``WATCH_SECONDS`` of Rasa's commit instead of half the poll
interval later. A change the watch misses (a checkpoint that rewrites the log to the same size
within one clock tick) is still read at the next poll.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import time
from pathlib import Path

from sqlalchemy import Column, Integer, MetaData, String, Table, Text, select
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError, ProgrammingError
from sqlalchemy.ext.asyncio import create_async_engine

from desk.broker import BrokerEvent
from desk.db import async_url

log = logging.getLogger(__name__)
WATCH_SECONDS = 0.01  # how often SQLite's files are looked at while waiting

events = Table(
    "events",
    MetaData(),
    Column("id", Integer, primary_key=True),
    Column("sender_id", String(255)),
    Column("data", Text),
)


class SQLEventSource:
    name = "rasa_sql_events"

    def __init__(self, url: str):
        self._sqlite_file = make_url(url).database if make_url(url).drivername.startswith("sqlite") else None
        # Plain connections: the desk must not change Rasa's database (no journal-mode pragmas);
        # SQLite readers just wait while Rasa commits.
        connect_args = {"timeout": 10} if self._sqlite_file else {}
        self._files_read: tuple = ()
        self._engine = create_async_engine(async_url(url), connect_args=connect_args, pool_pre_ping=True)

    async def read_after(self, last_id: int, limit: int) -> list[BrokerEvent]:
        if self._sqlite_file:
            self._files_read = self._file_state()  # before the query: a commit after it is a change for wait()
        if self._sqlite_file and not Path(self._sqlite_file).exists():
            return []  # Rasa has not started yet; never create its file for it
        query = select(events).where(events.c.id > last_id).order_by(events.c.id).limit(limit)
        try:
            async with self._engine.connect() as connection:
                rows = (await connection.execute(query)).all()
        except (OperationalError, ProgrammingError) as error:
            if "events" in str(error) and ("no such table" in str(error) or "does not exist" in str(error)):
                return []
            raise
        return [_event(row) for row in rows]

    async def wait(self, timeout: float) -> None:
        if not self._sqlite_file:
            await asyncio.sleep(timeout)  # other databases tell a reader nothing: poll
            return
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and self._file_state() == self._files_read:
            await asyncio.sleep(WATCH_SECONDS)

    def _file_state(self) -> tuple:
        """Size and modification time of the database file and its write-ahead log (None for a missing one)."""
        states = []
        for path in (self._sqlite_file, f"{self._sqlite_file}-wal"):
            try:
                stat = os.stat(path)
                states.append((stat.st_size, stat.st_mtime_ns))
            except OSError:
                states.append(None)
        return tuple(states)

    async def close(self) -> None:
        await self._engine.dispose()


def _event(row) -> BrokerEvent:
    try:
        data = json.loads(row.data or "{}")
    except ValueError:
        log.warning("event %s is not JSON; skipped", row.id)
        data = {}
    return BrokerEvent(int(row.id), str(row.sender_id or data.get("sender_id") or ""), data if isinstance(data, dict) else {})
