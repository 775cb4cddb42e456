"""A limits storage that hangs (Redis taking connections, answering nothing) holds one shopper, not the action server.

The order checks count lookups and failures in the shared storage (orders.rate_limits.storage_uri).
Its calls used to run on the action server's event loop with no timeout: one hung Redis froze every
conversation on that server, for ever.
"""

from __future__ import annotations

import asyncio
import threading
import time
import uuid
from collections.abc import Iterator

import httpx
import pytest

from orders.demo_shop import DEMO_ORDERS
from tests.support.stack import Stack, start_stack
from tests.support.threaded_server import hung_redis


@pytest.fixture(scope="module")
def silent_redis() -> Iterator[tuple[str, threading.Event]]:
    with hung_redis(5) as server:
        yield server


@pytest.fixture(scope="module")
def hung_limits_stack(tmp_path_factory, silent_redis) -> Iterator[Stack]:
    url, _ = silent_redis
    running = start_stack(tmp_path_factory.mktemp("hung-limits"), {"ORDER_LIMITS_STORAGE": url})
    yield running
    running.stop()


async def send(client: httpx.AsyncClient, stack: Stack, sender: str, text: str) -> str:
    response = await client.post(f"{stack.rasa_url}/webhooks/rest/webhook", json={"sender": sender, "message": text})
    response.raise_for_status()
    return " ".join(message.get("text", "") for message in response.json())


def test_an_order_check_waiting_for_a_hung_storage_does_not_hold_other_shoppers(hung_limits_stack: Stack, silent_redis):
    _, connected = silent_redis
    order = DEMO_ORDERS[0]

    async def scenario() -> tuple[str, str, bool]:
        async with httpx.AsyncClient(timeout=60) as client:
            question = f"where is order {order.number}? email {order.email}"
            checking = asyncio.ensure_future(send(client, hung_limits_stack, f"hung-{uuid.uuid4().hex[:8]}", question))
            deadline = time.monotonic() + 30
            while not connected.is_set() and time.monotonic() < deadline:
                await asyncio.sleep(0.01)
            assert connected.is_set(), "the order check never reached the limits storage"
            # The action server answers another shopper's KB question while the order check still waits.
            answer = await send(client, hung_limits_stack, f"other-{uuid.uuid4().hex[:8]}", "how long does delivery take?")
            still_waiting = not checking.done()
            return answer, await checking, still_waiting

    answer, apology, still_waiting = asyncio.run(scenario())
    assert "working days" in answer.lower() or "deliver" in answer.lower(), answer
    assert still_waiting
    # The shopper whose check could not be counted is not left in silence, and gets no order data.
    assert apology and order.email not in apology and "support" in apology.lower(), apology
