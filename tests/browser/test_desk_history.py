"""Past conversations and offline tickets: filtered, searched, opened; a ticket answered by e-mail from the desk."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.desk import RunningDesk, agent_context, running_desk, screenshots, sign_in
from tests.desk.agent_client import AgentClient, wait_for
from tests.desk.desk_process import BOT_TOKEN
from tests.desk.mail_and_webhook import Mailbox, smtp_server

SHOP_MAIL = {"host": "127.0.0.1", "sender": "desk@shop.example", "to": "support@shop.example"}


@pytest.fixture(scope="module")
def mail_and_desk(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Mailbox, RunningDesk]]:
    with smtp_server() as (mailbox, port), running_desk(
        tmp_path_factory.mktemp("desk-history"), smtp={**SHOP_MAIL, "port": port}
    ) as running:
        _past_conversations(running)
        yield mailbox, running


def _bot_api(desk: RunningDesk, path: str, body: dict) -> dict:
    response = httpx.post(f"{desk.url}/api/bot/{path}", json=body, headers={"Authorization": f"Bearer {BOT_TOKEN}"}, timeout=30)
    response.raise_for_status()
    return response.json()


def _past_conversations(desk: RunningDesk) -> None:
    fake = desk.fake
    fake.shopper_says("past-1", "order 100205: my lamp arrived broken", channel="socketio")
    fake.hand_off("past-1", "order_delayed", language="en", verified_order="100205")
    fake.shopper_says("past-2", "gdzie jest moja paczka?", channel="telegram")
    fake.hand_off("past-2", "not_understood", language="pl")
    anna = AgentClient(desk.url).sign_in("anna")
    first = wait_for("the first handoff", lambda: anna.waiting_handoff("past-1"))
    assert anna.claim(first["id"])
    anna.reply(first["id"], "So sorry! A new lamp is on its way.")
    assert anna.end(first["id"]).endswith("notice=ended")
    wait_for("the second handoff", lambda: anna.waiting_handoff("past-2"))
    fake.publish("past-2", {"event": "resume"})  # the bot took it back by itself
    wait_for("the second handoff ended", lambda: anna.waiting_handoff("past-2") is None and anna.queue()["active"] == [])
    _bot_api(desk, "csat", {"sender_id": "past-1", "rating": 5, "comment": "quick"})
    _bot_api(desk, "csat", {"sender_id": "past-2", "rating": 2})
    fake.shopper_says("past-3", "Czy mogę zwrócić lampę po 40 dniach?", channel="socketio")
    _bot_api(desk, "tickets", {"sender_id": "past-3", "email": "ola@example.com", "channel": "socketio", "language": "pl"})
    anna.sign_out()


def listed(page: Page) -> list[str]:
    return [link.inner_text() for link in page.locator("#history-rows tr td:nth-child(2) a").all()]


def test_past_conversations_and_tickets_are_filtered_and_searched(
    mail_and_desk: tuple[Mailbox, RunningDesk], browser: Browser
) -> None:
    _, desk = mail_and_desk
    yesterday, tomorrow = date.today() - timedelta(days=1), date.today() + timedelta(days=1)
    context = agent_context(browser)
    try:
        page = context.new_page()
        sign_in(page, desk.url, "ben")
        page.get_by_role("link", name="Past conversations").click()
        page.wait_for_url("**/history")
        ticket = listed(page)[0]
        assert ticket.startswith("Ticket T-")
        assert listed(page) == [ticket, "Conversation 2", "Conversation 1"]  # newest first
        screenshots(page, "history")

        page.get_by_label("Search").fill("100205")  # an order number
        page.get_by_role("button", name="Show").click()
        expect(page.locator("#history-count")).to_have_text("1 found")
        assert listed(page) == ["Conversation 1"]
        page.get_by_label("Search").fill("lamp")  # words of the shopper, in a conversation and in a ticket
        page.get_by_role("button", name="Show").click()
        expect(page.locator("#history-count")).to_have_text("2 found")
        assert listed(page) == [ticket, "Conversation 1"]
        page.get_by_label("Status").select_option(label="Ticket, not answered")
        page.get_by_role("button", name="Show").click()
        assert listed(page) == [ticket]

        cases = {
            "q=ola@example.com": [ticket],
            "rating=2": ["Conversation 2"],
            "rating=5&agent=1": ["Conversation 1"],
            "channel=telegram": ["Conversation 2"],
            "language=pl": [ticket, "Conversation 2"],
            "reason=order_delayed": ["Conversation 1"],
            "status=ended": ["Conversation 2", "Conversation 1"],
            f"since={yesterday}&until={tomorrow}": [ticket, "Conversation 2", "Conversation 1"],
            f"until={date.today() - timedelta(days=2)}": [],
            "q=%25": [],  # a LIKE wildcard is searched for as itself
        }
        for query, expected in cases.items():
            page.goto(f"{desk.url}/history?{query}")
            assert listed(page) == expected, query

        page.goto(f"{desk.url}/history?q=100205")
        page.get_by_role("link", name="Conversation 1").click()
        transcript = page.locator("#transcript")
        expect(transcript.get_by_text("order 100205: my lamp arrived broken")).to_be_visible()
        expect(transcript.get_by_text("So sorry! A new lamp is on its way.")).to_be_visible()
    finally:
        context.close()


def test_an_agent_answers_a_ticket_by_email(mail_and_desk: tuple[Mailbox, RunningDesk], browser: Browser) -> None:
    mailbox, desk = mail_and_desk
    context = agent_context(browser)
    try:
        page = context.new_page()
        sign_in(page, desk.url, "anna")
        page.goto(f"{desk.url}/history?status=ticket_open")
        page.locator("#history-rows a").first.click()
        page.wait_for_url("**/tickets/T-*")
        ticket_id = page.url.rsplit("/", 1)[1]
        expect(page.locator("#transcript").get_by_text("Czy mogę zwrócić lampę po 40 dniach?")).to_be_visible()
        before = len(mailbox.messages)
        page.get_by_label("Answer by e-mail to ola@example.com").fill("Tak, wyjątkowo przyjmiemy zwrot. Pozdrawiam!")
        page.get_by_role("button", name="Send e-mail").click()
        expect(page.locator("#replies .bubble")).to_have_text(["Tak, wyjątkowo przyjmiemy zwrot. Pozdrawiam!"])
        wait_for("the e-mail", lambda: len(mailbox.messages) > before, timeout=10)
        mail = mailbox.messages[-1]
        assert (mail["To"], mail["From"], mail["Reply-To"]) == ("ola@example.com", "desk@shop.example", "support@shop.example")
        assert ticket_id in mail["Subject"]
        body = mail.get_payload(decode=True).decode()
        assert "Tak, wyjątkowo przyjmiemy zwrot." in body and "Anna" in body
        screenshots(page, "ticket")

        page.reload()  # recorded on the ticket
        expect(page.locator("#replies .bubble")).to_have_text(["Tak, wyjątkowo przyjmiemy zwrot. Pozdrawiam!"])
        page.goto(f"{desk.url}/history?status=ticket_answered&agent=1")
        assert listed(page) == [f"Ticket {ticket_id}"]
    finally:
        context.close()
