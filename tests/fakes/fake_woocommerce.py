"""Fake WooCommerce REST API v3: ``GET /wp-json/wc/v3/orders/{id}``.

Requires HTTP Basic auth with :data:`CONSUMER_KEY` / :data:`CONSUMER_SECRET`
(401 otherwise) and answers unknown IDs with WooCommerce's 404 error body.
Orders are given as WooCommerce JSON: :func:`woocommerce_order` turns demo
orders into that shape, and :data:`SAMPLE_ORDER` is written by hand after
WooCommerce's documented example, with Shipment Tracking meta data.
"""

from __future__ import annotations

import base64
from collections.abc import Iterable, Mapping
from datetime import UTC
from typing import Any

from aiohttp import web

from orders.model import Order, OrderStatus
from tests.fakes.server import WRONG_SHAPE, misbehave

CONSUMER_KEY = "ck_fake_key_for_tests"
CONSUMER_SECRET = "cs_fake_secret_for_tests"
ORDERS = web.AppKey("orders", dict)

SAMPLE_ORDER: dict[str, Any] = {
    "id": 727,
    "parent_id": 0,
    "number": "727",
    "status": "completed",
    "currency": "EUR",
    "date_created": "2024-03-22T16:28:02",
    "date_created_gmt": "2024-03-22T15:28:02",
    "date_modified": "2024-03-24T10:00:00",
    "date_modified_gmt": "2024-03-24T09:00:00",
    "date_paid": "2024-03-22T16:30:00",
    "date_paid_gmt": "2024-03-22T15:30:00",
    "date_completed": "2024-03-23T12:00:00",
    "date_completed_gmt": "2024-03-23T11:00:00",
    "total": "29.35",
    "customer_id": 0,
    "billing": {
        "first_name": "John",
        "last_name": "Doe",
        "address_1": "969 Market",
        "city": "San Francisco",
        "state": "CA",
        "postcode": "94103",
        "country": "US",
        "email": "John.Doe@Example.com",
        "phone": "(555) 555-5555",
    },
    "shipping": {
        "first_name": "Jan",
        "last_name": "Kowalski",
        "address_1": "ul. Piotrkowska 104",
        "address_2": "",
        "city": "Łódź",
        "postcode": "90-926",
        "country": "PL",
    },
    "line_items": [
        {"id": 315, "name": "Woo Single #1", "product_id": 93, "quantity": 2},
        {"id": 316, "name": "Ship Your Idea", "product_id": 22, "quantity": 1},
    ],
    "refunds": [],
    "meta_data": [
        {"id": 13106, "key": "_download_permissions_granted", "value": "yes"},
        {
            "id": 13107,
            "key": "_wc_shipment_tracking_items",
            "value": [
                {
                    "tracking_provider": "dpd-poland",
                    "custom_tracking_provider": "",
                    "custom_tracking_link": "",
                    "tracking_number": "1000123456789U",
                    "date_shipped": "1711191600",
                    "tracking_id": "a1b2c3",
                }
            ],
        },
    ],
}

_SLUG = {
    OrderStatus.RECEIVED: "pending",
    OrderStatus.PACKING: "processing",
    OrderStatus.CANCELLED: "cancelled",
    OrderStatus.REFUNDED: "refunded",
}


def _gmt(order: Order) -> str:
    return order.placed_at.astimezone(UTC).replace(tzinfo=None).isoformat()


def woocommerce_order(order: Order) -> dict[str, Any]:
    """Our Order in WooCommerce's JSON, as far as WooCommerce can express it.

    WooCommerce knows no delivery or return states, so every order that
    has left the warehouse and is not refunded or cancelled is "completed".
    """
    first, *rest = order.customer_name.split(" ", 1)
    address = {
        "first_name": first,
        "last_name": rest[0] if rest else "",
        "address_1": order.delivery_street,
        "city": order.delivery_city,
        "postcode": order.postcode,
    }
    tracking = [
        {
            "tracking_provider": s.carrier,
            "custom_tracking_provider": "",
            "custom_tracking_link": s.tracking_url,
            "tracking_number": s.tracking_number,
            "date_shipped": str(int(order.placed_at.timestamp())),
            "tracking_id": f"{order.number}-{i}",
        }
        for i, s in enumerate(order.shipments)
    ]
    return {
        "id": int(order.number),
        "number": order.number,
        "status": _SLUG.get(order.status, "completed"),
        "date_created_gmt": _gmt(order),
        "date_paid_gmt": None,
        "date_completed_gmt": None,
        "billing": {**address, "email": order.email},
        "shipping": address,
        "line_items": [{"name": title, "quantity": 1} for title in order.items],
        "meta_data": [{"id": 1, "key": "_wc_shipment_tracking_items", "value": tracking}] if tracking else [],
    }


def _authorised(request: web.Request, key: str, secret: str) -> bool:
    expected = base64.b64encode(f"{key}:{secret}".encode()).decode()
    return request.headers.get("Authorization") == f"Basic {expected}"


def make_app(
    orders: Iterable[Mapping[str, Any]],
    *,
    key: str = CONSUMER_KEY,
    secret: str = CONSUMER_SECRET,
) -> web.Application:
    """An app serving ``orders`` (WooCommerce order JSON) by their ``id``."""
    app = web.Application()
    app[ORDERS] = {str(o["id"]): dict(o) for o in orders}

    async def get_order(request: web.Request) -> web.StreamResponse:
        if not _authorised(request, key, secret):
            return web.json_response(
                {
                    "code": "woocommerce_rest_cannot_view",
                    "message": "Sorry, you cannot view this resource.",
                    "data": {"status": 401},
                },
                status=401,
            )
        number = request.match_info["id"]
        failure = await misbehave(request, number)
        if failure is not None:
            return failure
        if number == WRONG_SHAPE:
            return web.json_response({"id": int(WRONG_SHAPE), "status": "completed", "billing": "n/a"})
        found = request.app[ORDERS].get(number)
        if found is None:
            return web.json_response(
                {
                    "code": "woocommerce_rest_shop_order_invalid_id",
                    "message": "Invalid ID.",
                    "data": {"status": 404},
                },
                status=404,
            )
        return web.json_response(found)

    app.router.add_get("/wp-json/wc/v3/orders/{id}", get_order)
    return app
