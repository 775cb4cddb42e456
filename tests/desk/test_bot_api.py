"""The bot's calls: is someone there, take an offline ticket, store a rating (docs/handoff.md)."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest_asyncio
from aiohttp.test_utils import TestServer
from prometheus_client.parser import text_string_to_metric_families

from desk.tickets import get_ticket
from tests.desk.conftest import Harness, start_harness, stop_harness
from tests.desk.mail_and_webhook import Mailbox, WebhookReceiver, smtp_server

WEBHOOK_SECRET = "webhook-secret-for-tests"
TICKET = {"sender_id": "shopper-9", "email": "ana@example.com", "reason": "shopper_asked", "channel": "rest", "language": "en"}


@pytest_asyncio.fixture(loop_scope="function")
async def ticket_desk(tmp_path: Path) -> AsyncIterator[tuple[Harness, Mailbox, WebhookReceiver]]:
    receiver = WebhookReceiver()
    webhook = TestServer(receiver.app())
    await webhook.start_server()
    with smtp_server() as (mailbox, smtp_port):
        env = {
            "SMTP_HOST": "127.0.0.1",
            "SMTP_PORT": str(smtp_port),
            "TICKET_WEBHOOK_URL": str(webhook.make_url("/tickets")),
            "TICKET_WEBHOOK_SECRET": WEBHOOK_SECRET,
        }
        harness = await start_harness(tmp_path, env=env)
        yield harness, mailbox, receiver
        await stop_harness(harness)
    await webhook.close()


async def availability(harness: Harness) -> dict:
    client = await harness.client()
    response = await client.get("/api/bot/availability", headers=harness.bot_headers())
    assert response.status == 200
    return await response.json()


async def test_availability_counts_agents_signed_in_and_active(harness: Harness) -> None:
    assert (await availability(harness))["agents_online"] == 0
    await harness.agent("anna", "Anna")
    harness.fake.hand_off("shopper-1")
    harness.fake.hand_off("shopper-2")
    await harness.follow()

    answer = await availability(harness)
    assert (answer["open"], answer["agents_online"], answer["queue_length"], answer["expected_wait_minutes"]) == (True, 1, 2, 12)

    harness.clock.advance(minutes=6)  # Anna has been idle longer than agent_idle_minutes (5)
    answer = await availability(harness)
    assert (answer["agents_online"], answer["expected_wait_minutes"]) == (0, None)


async def test_outside_hours_the_bot_learns_when_people_are_back(harness: Harness) -> None:
    harness.clock.now = datetime(2026, 11, 21, 19, 0, tzinfo=UTC)  # Saturday 20:00 in Warsaw
    answer = await availability(harness)
    assert answer["open"] is False
    assert answer["next_opening_text"] == "Monday 23 November, 8:00 CET"


async def test_an_offline_ticket_reaches_the_mailbox_and_the_helpdesk_with_the_transcript(ticket_desk) -> None:
    harness, mailbox, receiver = ticket_desk
    harness.fake.conversation("shopper-9", ("can I change my delivery address?", "I don't know that one, sorry."))
    harness.clock.now = datetime(2026, 11, 23, 17, 0, tzinfo=UTC)  # Monday 18:00: two opening hours left today
    client = await harness.client()

    response = await client.post("/api/bot/tickets", json=TICKET, headers=harness.bot_headers())

    assert response.status == 200
    answer = await response.json()
    assert answer["promised_reply_by"] == "2026-11-24T14:00:00+01:00"  # 2 h on Monday + 6 h from Tuesday 8:00
    assert answer["promised_reply_text"] == "Tuesday 24 November, 14:00 CET"
    await harness.desk.delivery.deliver_due()

    [mail] = mailbox.messages
    assert mail["To"] == "support@shop.example" and mail["Reply-To"] == "ana@example.com"
    assert answer["ticket_id"] in mail["Subject"]
    body = mail.get_payload()
    assert "Shopper: can I change my delivery address?" in body and "Bot: I don't know that one, sorry." in body
    assert "Tuesday 24 November, 14:00 CET" in body

    [(headers, raw)] = receiver.received
    expected = "sha256=" + hmac.new(WEBHOOK_SECRET.encode(), raw, hashlib.sha256).hexdigest()
    assert hmac.compare_digest(headers["X-Desk-Signature"], expected)
    [payload] = receiver.bodies()
    assert (payload["ticket_id"], payload["email"], payload["reason"]) == (
        answer["ticket_id"],
        "ana@example.com",
        "shopper_asked",
    )
    assert [line["text"] for line in payload["transcript"]] == [
        "can I change my delivery address?",
        "I don't know that one, sorry.",
    ]
    ticket = await get_ticket(harness.desk.engine, answer["ticket_id"])
    assert (ticket["email_status"], ticket["webhook_status"]) == ("sent", "sent")


async def delivery_failures(client, kind: str) -> float:
    """desk_delivery_failures_total{kind} as the desk's /metrics shows it to Prometheus."""
    text = await (await client.get("/metrics")).text()
    samples = {(s.name, s.labels.get("kind")): s.value for f in text_string_to_metric_families(text) for s in f.samples}
    return samples.get(("desk_delivery_failures_total", kind), 0.0)


async def test_a_helpdesk_that_is_down_gets_the_ticket_later(ticket_desk) -> None:
    harness, mailbox, receiver = ticket_desk
    receiver.status = 500
    client = await harness.client()
    failures_before = await delivery_failures(client, "ticket_webhook")
    ticket_id = (await (await client.post("/api/bot/tickets", json=TICKET, headers=harness.bot_headers())).json())["ticket_id"]
    await harness.desk.delivery.deliver_due()
    ticket = await get_ticket(harness.desk.engine, ticket_id)
    assert (ticket["email_status"], ticket["webhook_status"]) == ("sent", "pending")
    assert await delivery_failures(client, "ticket_webhook") == failures_before + 1  # an operator sees it

    receiver.status = 200
    assert await harness.desk.delivery.deliver_due() == 0  # not before its retry time
    harness.clock.advance(minutes=1)
    await harness.desk.delivery.deliver_due()
    ticket = await get_ticket(harness.desk.engine, ticket_id)
    assert (ticket["email_status"], ticket["webhook_status"]) == ("sent", "sent")
    assert len(mailbox.messages) == 1 and len(receiver.received) == 2


async def test_bad_ticket_and_rating_calls_are_refused_with_the_reason(harness: Harness) -> None:
    client = await harness.client()
    for body, field in (({**TICKET, "email": "not-an-address"}, "email"), ({"email": "ana@example.com"}, "sender_id")):
        response = await client.post("/api/bot/tickets", json=body, headers=harness.bot_headers())
        assert response.status == 400 and field in (await response.json())["error"]
    for rating in (0, 6, "5", None, True):
        response = await client.post("/api/bot/csat", json={"sender_id": "s", "rating": rating}, headers=harness.bot_headers())
        assert response.status == 400
    response = await client.post("/api/bot/csat", data="not json", headers=harness.bot_headers())
    assert response.status == 400


async def test_a_rating_is_kept_with_the_conversation_it_rates(harness: Harness) -> None:
    harness.fake.hand_off("shopper-1")
    await harness.follow()
    client = await harness.client()
    body = {"sender_id": "shopper-1", "rating": 4, "comment": "Quick & kind <3"}
    response = await client.post("/api/bot/csat", json=body, headers=harness.bot_headers())
    assert (response.status, await response.json()) == (200, {"ok": True})
    anna = await harness.agent("anna", "Anna")
    page = await (await anna.get("/conversations/1", headers={"Accept": "text/html"})).text()
    assert "★★★★☆" in page and "Quick &amp; kind &lt;3" in page
