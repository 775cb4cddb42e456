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

    async def close(self) -> None: ...
