"""The Shopify backend against the fake Admin REST API."""

from collections.abc import AsyncIterator

import pytest
import pytest_asyncio
from aiohttp import web

from orders.backends import make_backend
from orders.demo_shop import DEMO_ORDERS
from orders.model import OrderStatus
from orders.verification import verify
from tests.fakes import fake_shopify
from tests.fakes.server import FakeServer

pytestmark = pytest.mark.asyncio

# Shopify's REST order has no return state (see fake_shopify.shopify_order).
AS_SHOPIFY_SEES_IT = {OrderStatus.RETURN_IN_PROGRESS: OrderStatus.DELIVERED}


async def test_demo_orders_come_back_with_the_right_status_and_carrier(shopify_config: dict) -> None:
    backend = make_backend(shopify_config)
    for expected in DEMO_ORDERS:
        order = await backend.fetch(expected.number)
        assert order is not None, expected.number
        assert order.status is AS_SHOPIFY_SEES_IT.get(expected.status, expected.status), expected.number
        assert order.carriers == expected.carriers
        assert [s.tracking_url for s in order.shipments] == [s.tracking_url for s in expected.shipments]
        assert verify(order, email=expected.email, postcode=expected.postcode)
        assert order.delivery_city == expected.delivery_city
        assert order.customer_name == expected.customer_name


async def test_cancelled_orders_are_found_too(shopify_config: dict) -> None:
    # Shopify lists only open orders unless asked for status=any.
    order = await make_backend(shopify_config).fetch("100208")
    assert order is not None and order.status is OrderStatus.CANCELLED


async def test_documented_partial_fulfillment(shopify_config: dict) -> None:
    order = await make_backend(shopify_config).fetch("1001")
    assert order is not None
    assert order.status is OrderStatus.SHIPPED
    # The cancelled UPS fulfillment is not a parcel the customer will get.
    assert order.carriers == ("DHL", "InPost")
    dhl, inpost = order.shipments
    assert dhl.status is OrderStatus.DELIVERED
    assert dhl.items == ("IPod Nano - 8gb",)
    assert dhl.tracking_url.startswith("https://www.dhl.com/")
    assert inpost.status is OrderStatus.SHIPPED
    # No URL from Shopify: built from InPost's public tracking page.
    assert inpost.tracking_url == "https://inpost.pl/sledzenie-przesylek?number=620000000000000000001001"
    # Shipping address, not billing, is what the customer gives as postcode.
    assert verify(order, postcode="31147")
    assert not verify(order, postcode="40202")
    assert verify(order, email="bob.norman@example.com")
    assert order.customer_name == "Bob Norman"
    assert order.delivery_street == "ul. Długa 12"
    assert [e.description for e in order.events] == [
        "Order received",
        "Handed over to DHL",
        "Handed over to InPost",
        "Delivered",
    ]


async def test_not_found_is_none(shopify_config: dict) -> None:
    assert await make_backend(shopify_config).fetch("999999") is None


@pytest_asyncio.fixture(loop_scope="function")
async def sloppy_search() -> AsyncIterator[FakeServer]:
    """A shop whose search answers with an order whatever name is asked for."""

    async def handler(request: web.Request) -> web.Response:
        return web.json_response({"orders": [fake_shopify.SAMPLE_ORDER]})

    app = web.Application()
    app.router.add_get("/admin/api/{version}/orders.json", handler)
    async with FakeServer(app) as server:
        yield server


async def test_someone_elses_order_is_never_returned(sloppy_search: FakeServer, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TEST_SHOPIFY_TOKEN", "x")
    backend = make_backend({"backend": "shopify", "shop_url": sloppy_search.url, "token_env": "TEST_SHOPIFY_TOKEN"})
    assert await backend.fetch("100234") is None
    assert await backend.fetch("1001") is not None
