"""A shopper in the widget and an agent in the desk, each in their own browser: the header says
honestly whether a person is there, and each sees the other typing."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, expect

from tests.browser.chat import ANSWER_TIMEOUT_MS, GREETING, Chat
from tests.browser.desk_stack import DeskStack, desk_stack
from tests.browser.looks import screenshots
from tests.browser.servers import DESKTOP
from tests.support.processes import ARTIFACTS

AVAILABLE = "Online · a person is available"
AWAY = "Online · our team is away, the assistant answers"


@pytest.fixture(scope="module")
def assistant(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DeskStack]:
    with desk_stack(tmp_path_factory.mktemp("widget-desk")) as running:
        yield running


def test_header_says_whether_a_person_is_available_not_only_that_it_is_connected(browser: Browser, assistant: DeskStack):
    shopper = browser.new_context(viewport=DESKTOP, locale="en-US")
    try:
        page = shopper.new_page()
        page.goto(assistant.shop)
        chat = Chat(page)
        chat.open()
        status = page.locator("shop-assistant-widget .status")
        expect(status).to_have_text(AWAY)  # open hours, but nobody is signed in
        agent_context, _ = assistant.agent_page(browser, "anna")
        try:
            page.reload()
            expect(status).to_have_text(AVAILABLE)
            screenshots(page, "widget-person-available")
        finally:
            agent_context.close()
    finally:
        shopper.close()


def test_shopper_sees_the_agent_typing_and_the_agent_sees_the_shopper_typing(browser: Browser, assistant: DeskStack):
    shopper = browser.new_context(viewport=DESKTOP, locale="en-US")
    agent_context, agent = assistant.agent_page(browser, "anna")
    try:
        page = shopper.new_page()
        page.goto(assistant.shop)
        chat = Chat(page)
        chat.open()
        assistant.hand_off(chat)
        assistant.take(agent)

        agent.locator("#reply-text").press_sequentially("Let me check that for you", delay=20)
        anna_typing = page.locator("shop-assistant-widget .agent-typing")
        expect(anna_typing).to_have_text("Anna is typing…", timeout=5000)
        screenshots(page, "widget-agent-typing")
        agent.keyboard.press("Enter")
        expect(chat.log.locator(".msg--agent .bubble")).to_have_text(["Let me check that for you"], timeout=ANSWER_TIMEOUT_MS)
        expect(anna_typing).to_be_hidden()

        chat.input.press_sequentially("It's a gift for tomorrow", delay=20)
        shopper_typing = agent.locator("#shopper-typing")
        expect(shopper_typing).to_be_visible(timeout=5000)
        expect(shopper_typing).to_have_text("Shopper is typing…")
        agent.screenshot(path=str(ARTIFACTS / "desk-shopper-typing.png"))
        chat.input.press("Enter")
        expect(agent.locator("#transcript .msg.shopper .bubble").last).to_have_text("It's a gift for tomorrow", timeout=10_000)
        expect(shopper_typing).to_be_hidden(timeout=5000)  # sending ends "typing"
    finally:
        agent_context.close()
        shopper.close()


def test_a_shopper_who_gave_an_email_gets_the_transcript_by_email(browser: Browser, assistant: DeskStack):
    shopper = browser.new_context(viewport=DESKTOP, locale="en-US")
    try:
        page = shopper.new_page()
        page.goto(assistant.shop)
        chat = Chat(page)
        chat.open()
        chat.ask("hello", GREETING)
        email_me = page.get_by_role("button", name="E-mail me this chat")
        email_me.click()  # no e-mail address in this conversation yet: nothing is sent
        expect(chat.bot_messages().last).to_contain_text("once you've given us your e-mail address")
        chat.ask("where is my order 100205?", "e-mail")
        chat.ask("magda.kaminska@example.com", "100205")
        email_me.click()
        expect(chat.bot_messages().last).to_have_text("We've sent this conversation to the e-mail address you gave us.")
        screenshots(page, "widget-transcript-sent")
        [mail] = assistant.mailbox.messages
        assert mail["To"] == "magda.kaminska@example.com"
        body = mail.get_payload(decode=True).decode()
        assert "You: where is my order 100205?" in body and "Assistant" not in mail["To"]
    finally:
        shopper.close()
