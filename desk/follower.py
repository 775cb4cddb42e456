"""Follows Rasa's event broker: pauses become handoffs, later shopper messages reach the agent.

Events are applied in id order. The cursor (the last id applied) is stored in the
desk database in the same transaction as the change an event makes, so a desk
restart neither loses nor repeats anything: it carries on from the cursor.
A new handoff's transcript and context come from Rasa's tracker, read apart from
the events (table ``pending_histories``), so no conversation can hold up the others.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from datetime import datetime, timedelta

import aiohttp
from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from customers import CustomerDirectory
from desk import handoffs, kb_learning
from desk.attachments import attachment_of, link_to_message
from desk.broker import BrokerEvent, EventSource
from desk.db import broker_cursor
from desk.operations import end_handoff
from desk.rasa_client import RasaClient, RasaError, unroutable_reason
from desk.transcript import END_INTENTS, context_from_tracker, event_time, intent_of, line_from_event, transcript_until
from kb_index.feedback import SIGNAL_SLOT
from monitoring.metrics import DESK_EVENTS, DESK_HANDOFFS

log = logging.getLogger(__name__)
BATCH = 200
# The broker is read again at least this often while idle (one indexed SELECT), and sooner when
# the source sees a sign of new events (EventSource.wait): a new handoff must reach every agent's
# queue within a second (bench/desk_queue_latency.py), a shopper's message the agent's
# conversation within 300 ms (bench/handoff_latency.py).
POLL_SECONDS = 0.2
MAX_BACKOFF_SECONDS = 10.0
# Rasa saves the tracker just after it publishes the pause: up to 25 checks 0.2 s apart.
TRACKER_SAVE_CHECKS = 25
TRACKER_SAVE_CHECK_SECONDS = 0.2
HISTORY_CHECK_SECONDS = 0.2  # while some history is due soon
HISTORY_IDLE_SECONDS = 2.0  # otherwise (a new handoff wakes the loader at once)
HISTORY_READ_TIMEOUT = aiohttp.ClientTimeout(total=5)
# Rasa refusing or not answering: 1, 2, 4 ... 60 s apart, about 4 minutes in all.
HISTORY_RETRY_SECONDS = 0.5
MAX_HISTORY_RETRY_SECONDS = 60.0
MAX_HISTORY_FAILURES = 10


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
    """Applies the broker's events in order; reads each new handoff's history from Rasa on the side.

    Following the events needs only the desk database, so one conversation Rasa cannot
    answer for (or answers slowly) never holds up the others: its history is retried on
    its own schedule, and the handoff waits out of the queue until it has one.
    """

    def __init__(
        self,
        engine: AsyncEngine,
        source: EventSource,
        rasa: RasaClient,
        clock: Callable[[], datetime],
        poll_seconds: float = POLL_SECONDS,
        customers: CustomerDirectory | None = None,
        on_change: Callable[[], None] = lambda: None,
    ):
        self._engine = engine
        self._source = source
        self._rasa = rasa
        self._clock = clock
        self._poll_seconds = poll_seconds
        self._customers = customers
        # Why the last catch-up failed (None: it worked); the desk's /ready reports it.
        self.problem: str | None = "not caught up yet"
        self._on_change = on_change  # the pages read again (desk.live)
        self._new_history = asyncio.Event()
        self._loading: dict[int, asyncio.Task] = {}  # handoff id -> its history read in progress
        # A history moves the messages that arrived meanwhile behind it: no message may be appended during that.
        self._messages_lock = asyncio.Lock()

    async def run(self) -> None:
        try:
            await asyncio.gather(self._follow_events(), self._load_histories())
        finally:
            for task in self._loading.values():
                task.cancel()

    def stand_by(self) -> None:
        """Another desk process follows the broker: nothing is behind for this one."""
        self.problem = None

    async def _follow_events(self) -> None:
        """Apply events forever; a failing event (the database down) is retried with a growing pause, never skipped."""
        backoff = self._poll_seconds
        while True:
            try:
                applied = await self.catch_up()
                backoff = self._poll_seconds
                if applied:
                    self._on_change()
                else:
                    await self._source.wait(self._poll_seconds)
            except asyncio.CancelledError:
                raise
            except Exception as error:  # the broker or a database down: wait and retry the same event
                self.problem = type(error).__name__
                log.warning("event follower: %s; retrying in %.1f s", self.problem, backoff)
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, MAX_BACKOFF_SECONDS)

    async def _load_histories(self) -> None:
        while True:
            tried = 0
            try:
                tried = await self.load_histories(wait=False)
            except asyncio.CancelledError:
                raise
            except Exception as error:  # the database itself: try again at the next round
                log.warning("handoff histories: %s", type(error).__name__)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._new_history.wait(), HISTORY_CHECK_SECONDS if tried else HISTORY_IDLE_SECONDS)
            self._new_history.clear()

    async def catch_up(self) -> int:
        """Apply every event published so far; returns how many there were."""
        cursor = await load_cursor(self._engine, self._source.name)
        total = 0
        while batch := await self._source.read_after(cursor, BATCH):
            for event in batch:
                await self._observe_customer(event)
                await self._apply(event)
                cursor = event.id
            DESK_EVENTS.labels(self._source.name).inc(len(batch))
            # Events that changed nothing still move the cursor, once per batch.
            async with self._engine.begin() as connection:
                await save_cursor(connection, self._source.name, cursor)
            total += len(batch)
        self.problem = None
        return total

    async def load_histories(self, wait: bool = True) -> int:
        """Start reading the history of every handoff that is due, each on its own; returns how many were started.

        ``wait=False`` (the background loop) does not wait for them, so a read Rasa is
        slow to answer delays nobody else's; tests wait.
        """
        due = [p for p in await handoffs.due_histories(self._engine, self._clock()) if p["handoff_id"] not in self._loading]
        started = []
        for pending in due:
            task = asyncio.create_task(self._load_history(pending))
            self._loading[pending["handoff_id"]] = task
            task.add_done_callback(lambda _, handoff_id=pending["handoff_id"]: self._loading.pop(handoff_id, None))
            started.append(task)
        if wait:
            await asyncio.gather(*started)
        return len(due)

    async def _observe_customer(self, event: BrokerEvent) -> None:
        """Feed the customer history first, so a new handoff's view finds its conversation.

        The history must never hold up a handoff: an event it fails on is logged and left out.
        """
        if self._customers is None:
            return
        try:
            await self._customers.observe(event)
        except Exception as error:
            log.warning("event %s: customer history not updated: %s", event.id, type(error).__name__)

    async def _apply(self, event: BrokerEvent) -> None:
        kind = event.data.get("event")
        if kind == "pause":
            await self._start_handoff(event)
            return
        if kind == "slot" and event.data.get("name") == SIGNAL_SLOT:
            async with self._engine.begin() as connection:
                await kb_learning.record_signal(connection, event.sender_id, event.data.get("value"), self._clock())
                await save_cursor(connection, self._source.name, event.id)
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
        async with self._messages_lock, self._engine.begin() as connection:
            timestamp = float(event.data.get("timestamp") or 0)
            message_id = await handoffs.append_message(connection, handoff_id, line, rasa_timestamp=timestamp)
            if kind == "user" and (attachment_id := attachment_of(event.data)):
                await link_to_message(connection, attachment_id, event.sender_id, message_id)
            await save_cursor(connection, self._source.name, event.id)
        self._on_change()  # the agent's open conversation shows it now, not once the whole catch-up is done
        if kind == "user" and intent_of(event.data) in END_INTENTS:
            await self._end_for_shopper(handoff_id)

    async def _start_handoff(self, event: BrokerEvent) -> None:
        async with self._engine.connect() as connection:
            if await handoffs.open_handoff_id(connection, event.sender_id) is not None:
                return
        reason = unroutable_reason(event.sender_id)
        if reason is not None:
            # Nothing the desk did could reach this shopper (replies, "End"): refused, loudly, without the id.
            log.error("event %s: handoff refused: %s; the channel must not accept such ids", event.id, reason)
            return
        async with self._engine.begin() as connection:
            handoff_id = await handoffs.create_pending_handoff(
                connection, event.sender_id, float(event.data.get("timestamp") or 0), event_time(event.data), self._clock()
            )
            await save_cursor(connection, self._source.name, event.id)
        self._new_history.set()
        log.info("handoff %s waiting (event %s)", handoff_id, event.id)

    async def _load_history(self, pending: dict) -> None:
        """One read of the tracker: Rasa publishes events just before it saves the tracker, so it may not hold the pause yet.

        A pause from long ago (the desk was down, the conversation restarted since) never
        shows up; after a few checks the tracker is taken as it is. A conversation Rasa
        does not answer for is retried with a growing pause and finally shown without it.
        """
        try:
            await self._read_history(pending)
        except Exception as error:  # the desk database: the row stays due and is tried again
            log.warning("handoff %s: history not stored: %s", pending["handoff_id"], type(error).__name__)

    async def _read_history(self, pending: dict) -> None:
        handoff_id = pending["handoff_id"]
        now = self._clock()
        try:
            tracker = await self._rasa.tracker(pending["sender_id"], timeout=HISTORY_READ_TIMEOUT)
        except RasaError as error:
            failures = pending["failures"] + 1
            if failures >= MAX_HISTORY_FAILURES:
                log.error("handoff %s: no history from Rasa after %d tries (%s); shown without it", handoff_id, failures, error)
                await handoffs.postpone_history(self._engine, handoff_id, now, failures=failures, given_up=True)
                DESK_HANDOFFS.labels("unknown").inc()
                self._on_change()  # now shown in the queue
                return
            delay = min(HISTORY_RETRY_SECONDS * 2**failures, MAX_HISTORY_RETRY_SECONDS)
            log.warning("handoff %s: history not read (%s); retrying in %.0f s", handoff_id, error, delay)
            await handoffs.postpone_history(self._engine, handoff_id, now + timedelta(seconds=delay), failures=failures)
            return
        paused_at = pending["paused_at"]
        events = tracker.get("events") or []
        saved = any(e.get("event") == "pause" and float(e.get("timestamp") or 0) == paused_at for e in events)
        if not saved and pending["checks"] + 1 < TRACKER_SAVE_CHECKS:
            later = now + timedelta(seconds=TRACKER_SAVE_CHECK_SECONDS)
            await handoffs.postpone_history(self._engine, handoff_id, later, checks=pending["checks"] + 1)
            return
        context, transcript = context_from_tracker(tracker), transcript_until(tracker, paused_at)
        async with self._messages_lock:
            await handoffs.record_history(self._engine, handoff_id, context, transcript)
        DESK_HANDOFFS.labels(context.reason or "unknown").inc()
        self._on_change()  # the handoff joins the queue now

    async def _end_for_shopper(self, handoff_id: int) -> None:
        handoff = await handoffs.get_handoff(self._engine, handoff_id)
        try:
            await end_handoff(self._engine, self._rasa, handoff, "shopper", self._clock())
        except RasaError as error:  # the agent still sees the goodbye and can end it by hand
            log.warning("handoff %s: shopper ended it but Rasa was not told: %s", handoff_id, error)
