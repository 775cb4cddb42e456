"""The context an agent reads: article titles and the bot's confidence in words, button presses as their labels,
links clickable (only http(s)), times in the agent's own locale."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Browser, expect

from tests.browser.desk import RunningDesk, agent_context, running_desk, screenshots, sign_in

HOSTILE_LINK = 'javascript:alert(1) <a href="javascript:window.__xss=1">click</a>'


@pytest.fixture(scope="module")
def desk(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningDesk]:
    with running_desk(tmp_path_factory.mktemp("desk-context"), with_kb=True) as running:
        fake = running.fake
        fake.shopper_says("ctx-1", "I want to send my lamp back", channel="socketio")
        fake.bot_says("ctx-1", "Returns are free within 30 days: https://shop.example/returns.")
        fake.bot_says("ctx-1", "Did that help?", buttons=[
            {"title": "Yes, thanks", "payload": "/affirm"}, {"title": "Talk to a person", "payload": "/request_human"},
        ])
        fake.shopper_says("ctx-1", "/request_human", intent="request_human", channel="socketio")
        fake.shopper_says("ctx-1", HOSTILE_LINK, channel="socketio")
        fake.hand_off("ctx-1", "shopper_asked", language="en", kb_candidates=[
            {"article_id": "returns", "score": 1.02},
            {"article_id": "delivery", "score": 0.9},
            {"article_id": "payment", "score": 0.41},
        ])
        yield running


def open_conversation(desk: RunningDesk, browser: Browser, locale: str):
    context = agent_context(browser, locale=locale, timezone_id="Europe/Berlin")
    page = context.new_page()
    sign_in(page, desk.url, "anna")
    page.locator("#waiting-rows tr").first.wait_for(timeout=10_000)
    page.locator("#waiting-rows tr").first.get_by_role("button", name="Take").click()
    page.wait_for_url("**/conversations/*")
    return context, page


def test_the_agent_reads_titles_confidence_labels_and_safe_links(desk: RunningDesk, browser: Browser) -> None:
    context, page = open_conversation(desk, browser, "en-GB")
    try:
        rows = page.locator("table.kb tbody tr")
        assert [rows.nth(i).locator("td").first.inner_text() for i in range(3)] == [
            "How do I return an item?", "How long does delivery take?", "How can I pay?",
        ]
        assert [rows.nth(i).locator("td").nth(1).inner_text() for i in range(3)] == [
            "high: sure enough to answer", "medium: offered as a choice", "low: too unsure to offer",
        ]
        assert rows.first.get_by_role("link").get_attribute("href") == "https://shop.example/returns"
        assert "1.02" not in page.locator(".side").inner_text()

        shopper = page.locator("#transcript .msg.shopper .bubble")
        assert "Talk to a person" in shopper.all_inner_texts()
        assert "/request_human" not in page.locator("#transcript").inner_text()

        link = page.locator("#transcript .msg.bot .bubble a")
        expect(link).to_have_count(1)
        assert link.get_attribute("href") == "https://shop.example/returns"  # the full stop is not part of it
        assert link.get_attribute("rel") == "noopener noreferrer nofollow"
        assert shopper.last.inner_text() == HOSTILE_LINK  # javascript: stays text
        assert shopper.last.locator("a").count() == 0

        desk.fake.shopper_says("ctx-1", "the label is here: http://shop.example/label?id=7", channel="socketio")
        live = page.locator("#transcript .msg.shopper .bubble a", has_text="http://shop.example/label?id=7")
        live.wait_for(timeout=5_000)  # arrived live, rendered by the page's script the same way
        assert live.get_attribute("href") == "http://shop.example/label?id=7"
        assert page.evaluate("window.__xss") is None
        screenshots(page, "conversation-context")
    finally:
        context.close()


@pytest.mark.parametrize(("locale", "clock"), [("de-DE", r"^\d{2}:\d{2}$"), ("en-US", r"^\d{2}:\d{2}\s?[AP]M$")])
def test_times_are_in_the_agents_locale(desk: RunningDesk, browser: Browser, locale: str, clock: str) -> None:
    context = agent_context(browser, locale=locale, timezone_id="Europe/Berlin")
    try:
        page = context.new_page()
        sign_in(page, desk.url, "ben")
        page.goto(f"{desk.url}/conversations/1")
        first = page.locator("#transcript time").first
        shown = first.inner_text()
        assert re.match(clock, shown), shown
        at = datetime.fromisoformat(first.get_attribute("datetime")).astimezone(ZoneInfo("Europe/Berlin"))
        expected = at.strftime("%H:%M") if locale == "de-DE" else at.strftime("%I:%M %p")
        assert shown.replace("\u202f", " ") == expected
    finally:
        context.close()
