import sqlite3
from pathlib import Path

import pytest

from orders.backends import make_backend
from orders.backends.base import BackendError
from orders.backends.sqlite import SQLiteBackend
from orders.demo_shop import DEMO_ORDERS
from orders.model import OrderStatus

pytestmark = pytest.mark.asyncio


async def test_every_demo_order_reads_back_as_seeded(demo_db: Path) -> None:
    backend = make_backend({"backend": "sqlite", "path": str(demo_db)})
    for expected in DEMO_ORDERS:
        order = await backend.fetch(expected.number)
        assert order is not None
        assert order.status is expected.status
        assert order.email == expected.email
        assert order.postcode == expected.postcode
        assert order.carriers == expected.carriers
        assert [s.tracking_url for s in order.shipments] == [s.tracking_url for s in expected.shipments]
        assert [e.description for e in order.events] == [e.description for e in expected.events]
        assert order.expected_delivery == expected.expected_delivery


async def test_partial_shipment(demo_db: Path) -> None:
    order = await SQLiteBackend(demo_db).fetch("100212")
    assert order is not None
    assert [(s.carrier, s.status) for s in order.shipments] == [
        ("DHL", OrderStatus.DELIVERED),
        ("InPost", OrderStatus.SHIPPED),
    ]
    assert order.last_event is not None and "in transit" in order.last_event.description


@pytest.mark.parametrize("number", ["999999", "100200", "", "../../etc/passwd", "1' OR '1'='1"])
async def test_unknown_or_malformed_number_is_none(demo_db: Path, number: str) -> None:
    assert await SQLiteBackend(demo_db).fetch(number) is None


async def test_missing_database_is_a_backend_error(tmp_path: Path) -> None:
    backend = SQLiteBackend(tmp_path / "nope.db")
    with pytest.raises(BackendError, match="sqlite"):
        await backend.fetch("100201")
    assert not (tmp_path / "nope.db").exists()  # read-only: no empty shop created


async def test_corrupt_row_is_a_backend_error_without_personal_data(demo_db: Path) -> None:
    with sqlite3.connect(demo_db) as conn:
        conn.execute("UPDATE orders SET status = 'teleported' WHERE number = '100201'")
    with pytest.raises(BackendError) as error:
        await SQLiteBackend(demo_db).fetch("100201")
    message = str(error.value)
    assert "anna" not in message.lower() and "00-950" not in message
    assert error.value.__cause__ is None
