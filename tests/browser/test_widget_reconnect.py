"""The widget through a network drop, the browser going offline and a Rasa restart: it says it is
offline, keeps what the shopper writes meanwhile, and sends it once it is connected again."""

from __future__ import annotations

import re

from playwright.sync_api import Browser, Page, Route, WebSocketRoute, expect

from tests.browser.chat import ANSWER_TIMEOUT_MS, DELIVERY_ANSWER, DELIVERY_QUESTION, Chat
from tests.browser.servers import DESKTOP, rasa_stopped, user_texts
from tests.support.processes import ARTIFACTS
from tests.support.stack import Stack

SOCKET_IO = re.compile(r"/socket\.io/")
PAYPAL_QUESTION = "can I pay with paypal?"
PAYPAL_ANSWER = re.compile("PayPal", re.I)


class RasaLink:
    """The page's connection to Rasa's socket.io endpoint, which a test can cut like a dropped network."""

    def __init__(self, page: Page):
        self.up = True
        self.sockets: list[WebSocketRoute] = []
        page.route_web_socket(SOCKET_IO, self._websocket)
        page.route(SOCKET_IO, self._http)  # socket.io's long-polling fallback goes down with it

    def cut(self) -> None:
        self.up = False
        for socket in self.sockets:
            socket.close(code=1006, reason="network down")
        self.sockets.clear()

    def restore(self) -> None:
        self.up = True

    def _websocket(self, socket: WebSocketRoute) -> None:
        if not self.up:
            socket.close(code=1006, reason="network down")
            return
        socket.connect_to_server()
        self.sockets.append(socket)

    def _http(self, route: Route) -> None:
        if self.up:
            route.continue_()
        else:
            route.abort("internetdisconnected")


def pending_messages(chat: Chat):
    return chat.log.locator(".msg--pending")


def test_message_written_during_a_network_drop_is_sent_when_the_connection_is_back(page: Page, shop: str, stack: Stack):
    link = RasaLink(page)
    page.goto(shop)
    chat = Chat(page)
    chat.open()
    chat.ask(DELIVERY_QUESTION, DELIVERY_ANSWER)
    link.cut()
    expect(chat.offline_notice).to_be_visible()
    expect(chat.offline_notice).to_contain_text("You're offline")
    chat.say(PAYPAL_QUESTION)
    expect(pending_messages(chat)).to_have_count(1)
    expect(pending_messages(chat)).to_contain_text("Waiting to send")
    page.screenshot(path=ARTIFACTS / "widget-offline.png")
    assert user_texts(stack, chat.session_id()) == [DELIVERY_QUESTION]
    link.restore()
    expect(chat.bot_messages().filter(has_text=PAYPAL_ANSWER)).to_have_count(1, timeout=ANSWER_TIMEOUT_MS)
    expect(chat.offline_notice).to_be_hidden()
    chat.wait_until_answered()
    assert user_texts(stack, chat.session_id()) == [DELIVERY_QUESTION, PAYPAL_QUESTION]


def test_browser_going_offline_holds_messages_until_it_is_online(page: Page, shop: str, stack: Stack):
    page.goto(shop)
    chat = Chat(page)
    chat.open()
    chat.ask(DELIVERY_QUESTION, DELIVERY_ANSWER)
    page.context.set_offline(True)
    expect(chat.offline_notice).to_be_visible()
    chat.say(PAYPAL_QUESTION)
    expect(pending_messages(chat)).to_contain_text("Waiting to send")
    page.context.set_offline(False)
    expect(chat.bot_messages().filter(has_text=PAYPAL_ANSWER)).to_have_count(1, timeout=ANSWER_TIMEOUT_MS)
    expect(chat.offline_notice).to_be_hidden()
    chat.wait_until_answered()
    assert user_texts(stack, chat.session_id()) == [DELIVERY_QUESTION, PAYPAL_QUESTION]


def test_conversation_goes_on_after_the_rasa_server_restarts(browser: Browser, own_stack: Stack, own_shop: str):
    context = browser.new_context(viewport=DESKTOP, locale="en-US")
    try:
        page = context.new_page()
        page.goto(own_shop)
        chat = Chat(page)
        chat.open()
        chat.ask(DELIVERY_QUESTION, DELIVERY_ANSWER)
        with rasa_stopped(own_stack):
            expect(chat.offline_notice).to_be_visible()
            chat.say(PAYPAL_QUESTION)
            expect(pending_messages(chat)).to_contain_text("Waiting to send")
        expect(chat.bot_messages().filter(has_text=PAYPAL_ANSWER)).to_have_count(1, timeout=ANSWER_TIMEOUT_MS)
        expect(chat.offline_notice).to_be_hidden()
        expect(chat.user_messages()).to_have_text([DELIVERY_QUESTION, PAYPAL_QUESTION])
        chat.wait_until_answered()
        assert user_texts(own_stack, chat.session_id()) == [DELIVERY_QUESTION, PAYPAL_QUESTION]
    finally:
        context.close()
