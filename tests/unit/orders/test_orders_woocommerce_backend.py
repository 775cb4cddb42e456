"""The WooCommerce backend against the fake REST API v3."""

from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest
import pytest_asyncio

from orders.backends import make_backend
from orders.backends.base import BackendError
from orders.demo_shop import DEMO_ORDERS
from orders.model import OrderStatus
from orders.verification import verify
from tests.fakes import fake_woocommerce
from tests.fakes.server import FakeServer

pytestmark = pytest.mark.asyncio

# WooCommerce's own statuses stop at "completed" (= shipped).
KEPT = {OrderStatus.RECEIVED, OrderStatus.PACKING, OrderStatus.CANCELLED, OrderStatus.REFUNDED}


async def test_demo_orders_come_back_with_the_right_status_and_carrier(woocommerce_config: dict) -> None:
    backend = make_backend(woocommerce_config)
    for expected in DEMO_ORDERS:
        order = await backend.fetch(expected.number)
        assert order is not None, expected.number
        assert order.status is (expected.status if expected.status in KEPT else OrderStatus.SHIPPED)
        assert order.carriers == expected.carriers
        assert [s.tracking_number for s in order.shipments] == [s.tracking_number for s in expected.shipments]
        assert verify(order, email=expected.email, postcode=expected.postcode)
        assert order.customer_name == expected.customer_name


async def test_documented_order_with_shipment_tracking(woocommerce_config: dict) -> None:
    order = await make_backend(woocommerce_config).fetch("727")
    assert order is not None
    assert order.status is OrderStatus.SHIPPED
    (parcel,) = order.shipments
    assert parcel.carrier == "DPD"  # from the plugin's "dpd-poland" slug
    assert parcel.tracking_url == "https://tracktrace.dpd.com.pl/parcelDetails?typ=1&p1=1000123456789U"
    assert parcel.items == ("Woo Single #1", "Ship Your Idea")
    # Delivery postcode is the shipping one; the e-mail lives in billing.
    assert verify(order, postcode="90-926")
    assert not verify(order, postcode="94103")
    assert verify(order, email="john.doe@example.com")
    assert order.customer_name == "Jan Kowalski"
    assert order.placed_at == datetime(2024, 3, 22, 15, 28, 2, tzinfo=UTC)
    assert [e.description for e in order.events] == [
        "Order received",
        "Payment confirmed",
        "Handed over to DPD",
        "Order completed and shipped",
    ]


async def test_not_found_is_none(woocommerce_config: dict) -> None:
    assert await make_backend(woocommerce_config).fetch("999999") is None


@pytest_asyncio.fixture(loop_scope="function")
async def custom_status_shop() -> AsyncIterator[FakeServer]:
    orders = [
        {**fake_woocommerce.SAMPLE_ORDER, "id": 801, "status": "awaiting-shipment"},
        {**fake_woocommerce.SAMPLE_ORDER, "id": 802, "status": "lost-in-space"},
    ]
    async with FakeServer(fake_woocommerce.make_app(orders)) as server:
        yield server


async def test_plugin_statuses_via_status_map(custom_status_shop: FakeServer, woocommerce_config: dict) -> None:
    config = {**woocommerce_config, "site_url": custom_status_shop.url, "status_map": {"awaiting-shipment": "packing"}}
    backend = make_backend(config)
    order = await backend.fetch("801")
    assert order is not None and order.status is OrderStatus.PACKING
    # An unknown status is not guessed at.
    with pytest.raises(BackendError, match="status"):
        await backend.fetch("802")
