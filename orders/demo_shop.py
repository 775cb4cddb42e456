"""The demo shop: a small SQLite database of fictional orders.

It gives the assistant something real to look up without any shop account,
and it is the layout :mod:`orders.backends.sqlite` reads. Create or refresh
it with::

    python -m orders.demo_shop --db demo_shop.db

Seeding is idempotent. Dates are relative to the moment of seeding so that
"expected tomorrow" stays true, which is why a database seeded on an earlier
day (or with another schema version) is rebuilt. The new file is written
next to the old one and swapped in atomically, so a running bot never reads
a half-written shop.
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import tempfile
from collections.abc import Sequence
from contextlib import closing
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from orders.carriers import tracking_url
from orders.model import Order, OrderStatus, Shipment, TrackingEvent

SCHEMA_VERSION = "1"

# The meta table marks a file as ours: seeding refuses to overwrite a SQLite
# file that does not carry this key, in case --db points at the wrong file.
_MARKER = "demo_shop_schema"

SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE orders (
    number TEXT PRIMARY KEY,
    email TEXT NOT NULL,
    postcode TEXT NOT NULL,
    status TEXT NOT NULL,
    placed_at TEXT NOT NULL,          -- ISO 8601, UTC
    expected_delivery TEXT,           -- ISO date or NULL
    items TEXT NOT NULL,              -- JSON array of item titles
    customer_name TEXT NOT NULL,
    delivery_street TEXT NOT NULL,
    delivery_city TEXT NOT NULL
);
CREATE TABLE shipments (
    order_number TEXT NOT NULL REFERENCES orders(number),
    position INTEGER NOT NULL,
    carrier TEXT NOT NULL,
    tracking_number TEXT NOT NULL,
    tracking_url TEXT NOT NULL,
    items TEXT NOT NULL,              -- JSON array of item titles
    status TEXT NOT NULL,
    PRIMARY KEY (order_number, position)
);
CREATE TABLE events (
    order_number TEXT NOT NULL REFERENCES orders(number),
    position INTEGER NOT NULL,        -- 0 = oldest
    at TEXT NOT NULL,                 -- ISO 8601, UTC
    description TEXT NOT NULL,
    location TEXT,
    PRIMARY KEY (order_number, position)
);
"""

WAREHOUSE = "Kraków warehouse"

S = OrderStatus  # short alias for the seed table below


class _Clock:
    """Turns "so many hours ago" into timestamps relative to seeding time."""

    def __init__(self, now: datetime) -> None:
        self.now = now.astimezone(UTC).replace(microsecond=0)

    def ago(self, hours: float) -> datetime:
        return self.now - timedelta(hours=hours)

    def day(self, offset: int) -> date:
        return self.now.date() + timedelta(days=offset)


def _tracking_number(carrier: str, order: str, parcel: int) -> str:
    """A number in the carrier's usual format, stable per order and parcel."""
    seed = f"{order}{parcel}"
    if carrier == "InPost":
        return "6" + seed.rjust(23, "0")
    if carrier == "DPD":
        return "1000" + seed.rjust(9, "0") + "U"
    if carrier == "DHL":
        return seed.rjust(10, "0")
    return "00659007734" + seed.rjust(9, "0")  # Poczta Polska


def _shipment(carrier: str, order: str, parcel: int, items: Sequence[str], status: OrderStatus) -> Shipment:
    number = _tracking_number(carrier, order, parcel)
    return Shipment(
        carrier=carrier,
        tracking_number=number,
        tracking_url=tracking_url(carrier, number),
        items=tuple(items),
        status=status,
    )


def _progress(clock: _Clock, carrier: str, hub: str, city: str, *hours_ago: float) -> list[TrackingEvent]:
    """The usual path of a parcel, cut after as many steps as times given."""
    last_mile = "Ready for pickup at an InPost parcel locker" if carrier == "InPost" else "Out for delivery with the courier"
    arrived = "Picked up from the parcel locker" if carrier == "InPost" else "Delivered"
    steps: list[tuple[str, str | None]] = [
        ("Order received", None),
        ("Payment confirmed, packing at our warehouse", WAREHOUSE),
        (f"Handed over to {carrier}", WAREHOUSE),
        ("In transit", hub),
        (last_mile, city),
        (arrived, city),
    ]
    return [TrackingEvent(at=clock.ago(h), description=d, location=loc) for (d, loc), h in zip(steps, hours_ago, strict=False)]


def _prepared(clock: _Clock, *hours_ago: float) -> list[TrackingEvent]:
    """Events of an order that has not left the warehouse yet."""
    return _progress(clock, "", "", "", *hours_ago[:2])


def _event(clock: _Clock, hours_ago: float, text: str, where: str | None = None) -> TrackingEvent:
    return TrackingEvent(at=clock.ago(hours_ago), description=text, location=where)


def build_demo_orders(now: datetime | None = None) -> list[Order]:
    """The demo orders with dates relative to ``now`` (default: this moment)."""
    c = _Clock(now or datetime.now(UTC))
    orders: list[Order] = []

    def add(
        number: str,
        customer: tuple[str, str, str, str, str],
        status: OrderStatus,
        *,
        placed_hours_ago: float,
        expected_in_days: int | None,
        items: Sequence[str],
        shipments: Sequence[Shipment],
        events: Sequence[TrackingEvent],
    ) -> None:
        name, email, street, city, postcode = customer
        orders.append(
            Order(
                number=number,
                email=email,
                postcode=postcode,
                status=status,
                placed_at=c.ago(placed_hours_ago),
                expected_delivery=None if expected_in_days is None else c.day(expected_in_days),
                items=tuple(items),
                shipments=tuple(shipments),
                events=tuple(events),
                delivery_city=city,
                delivery_street=street,
                customer_name=name,
            )
        )

    # --- Being prepared -------------------------------------------------
    add(
        "100201",
        ("Anna Kowalska", "anna.kowalska@example.com", "ul. Marszałkowska 140/5", "Warszawa", "00-950"),
        S.RECEIVED,
        placed_hours_ago=5,
        expected_in_days=4,
        items=["Linen tea towel set", "Stoneware mug, sage"],
        shipments=[],
        events=_prepared(c, 5),
    )
    add(
        "100202",
        ("Piotr Nowak", "piotr.nowak@example.com", "ul. Floriańska 3/2", "Kraków", "31-019"),
        S.PACKING,
        placed_hours_ago=26,
        expected_in_days=3,
        items=["Oak serving board"],
        shipments=[],
        events=_prepared(c, 26, 20),
    )
    add(
        "100216",
        ("Grzegorz Piotrowski", "g.piotrowski@example.com", "ul. Świętojańska 21", "Gdynia", "81-368"),
        S.RECEIVED,
        placed_hours_ago=30,
        expected_in_days=5,
        items=["Wool throw, charcoal"],
        shipments=[],
        events=[*_prepared(c, 30), _event(c, 29, "Waiting for your bank transfer")],
    )
    add(
        "100222",
        ("Zofia Grabowska", "zofia.grabowska@example.com", "ul. Legnicka 48", "Wrocław", "53-674"),
        S.PACKING,
        placed_hours_ago=20,
        expected_in_days=2,
        items=["Beeswax candles (4)", "Enamel watering can"],
        shipments=[],
        events=_prepared(c, 20, 16),
    )

    # --- On the way -----------------------------------------------------
    items = ["Herb seed kit", "Bamboo plant pots (3)"]
    add(
        "100203",
        ("Katarzyna Wiśniewska", "kasia.wisniewska@example.com", "ul. Długa 12", "Gdańsk", "80-831"),
        S.SHIPPED,
        placed_hours_ago=50,
        expected_in_days=1,
        items=items,
        shipments=[_shipment("InPost", "100203", 1, items, S.SHIPPED)],
        events=_progress(c, "InPost", "InPost sorting centre Pruszcz Gdański", "Gdańsk", 50, 44, 30, 12),
    )
    items = ["Cast-iron casserole, 24 cm"]
    add(
        "100204",
        ("Tomasz Wójcik", "tomasz.wojcik@example.com", "ul. Świdnicka 8", "Wrocław", "50-066"),
        S.OUT_FOR_DELIVERY,
        placed_hours_ago=70,
        expected_in_days=0,
        items=items,
        shipments=[_shipment("DPD", "100204", 1, items, S.OUT_FOR_DELIVERY)],
        events=_progress(c, "DPD", "DPD depot Wrocław", "Wrocław", 70, 66, 50, 20, 3),
    )
    items = ["Birch bark notebook", "Fountain pen ink, blue"]
    add(
        "100213",
        ("Aleksandra Mazur", "ola.mazur@example.com", "ul. 3 Maja 15", "Rzeszów", "35-030"),
        S.SHIPPED,
        placed_hours_ago=60,
        expected_in_days=2,
        items=items,
        shipments=[_shipment("Poczta Polska", "100213", 1, items, S.SHIPPED)],
        events=_progress(c, "Poczta Polska", "Sorting centre Kraków", "Rzeszów", 60, 52, 40, 18),
    )
    items = ["Cotton tote bag", "Beeswax wraps (3)"]
    add(
        "100215",
        ("Natalia Krawczyk", "natalia.krawczyk@example.com", "ul. Karmelicka 30/4", "Kraków", "31-128"),
        S.OUT_FOR_DELIVERY,
        placed_hours_ago=48,
        expected_in_days=0,
        items=items,
        shipments=[_shipment("InPost", "100215", 1, items, S.OUT_FOR_DELIVERY)],
        events=_progress(c, "InPost", "InPost sorting centre Kraków", "Kraków", 48, 44, 28, 14, 2),
    )
    items = ["Stoneware dinner plates (4)"]
    add(
        "100225",
        ("Adam Nowicki", "adam.nowicki@example.com", "ul. Lipowa 7", "Białystok", "15-424"),
        S.SHIPPED,
        placed_hours_ago=40,
        expected_in_days=1,
        items=items,
        shipments=[_shipment("DPD", "100225", 1, items, S.SHIPPED)],
        events=_progress(c, "DPD", "DPD hub Warszawa", "Białystok", 40, 36, 22, 8),
    )
    items = ["Linen bedding set, oat"]
    add(
        "100226",
        ("Barbara Wróbel", "barbara.wrobel@example.com", "ul. Krakowska 41", "Opole", "45-018"),
        S.OUT_FOR_DELIVERY,
        placed_hours_ago=75,
        expected_in_days=0,
        items=items,
        shipments=[_shipment("Poczta Polska", "100226", 1, items, S.OUT_FOR_DELIVERY)],
        events=_progress(c, "Poczta Polska", "Sorting centre Katowice", "Opole", 75, 70, 52, 26, 4),
    )
    items = ["Wool throw, mustard"]
    add(
        "100302",
        ("Karol Majewski", "karol.majewski@example.com", "ul. Bohaterów Monte Cassino 50", "Sopot", "81-767"),
        S.SHIPPED,
        placed_hours_ago=28,
        expected_in_days=1,
        items=items,
        shipments=[_shipment("InPost", "100302", 1, items, S.SHIPPED)],
        events=_progress(c, "InPost", "InPost sorting centre Pruszcz Gdański", "Sopot", 28, 24, 10, 3),
    )
    items = ["Oak chopping board", "Olive wood spoons (2)"]
    add(
        "100220",
        ("Oliver Bennett", "oliver.bennett@example.com", "27 Old Gloucester Street", "London", "WC1N 3AX"),
        S.SHIPPED,
        placed_hours_ago=52,
        expected_in_days=1,
        items=items,
        shipments=[_shipment("DHL", "100220", 1, items, S.SHIPPED)],
        events=[
            *_progress(c, "DHL", "DHL hub Leipzig", "London", 52, 48, 30, 20),
            _event(c, 8, "Cleared customs", "DHL East Midlands"),
        ],
    )

    # --- Partial shipment: one parcel delivered, one still travelling -----
    first, second = ["Stoneware mug, sage", "Linen napkins (4)"], ["Wool throw, charcoal"]
    add(
        "100212",
        ("Marcin Jankowski", "marcin.jankowski@example.com", "ul. Puławska 145/12", "Warszawa", "02-715"),
        S.SHIPPED,
        placed_hours_ago=120,
        expected_in_days=1,
        items=first + second,
        shipments=[_shipment("DHL", "100212", 1, first, S.DELIVERED), _shipment("InPost", "100212", 2, second, S.SHIPPED)],
        events=[
            _event(c, 120, "Order received"),
            _event(c, 116, "Payment confirmed, packing at our warehouse", WAREHOUSE),
            _event(c, 100, "Parcel 1 of 2 handed over to DHL", WAREHOUSE),
            _event(c, 72, "Parcel 1 of 2 delivered", "Warszawa"),
            _event(c, 30, "Parcel 2 of 2 handed over to InPost (item was back in stock)", WAREHOUSE),
            _event(c, 12, "Parcel 2 of 2 in transit", "InPost sorting centre Warszawa"),
        ],
    )

    # --- Delayed ----------------------------------------------------------
    items = ["Enamel watering can", "Garden twine"]
    add(
        "100206",
        ("Michał Lewandowski", "michal.lewandowski@example.com", "ul. Piotrkowska 104", "Łódź", "90-926"),
        S.DELAYED,
        placed_hours_ago=144,
        expected_in_days=2,
        items=items,
        shipments=[_shipment("DPD", "100206", 1, items, S.DELAYED)],
        events=[
            *_progress(c, "DPD", "DPD hub Stryków", "Łódź", 144, 140, 120, 100),
            _event(c, 50, "Delayed: high parcel volume at the sorting hub, new estimated delivery in 2 days", "DPD hub Stryków"),
        ],
    )
    # Looks lost: last scan long ago, expected date well past, no news since.
    items = ["Copper kettle"]
    add(
        "100207",
        ("Agnieszka Zielińska", "agnieszka.zielinska@example.com", "ul. Narutowicza 9", "Lublin", "20-016"),
        S.DELAYED,
        placed_hours_ago=14 * 24,
        expected_in_days=-9,
        items=items,
        shipments=[_shipment("Poczta Polska", "100207", 1, items, S.DELAYED)],
        events=_progress(c, "Poczta Polska", "Sorting centre Warszawa", "Lublin", 14 * 24, 13 * 24 + 20, 13 * 24, 11 * 24),
    )

    # --- Delivered --------------------------------------------------------
    items = ["Linen apron", "Tea towel, striped"]
    add(
        "100205",
        ("Magdalena Kamińska", "magda.kaminska@example.com", "ul. Półwiejska 2", "Poznań", "61-888"),
        S.DELIVERED,
        placed_hours_ago=8 * 24,
        expected_in_days=-4,
        items=items,
        shipments=[_shipment("DHL", "100205", 1, items, S.DELIVERED)],
        events=_progress(c, "DHL", "DHL hub Poznań", "Poznań", 192, 188, 170, 140, 100, 96),
    )
    items = ["Birch bark notebook"]
    add(
        "100214",
        ("Jakub Kwiatkowski", "jakub.kwiatkowski@example.com", "ul. Dietla 66", "Kraków", "31-039"),
        S.DELIVERED,
        placed_hours_ago=5 * 24,
        expected_in_days=-2,
        items=items,
        shipments=[_shipment("InPost", "100214", 1, items, S.DELIVERED)],
        events=_progress(c, "InPost", "InPost sorting centre Kraków", "Kraków", 120, 116, 100, 80, 60, 50),
    )
    items = ["Stoneware bowls (4)", "Oak serving board"]
    add(
        "100224",
        ("Monika Michalska", "monika.michalska@example.com", "ul. Sienkiewicza 20", "Kielce", "25-007"),
        S.DELIVERED,
        placed_hours_ago=10 * 24,
        expected_in_days=-6,
        items=items,
        shipments=[_shipment("DPD", "100224", 1, items, S.DELIVERED)],
        events=_progress(c, "DPD", "DPD depot Kielce", "Kielce", 240, 236, 220, 200, 170, 165),
    )
    items = ["Wool throw, charcoal"]
    add(
        "100301",
        ("Weronika Jabłońska", "weronika.jablonska@example.com", "ul. Krupówki 12", "Zakopane", "34-500"),
        S.DELIVERED,
        placed_hours_ago=6 * 24,
        expected_in_days=-3,
        items=items,
        shipments=[_shipment("InPost", "100301", 1, items, S.DELIVERED)],
        events=_progress(c, "InPost", "InPost sorting centre Kraków", "Zakopane", 144, 140, 120, 100, 80, 70),
    )
    items = ["Cast-iron skillet, 26 cm"]
    add(
        "100221",
        ("Lena Fischer", "lena.fischer@example.com", "Invalidenstraße 117", "Berlin", "10115"),
        S.DELIVERED,
        placed_hours_ago=9 * 24,
        expected_in_days=-4,
        items=items,
        shipments=[_shipment("DPD", "100221", 1, items, S.DELIVERED)],
        events=_progress(c, "DPD", "DPD hub Berlin", "Berlin", 216, 212, 190, 150, 106, 100),
    )

    # --- Returns and refunds ----------------------------------------------
    items = ["Linen bedding set, sage"]
    add(
        "100210",
        ("Paweł Dąbrowski", "pawel.dabrowski@example.com", "ul. Gdańska 70", "Bydgoszcz", "85-021"),
        S.RETURN_IN_PROGRESS,
        placed_hours_ago=12 * 24,
        expected_in_days=-7,
        items=items,
        shipments=[_shipment("InPost", "100210", 1, items, S.DELIVERED)],
        events=[
            *_progress(c, "InPost", "InPost sorting centre Bydgoszcz", "Bydgoszcz", 288, 284, 260, 220, 180, 170),
            _event(c, 72, "Return registered, QR code e-mailed"),
            _event(c, 30, "Return parcel dropped off at an InPost parcel locker", "Bydgoszcz"),
            _event(c, 10, "Return parcel on its way to our warehouse", "InPost sorting centre Kraków"),
        ],
    )
    items = ["Copper kettle"]
    add(
        "100209",
        ("Joanna Woźniak", "joanna.wozniak@example.com", "al. Wojska Polskiego 55", "Szczecin", "70-475"),
        S.RETURNED,
        placed_hours_ago=25 * 24,
        expected_in_days=-20,
        items=items,
        shipments=[_shipment("DPD", "100209", 1, items, S.DELIVERED)],
        events=[
            *_progress(c, "DPD", "DPD depot Szczecin", "Szczecin", 600, 596, 580, 540, 500, 490),
            _event(c, 330, "Return registered, QR code e-mailed"),
            _event(c, 300, "Return parcel dropped off at a DPD Pickup point", "Szczecin"),
            _event(c, 200, "Return received at our warehouse, refund being prepared", WAREHOUSE),
        ],
    )
    items = ["Stoneware mug, sage", "Stoneware mug, rust"]
    add(
        "100211",
        ("Ewa Kozłowska", "ewa.kozlowska@example.com", "ul. Szeroka 35", "Toruń", "87-100"),
        S.REFUNDED,
        placed_hours_ago=30 * 24,
        expected_in_days=-25,
        items=items,
        shipments=[_shipment("InPost", "100211", 1, items, S.DELIVERED)],
        events=[
            *_progress(c, "InPost", "InPost sorting centre Bydgoszcz", "Toruń", 720, 716, 700, 660, 620, 600),
            _event(c, 400, "Return registered, QR code e-mailed"),
            _event(c, 380, "Return parcel dropped off at an InPost parcel locker", "Toruń"),
            _event(c, 300, "Return received at our warehouse", WAREHOUSE),
            _event(c, 200, "Refund issued to the original payment method"),
        ],
    )
    add(
        "100303",
        ("Iwona Olszewska", "iwona.olszewska@example.com", "al. Najświętszej Maryi Panny 40", "Częstochowa", "42-217"),
        S.REFUNDED,
        placed_hours_ago=7 * 24,
        expected_in_days=None,
        items=["Wool throw, mustard", "Linen cushion cover"],
        shipments=[],
        events=[
            *_prepared(c, 168, 160),
            _event(c, 150, "Cancelled at your request before dispatch"),
            _event(c, 120, "Refund issued to the original payment method"),
        ],
    )

    # --- Cancelled ----------------------------------------------------------
    add(
        "100208",
        ("Krzysztof Szymański", "k.szymanski@example.com", "ul. Mariacka 18", "Katowice", "40-014"),
        S.CANCELLED,
        placed_hours_ago=96,
        expected_in_days=None,
        items=["Cast-iron casserole, 28 cm"],
        shipments=[],
        events=[*_prepared(c, 96, 90), _event(c, 80, "Cancelled at your request before dispatch")],
    )
    add(
        "100223",
        ("Łukasz Pawłowski", "lukasz.pawlowski@example.com", "ul. Staromiejska 4", "Olsztyn", "10-017"),
        S.CANCELLED,
        placed_hours_ago=10 * 24,
        expected_in_days=None,
        items=["Enamel pie dish"],
        shipments=[],
        events=[*_prepared(c, 240), _event(c, 72, "Cancelled: payment not received within 7 days")],
    )
    # Orders to Russian addresses: the shop ships within Europe (EU, UK, NO,
    # CH) only, so these were stopped before dispatch.
    add(
        "100217",
        ("Ольга Смирнова", "olga.smirnova@example.com", "ул. Тверская, д. 7, кв. 12", "Москва", "125009"),
        S.CANCELLED,
        placed_hours_ago=50,
        expected_in_days=None,
        items=["Linen tea towel set"],
        shipments=[],
        events=[*_prepared(c, 50), _event(c, 40, "Cancelled: we cannot ship to this destination")],
    )
    add(
        "100218",
        ("Дмитрий Иванов", "dmitry.ivanov@example.com", "Невский пр., д. 28", "Санкт-Петербург", "191186"),
        S.REFUNDED,
        placed_hours_ago=9 * 24,
        expected_in_days=None,
        items=["Birch bark notebook", "Fountain pen ink, blue"],
        shipments=[],
        events=[
            *_prepared(c, 216, 210),
            _event(c, 200, "Cancelled: we cannot ship to this destination"),
            _event(c, 150, "Refund issued to the original payment method"),
        ],
    )
    add(
        "100219",
        ("Алексей Кузнецов", "alexey.kuznetsov@example.com", "ул. Ленина, д. 21", "Новосибирск", "630099"),
        S.CANCELLED,
        placed_hours_ago=72,
        expected_in_days=None,
        items=["Cast-iron skillet, 26 cm"],
        shipments=[],
        events=[*_prepared(c, 72), _event(c, 60, "Cancelled: we cannot ship to this destination")],
    )
    return orders


DEMO_ORDERS: list[Order] = build_demo_orders()
"""The demo orders as of import time; numbers, statuses and carriers match
any database seeded by this module (timestamps shift with the seeding time)."""


def _seeded_state(path: Path) -> tuple[str, str] | None:
    """(schema version, seeding date) of an existing demo DB, None if no file.

    Raises ValueError for a file that is not a demo shop database.
    """
    if not path.exists() or path.stat().st_size == 0:
        return None
    try:
        with closing(sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)) as conn:
            rows = dict(conn.execute("SELECT key, value FROM meta").fetchall())
    except sqlite3.DatabaseError:
        rows = {}
    if _MARKER not in rows:
        raise ValueError(f"{path} exists and is not a demo shop database; not overwriting it")
    return rows[_MARKER], rows.get("seeded_on", "")


def _write(conn: sqlite3.Connection, orders: Sequence[Order], seeded_on: date) -> None:
    conn.executescript(SCHEMA)
    conn.executemany(
        "INSERT INTO meta VALUES (?, ?)",
        [(_MARKER, SCHEMA_VERSION), ("seeded_on", seeded_on.isoformat())],
    )
    for o in orders:
        conn.execute(
            "INSERT INTO orders VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                o.number,
                o.email,
                o.postcode,
                o.status.value,
                o.placed_at.isoformat(),
                o.expected_delivery.isoformat() if o.expected_delivery else None,
                json.dumps(o.items, ensure_ascii=False),
                o.customer_name,
                o.delivery_street,
                o.delivery_city,
            ),
        )
        conn.executemany(
            "INSERT INTO shipments VALUES (?, ?, ?, ?, ?, ?, ?)",
            [
                (
                    o.number,
                    i,
                    s.carrier,
                    s.tracking_number,
                    s.tracking_url,
                    json.dumps(s.items, ensure_ascii=False),
                    s.status.value,
                )
                for i, s in enumerate(o.shipments)
            ],
        )
        conn.executemany(
            "INSERT INTO events VALUES (?, ?, ?, ?, ?)",
            [(o.number, i, e.at.isoformat(), e.description, e.location) for i, e in enumerate(o.events)],
        )


def ensure_demo_db(path: str | os.PathLike[str], *, now: datetime | None = None, force: bool = False) -> bool:
    """Create or refresh the demo database at ``path``.

    Returns True if the file was (re)written, False if it was already
    seeded today with the current schema. Raises ValueError if ``path`` is
    an existing file that is not a demo shop database.
    """
    target = Path(path)
    moment = (now or datetime.now(UTC)).astimezone(UTC)
    state = _seeded_state(target)
    if not force and state == (SCHEMA_VERSION, moment.date().isoformat()):
        return False
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=".demo_shop-", suffix=".db", dir=target.parent)
    os.close(fd)
    try:
        with closing(sqlite3.connect(tmp_name)) as conn, conn:
            _write(conn, build_demo_orders(moment), moment.date())
        os.replace(tmp_name, target)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise
    return True


def main(argv: Sequence[str] | None = None) -> int:
    """CLI entry point: ``python -m orders.demo_shop --db PATH [--force]``."""
    parser = argparse.ArgumentParser(description="Create or refresh the demo shop database.")
    parser.add_argument("--db", required=True, type=Path, help="SQLite file to create")
    parser.add_argument("--force", action="store_true", help="rebuild even if already seeded today")
    args = parser.parse_args(argv)
    try:
        written = ensure_demo_db(args.db, force=args.force)
    except ValueError as exc:
        parser.exit(2, f"error: {exc}\n")
    count = len(DEMO_ORDERS)
    print(f"{args.db}: {'seeded' if written else 'already up to date'} ({count} orders)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
