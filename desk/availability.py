"""Is a person available, and how long would a shopper wait? Plain functions, no I/O."""

from __future__ import annotations

import math
from datetime import datetime
from typing import Any

from business_hours import SupportHours


def expected_wait_minutes(agents_online: int, waiting: int, active: int, minutes_per_conversation: float) -> int | None:
    """Minutes until an agent picks up a shopper who joins the queue now; None when nobody is online.

    Each online agent handles one conversation at a time and a conversation takes
    ``minutes_per_conversation``: the newcomer is served once the agents have
    finished as many conversations as are ahead of them beyond the free agents.
    """
    if agents_online <= 0:
        return None
    to_finish = max(0, waiting + active - agents_online + 1)
    return math.ceil(to_finish * minutes_per_conversation / agents_online)


def availability(
    hours: SupportHours, now: datetime, agents_online: int, waiting: int, active: int, minutes_per_conversation: float
) -> dict[str, Any]:
    """The answer of ``GET /api/bot/availability`` (docs/handoff.md)."""
    is_open = hours.is_open(now)
    next_opening = None if is_open else hours.next_opening(now)
    return {
        "open": is_open,
        "agents_online": agents_online,
        "queue_length": waiting,
        "expected_wait_minutes": expected_wait_minutes(agents_online, waiting, active, minutes_per_conversation)
        if is_open
        else None,
        "next_opening": next_opening.isoformat() if next_opening else None,
        "next_opening_text": hours.describe(next_opening) if next_opening else None,
    }
