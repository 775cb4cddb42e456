"""Shopify backend: the Admin REST API's order resource.

Looks an order up by its name (``#1001``) with
``GET {shop_url}/admin/api/{api_version}/orders.json?name=%23{number}&status=any``
and the ``X-Shopify-Access-Token`` header of a custom app with the
``read_orders`` scope (add ``read_all_orders`` for orders older than 60 days).
Tracking comes from the order's ``fulfillments``; Shopify's REST order has
no delivery estimate, so ``expected_delivery`` is always None.

Config keys:

``backend``
    ``"shopify"``
``shop_url``
    ``https://your-shop.myshopify.com`` (required).
``token_env``
    NAME of the environment variable holding the Admin API access token
    (required); the token itself never goes into config.
``api_version``
    Admin API version, default ``2025-07``.
``timeout``
    Total time budget per lookup in seconds (default 2.0).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any, Self

from orders.backends._http import get_json, obj, objects, parse_datetime, text
from orders.backends.base import (
    DEFAULT_TIMEOUT,
    BackendError,
    OrderBackend,
    require,
    secret_from_env,
    timeout_from,
)
from orders.carriers import display_name, tracking_url
from orders.model import Order, OrderStatus, Shipment, TrackingEvent

DEFAULT_API_VERSION = "2025-07"

# Fulfillment shipment_status values (set by carrier-calculated tracking)
# as a customer would put them. Values not listed, including None and ones
# Shopify adds later, count as plain "shipped": the parcel has left.
_SHIPMENT_STATUS = {
    "out_for_delivery": OrderStatus.OUT_FOR_DELIVERY,
    "ready_for_pickup": OrderStatus.OUT_FOR_DELIVERY,
    "attempted_delivery": OrderStatus.DELAYED,
    "delayed": OrderStatus.DELAYED,
    "failure": OrderStatus.DELAYED,
    "not_delivered": OrderStatus.DELAYED,
    "delivered": OrderStatus.DELIVERED,
    "picked_up": OrderStatus.DELIVERED,
}

_SHIPMENT_EVENT = {
    OrderStatus.OUT_FOR_DELIVERY: "Out for delivery",
    OrderStatus.DELAYED: "Delivery problem reported by the carrier",
    OrderStatus.DELIVERED: "Delivered",
}


class ShopifyBackend(OrderBackend):
    """Order lookups in a Shopify store."""

    name = "shopify"

    def __init__(
        self,
        shop_url: str,
        token: str,
        *,
        api_version: str = DEFAULT_API_VERSION,
        timeout: float = DEFAULT_TIMEOUT,
    ) -> None:
        super().__init__(timeout=timeout)
        self.shop_url = shop_url.rstrip("/")
        self.api_version = api_version
        self._token = token

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> Self:
        return cls(
            require(config, "shop_url", cls.name),
            secret_from_env(config, "token_env", cls.name),
            api_version=str(config.get("api_version") or DEFAULT_API_VERSION),
            timeout=timeout_from(config),
        )

    async def _fetch(self, number: str) -> Order | None:
        data = await get_json(
            f"{self.shop_url}/admin/api/{self.api_version}/orders.json",
            timeout=self.timeout,
            headers={"X-Shopify-Access-Token": self._token, "Accept": "application/json"},
            params={"name": f"#{number}", "status": "any"},
        )
        if data is None:
            return None
        found = data.get("orders") if isinstance(data, dict) else None
        if not isinstance(found, list):
            raise BackendError("response has no 'orders' list")
        for candidate in found:
            # The name filter is a search; only an exact match is this order.
            if isinstance(candidate, dict) and _number_of(candidate) == number:
                return to_order(number, candidate)
        return None


def _number_of(order: dict[str, Any]) -> str:
    return text(order.get("name")).lstrip("#") or text(order.get("order_number"))


def _first(value: Any) -> str:
    """First entry of a list field such as ``tracking_numbers``, or ""."""
    return text(value[0]) if isinstance(value, list) and value else ""


def _full_name(*parts: Any) -> str:
    return " ".join(p for p in (text(x) for x in parts) if p)


def _shipment(fulfillment: dict[str, Any]) -> Shipment:
    carrier = display_name(text(fulfillment.get("tracking_company")))
    number = text(fulfillment.get("tracking_number")) or _first(fulfillment.get("tracking_numbers"))
    url = text(fulfillment.get("tracking_url")) or _first(fulfillment.get("tracking_urls"))
    status = _SHIPMENT_STATUS.get(text(fulfillment.get("shipment_status")), OrderStatus.SHIPPED)
    return Shipment(
        carrier=carrier,
        tracking_number=number,
        tracking_url=url or tracking_url(carrier, number),
        items=tuple(text(li.get("title")) for li in objects(fulfillment.get("line_items"))),
        status=status,
    )


def _overall_status(data: dict[str, Any], shipments: list[Shipment]) -> OrderStatus:
    financial = text(data.get("financial_status"))
    fulfillment = text(data.get("fulfillment_status"))
    if data.get("cancelled_at"):
        return OrderStatus.REFUNDED if financial == "refunded" else OrderStatus.CANCELLED
    if financial == "refunded":
        return OrderStatus.REFUNDED
    if fulfillment == "restocked":
        return OrderStatus.RETURNED
    if not shipments:
        # Not shipped yet: paid orders are being packed, the rest wait for
        # payment.
        paid = financial in ("paid", "partially_paid", "partially_refunded")
        return OrderStatus.PACKING if paid else OrderStatus.RECEIVED
    states = {s.status for s in shipments}
    if OrderStatus.DELAYED in states:
        return OrderStatus.DELAYED
    if OrderStatus.OUT_FOR_DELIVERY in states:
        return OrderStatus.OUT_FOR_DELIVERY
    if states == {OrderStatus.DELIVERED} and fulfillment == "fulfilled":
        return OrderStatus.DELIVERED
    # Includes a partial shipment with one parcel delivered and the rest
    # still on the way or in the warehouse.
    return OrderStatus.SHIPPED


def _events(data: dict[str, Any], fulfillments: list[tuple[dict[str, Any], Shipment]]) -> tuple[TrackingEvent, ...]:
    events = [TrackingEvent(parse_datetime(data.get("created_at")), "Order received")]
    for raw, shipment in fulfillments:
        created: datetime = parse_datetime(raw.get("created_at"))
        carrier = shipment.carrier or "the carrier"
        events.append(TrackingEvent(created, f"Handed over to {carrier}"))
        if shipment.status in _SHIPMENT_EVENT and raw.get("updated_at"):
            events.append(TrackingEvent(parse_datetime(raw["updated_at"]), _SHIPMENT_EVENT[shipment.status]))
    for refund in objects(data.get("refunds")):
        if refund.get("created_at"):
            events.append(TrackingEvent(parse_datetime(refund["created_at"]), "Refund issued"))
    if data.get("cancelled_at"):
        events.append(TrackingEvent(parse_datetime(data["cancelled_at"]), "Order cancelled"))
    return tuple(sorted(events, key=lambda e: e.at))


def to_order(number: str, data: dict[str, Any]) -> Order:
    """Map one order from Shopify's documented JSON to our Order."""
    address = obj(data.get("shipping_address")) or obj(data.get("billing_address"))
    customer = obj(data.get("customer"))
    fulfillments = [
        (f, _shipment(f))
        for f in objects(data.get("fulfillments"))
        if text(f.get("status")) not in ("cancelled", "error", "failure")
    ]
    shipments = [s for _, s in fulfillments]
    return Order(
        number=number,
        email=text(data.get("email")) or text(data.get("contact_email")) or text(customer.get("email")),
        postcode=text(address.get("zip")),
        status=_overall_status(data, shipments),
        placed_at=parse_datetime(data.get("created_at")),
        expected_delivery=None,
        items=tuple(text(li.get("title")) for li in objects(data.get("line_items"))),
        shipments=tuple(shipments),
        events=_events(data, fulfillments),
        delivery_city=text(address.get("city")),
        delivery_street=text(address.get("address1")),
        customer_name=text(address.get("name"))
        or _full_name(address.get("first_name"), address.get("last_name"))
        or _full_name(customer.get("first_name"), customer.get("last_name")),
    )
