"""Saved replies ("canned responses") per language, with placeholders filled for the conversation at hand."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from sqlalchemy import delete, insert, select
from sqlalchemy.ext.asyncio import AsyncEngine

from desk.db import canned_responses

PLACEHOLDERS = ("shopper_name", "agent_name", "order")
# Only these names are replaced (never str.format, which would let a saved reply reach into objects).
PLACEHOLDER = re.compile(r"\{(" + "|".join(PLACEHOLDERS) + r")\}")
MAX_TITLE_CHARS = 120
MAX_BODY_CHARS = 4000


def parse_canned(form: Any) -> dict[str, str]:
    """A saved reply from the form; raises ValueError saying what is wrong."""
    language = str(form.get("language", "")).strip().lower()
    title = str(form.get("title", "")).strip()
    body = str(form.get("body", "")).strip()
    if not re.fullmatch(r"[a-z]{2}", language):
        raise ValueError("The language is a two-letter code such as en, pl or ru.")
    if not title or len(title) > MAX_TITLE_CHARS:
        raise ValueError(f"The title is 1 to {MAX_TITLE_CHARS} characters.")
    if not body or len(body) > MAX_BODY_CHARS:
        raise ValueError(f"The text is 1 to {MAX_BODY_CHARS} characters.")
    return {"language": language, "title": title, "body": body}


def fill(body: str, values: dict[str, str]) -> str:
    """The placeholders replaced; one without a value stays as it is, so the agent sees what to write in."""
    return PLACEHOLDER.sub(lambda match: values.get(match.group(1)) or match.group(0), body)


def order_number(verified_order: Any) -> str:
    if isinstance(verified_order, dict):
        return str(verified_order.get("number") or verified_order.get("order_number") or "")
    return "" if verified_order in (None, "") else str(verified_order)


def shopper_name(verified_order: Any) -> str:
    """The name on the verified order, when the order backend gave one."""
    if isinstance(verified_order, dict):
        return str(verified_order.get("name") or verified_order.get("customer_name") or "")
    return ""


async def add_canned(engine: AsyncEngine, reply: dict[str, str], now: datetime) -> int:
    async with engine.begin() as connection:
        result = await connection.execute(insert(canned_responses).values(**reply, created_at=now))
    return int(result.inserted_primary_key[0])


async def delete_canned(engine: AsyncEngine, canned_id: int) -> None:
    async with engine.begin() as connection:
        await connection.execute(delete(canned_responses).where(canned_responses.c.id == canned_id))


async def list_canned(engine: AsyncEngine, language: str | None = None) -> list[dict[str, Any]]:
    query = select(canned_responses).order_by(canned_responses.c.language, canned_responses.c.title)
    if language:
        query = query.where(canned_responses.c.language == language)
    async with engine.connect() as connection:
        return [dict(row) for row in (await connection.execute(query)).mappings()]
