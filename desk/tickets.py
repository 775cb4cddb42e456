"""Offline tickets: when nobody can answer now, the shopper leaves an e-mail address and gets a promised reply time."""

from __future__ import annotations

import logging
import re
import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncEngine

from business_hours import SupportHours
from desk.db import tickets
from desk.rasa_client import RasaClient, RasaError
from desk.transcript import transcript_until

log = logging.getLogger(__name__)
EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]+$")
FIELD_LIMITS = {"sender_id": 255, "email": 320, "reason": 64, "channel": 64, "language": 16}


@dataclass(frozen=True)
class TicketRequest:
    sender_id: str
    email: str
    reason: str
    channel: str
    language: str


def parse_ticket_request(body: Any) -> TicketRequest:
    """The bot's ticket call, checked; raises ValueError naming the first bad field."""
    if not isinstance(body, dict):
        raise ValueError("body must be a JSON object")
    defaults = {"reason": "shopper_asked", "channel": "unknown", "language": "en"}
    values = {}
    for field, limit in FIELD_LIMITS.items():
        value = body.get(field) or defaults.get(field)
        if not isinstance(value, str) or not value.strip() or len(value) > limit:
            raise ValueError(f"{field} must be a non-empty string of at most {limit} characters")
        values[field] = value.strip()
    if not EMAIL.match(values["email"]):
        raise ValueError("email is not an e-mail address")
    return TicketRequest(**values)


def new_ticket_id() -> str:
    return f"T-{secrets.token_hex(4).upper()}"


async def _transcript(rasa: RasaClient, sender_id: str, now: datetime) -> list[dict[str, Any]]:
    try:
        tracker = await rasa.tracker(sender_id)
    except RasaError as error:  # the ticket (and the shopper's address) matters more than the transcript
        log.warning("ticket without transcript: %s", error)
        return []
    return [
        {"role": line.role, "text": line.text, "at": line.at.isoformat(), "author_name": line.author_name}
        for line in transcript_until(tracker, now.timestamp())
    ]


async def create_ticket(
    engine: AsyncEngine,
    rasa: RasaClient,
    hours: SupportHours,
    request: TicketRequest,
    now: datetime,
    *,
    email: bool,
    webhook: bool,
) -> dict[str, Any]:
    """Store the ticket with the conversation so far; deliveries are left pending for :mod:`desk.delivery`."""
    reply_by = hours.reply_by(now, hours.ticket_reply_within_hours)
    row = {
        "id": new_ticket_id(),
        **request.__dict__,
        "transcript": await _transcript(rasa, request.sender_id, now),
        "created_at": now,
        "promised_reply_by": reply_by,
        "promised_reply_text": hours.describe(reply_by) if reply_by else "as soon as possible",
        "email_status": "pending" if email else "off",
        "webhook_status": "pending" if webhook else "off",
        "delivery_attempts": 0,
        "next_attempt_at": now,
    }
    async with engine.begin() as connection:
        await connection.execute(insert(tickets).values(**row))
    log.info("ticket %s created", row["id"])
    return row


async def get_ticket(engine: AsyncEngine, ticket_id: str) -> dict[str, Any] | None:
    async with engine.connect() as connection:
        row = (await connection.execute(select(tickets).where(tickets.c.id == ticket_id))).mappings().first()
    return dict(row) if row else None
