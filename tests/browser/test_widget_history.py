"""Nothing lost, and history that follows the shopper: a reply sent while the shopper was between
two pages is shown on the next one, a sent message never comes back into the text box, and the
conversation is there again after closing the tab, the next day, until `widget.history_hours`."""

from __future__ import annotations

import time
from datetime import datetime, timedelta

from playwright.sync_api import Browser, Page, expect

from tests.browser.chat import GREETING, Chat
from tests.browser.servers import DESKTOP, send_as_agent, user_texts
from tests.desk.socketio_shopper import SocketShopper
from tests.support.processes import ARTIFACTS
from tests.support.stack import Stack

ANNA = "Anna"
AGENT_TEXT = "Your parcel left our warehouse this morning."
HISTORY_HOURS = 72  # assistant.yml, widget.history_hours


def test_agent_message_sent_while_the_shopper_is_between_pages_is_shown_on_the_next_page(page: Page, shop: str, stack: Stack):
    page.goto(shop)
    chat = Chat(page)
    chat.open()
    chat.ask("hello", GREETING)
    session_id = chat.session_id()
    page.goto("about:blank")  # between two pages: no widget, no socket
    send_as_agent(stack, session_id, ANNA, AGENT_TEXT)
    page.goto(f"{shop}/oak-arc-floor-lamp.html")
    agent_messages = chat.log.locator(".msg--agent")
    expect(agent_messages).to_have_count(1)
    expect(agent_messages.locator(".who")).to_contain_text(ANNA)
    expect(agent_messages.locator(".bubble")).to_have_text(AGENT_TEXT)
    page.reload()  # replayed once, not again on every connect
    expect(chat.log.locator(".msg--bot, .msg--agent").filter(has_text=GREETING)).to_have_count(1)
    page.wait_for_timeout(1000)  # time for a wrongly repeated replay to arrive
    expect(agent_messages).to_have_count(1)


def test_missed_messages_go_only_to_the_conversation_they_belong_to(page: Page, shop: str, stack: Stack):
    page.goto(shop)
    chat = Chat(page)
    chat.open()
    chat.ask("hello", GREETING)
    session_id = chat.session_id()
    since = time.time()
    send_as_agent(stack, session_id, ANNA, AGENT_TEXT)
    owner = SocketShopper(stack.rasa_url, session_id=session_id, confirm=False)
    stranger = SocketShopper(stack.rasa_url, session_id="sio-guess-1", confirm=False)
    try:
        owner._client.emit("session_request", {"session_id": session_id, "last_seen": since})
        assert owner.wait_for_text(AGENT_TEXT, timeout=10)["agent_name"] == ANNA
        # A short, guessable id gets no replay, not even of its own conversation.
        stack.send("sio-guess-1", "hello")
        stranger._client.emit("session_request", {"session_id": "sio-guess-1", "last_seen": 0})
        stranger.confirmed.get(timeout=10)
        time.sleep(1)
        assert stranger.received.empty()
    finally:
        owner.close()
        stranger.close()


def test_a_sent_message_does_not_come_back_into_the_text_box_after_a_reload(page: Page, shop: str):
    page.goto(shop)
    chat = Chat(page)
    chat.open()
    chat.ask("hello", GREETING)
    page.reload()
    expect(chat.user_messages()).to_have_text(["hello"])
    expect(chat.input).to_have_value("")
    chat.input.fill("an unsent draft")
    page.reload()
    expect(chat.input).to_have_value("an unsent draft")  # what was not sent is kept


def test_conversation_is_there_after_closing_the_tab_the_next_day_until_it_expires(browser: Browser, shop: str, stack: Stack):
    context = browser.new_context(viewport=DESKTOP, locale="en-US")
    try:
        first = context.new_page()
        first.goto(shop)
        chat = Chat(first)
        chat.open()
        chat.ask("hello", GREETING)
        session_id = chat.session_id()
        first.close()

        next_day = context.new_page()
        next_day.clock.set_system_time(datetime.now() + timedelta(days=1))
        next_day.goto(shop)
        chat = Chat(next_day)
        expect(chat.user_messages()).to_have_text(["hello"])
        chat.ask("hi again", GREETING)
        assert chat.session_id() == session_id
        assert user_texts(stack, session_id) == ["hello", "hi again"]
        next_day.screenshot(path=ARTIFACTS / "widget-history-next-day.png")
        next_day.close()

        after_expiry = context.new_page()
        after_expiry.clock.set_system_time(datetime.now() + timedelta(days=1, hours=HISTORY_HOURS + 1))
        after_expiry.goto(shop)
        chat = Chat(after_expiry)
        chat.open()
        expect(chat.user_messages()).to_have_count(0)
        assert chat.session_id() != session_id
    finally:
        context.close()
