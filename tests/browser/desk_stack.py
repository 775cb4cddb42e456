"""The whole assistant for a shopper and an agent in two browsers: Rasa, the action server, the desk
(its own process, support hours always open, e-mail to a local SMTP server) and the demo shop."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from playwright.sync_api import Browser, BrowserContext, Page, expect

from tests.browser.chat import ANSWER_TIMEOUT_MS, Chat
from tests.browser.servers import DESKTOP, start_shop
from tests.desk.desk_process import BOT_TOKEN, DeskProcess, create_agent, desk_env, start_desk
from tests.desk.mail_and_webhook import Mailbox, smtp_server
from tests.desk.support import PASSWORD
from tests.desk.test_handoff_e2e import project_config_always_open
from tests.support.processes import Service, free_port
from tests.support.stack import Stack, start_stack

AGENTS = (("anna", "Anna"), ("ben", "Ben"))


@dataclass
class DeskStack:
    stack: Stack
    desk: DeskProcess
    shop: str
    shop_service: Service
    mailbox: Mailbox

    def agent_page(self, browser: Browser, username: str, viewport: dict | None = None, **options) -> tuple[BrowserContext, Page]:
        """A signed-in agent's browser at the queue."""
        context = browser.new_context(viewport=viewport or DESKTOP, locale="en-GB", **options)
        page = context.new_page()
        page.goto(f"{self.desk.url}/login")
        page.fill("input[name=username]", username)
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(f"{self.desk.url}/")
        return context, page

    def hand_off(self, chat: Chat) -> None:
        """The shopper asks for a person with the widget's own button; the conversation waits in the desk."""
        chat.page.get_by_role("button", name="Talk to a person").click()
        try:
            expect(chat.bot_messages().filter(has_text="queue")).not_to_have_count(0, timeout=ANSWER_TIMEOUT_MS)
        except AssertionError as error:
            raise AssertionError(f"no handoff; the chat shows: {chat.log.inner_text()!r}") from error

    def take(self, agent: Page) -> None:
        """The agent takes the conversation waiting first in the queue."""
        row = agent.locator("#waiting-rows tr").first
        row.wait_for(timeout=ANSWER_TIMEOUT_MS)
        row.locator("button", has_text="Take").click()
        agent.wait_for_url("**/conversations/*")
        agent.locator("#reply-text").wait_for()


@contextmanager
def desk_stack(workdir: Path) -> Iterator[DeskStack]:
    config = project_config_always_open(workdir)
    desk_port = free_port()
    shared = {"ASSISTANT_CONFIG": str(config), "EVENT_BROKER_DB": str(workdir / "events.db")}
    with smtp_server() as (mailbox, smtp_port):
        stack = start_stack(workdir, {**shared, "DESK_URL": f"http://127.0.0.1:{desk_port}", "DESK_BOT_TOKEN": BOT_TOKEN})
        env = {
            **os.environ,
            **desk_env(config, stack.rasa_url, stack.token),
            **shared,
            "DESK_DATABASE": f"sqlite:///{workdir / 'desk.db'}",
            "SMTP_HOST": "127.0.0.1",
            "SMTP_PORT": str(smtp_port),
        }
        with _desk_and_shop(stack, env, desk_port, mailbox) as running:
            yield running


@contextmanager
def _desk_and_shop(stack: Stack, env: dict[str, str], desk_port: int, mailbox: Mailbox) -> Iterator[DeskStack]:
    try:
        env.pop("TRACKER_DB", None)
        for username, name in AGENTS:
            assert create_agent(env, username, name, PASSWORD).returncode == 0
        desk = start_desk(env, desk_port)
        try:
            shop_service, shop = start_shop(stack)
            try:
                yield DeskStack(stack, desk, shop, shop_service, mailbox)
            finally:
                shop_service.stop()
        finally:
            desk.stop()
    finally:
        stack.stop()
