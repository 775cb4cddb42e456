"""The widget's dark mode follows the system setting, and axe-core finds nothing serious in any look."""

from __future__ import annotations

import json

from playwright.sync_api import Browser, expect

from tests.browser.chat import GREETING, Chat
from tests.browser.looks import LOOKS, axe_violations, screenshots
from tests.browser.servers import DESKTOP, send_as_agent
from tests.support.processes import ARTIFACTS
from tests.support.stack import Stack


def background(locator) -> str:
    return locator.evaluate("el => getComputedStyle(el).backgroundColor")


def test_dark_mode_follows_the_system_setting(browser: Browser, shop: str, stack: Stack):
    context = browser.new_context(viewport=DESKTOP, locale="en-US", color_scheme="dark")
    try:
        page = context.new_page()
        page.goto(shop)
        chat = Chat(page)
        chat.open()
        chat.ask("hello", GREETING)
        send_as_agent(stack, chat.session_id(), "Anna", "Hi, I'm Anna. I'll look into it.")
        expect(chat.log.locator(".msg--agent")).to_have_count(1)
        scroller = page.locator("shop-assistant-widget .scroller")
        assert background(scroller) == "rgb(19, 23, 21)"  # the dark ground
        assert chat.bot_messages().first.evaluate("el => getComputedStyle(el).color") == "rgb(232, 238, 235)"
        page.emulate_media(color_scheme="light")  # the system switches: the widget follows without a reload
        assert background(scroller) == "rgb(248, 250, 249)"
        screenshots(page, "widget-agent-reply")
    finally:
        context.close()


def test_axe_finds_no_serious_or_critical_violation_in_any_look(browser: Browser, shop: str, stack: Stack):
    # bypass_csp: the shop's policy (no inline scripts) would refuse axe's own script tag; the widget is unchanged.
    context = browser.new_context(viewport=DESKTOP, locale="en-US", bypass_csp=True)
    report = {}
    try:
        page = context.new_page()
        page.goto(shop)
        chat = Chat(page)
        report["closed"] = axe_violations(page, "shop-assistant-widget")
        chat.open()
        chat.ask("hello", GREETING)  # the bot's reply with its "Talk to a person" choice
        send_as_agent(stack, chat.session_id(), "Anna", "Hi, I'm Anna from the team.")
        expect(chat.log.locator(".msg--agent")).to_have_count(1)
        desktop = page.viewport_size
        for size_name, size, scheme in LOOKS:
            page.set_viewport_size(size or desktop)
            page.emulate_media(color_scheme=scheme)
            report[f"open-{size_name}-{scheme}"] = axe_violations(page, "shop-assistant-widget")
    finally:
        context.close()
        (ARTIFACTS / "widget-axe.json").write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    assert all(not found for found in report.values()), report
