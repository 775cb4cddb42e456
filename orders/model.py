"""Immutable order model shared by every backend.

Backends translate their shop's data into these types so that the dialogue
layer never sees a shop-specific shape.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from enum import Enum


class OrderStatus(str, Enum):
    """What a customer would call the state of an order or a parcel."""

    RECEIVED = "received"
    PACKING = "packing"
    SHIPPED = "shipped"
    OUT_FOR_DELIVERY = "out_for_delivery"
    DELIVERED = "delivered"
    DELAYED = "delayed"
    CANCELLED = "cancelled"
    RETURNED = "returned"
    RETURN_IN_PROGRESS = "return_in_progress"
    REFUNDED = "refunded"


@dataclass(frozen=True)
class TrackingEvent:
    """One step in an order's history, as a customer would read it."""

    at: datetime
    description: str
    location: str | None = None


@dataclass(frozen=True)
class Shipment:
    """One parcel; an order shipped in parts has several."""

    carrier: str
    tracking_number: str
    tracking_url: str
    items: tuple[str, ...]
    status: OrderStatus


@dataclass(frozen=True)
class Order:
    """An order as the assistant may describe it after verification.

    Personal fields are left out of ``repr`` so that an order that ends up in
    a log line or a traceback does not leak who bought it or where they live.
    """

    number: str
    email: str = field(repr=False)
    postcode: str = field(repr=False)
    status: OrderStatus
    placed_at: datetime
    expected_delivery: date | None
    items: tuple[str, ...]
    shipments: tuple[Shipment, ...]
    events: tuple[TrackingEvent, ...]  # oldest first, newest last
    delivery_city: str = field(repr=False)
    delivery_street: str = field(repr=False)
    customer_name: str = field(repr=False)

    @property
    def last_event(self) -> TrackingEvent | None:
        """The most recent tracking event, if the order has any."""
        return self.events[-1] if self.events else None

    @property
    def carriers(self) -> tuple[str, ...]:
        """Distinct carriers in shipment order, for "it ships with X and Y"."""
        return tuple(dict.fromkeys(s.carrier for s in self.shipments))
