from __future__ import annotations

import secrets
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import pytest_asyncio
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from cryptography.fernet import Fernet

from desk.agents import create_agent
from desk.app import build_app
from desk.context import DESK, Desk
from desk.settings import load_desk_settings
from tests.desk.fake_rasa import FakeRasa
from tests.desk.postgres import postgres_bin, temporary_postgres
from tests.desk.support import PASSWORD, Clock, calendar, sign_in, write_config

BOT_TOKEN = "bot-token-for-tests"


def pytest_configure(config: pytest.Config) -> None:
    # aiohttp-session 2.12 keeps its state under plain string keys; aiohttp warns on every request.
    config.addinivalue_line("filterwarnings", "ignore::aiohttp.web_exceptions.NotAppKeyWarning:aiohttp_session")


@dataclass
class Harness:
    """A desk app in this process (background loops off unless asked: tests apply events themselves) and a fake Rasa."""

    app: web.Application
    server: TestServer
    fake: FakeRasa
    rasa_server: TestServer
    clock: Clock
    clients: list[TestClient]

    @property
    def desk(self) -> Desk:
        return self.app[DESK]

    async def client(self) -> TestClient:
        """A new browser: its own cookie jar."""
        client = TestClient(self.server)
        await client.start_server()
        self.clients.append(client)
        return client

    async def agent(self, username: str, name: str) -> TestClient:
        """A signed-in agent's browser (the account is created if needed)."""
        await create_agent(self.desk.engine, username, name, PASSWORD, self.clock())
        client = await self.client()
        assert await sign_in(client, username) == 303
        return client

    async def follow(self) -> int:
        """What the background loops do: apply the new events, then read the new handoffs' histories."""
        applied = await self.desk.follower.catch_up()
        await self.desk.follower.load_histories()
        return applied

    def bot_headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {BOT_TOKEN}"}


async def start_harness(tmp_path: Path, env: dict[str, str] | None = None, run_background: bool = False,
                        **desk_settings: object) -> Harness:
    clock = Clock()
    fake = FakeRasa(tmp_path / "events.db", token=secrets.token_urlsafe(8), clock=clock)
    rasa_server = TestServer(fake.app())
    await rasa_server.start_server()
    settings = load_desk_settings(
        write_config(tmp_path, **desk_settings),
        env={
            "RASA_URL": str(rasa_server.make_url("")).rstrip("/"),
            "RASA_TOKEN": fake.token,
            "DESK_BOT_TOKEN": BOT_TOKEN,
            "DESK_SESSION_KEY": Fernet.generate_key().decode(),
            **(env or {}),
        },
    )
    app = build_app(settings, clock=clock, hours=calendar(), run_background=run_background)
    server = TestServer(app)
    await server.start_server()
    return Harness(app, server, fake, rasa_server, clock, [])


async def stop_harness(harness: Harness) -> None:
    for client in harness.clients:
        await client.close()
    await harness.server.close()
    await harness.rasa_server.close()


# The servers run in each test's own event loop.
@pytest_asyncio.fixture(loop_scope="function")
async def harness(tmp_path: Path) -> AsyncIterator[Harness]:
    running = await start_harness(tmp_path)
    yield running
    await stop_harness(running)


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """One throw-away PostgreSQL server for the session's tests."""
    if postgres_bin() is None:
        pytest.skip("PostgreSQL (Debian package postgresql) is not installed")
    with temporary_postgres() as url:
        yield url
