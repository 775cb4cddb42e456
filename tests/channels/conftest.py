"""One assistant for the channel tests: real Rasa, action server and desk, each messenger's
connector enabled through its environment variables and pointed at a local fake platform."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from desk.agents import create_agent
from desk.db import open_database, utcnow
from tests.desk.agent_client import AgentClient
from tests.desk.desk_process import BOT_TOKEN, DeskProcess, desk_env, start_desk
from tests.desk.support import PASSWORD
from tests.desk.test_handoff_e2e import project_config_always_open
from tests.fakes.fake_messenger import INSTAGRAM_ATTACHMENTS, FakeMessenger
from tests.fakes.fake_slack import FakeSlack
from tests.fakes.fake_telegram import FakeTelegram
from tests.fakes.fake_whatsapp import FakeWhatsApp
from tests.support.processes import free_port
from tests.support.stack import Stack, start_stack
from tests.support.threaded_server import serve_in_thread

TELEGRAM_SECRET = "telegram-webhook-secret-for-tests"
WHATSAPP_APP_SECRET = "whatsapp-app-secret-for-tests"
WHATSAPP_VERIFY_TOKEN = "whatsapp-verify-token-for-tests"
META_APP_SECRET = "meta-app-secret-for-tests"
META_VERIFY_TOKEN = "meta-verify-token-for-tests"
SLACK_SIGNING_SECRET = "slack-signing-secret-for-tests"


@dataclass
class Assistant:
    stack: Stack
    desk: DeskProcess
    telegram: FakeTelegram
    whatsapp: FakeWhatsApp
    messengers: dict[str, FakeMessenger]  # "facebook", "instagram"
    slack: FakeSlack
    env: dict[str, str]

    def agent(self, username: str) -> AgentClient:
        return AgentClient(self.desk.url).sign_in(username)


async def add_agent(database_url: str, username: str, name: str) -> None:
    engine = await open_database(database_url)
    try:
        await create_agent(engine, username, name, PASSWORD, utcnow())
    finally:
        await engine.dispose()


@pytest.fixture(scope="package")
def assistant(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Assistant]:
    workdir = tmp_path_factory.mktemp("channels")
    config = project_config_always_open(workdir)
    telegram, whatsapp, slack = FakeTelegram(), FakeWhatsApp(), FakeSlack()
    messengers = {"facebook": FakeMessenger("EAAB-fake-page-token", 2000),
                  "instagram": FakeMessenger("IGQ-fake-token", 1000, INSTAGRAM_ATTACHMENTS)}
    desk_port = free_port()
    shared = {"ASSISTANT_CONFIG": str(config), "EVENT_BROKER_DB": str(workdir / "events.db"),
              "DESK_DATABASE": f"sqlite:///{workdir / 'desk.db'}"}
    # In this process, as `desk create-agent` does: the CLI's cold start took over a minute on a busy machine.
    asyncio.run(add_agent(shared["DESK_DATABASE"], "anna", "Anna"))
    with (serve_in_thread(telegram.app) as telegram_url, serve_in_thread(whatsapp.app) as whatsapp_url,
          serve_in_thread(messengers["facebook"].app) as facebook_url,
          serve_in_thread(messengers["instagram"].app) as instagram_url, serve_in_thread(slack.app) as slack_url):
        channels = {
            "TELEGRAM_BOT_TOKEN": telegram.token,
            "TELEGRAM_WEBHOOK_SECRET": TELEGRAM_SECRET,
            "TELEGRAM_API_URL": telegram_url,
            "WHATSAPP_ACCESS_TOKEN": whatsapp.token,
            "WHATSAPP_APP_SECRET": WHATSAPP_APP_SECRET,
            "WHATSAPP_VERIFY_TOKEN": WHATSAPP_VERIFY_TOKEN,
            "WHATSAPP_PHONE_NUMBER_ID": whatsapp.phone_number_id,
            "WHATSAPP_API_URL": whatsapp_url,
            "SLACK_BOT_TOKEN": slack.token,
            "SLACK_SIGNING_SECRET": SLACK_SIGNING_SECRET,
            "SLACK_API_URL": slack_url,
            "SLACK_FILES_URL": slack_url,
        }
        for name, url in (("FACEBOOK", facebook_url), ("INSTAGRAM", instagram_url)):
            channels.update({f"{name}_PAGE_TOKEN": messengers[name.lower()].token, f"{name}_APP_SECRET": META_APP_SECRET,
                             f"{name}_VERIFY_TOKEN": META_VERIFY_TOKEN, f"{name}_API_URL": url})
        stack = start_stack(
            workdir, {**shared, **channels, "DESK_URL": f"http://127.0.0.1:{desk_port}", "DESK_BOT_TOKEN": BOT_TOKEN}
        )
        try:
            # Agents' files reach messengers by a link the platform fetches: Rasa's socket.io channel serves it.
            env = {**os.environ, **desk_env(config, stack.rasa_url, stack.token), **shared,
                   "ATTACHMENTS_PUBLIC_URL": stack.rasa_url}
            desk = start_desk(env, desk_port)
            try:
                yield Assistant(stack, desk, telegram, whatsapp, messengers, slack, {**env, **channels})
            finally:
                desk.stop()
        finally:
            stack.stop()
