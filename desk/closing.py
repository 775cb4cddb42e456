"""When support hours end, a shopper still waiting for a person is told and offered a ticket.

Nobody will take the conversation before the team is back, so it leaves the queue and goes back
to the bot with the shopper's own request for a person: with the team closed the bot says when
it is back and asks for an e-mail address for a ticket (actions/handoff.py). A conversation an
agent has already taken carries on past closing time.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncEngine

from business_hours import SupportHours
from desk import handoffs
from desk.rasa_client import RasaClient, RasaError

log = logging.getLogger(__name__)
CHECK_SECONDS = 30.0
ENDED_BY = "hours"


async def offer_tickets_after_hours(engine: AsyncEngine, rasa: RasaClient, hours: SupportHours, now: datetime) -> int:
    """Hand every waiting conversation back to the bot for a ticket if the team is closed; returns how many."""
    if hours.is_open(now):
        return 0
    offered = 0
    for handoff in await handoffs.open_handoffs(engine):
        if handoff["status"] != "waiting":
            continue
        previous_status = await handoffs.mark_ended(engine, handoff["id"], ENDED_BY, now)
        if previous_status is None:  # taken or ended meanwhile
            continue
        try:
            await rasa.offer_ticket(handoff["sender_id"])
        except RasaError as error:  # back in the queue; the next check tries again
            await handoffs.reopen(engine, handoff["id"], previous_status)
            log.warning("handoff %s: ticket not offered after hours: %s", handoff["id"], error)
            continue
        log.info("handoff %s: support hours ended while waiting; ticket offered", handoff["id"])
        offered += 1
    return offered


async def run(engine: AsyncEngine, rasa: RasaClient, hours: SupportHours, clock: Callable[[], datetime]) -> None:
    while True:
        try:
            await offer_tickets_after_hours(engine, rasa, hours, clock())
        except asyncio.CancelledError:
            raise
        except Exception as error:  # the database itself: try again at the next check
            log.warning("after-hours check: %s", type(error).__name__)
        await asyncio.sleep(CHECK_SECONDS)
