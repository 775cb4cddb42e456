"""WooCommerce backend: the WooCommerce REST API v3.

``GET {site_url}/wp-json/wc/v3/orders/{number}`` (the order ID) with HTTP
Basic auth of a read-only REST API key. Basic auth is what WooCommerce
accepts over HTTPS; over plain HTTP it wants OAuth 1.0a signatures, which
this backend does not do, so use an ``https://`` site URL.

WooCommerce itself records no parcel tracking; if the Shipment Tracking
extension (or a compatible plugin such as Advanced Shipment Tracking) stored
``_wc_shipment_tracking_items`` in the order's ``meta_data``, those become
shipments. WooCommerce has no delivery estimate, so ``expected_delivery``
is always None, and "completed" means shipped, not delivered.

Config keys:

``backend``
    ``"woocommerce"``
``site_url``
    ``https://shop.example`` (required).
``key_env`` / ``secret_env``
    NAMES of the environment variables holding the consumer key
    (``ck_...``) and consumer secret (``cs_...``) (required).
``status_map``
    Optional extra or overriding status slugs, e.g. a plugin's
    ``{"awaiting-shipment": "packing"}``; values are our statuses.
``timeout``
    Total time budget per lookup in seconds (default 2.0).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any, Self
from urllib.parse import quote

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

TRACKING_META_KEY = "_wc_shipment_tracking_items"

# WooCommerce's built-in statuses plus the ones common tracking plugins add.
# An unknown slug is a BackendError rather than a guess the bot would repeat
# to the customer; shops with custom statuses extend this via status_map.
DEFAULT_STATUS_MAP: dict[str, OrderStatus] = {
    "checkout-draft": OrderStatus.RECEIVED,
    "pending": OrderStatus.RECEIVED,  # awaiting payment
    "on-hold": OrderStatus.RECEIVED,  # awaiting payment confirmation
    "processing": OrderStatus.PACKING,  # paid, being prepared
    "completed": OrderStatus.SHIPPED,
    "partial-shipped": OrderStatus.SHIPPED,
    "shipped": OrderStatus.SHIPPED,
    "delivered": OrderStatus.DELIVERED,
    "cancelled": OrderStatus.CANCELLED,
    "failed": OrderStatus.CANCELLED,  # payment failed, will not ship
    "refunded": OrderStatus.REFUNDED,
}

_STATUS_EVENT = {
    "failed": "Payment failed",
    "cancelled": "Order cancelled",
    "refunded": "Order refunded",
}


class WooCommerceBackend(OrderBackend):
    """Order lookups in a WooCommerce store."""

    name = "woocommerce"

    def __init__(
        self,
        site_url: str,
        consumer_key: str,
        consumer_secret: str,
        *,
        status_map: Mapping[str, str] | None = None,
        timeout: float = DEFAULT_TIMEOUT,
    ) -> None:
        super().__init__(timeout=timeout)
        self.site_url = site_url.rstrip("/")
        self._auth = (consumer_key, consumer_secret)
        self.status_map = dict(DEFAULT_STATUS_MAP)
        for slug, ours in (status_map or {}).items():
            try:
                self.status_map[str(slug)] = OrderStatus(ours)
            except ValueError:
                raise ValueError(f"woocommerce backend: status_map maps '{slug}' to unknown status '{ours}'") from None

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> Self:
        status_map = config.get("status_map") or {}
        if not isinstance(status_map, Mapping):
            raise ValueError("woocommerce backend: 'status_map' must be a mapping")
        return cls(
            require(config, "site_url", cls.name),
            secret_from_env(config, "key_env", cls.name),
            secret_from_env(config, "secret_env", cls.name),
            status_map=status_map,
            timeout=timeout_from(config),
        )

    async def _fetch(self, number: str) -> Order | None:
        data = await get_json(
            f"{self.site_url}/wp-json/wc/v3/orders/{quote(number, safe='')}",
            timeout=self.timeout,
            headers={"Accept": "application/json"},
            auth=self._auth,
        )
        if data is None:
            return None
        if not isinstance(data, dict):
            raise BackendError("response is not a JSON object")
        if text(data.get("id")) != number:
            raise BackendError("shop answered with a different order")
        return to_order(number, data, self.status_map)


def _timestamp(data: dict[str, Any], field: str) -> datetime | None:
    """The ``_gmt`` variant of a WooCommerce date (site-local ones lack a zone)."""
    value = data.get(f"{field}_gmt") or data.get(field)
    return parse_datetime(value) if value else None


def _shipped_at(value: Any) -> datetime | None:
    # The tracking extension stores date_shipped as a Unix timestamp string.
    try:
        return datetime.fromtimestamp(int(text(value)), UTC)
    except ValueError:
        return None


def _tracking(data: dict[str, Any], items: tuple[str, ...], status: OrderStatus) -> list[tuple[Shipment, datetime | None]]:
    entries: list[dict[str, Any]] = []
    for meta in objects(data.get("meta_data")):
        value = meta.get("value")
        # Tracking is optional plugin data: an entry in an unexpected shape
        # is skipped rather than making the whole order unreadable.
        if meta.get("key") == TRACKING_META_KEY and isinstance(value, list):
            entries.extend(v for v in value if isinstance(v, dict))
    parcel_status = OrderStatus.DELIVERED if status is OrderStatus.DELIVERED else OrderStatus.SHIPPED
    result = []
    for entry in entries:
        carrier = display_name(text(entry.get("custom_tracking_provider")) or text(entry.get("tracking_provider")))
        number = text(entry.get("tracking_number"))
        shipment = Shipment(
            carrier=carrier,
            tracking_number=number,
            tracking_url=text(entry.get("custom_tracking_link")) or tracking_url(carrier, number),
            # The extension does not record which items went in which parcel.
            items=items if len(entries) == 1 else (),
            status=parcel_status,
        )
        result.append((shipment, _shipped_at(entry.get("date_shipped"))))
    return result


def to_order(number: str, data: dict[str, Any], status_map: Mapping[str, OrderStatus]) -> Order:
    """Map one order from WooCommerce's documented JSON to our Order."""
    slug = text(data.get("status"))
    if slug not in status_map:
        raise BackendError("shop reported a status with no mapping")
    status = status_map[slug]
    billing = obj(data.get("billing"))
    shipping = obj(data.get("shipping"))
    # Virtual orders and some checkouts leave the shipping address empty.
    address = shipping if text(shipping.get("address_1")) or text(shipping.get("postcode")) else billing
    items = tuple(text(li.get("name")) for li in objects(data.get("line_items")))
    tracking = _tracking(data, items, status)
    placed_at = _timestamp(data, "date_created")
    if placed_at is None:
        raise BackendError("response lacks date_created")
    events = [TrackingEvent(placed_at, "Order received")]
    paid = _timestamp(data, "date_paid")
    if paid:
        events.append(TrackingEvent(paid, "Payment confirmed"))
    for shipment, shipped in tracking:
        if shipped:
            events.append(TrackingEvent(shipped, f"Handed over to {shipment.carrier or 'the carrier'}"))
    completed = _timestamp(data, "date_completed")
    if completed:
        events.append(TrackingEvent(completed, "Order completed and shipped"))
    modified = _timestamp(data, "date_modified")
    if slug in _STATUS_EVENT and modified:
        events.append(TrackingEvent(modified, _STATUS_EVENT[slug]))
    name = " ".join(p for p in (text(address.get("first_name")), text(address.get("last_name"))) if p)
    return Order(
        number=number,
        email=text(billing.get("email")),
        postcode=text(address.get("postcode")),
        status=status,
        placed_at=placed_at,
        expected_delivery=None,
        items=items,
        shipments=tuple(s for s, _ in tracking),
        events=tuple(sorted(events, key=lambda e: e.at)),
        delivery_city=text(address.get("city")),
        delivery_street=text(address.get("address_1")),
        customer_name=name,
    )
