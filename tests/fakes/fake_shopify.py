"""Fake Shopify Admin REST API: ``GET /admin/api/{version}/orders.json``.

Answers ``?name=%23{number}&status=any`` with ``{"orders": [...]}`` (an empty
list when nothing matches, as Shopify does; cancelled orders only with
``status=any``) and 401 without the right ``X-Shopify-Access-Token``. Orders are given as Shopify JSON: use
:func:`shopify_order` to turn demo orders into that shape, or
:data:`SAMPLE_ORDER`, written by hand after Shopify's documented example.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from aiohttp import web

from orders.model import Order, OrderStatus, Shipment
from tests.fakes.server import WRONG_SHAPE, misbehave

TOKEN = "shpat_fake_token_for_tests"
ORDERS = web.AppKey("orders", dict)

# A partially fulfilled order in the documented shape: two fulfillments,
# the first delivered, the second in transit; one line item unshipped.
SAMPLE_ORDER: dict[str, Any] = {
    "id": 450789469,
    "name": "#1001",
    "order_number": 1001,
    "email": "Bob.Norman@Example.com",
    "contact_email": "bob.norman@example.com",
    "created_at": "2024-03-12T10:15:00-04:00",
    "updated_at": "2024-03-15T09:00:00-04:00",
    "cancelled_at": None,
    "cancel_reason": None,
    "closed_at": None,
    "financial_status": "paid",
    "fulfillment_status": "partial",
    "customer": {"id": 207119551, "first_name": "Bob", "last_name": "Norman"},
    "billing_address": {
        "first_name": "Bob",
        "last_name": "Norman",
        "name": "Bob Norman",
        "address1": "Chestnut Street 92",
        "city": "Louisville",
        "zip": "40202",
        "country_code": "US",
    },
    "shipping_address": {
        "first_name": "Bob",
        "last_name": "Norman",
        "name": "Bob Norman",
        "address1": "ul. Długa 12",
        "address2": "",
        "city": "Kraków",
        "zip": "31-147",
        "country_code": "PL",
    },
    "line_items": [
        {"id": 466157049, "title": "IPod Nano - 8gb", "quantity": 1},
        {"id": 518995019, "title": "Stoneware mug, sage", "quantity": 2},
        {"id": 703073504, "title": "Wool throw, charcoal", "quantity": 1},
    ],
    "fulfillments": [
        {
            "id": 255858046,
            "status": "success",
            "created_at": "2024-03-13T08:00:00-04:00",
            "updated_at": "2024-03-14T15:30:00-04:00",
            "shipment_status": "delivered",
            "tracking_company": "DHL Express",
            "tracking_number": "1234567890",
            "tracking_numbers": ["1234567890"],
            "tracking_url": "https://www.dhl.com/en/express/tracking.html?AWB=1234567890",
            "tracking_urls": ["https://www.dhl.com/en/express/tracking.html?AWB=1234567890"],
            "line_items": [{"id": 466157049, "title": "IPod Nano - 8gb", "quantity": 1}],
        },
        {
            "id": 255858047,
            "status": "success",
            "created_at": "2024-03-14T08:00:00-04:00",
            "updated_at": "2024-03-14T08:00:00-04:00",
            "shipment_status": "in_transit",
            "tracking_company": "InPost",
            "tracking_number": "620000000000000000001001",
            "tracking_numbers": ["620000000000000000001001"],
            "tracking_url": None,
            "tracking_urls": [],
            "line_items": [{"id": 518995019, "title": "Stoneware mug, sage", "quantity": 2}],
        },
        {
            "id": 255858048,
            "status": "cancelled",
            "created_at": "2024-03-13T07:00:00-04:00",
            "updated_at": "2024-03-13T07:10:00-04:00",
            "shipment_status": None,
            "tracking_company": "UPS",
            "tracking_number": "1Z9999",
            "line_items": [],
        },
    ],
    "refunds": [],
}

_SHIPMENT_STATUS = {
    OrderStatus.OUT_FOR_DELIVERY: "out_for_delivery",
    OrderStatus.DELIVERED: "delivered",
    OrderStatus.DELAYED: "failure",
}


def _fulfillment(order: Order, index: int, shipment: Shipment) -> dict[str, Any]:
    status = _SHIPMENT_STATUS.get(shipment.status, "in_transit")
    if status == "out_for_delivery" and shipment.carrier == "InPost":
        status = "ready_for_pickup"
    shipped = order.placed_at.isoformat()
    last = order.last_event.at.isoformat() if order.last_event else shipped
    return {
        "id": int(order.number) * 10 + index,
        "status": "success",
        "created_at": shipped,
        "updated_at": last,
        "shipment_status": status,
        "tracking_company": shipment.carrier,
        "tracking_number": shipment.tracking_number,
        "tracking_numbers": [shipment.tracking_number],
        "tracking_url": shipment.tracking_url,
        "tracking_urls": [shipment.tracking_url],
        "line_items": [{"title": title, "quantity": 1} for title in shipment.items],
    }


def shopify_order(order: Order) -> dict[str, Any]:
    """Our Order in Shopify's order JSON, as far as Shopify can express it.

    Shopify's REST order has no return state: "returned" becomes a
    restocked order and "return in progress" a plain delivered one.
    """
    status = order.status
    cancelled = status is OrderStatus.CANCELLED or (status is OrderStatus.REFUNDED and not order.shipments)
    financial = {
        OrderStatus.RECEIVED: "pending",
        OrderStatus.CANCELLED: "voided",
        OrderStatus.REFUNDED: "refunded",
    }.get(status, "paid")
    fulfillment = None
    if order.shipments:
        fulfillment = "restocked" if status is OrderStatus.RETURNED else "fulfilled"
    first, *rest = order.customer_name.split(" ", 1)
    address = {
        "first_name": first,
        "last_name": rest[0] if rest else "",
        "name": order.customer_name,
        "address1": order.delivery_street,
        "city": order.delivery_city,
        "zip": order.postcode,
    }
    return {
        "id": int(order.number),
        "name": f"#{order.number}",
        "order_number": int(order.number),
        "email": order.email,
        "created_at": order.placed_at.isoformat(),
        "cancelled_at": order.last_event.at.isoformat() if cancelled and order.last_event else None,
        "financial_status": financial,
        "fulfillment_status": fulfillment,
        "shipping_address": address,
        "billing_address": address,
        "line_items": [{"title": title, "quantity": 1} for title in order.items],
        "fulfillments": [_fulfillment(order, i, s) for i, s in enumerate(order.shipments)],
        "refunds": [],
    }


def make_app(orders: Iterable[Mapping[str, Any]], *, token: str = TOKEN) -> web.Application:
    """An app serving ``orders`` (Shopify order JSON), found by their ``name``."""
    app = web.Application()
    app[ORDERS] = {str(o["name"]): dict(o) for o in orders}

    async def list_orders(request: web.Request) -> web.StreamResponse:
        if request.headers.get("X-Shopify-Access-Token") != token:
            return web.json_response(
                {"errors": "[API] Invalid API key or access token (unrecognized login or wrong password)"},
                status=401,
            )
        name = request.query.get("name", "")
        failure = await misbehave(request, name.lstrip("#"))
        if failure is not None:
            return failure
        if name.lstrip("#") == WRONG_SHAPE:
            return web.json_response({"orders": [{"name": name, "created_at": "last Tuesday"}]})
        found = request.app[ORDERS].get(name)
        # Like Shopify, only open orders are listed unless status=any.
        if found and request.query.get("status") != "any" and found.get("cancelled_at"):
            found = None
        return web.json_response({"orders": [found] if found else []})

    app.router.add_get("/admin/api/{version}/orders.json", list_orders)
    return app
