"""The customer directory on SQLite and PostgreSQL: which conversations it links, and which it never does.

Fed with events shaped as Rasa publishes them on its broker (what the desk's follower hands it).
The whole path through real Rasa, action server and desk is in tests/channels/test_customers.py.
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from customers import CustomerDirectory, IdentityDigests, Kind
from desk.broker import BrokerEvent
from desk.db import conversation_identities, customer_conversations, customer_identities, metadata, open_database

EMAIL = "magda.kaminska@example.com"
KEY = b"customer-key-for-the-directory-tests"


@pytest_asyncio.fixture(loop_scope="function", params=["sqlite", "postgresql"])
async def engine(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[AsyncEngine]:
    url = f"sqlite:///{tmp_path / 'desk.db'}" if request.param == "sqlite" else request.getfixturevalue("postgres_url")
    engine = await open_database(url)
    yield engine
    async with engine.begin() as connection:
        await connection.run_sync(metadata.drop_all)
    await engine.dispose()


class Broker:
    """Rasa's events for a few conversations, numbered as the broker numbers them."""

    def __init__(self) -> None:
        self.ids = itertools.count(1)
        self.clock = itertools.count(1_764_600_000)
        self.events: list[BrokerEvent] = []

    def add(self, sender: str, **data: Any) -> None:
        self.events.append(BrokerEvent(next(self.ids), sender, {"timestamp": float(next(self.clock)), **data}))

    def session(self, sender: str, channel: str, question: str) -> None:
        self.add(sender, event="session_started")
        self.add(sender, event="user", text=question, input_channel=channel)
        self.add(sender, event="bot", text="Please give me the order number.")

    def order_check(self, sender: str, number: str, verifier: str, verified: bool = True) -> None:
        """What the order form and action publish: the verifier, then (on success) the order and its proof."""
        self.add(sender, event="slot", name="order_number", value=number)
        self.add(sender, event="slot", name="order_verifier", value=verifier)
        self.add(sender, event="slot", name="order_number", value=None)
        self.add(sender, event="slot", name="order_verifier", value=None)
        if verified:
            self.add(sender, event="slot", name="order_status", value="shipped")
            self.add(sender, event="slot", name="verified_order", value=number)
            self.add(sender, event="slot", name="order_verification", value="1764600000.c2lnbmVk")
            self.add(sender, event="bot", text=f"Order {number} has shipped.")

    async def feed(self, directory: CustomerDirectory) -> None:
        for event in self.events:
            await directory.observe(event)


@pytest.fixture
def directory(engine: AsyncEngine) -> CustomerDirectory:
    return CustomerDirectory(engine, IdentityDigests(KEY))


async def test_a_verified_email_links_the_widget_and_whatsapp_conversations(directory: CustomerDirectory):
    broker = Broker()
    broker.session("sio-widget-1", "socketio", "where is my order?")
    broker.order_check("sio-widget-1", "100205", EMAIL)
    broker.session("whatsapp:48500100200", "whatsapp", "gdzie jest moja paczka?")
    # Another order of hers, checked with the same address typed differently.
    broker.order_check("whatsapp:48500100200", "100206", "  Magda.Kaminska@Example.COM ")
    await broker.feed(directory)

    customer = await directory.customer_of("sio-widget-1")
    assert customer is not None
    assert await directory.customer_of("whatsapp:48500100200") == customer
    assert await directory.senders_of(customer) == ["sio-widget-1", "whatsapp:48500100200"]
    current = await directory.conversation_at("whatsapp:48500100200", datetime.now(UTC))
    [earlier] = await directory.other_conversations(current)
    assert (earlier.sender_id, earlier.channel, earlier.first_question, earlier.outcome) == (
        "sio-widget-1", "socketio", "where is my order?", "order")
    transcript = await directory.transcript(earlier.id)
    assert [(line.role, line.text) for line in transcript] == [
        ("shopper", "where is my order?"), ("bot", "Please give me the order number."), ("bot", "Order 100205 has shipped.")]


async def test_claims_that_were_never_verified_link_nothing(directory: CustomerDirectory):
    broker = Broker()
    broker.session("sio-owner", "socketio", "where is my order?")
    broker.order_check("sio-owner", "100205", EMAIL)
    # Someone else types her address and number: the check fails.
    broker.session("sio-stranger", "socketio", "order 100205 please")
    broker.order_check("sio-stranger", "100205", EMAIL, verified=False)
    # An offline ticket's address is not verified either.
    broker.add("sio-stranger", event="slot", name="ticket_email", value=EMAIL)
    # A REST client naming itself after a WhatsApp user is not that user.
    broker.session("whatsapp:48500100200", "rest", "hello")
    broker.session("whatsapp:48500100200", "whatsapp", "hello again")
    await broker.feed(directory)

    assert await directory.customer_of("sio-stranger") is None
    owner = await directory.customer_of("sio-owner")
    assert owner is not None and owner != await directory.customer_of("whatsapp:48500100200")
    async with directory._engine.connect() as connection:
        c = customer_conversations.c
        rest, whatsapp = (await connection.execute(
            select(c.customer_id).where(c.sender_id == "whatsapp:48500100200").order_by(c.session_started))).scalars()
    assert rest is None and whatsapp is not None


async def test_a_postcode_check_links_the_order_but_no_email(directory: CustomerDirectory):
    broker = Broker()
    broker.session("sio-a", "socketio", "where is it?")
    broker.order_check("sio-a", "100205", "00-950")
    broker.session("sio-b", "socketio", "my other order")
    broker.order_check("sio-b", "100206", EMAIL)
    broker.session("sio-c", "socketio", "and 100205 again")
    broker.order_check("sio-c", "100205", "00950")
    await broker.feed(directory)

    assert await directory.customer_of("sio-a") == await directory.customer_of("sio-c")
    assert await directory.customer_of("sio-b") != await directory.customer_of("sio-a")
    assert [d.split(":")[0] for d in await directory.identities_of("sio-a")] == ["order"]


async def test_a_conversation_proving_two_customers_identities_merges_them(directory: CustomerDirectory):
    broker = Broker()
    broker.session("sio-1", "socketio", "first")
    broker.order_check("sio-1", "100205", EMAIL)
    broker.session("telegram:4242", "telegram", "second")
    broker.order_check("telegram:4242", "100210", "other.address@example.com")
    await broker.feed(directory)
    assert await directory.customer_of("sio-1") != await directory.customer_of("telegram:4242")

    broker.events.clear()
    broker.session("telegram:4242", "telegram", "third")  # the same Telegram user, now with her address
    broker.order_check("telegram:4242", "100206", EMAIL)
    await broker.feed(directory)
    merged = await directory.customers_of(["sio-1", "telegram:4242"])
    assert merged["sio-1"] == merged["telegram:4242"]
    assert await directory.senders_of(merged["sio-1"]) == ["sio-1", "telegram:4242"]


async def test_events_read_twice_change_nothing_and_no_identity_is_stored_in_clear(
    directory: CustomerDirectory, caplog: pytest.LogCaptureFixture
):
    caplog.set_level(logging.INFO)  # (aiosqlite logs every statement with its values at DEBUG)
    broker = Broker()
    broker.session("whatsapp:48500100200", "whatsapp", "where is my order?")
    broker.order_check("whatsapp:48500100200", "100205", EMAIL)
    await broker.feed(directory)
    await broker.feed(directory)  # the follower re-reads after a restart

    async with directory._engine.connect() as connection:
        conversations = (await connection.execute(select(customer_conversations))).mappings().all()
        digests = (await connection.execute(select(customer_identities.c.digest))).scalars().all()
        proved = (await connection.execute(select(conversation_identities.c.digest))).scalars().all()
    assert len(conversations) == 1 and len(await directory.transcript(conversations[0]["id"])) == 3
    assert sorted(d.split(":")[0] for d in digests) == ["account", "email", "order", "phone"] == sorted(
        d.split(":")[0] for d in proved)
    stored = " ".join([*digests, *(str(v) for row in conversations for k, v in row.items() if k != "sender_id")])
    for secret in ("magda", "100205", "example.com"):
        assert secret not in stored.lower()
        assert secret not in caplog.text.lower()
    # Another key makes other digests: the table cannot be matched without the desk's key.
    assert IdentityDigests(b"another-key-of-sixteen-bytes").digest(Kind.EMAIL, EMAIL) not in digests
