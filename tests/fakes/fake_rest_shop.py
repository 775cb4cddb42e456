"""Fake custom shop API for the generic ``http`` backend.

``GET /api/orders/{number}`` with header ``X-Api-Key`` answers an order in a
shape of its own (nested customer and delivery objects, its own status words)
or 404 ``{"error": "not found"}``. :func:`backend_config` returns the http
backend config that maps this shape, as a shop integrator would write it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from aiohttp import web

from orders.model import Order, OrderStatus
from tests.fakes.server import WRONG_SHAPE, misbehave

API_KEY = "rest-shop-fake-key"
API_KEY_ENV = "FAKE_REST_SHOP_API_KEY"
ORDERS = web.AppKey("orders", dict)

# The shop's own status words.
SHOP_STATUS = {
    OrderStatus.RECEIVED: "new",
    OrderStatus.PACKING: "picking",
    OrderStatus.SHIPPED: "in_transit",
    OrderStatus.OUT_FOR_DELIVERY: "with_courier",
    OrderStatus.DELIVERED: "delivered",
    OrderStatus.DELAYED: "late",
    OrderStatus.CANCELLED: "cancelled",
    OrderStatus.RETURNED: "returned",
    OrderStatus.RETURN_IN_PROGRESS: "return_pending",
    OrderStatus.REFUNDED: "money_back",
}


def backend_config(base_url: str) -> dict[str, Any]:
    """The ``http`` backend config for this API at ``base_url``."""
    return {
        "backend": "http",
        "url_template": f"{base_url}/api/orders/{{number}}",
        "auth_header": "X-Api-Key",
        "auth_env": API_KEY_ENV,
        "timeout": 2.0,
        "fields": {
            "number": "ref",
            "email": "customer.contact.email",
            "postcode": "delivery.address.zip",
            "status": "state",
            "placed_at": "created",
            "expected_delivery": "delivery.eta",
            "items": "lines[].product.name",
            "customer_name": "customer.name",
            "delivery_street": "delivery.address.street",
            "delivery_city": "delivery.address.city",
            "shipments": "parcels",
            "events": "history",
        },
        "shipment_fields": {
            "carrier": "courier",
            "tracking_number": "code",
            "tracking_url": "link",
            "items": "contents",
            "status": "state",
        },
        "event_fields": {"at": "time", "description": "text", "location": "place"},
        "status_map": {words: ours.value for ours, words in SHOP_STATUS.items()},
    }


def rest_order(order: Order) -> dict[str, Any]:
    """Our Order in this shop's JSON shape."""
    return {
        "ref": order.number,
        "state": SHOP_STATUS[order.status],
        "created": order.placed_at.isoformat(),
        "customer": {"name": order.customer_name, "contact": {"email": order.email}},
        "delivery": {
            "eta": order.expected_delivery.isoformat() if order.expected_delivery else None,
            "address": {
                "street": order.delivery_street,
                "city": order.delivery_city,
                "zip": order.postcode,
            },
        },
        "lines": [{"product": {"name": title}, "qty": 1} for title in order.items],
        "parcels": [
            {
                "courier": s.carrier,
                "code": s.tracking_number,
                "link": s.tracking_url,
                "contents": list(s.items),
                "state": SHOP_STATUS[s.status],
            }
            for s in order.shipments
        ],
        "history": [{"time": e.at.isoformat(), "text": e.description, "place": e.location} for e in order.events],
    }


def make_app(orders: Iterable[Mapping[str, Any]], *, api_key: str = API_KEY) -> web.Application:
    """An app serving ``orders`` (this shop's JSON) by their ``ref``."""
    app = web.Application()
    app[ORDERS] = {str(o["ref"]): dict(o) for o in orders}

    async def get_order(request: web.Request) -> web.StreamResponse:
        if request.headers.get("X-Api-Key") != api_key:
            return web.json_response({"error": "unauthorised"}, status=401)
        number = request.match_info["number"]
        failure = await misbehave(request, number)
        if failure is not None:
            return failure
        if number == WRONG_SHAPE:
            return web.json_response({"ref": number, "state": "teleported", "customer": []})
        found = request.app[ORDERS].get(number)
        if found is None:
            return web.json_response({"error": "not found"}, status=404)
        return web.json_response(found)

    app.router.add_get("/api/orders/{number}", get_order)
    return app
