"""CSAT: the shopper's 1-5 rating (and optional comment) after a person helped."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncEngine

from desk.db import handoffs, ratings

MAX_COMMENT_CHARS = 2000


@dataclass(frozen=True)
class Rating:
    sender_id: str
    rating: int
    comment: str | None


def parse_rating(body: Any) -> Rating:
    """The bot's CSAT call, checked; raises ValueError naming the bad field."""
    if not isinstance(body, dict):
        raise ValueError("body must be a JSON object")
    sender_id, rating, comment = body.get("sender_id"), body.get("rating"), body.get("comment")
    if not isinstance(sender_id, str) or not sender_id or len(sender_id) > 255:
        raise ValueError("sender_id must be a non-empty string")
    if isinstance(rating, bool) or not isinstance(rating, int) or not 1 <= rating <= 5:
        raise ValueError("rating must be an integer from 1 to 5")
    if comment is not None and not isinstance(comment, str):
        raise ValueError("comment must be a string or null")
    comment = (comment or "").strip()[:MAX_COMMENT_CHARS] or None
    return Rating(sender_id, rating, comment)


async def store_rating(engine: AsyncEngine, rating: Rating, now: datetime) -> int:
    """Stored with the sender's latest handoff (the one the rating is about)."""
    async with engine.begin() as connection:
        latest = select(handoffs.c.id).where(handoffs.c.sender_id == rating.sender_id).order_by(handoffs.c.id.desc()).limit(1)
        handoff_id = (await connection.execute(latest)).scalar_one_or_none()
        result = await connection.execute(
            insert(ratings).values(
                sender_id=rating.sender_id, handoff_id=handoff_id, rating=rating.rating, comment=rating.comment, created_at=now
            )
        )
    return int(result.inserted_primary_key[0])


async def ratings_for_handoff(engine: AsyncEngine, handoff_id: int) -> list[dict[str, Any]]:
    async with engine.connect() as connection:
        query = select(ratings).where(ratings.c.handoff_id == handoff_id).order_by(ratings.c.id)
        return [dict(row) for row in (await connection.execute(query)).mappings()]
