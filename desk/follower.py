"""Follows Rasa's event broker: pauses become handoffs, later shopper messages reach the agent.

Events are applied in id order. The cursor (the last id applied) is stored in the
desk database in the same transaction as the change an event makes, so a desk
restart neither loses nor repeats anything: it carries on from the cursor.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import datetime

from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from desk import handoffs
from desk.broker import BrokerEvent, EventSource
from desk.db import broker_cursor
from desk.operations import end_handoff
from desk.rasa_client import RasaClient, RasaError
from desk.transcript import END_INTENTS, context_from_tracker, event_time, intent_of, line_from_event, transcript_until
from monitoring.metrics import DESK_EVENTS, DESK_HANDOFFS

log = logging.getLogger(__name__)
BATCH = 200
MAX_BACKOFF_SECONDS = 10.0
TRACKER_SAVE_CHECKS = 25


async def load_cursor(engine: AsyncEngine, source: str) -> int:
    async with engine.connect() as connection:
        query = select(broker_cursor.c.last_event_id).where(broker_cursor.c.source == source)
        return (await connection.execute(query)).scalar_one_or_none() or 0


async def save_cursor(connection: AsyncConnection, source: str, last_event_id: int) -> None:
    result = await connection.execute(
        update(broker_cursor).where(broker_cursor.c.source == source).values(last_event_id=last_event_id)
    )
    if result.rowcount == 0:
        await connection.execute(insert(broker_cursor).values(source=source, last_event_id=last_event_id))


class EventFollower:
    def __init__(
        self,
        engine: AsyncEngine,
        source: EventSource,
        rasa: RasaClient,
        clock: Callable[[], datetime],
        poll_seconds: float = 0.5,
    ):
        self._engine = engine
        self._source = source
        self._rasa = rasa
        self._clock = clock
        self._poll_seconds = poll_seconds
        # Why the last catch-up failed (None: it worked); the desk's /ready reports it.
        self.problem: str | None = "not caught up yet"

    async def run(self) -> None:
        """Apply events forever; a failing event is retried with a growing pause, never skipped."""
        backoff = self._poll_seconds
        while True:
            try:
                applied = await self.catch_up()
                backoff = self._poll_seconds
                if not applied:
                    await asyncio.sleep(self._poll_seconds)
            except asyncio.CancelledError:
                raise
            except Exception as error:  # Rasa or a database down: wait and retry the same event
                reason = error if isinstance(error, RasaError) else type(error).__name__
                self.problem = str(reason)
                log.warning("event follower: %s; retrying in %.1f s", reason, backoff)
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, MAX_BACKOFF_SECONDS)

    async def catch_up(self) -> int:
        """Apply every event published so far; returns how many there were."""
        cursor = await load_cursor(self._engine, self._source.name)
        total = 0
        while batch := await self._source.read_after(cursor, BATCH):
            for event in batch:
                await self._apply(event)
                cursor = event.id
            DESK_EVENTS.labels(self._source.name).inc(len(batch))
            # Events that changed nothing still move the cursor, once per batch.
            async with self._engine.begin() as connection:
                await save_cursor(connection, self._source.name, cursor)
            total += len(batch)
        self.problem = None
        return total

    async def _apply(self, event: BrokerEvent) -> None:
        kind = event.data.get("event")
        if kind == "pause":
            await self._start_handoff(event)
            return
        if kind not in ("user", "bot", "resume", "restart"):
            return
        async with self._engine.connect() as connection:
            handoff_id = await handoffs.open_handoff_id(connection, event.sender_id)
        if handoff_id is None:
            return
        if kind in ("resume", "restart"):  # Rasa took the conversation back by itself
            await handoffs.mark_ended(self._engine, handoff_id, "bot", event_time(event.data))
            return
        line = line_from_event(event.data)
        if line is None or line.role == "agent":  # the desk stored its agents' replies when sending them
            return
        async with self._engine.begin() as connection:
            await handoffs.append_message(connection, handoff_id, line)
            await save_cursor(connection, self._source.name, event.id)
        if kind == "user" and intent_of(event.data) in END_INTENTS:
            await self._end_for_shopper(handoff_id)

    async def _start_handoff(self, event: BrokerEvent) -> None:
        async with self._engine.connect() as connection:
            if await handoffs.open_handoff_id(connection, event.sender_id) is not None:
                return
        paused_at = float(event.data.get("timestamp") or 0)
        tracker = await self._tracker_with_pause(event.sender_id, paused_at)
        context = context_from_tracker(tracker)
        async with self._engine.begin() as connection:
            handoff_id = await handoffs.create_handoff(
                connection,
                event.sender_id,
                context,
                transcript_until(tracker, paused_at),
                event_time(event.data),
            )
            await save_cursor(connection, self._source.name, event.id)
        DESK_HANDOFFS.labels(context.reason or "unknown").inc()
        log.info("handoff %s waiting (event %s, reason %s)", handoff_id, event.id, context.reason)

    async def _tracker_with_pause(self, sender_id: str, paused_at: float) -> dict:
        """The tracker once it holds the pause: Rasa publishes events just before it saves the tracker.

        A pause from long ago (the desk was down, the conversation restarted since)
        never shows up again; after a few seconds the tracker is taken as it is.
        """
        for _ in range(TRACKER_SAVE_CHECKS):
            tracker = await self._rasa.tracker(sender_id)
            events = tracker.get("events") or []
            if any(e.get("event") == "pause" and float(e.get("timestamp") or 0) == paused_at for e in events):
                break
            await asyncio.sleep(0.2)
        return tracker

    async def _end_for_shopper(self, handoff_id: int) -> None:
        handoff = await handoffs.get_handoff(self._engine, handoff_id)
        try:
            await end_handoff(self._engine, self._rasa, handoff, "shopper", self._clock())
        except RasaError as error:  # the agent still sees the goodbye and can end it by hand
            log.warning("handoff %s: shopper ended it but Rasa was not told: %s", handoff_id, error)
