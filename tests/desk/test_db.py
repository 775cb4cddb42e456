"""The desk's database layer, on SQLite and on PostgreSQL: the same statements, the same guarantees."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest
import pytest_asyncio
from sqlalchemy.ext.asyncio import AsyncEngine

from desk import agents, handoffs
from desk.db import metadata, open_database
from desk.transcript import Context, Line
from tests.desk.support import MONDAY_MORNING, PASSWORD

CONTEXT = Context(
    reason="verification_failed",
    channel="socketio",
    language="pl",
    verified_order={"number": "100205", "status": "shipped"},
    order_status="shipped",
    kb_candidates=[{"id": "returns", "title": "Zwroty – jak oddać?", "score": 0.43}],
)


@pytest_asyncio.fixture(loop_scope="function", params=["sqlite", "postgresql"])
async def engine(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[AsyncEngine]:
    url = f"sqlite:///{tmp_path / 'desk.db'}" if request.param == "sqlite" else request.getfixturevalue("postgres_url")
    engine = await open_database(url)
    yield engine
    async with engine.begin() as connection:
        await connection.run_sync(metadata.drop_all)
    await engine.dispose()


async def new_handoff(engine: AsyncEngine, sender_id: str = "shopper-1") -> int:
    transcript = [
        Line("shopper", "Gdzie jest moja paczka? <b>pilne</b>", MONDAY_MORNING),
        Line("bot", "Sprawdzam…", MONDAY_MORNING),
    ]
    async with engine.begin() as connection:
        return await handoffs.create_handoff(connection, sender_id, CONTEXT, transcript, MONDAY_MORNING)


async def test_of_agents_racing_to_claim_exactly_one_wins(engine: AsyncEngine) -> None:
    racers = [await agents.create_agent(engine, f"agent{i}", f"Agent {i}", PASSWORD, MONDAY_MORNING) for i in range(6)]
    for round_ in range(5):
        handoff_id = await new_handoff(engine, f"shopper-{round_}")
        results = await asyncio.gather(*(handoffs.claim(engine, handoff_id, agent_id, MONDAY_MORNING) for agent_id in racers))
        assert results.count(True) == 1
        winner = racers[results.index(True)]
        handoff = await handoffs.get_handoff(engine, handoff_id)
        assert (handoff["status"], handoff["claimed_by"]) == ("active", winner)


async def test_a_handoff_ends_once_when_agent_and_shopper_end_it_together(engine: AsyncEngine) -> None:
    handoff_id = await new_handoff(engine)
    results = await asyncio.gather(
        *(handoffs.mark_ended(engine, handoff_id, by, MONDAY_MORNING) for by in ("agent", "shopper") * 3)
    )
    assert [result for result in results if result is not None] == ["waiting"]
    assert await handoffs.claim(engine, handoff_id, 1, MONDAY_MORNING) is False  # an ended handoff cannot be claimed


async def test_handoff_context_and_transcript_come_back_as_stored(engine: AsyncEngine) -> None:
    handoff_id = await new_handoff(engine)
    handoff = await handoffs.get_handoff(engine, handoff_id)
    assert handoff["verified_order"] == {"number": "100205", "status": "shipped"}
    assert handoff["kb_candidates"] == [{"id": "returns", "title": "Zwroty – jak oddać?", "score": 0.43}]
    assert (handoff["reason"], handoff["channel"], handoff["language"]) == ("verification_failed", "socketio", "pl")
    assert handoff["created_at"] == MONDAY_MORNING
    messages = await handoffs.messages_after(engine, handoff_id)
    assert [(m["role"], m["text"]) for m in messages] == [
        ("shopper", "Gdzie jest moja paczka? <b>pilne</b>"),
        ("bot", "Sprawdzam…"),
    ]
    assert await handoffs.messages_after(engine, handoff_id, messages[0]["id"]) == messages[1:]


async def test_queue_counts_and_the_senders_open_handoff(engine: AsyncEngine) -> None:
    first, second = await new_handoff(engine, "a"), await new_handoff(engine, "b")
    await handoffs.claim(
        engine, first, await agents.create_agent(engine, "anna", "Anna", PASSWORD, MONDAY_MORNING), MONDAY_MORNING
    )
    counts = await handoffs.counts(engine)
    assert (counts.waiting, counts.active) == (1, 1)
    async with engine.connect() as connection:
        assert await handoffs.open_handoff_id(connection, "b") == second
    await handoffs.mark_ended(engine, second, "shopper", MONDAY_MORNING)
    async with engine.connect() as connection:
        assert await handoffs.open_handoff_id(connection, "b") is None


async def test_passwords_are_hashed_and_checked(engine: AsyncEngine) -> None:
    agent_id = await agents.create_agent(engine, "anna", "Anna Nowak", PASSWORD, MONDAY_MORNING)
    assert (await agents.authenticate(engine, "anna", PASSWORD)).id == agent_id
    assert await agents.authenticate(engine, "anna", PASSWORD + "!") is None
    assert await agents.authenticate(engine, "nobody", PASSWORD) is None
    with pytest.raises(agents.AgentExists):
        await agents.create_agent(engine, "anna", "Another Anna", PASSWORD, MONDAY_MORNING)


async def test_online_means_signed_in_and_active_lately(engine: AsyncEngine) -> None:
    anna = await agents.create_agent(engine, "anna", "Anna", PASSWORD, MONDAY_MORNING)
    await agents.create_agent(engine, "ben", "Ben", PASSWORD, MONDAY_MORNING)  # never signs in
    assert await agents.count_online(engine, MONDAY_MORNING, idle_minutes=5) == 0
    await agents.sign_in(engine, anna, MONDAY_MORNING)
    assert await agents.count_online(engine, MONDAY_MORNING + timedelta(minutes=4), idle_minutes=5) == 1
    assert await agents.count_online(engine, MONDAY_MORNING + timedelta(minutes=6), idle_minutes=5) == 0
    await agents.touch(engine, anna, MONDAY_MORNING + timedelta(minutes=6))
    assert await agents.count_online(engine, MONDAY_MORNING + timedelta(minutes=6), idle_minutes=5) == 1
    generation = (await agents.get_agent(engine, anna)).session_generation
    await agents.sign_out(engine, anna)
    assert await agents.count_online(engine, MONDAY_MORNING + timedelta(minutes=6), idle_minutes=5) == 0
    assert (await agents.get_agent(engine, anna)).session_generation == generation + 1
