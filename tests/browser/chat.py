"""The chat widget as a shopper sees it on a page: what it shows and what can be done with it.

Playwright's role and CSS locators reach into the widget's (open) shadow root.
"""

from __future__ import annotations

import json
import re

from playwright.sync_api import Locator, Page, expect

ANSWER_TIMEOUT_MS = 30_000  # the first KB question of a fresh action server loads the encoder
STORAGE_KEY = "shop-assistant.v1"
GREETING = "Bramble & Birch assistant"  # in the bot's reply to "hello"
DELIVERY_QUESTION = "how long does delivery take?"
DELIVERY_ANSWER = "working day"


class Chat:
    def __init__(self, page: Page):
        self.page = page
        self.launcher = page.get_by_role("button", name=re.compile(r"^Open chat"))
        self.panel = page.get_by_role("dialog")
        self.input = page.get_by_role("textbox", name="Your message")
        self.log = page.get_by_role("log")
        self.offline_notice = page.locator("shop-assistant-widget .offline")
        self.typing = page.locator("shop-assistant-widget .typing")

    def open(self) -> None:
        self.launcher.click()
        expect(self.input).to_be_focused()

    def say(self, text: str) -> None:
        self.input.fill(text)
        self.input.press("Enter")

    def bot_messages(self) -> Locator:
        return self.log.locator(".msg--bot .bubble, .msg--agent .bubble")

    def user_messages(self) -> Locator:
        return self.log.locator(".msg--user .bubble")

    def ask(self, text: str, expected_reply: str | re.Pattern[str]) -> Locator:
        """Sends `text` and waits for a bot message containing `expected_reply`; returns that message."""
        self.say(text)
        reply = self.bot_messages().filter(has_text=expected_reply).last
        expect(reply).to_be_visible(timeout=ANSWER_TIMEOUT_MS)
        self.wait_until_answered()
        return reply

    def wait_until_answered(self) -> None:
        """Until Rasa has acknowledged every message: the bot's turn is over and the tracker saved."""
        expect(self.log.locator(".msg--pending")).to_have_count(0, timeout=ANSWER_TIMEOUT_MS)
        expect(self.typing).to_be_hidden(timeout=ANSWER_TIMEOUT_MS)

    def reply_buttons(self) -> Locator:
        return self.log.locator(".choices button")

    def session_id(self) -> str:
        return json.loads(self.page.evaluate(f"localStorage.getItem({STORAGE_KEY!r})"))["sessionId"]
