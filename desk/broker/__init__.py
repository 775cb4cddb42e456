"""Where the desk reads Rasa's events from. Any source that hands out events by increasing id fits."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol


@dataclass(frozen=True)
class BrokerEvent:
    id: int  # increasing; the follower's cursor
    sender_id: str
    data: dict[str, Any]  # the Rasa event as JSON (``event``, ``timestamp``, ...)


class EventSource(Protocol):
    name: str  # the key of this source's cursor in the desk database

    async def read_after(self, last_id: int, limit: int) -> list[BrokerEvent]:
        """Up to ``limit`` events with an id above ``last_id``, in id order."""
        ...

    async def wait(self, timeout: float) -> None:
        """Return once new events may have arrived, at the latest after ``timeout`` seconds."""
        ...

    async def close(self) -> None: ...


def open_event_source(url: str, queue: str) -> EventSource:
    """The source for Rasa's configured broker: RabbitMQ for an ``amqp://`` URL, else the SQL broker's database."""
    if url.startswith(("amqp://", "amqps://")):
        from desk.broker.pika_broker import PikaEventSource

        return PikaEventSource(url, queue)
    from desk.broker.sql_broker import SQLEventSource

    return SQLEventSource(url)
