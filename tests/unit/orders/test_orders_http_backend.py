"""The generic REST backend against the fake custom shop API."""

from datetime import date

import pytest

from orders.backends import make_backend
from orders.backends.base import BackendError
from orders.demo_shop import DEMO_ORDERS
from orders.model import OrderStatus

pytestmark = pytest.mark.asyncio


async def test_found_order_maps_every_field(rest_config: dict) -> None:
    backend = make_backend(rest_config)
    for expected in DEMO_ORDERS:
        order = await backend.fetch(expected.number)
        assert order is not None
        assert order.status is expected.status
        assert order.email == expected.email
        assert order.postcode == expected.postcode
        assert order.items == expected.items
        assert order.carriers == expected.carriers
        assert [s.status for s in order.shipments] == [s.status for s in expected.shipments]
        assert order.expected_delivery == expected.expected_delivery
        assert order.last_event == expected.last_event


async def test_partial_shipment_and_dates(rest_config: dict) -> None:
    order = await make_backend(rest_config).fetch("100212")
    assert order is not None
    assert [(s.carrier, s.status) for s in order.shipments] == [
        ("DHL", OrderStatus.DELIVERED),
        ("InPost", OrderStatus.SHIPPED),
    ]
    assert isinstance(order.expected_delivery, date)
    assert order.placed_at.tzinfo is not None


async def test_not_found_is_none(rest_config: dict) -> None:
    assert await make_backend(rest_config).fetch("999999") is None


async def test_reported_number_must_match(rest_config: dict) -> None:
    # A misconfigured endpoint answering with another order must not leak it.
    config = {**rest_config, "url_template": rest_config["url_template"].replace("{number}", "100201?n={number}")}
    with pytest.raises(BackendError, match="different order"):
        await make_backend(config).fetch("100202")
