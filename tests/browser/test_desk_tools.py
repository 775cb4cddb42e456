"""Working faster: saved replies with placeholders per language, KB answers from the search box, handing a
conversation to a colleague, and an away agent the bot does not count as available."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.desk import RunningDesk, agent_context, running_desk, screenshots, sign_in
from tests.desk.agent_client import wait_for
from tests.desk.desk_process import BOT_TOKEN

ORDER_UPDATE = "Hi {shopper_name}, this is {agent_name}. Your order {order} is on its way."


@pytest.fixture(scope="module")
def desk(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningDesk]:
    with running_desk(tmp_path_factory.mktemp("desk-tools"), with_kb=True) as running:
        running.fake.shopper_says("tools-1", "where is my order?", channel="socketio")
        running.fake.hand_off("tools-1", "order_delayed", language="en", verified_order={"number": "100205", "name": "Ola"})
        yield running


def agents_online(desk: RunningDesk) -> int:
    response = httpx.get(f"{desk.url}/api/bot/availability", headers={"Authorization": f"Bearer {BOT_TOKEN}"}, timeout=30)
    return response.raise_for_status().json()["agents_online"]


def save_reply(page: Page, language: str, title: str, body: str) -> None:
    page.get_by_label("Language").fill(language)
    page.get_by_label("Title").fill(title)
    page.get_by_label("Text", exact=True).fill(body)
    page.get_by_role("button", name="Save").click()


def test_saved_replies_kb_answers_and_handing_over(desk: RunningDesk, browser: Browser) -> None:
    anna_context, ben_context = agent_context(browser), agent_context(browser)
    try:
        anna, ben = anna_context.new_page(), ben_context.new_page()
        sign_in(anna, desk.url, "anna")
        sign_in(ben, desk.url, "ben")
        anna.get_by_role("link", name="Saved replies").click()
        save_reply(anna, "english", "Order update", ORDER_UPDATE)
        expect(anna.get_by_role("alert")).to_have_text("The language is a two-letter code such as en, pl or ru.")
        assert anna.get_by_label("Text", exact=True).input_value() == ORDER_UPDATE  # nothing typed is lost
        save_reply(anna, "en", "Order update", ORDER_UPDATE)
        save_reply(anna, "pl", "Status zamówienia", "Dzień dobry, tu {agent_name}.")
        expect(anna.locator("#canned-rows tbody tr")).to_have_count(2)
        screenshots(anna, "saved-replies")

        anna.get_by_role("link", name="Queue").click()
        anna.locator("#waiting-rows tr").first.get_by_role("button", name="Take").click()
        anna.wait_for_url("**/conversations/*")
        saved = anna.get_by_label("Saved reply")
        expect(saved.locator("option")).to_have_text(["Insert a saved reply…", "Order update"])  # English only
        saved.select_option(label="Order update")
        reply = anna.get_by_label("Reply to the shopper")
        assert reply.input_value() == "Hi Ola, this is Anna. Your order 100205 is on its way."

        anna.get_by_label("Search the knowledge base").fill("how long does shipping take")
        anna.get_by_role("search", name="Knowledge base").get_by_role("button", name="Search").click()
        first = anna.locator("#kb-results li").first
        expect(first.locator(".kb-title")).to_have_text("How long does delivery take?", timeout=60_000)  # the encoder loads once
        first.get_by_role("button", name="Insert the answer of “How long does delivery take?”").click()
        assert reply.input_value().endswith("\nDelivery takes 1-2 working days.\nhttps://shop.example/delivery")
        screenshots(anna, "conversation-tools")
        anna.get_by_role("button", name="Send", exact=True).click()
        wait_for("the reply delivered", lambda: any("Delivery takes 1-2" in d.text for d in desk.fake.delivered))

        anna.get_by_label("Colleague").select_option(label="Ben (available)")
        anna.get_by_role("button", name="Hand to colleague").click()
        expect(anna.get_by_role("status")).to_have_text("The conversation is now with your colleague.")
        expect(anna.locator("#reply-form")).to_have_count(0)
        expect(anna.locator("#notes")).to_contain_text("Handed to Ben by Anna.")
        ben.goto(anna.url.split("?")[0])
        expect(ben.get_by_label("Reply to the shopper")).to_be_visible()  # Ben has it now
    finally:
        anna_context.close()
        ben_context.close()


def test_an_away_agent_does_not_count_for_the_bot(desk: RunningDesk, browser: Browser) -> None:
    context = agent_context(browser)
    try:
        page = context.new_page()
        sign_in(page, desk.url, "anna")
        before = agents_online(desk)
        assert before >= 1
        page.get_by_role("button", name="Set away").click()
        expect(page.locator(".presence-state")).to_have_text("Away")
        assert agents_online(desk) == before - 1
        page.reload()
        expect(page.locator(".presence-state")).to_have_text("Away")  # kept
        page.get_by_role("button", name="Set available").click()
        expect(page.locator(".presence-state")).to_have_text("Available")
        assert agents_online(desk) == before
    finally:
        context.close()
