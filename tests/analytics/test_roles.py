"""The admin role: added to desk databases made before it (SQLite and PostgreSQL), granted through the CLI."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from desk import agents
from desk.db import open_database
from tests.analytics.conftest import Month, run_desk_cli
from tests.desk.postgres import postgres_bin, temporary_postgres
from tests.desk.support import MONDAY_MORNING, PASSWORD


@pytest.fixture(params=["sqlite", "postgresql"])
def old_desk(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A desk database as it was before roles: an agents table without the column, one agent in it."""
    if request.param == "postgresql":
        if postgres_bin() is None:
            pytest.skip("PostgreSQL (Debian package postgresql) is not installed")
        with temporary_postgres() as url:
            yield from _with_old_agents(url)
    else:
        yield from _with_old_agents(f"sqlite:///{tmp_path / 'desk.db'}")


def _with_old_agents(url: str) -> Iterator[str]:
    old = sa.Table(
        "agents", sa.MetaData(), sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("username", sa.String(80), nullable=False, unique=True),
        sa.Column("display_name", sa.String(120), nullable=False),
        sa.Column("password_hash", sa.String(255), nullable=False), sa.Column("active", sa.Boolean, nullable=False),
        sa.Column("session_generation", sa.Integer, nullable=False), sa.Column("signed_in", sa.Boolean, nullable=False),
        sa.Column("last_seen_at", sa.DateTime), sa.Column("created_at", sa.DateTime, nullable=False),
    )
    engine = sa.create_engine(url)
    old.metadata.create_all(engine)
    with engine.begin() as connection:
        connection.execute(old.insert().values(username="olga", display_name="Olga", password_hash=agents.HASHER.hash(PASSWORD),
                                               active=True, session_generation=0, signed_in=False,
                                               created_at=MONDAY_MORNING.replace(tzinfo=None)))
    engine.dispose()
    yield url


async def test_an_existing_desk_database_gets_the_role_and_keeps_its_agents(old_desk: str) -> None:
    engine = await open_database(old_desk)
    try:
        olga = await agents.authenticate(engine, "olga", PASSWORD)
        assert olga is not None and olga.role == "agent" and not olga.is_admin
        assert await agents.set_role(engine, "olga", "admin") is True
        assert (await agents.get_agent(engine, olga.id)).is_admin
        assert await agents.set_role(engine, "nobody", "admin") is False
    finally:
        await engine.dispose()
    again = await open_database(old_desk)  # the step runs at every start: a second time changes nothing
    try:
        assert (await agents.authenticate(again, "olga", PASSWORD)).is_admin
    finally:
        await again.dispose()


def test_the_cli_grants_and_takes_back_the_admin_role(month: Month) -> None:
    assert run_desk_cli(month, "set-role", "--username", "chloe", "--role", "admin").returncode == 0
    taken = run_desk_cli(month, "set-role", "--username", "chloe", "--role", "agent")
    assert taken.returncode == 0 and "now has the role 'agent'" in taken.stdout
    unknown = run_desk_cli(month, "set-role", "--username", "zed", "--role", "admin")
    assert unknown.returncode == 1 and "no agent called 'zed'" in unknown.stderr
