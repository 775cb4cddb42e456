"""Agents: accounts with argon2-hashed passwords, and who counts as online."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import exists, func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from desk.db import agent_presence, agents

PRESENCE = ("available", "away")

HASHER = PasswordHasher()
# Verified against when the username is unknown, so both cases take the same time.
_DUMMY_HASH = HASHER.hash("not a password of anyone")


# An admin sees every agent's analytics and the bot's; an agent sees only their own numbers.
ADMIN, AGENT_ROLE = "admin", "agent"
ROLES = (AGENT_ROLE, ADMIN)


class AgentExists(Exception):
    pass


@dataclass(frozen=True)
class Agent:
    id: int
    username: str
    display_name: str
    session_generation: int
    role: str = AGENT_ROLE

    @property
    def is_admin(self) -> bool:
        return self.role == ADMIN


def _agent(row) -> Agent:
    return Agent(row.id, row.username, row.display_name, row.session_generation, row.role)


async def create_agent(engine: AsyncEngine, username: str, display_name: str, password: str, now: datetime) -> int:
    password_hash = await asyncio.to_thread(HASHER.hash, password)
    try:
        async with engine.begin() as connection:
            result = await connection.execute(
                insert(agents).values(
                    username=username,
                    display_name=display_name,
                    password_hash=password_hash,
                    active=True,
                    session_generation=0,
                    signed_in=False,
                    created_at=now,
                )
            )
    except IntegrityError as error:
        raise AgentExists(username) from error
    return int(result.inserted_primary_key[0])


def _password_matches(password_hash: str, password: str) -> bool:
    try:
        return HASHER.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


async def authenticate(engine: AsyncEngine, username: str, password: str) -> Agent | None:
    """The active agent with this username and password, else None."""
    async with engine.connect() as connection:
        row = (await connection.execute(select(agents).where(agents.c.username == username))).first()
    matches = await asyncio.to_thread(_password_matches, row.password_hash if row else _DUMMY_HASH, password)
    if row is None or not matches or not row.active:
        return None
    if HASHER.check_needs_rehash(row.password_hash):
        new_hash = await asyncio.to_thread(HASHER.hash, password)
        async with engine.begin() as connection:
            await connection.execute(update(agents).where(agents.c.id == row.id).values(password_hash=new_hash))
    return _agent(row)


async def get_agent(engine: AsyncEngine, agent_id: int) -> Agent | None:
    """The agent if the account exists and is active."""
    async with engine.connect() as connection:
        row = (await connection.execute(select(agents).where(agents.c.id == agent_id, agents.c.active.is_(True)))).first()
    return _agent(row) if row else None


async def set_role(engine: AsyncEngine, username: str, role: str) -> bool:
    """Give the agent ``role`` (one of ROLES); False when there is no such agent."""
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}")
    async with engine.begin() as connection:
        result = await connection.execute(update(agents).where(agents.c.username == username).values(role=role))
    return result.rowcount > 0


async def sign_in(engine: AsyncEngine, agent_id: int, now: datetime) -> None:
    async with engine.begin() as connection:
        await connection.execute(update(agents).where(agents.c.id == agent_id).values(signed_in=True, last_seen_at=now))


async def sign_out(engine: AsyncEngine, agent_id: int) -> None:
    """Signed out everywhere: every session cookie of this agent stops working."""
    async with engine.begin() as connection:
        await connection.execute(
            update(agents)
            .where(agents.c.id == agent_id)
            .values(signed_in=False, session_generation=agents.c.session_generation + 1)
        )


async def touch(engine: AsyncEngine, agent_id: int, now: datetime) -> None:
    async with engine.begin() as connection:
        await connection.execute(update(agents).where(agents.c.id == agent_id).values(last_seen_at=now))


async def count_online(engine: AsyncEngine, now: datetime, idle_minutes: float) -> int:
    """Agents signed in with activity in the last ``idle_minutes`` who have not said they are away."""
    since = now - timedelta(minutes=idle_minutes)
    away = exists().where(agent_presence.c.agent_id == agents.c.id, agent_presence.c.status == "away")
    query = (
        select(func.count())
        .select_from(agents)
        .where(agents.c.signed_in.is_(True), agents.c.active.is_(True), agents.c.last_seen_at >= since, ~away)
    )
    async with engine.connect() as connection:
        return int((await connection.execute(query)).scalar_one())


async def set_presence(engine: AsyncEngine, agent_id: int, status: str, now: datetime) -> None:
    if status not in PRESENCE:
        raise ValueError(f"presence must be one of {', '.join(PRESENCE)}")
    async with engine.begin() as connection:
        result = await connection.execute(
            update(agent_presence).where(agent_presence.c.agent_id == agent_id).values(status=status, changed_at=now)
        )
        if result.rowcount == 0:
            await connection.execute(insert(agent_presence).values(agent_id=agent_id, status=status, changed_at=now))


async def presence_of(engine: AsyncEngine, agent_id: int) -> str:
    async with engine.connect() as connection:
        query = select(agent_presence.c.status).where(agent_presence.c.agent_id == agent_id)
        return (await connection.execute(query)).scalar_one_or_none() or "available"


async def colleagues(engine: AsyncEngine, agent_id: int, now: datetime, idle_minutes: float) -> list[dict]:
    """The other active agents, each with whether they are online and available (to hand a conversation to)."""
    since = now - timedelta(minutes=idle_minutes)
    query = (
        select(agents.c.id, agents.c.display_name, agents.c.signed_in, agents.c.last_seen_at, agent_presence.c.status)
        .select_from(agents.outerjoin(agent_presence, agent_presence.c.agent_id == agents.c.id))
        .where(agents.c.active.is_(True), agents.c.id != agent_id)
        .order_by(agents.c.display_name)
    )
    async with engine.connect() as connection:
        rows = (await connection.execute(query)).all()
    return [
        {
            "id": row.id,
            "name": row.display_name,
            "state": "away" if row.status == "away"
            else "available" if row.signed_in and row.last_seen_at and row.last_seen_at >= since else "offline",
        }
        for row in rows
    ]
