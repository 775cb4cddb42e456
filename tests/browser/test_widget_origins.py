"""Who may use the widget's conversation: only the shop's pages, with an id nobody can guess."""

from __future__ import annotations

import re

from playwright.sync_api import Browser, Page, expect

from tests.browser.chat import GREETING, Chat
from tests.browser.servers import DESKTOP


def test_each_shopper_gets_a_fresh_128_bit_session_id(browser: Browser, shop: str):
    ids = []
    for _ in range(2):
        context = browser.new_context(viewport=DESKTOP, locale="en-US")
        try:
            page = context.new_page()
            page.goto(shop)
            chat = Chat(page)
            chat.open()
            chat.ask("hello", GREETING)
            ids.append(chat.session_id())
        finally:
            context.close()
    assert all(re.fullmatch(r"[0-9a-f]{32}", session_id) for session_id in ids), ids
    assert ids[0] != ids[1]


def test_a_page_of_another_origin_cannot_talk_to_the_shops_assistant(page: Page, shop: str):
    # The same demo shop reached as http://localhost:PORT: another origin, not in SHOP_ORIGINS.
    # (A made-up public host would be stopped by Chromium's private-network rules before Rasa decides.)
    page.goto(shop.replace("127.0.0.1", "localhost"))
    chat = Chat(page)
    chat.open()
    chat.say("hello")
    # Rasa refuses the socket.io handshake from this origin: the widget stays offline.
    expect(chat.offline_notice).to_be_visible(timeout=15_000)
    expect(chat.bot_messages().filter(has_text=GREETING)).to_have_count(0)
