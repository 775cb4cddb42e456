"""Embedded default backend: the demo shop's SQLite database.

Reads the layout written by :mod:`orders.demo_shop` (tables ``orders``,
``shipments`` and ``events``), so the assistant works without any shop
account. The file is opened read-only: the bot never changes orders.

Config keys:

``backend``
    ``"sqlite"``
``path``
    Path of the database file (required). Create it with
    ``python -m orders.demo_shop --db PATH``.
``timeout``
    Total time budget per lookup in seconds (default 2.0).
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
from collections.abc import Mapping
from contextlib import closing
from datetime import date, datetime
from pathlib import Path
from typing import Any, Self

from orders.backends.base import DEFAULT_TIMEOUT, OrderBackend, require, timeout_from
from orders.model import Order, OrderStatus, Shipment, TrackingEvent


class SQLiteBackend(OrderBackend):
    """Order lookups in a local SQLite file, run in a worker thread."""

    name = "sqlite"

    def __init__(self, path: str | Path, *, timeout: float = DEFAULT_TIMEOUT) -> None:
        super().__init__(timeout=timeout)
        self.path = Path(path)

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> Self:
        return cls(require(config, "path", cls.name), timeout=timeout_from(config))

    async def _fetch(self, number: str) -> Order | None:
        # sqlite3 blocks; a thread keeps the event loop (and other
        # conversations) responsive while the query runs.
        return await asyncio.to_thread(self._read, number)

    def _read(self, number: str) -> Order | None:
        # mode=ro: a missing file is an error rather than a new empty shop.
        uri = f"{self.path.resolve().as_uri()}?mode=ro"
        with closing(sqlite3.connect(uri, uri=True, timeout=self.timeout)) as conn:
            row = conn.execute(
                "SELECT number, email, postcode, status, placed_at, expected_delivery,"
                " items, customer_name, delivery_street, delivery_city"
                " FROM orders WHERE number = ?",
                (number,),
            ).fetchone()
            if row is None:
                return None
            shipments = conn.execute(
                "SELECT carrier, tracking_number, tracking_url, items, status"
                " FROM shipments WHERE order_number = ? ORDER BY position",
                (number,),
            ).fetchall()
            events = conn.execute(
                "SELECT at, description, location FROM events WHERE order_number = ? ORDER BY position",
                (number,),
            ).fetchall()
        (number, email, postcode, status, placed_at, expected, items, name, street, city) = row
        return Order(
            number=number,
            email=email,
            postcode=postcode,
            status=OrderStatus(status),
            placed_at=datetime.fromisoformat(placed_at),
            expected_delivery=date.fromisoformat(expected) if expected else None,
            items=_titles(items),
            shipments=tuple(
                Shipment(
                    carrier=carrier,
                    tracking_number=tracking_number,
                    tracking_url=url,
                    items=_titles(parcel_items),
                    status=OrderStatus(parcel_status),
                )
                for carrier, tracking_number, url, parcel_items, parcel_status in shipments
            ),
            events=tuple(
                TrackingEvent(at=datetime.fromisoformat(at), description=text, location=where) for at, text, where in events
            ),
            delivery_city=city,
            delivery_street=street,
            customer_name=name,
        )


def _titles(raw: str) -> tuple[str, ...]:
    titles = json.loads(raw)
    if not isinstance(titles, list) or not all(isinstance(t, str) for t in titles):
        raise ValueError("items column is not a JSON list of titles")
    return tuple(titles)
