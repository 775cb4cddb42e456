import re
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from orders.demo_shop import DEMO_ORDERS, build_demo_orders, ensure_demo_db, main
from orders.model import OrderStatus
from orders.verification import normalise_postcode


def test_at_least_26_orders_with_six_digit_numbers_in_range() -> None:
    assert len(DEMO_ORDERS) >= 26
    numbers = [o.number for o in DEMO_ORDERS]
    assert len(set(numbers)) == len(numbers)
    assert all(re.fullmatch(r"100[23]\d\d", n) for n in numbers)


def test_every_status_is_present() -> None:
    assert {o.status for o in DEMO_ORDERS} == set(OrderStatus)


def test_all_four_carriers_are_used() -> None:
    carriers = {c for o in DEMO_ORDERS for c in o.carriers}
    assert {"InPost", "DPD", "DHL", "Poczta Polska"} <= carriers


def test_partial_shipment_has_one_parcel_delivered_and_one_travelling() -> None:
    partial = [o for o in DEMO_ORDERS if len(o.shipments) >= 2]
    assert partial
    statuses = {s.status for s in partial[0].shipments}
    assert OrderStatus.DELIVERED in statuses
    assert statuses & {OrderStatus.SHIPPED, OrderStatus.OUT_FOR_DELIVERY}
    assert partial[0].status is not OrderStatus.DELIVERED


def test_return_in_progress_and_delays() -> None:
    assert any(o.status is OrderStatus.RETURN_IN_PROGRESS for o in DEMO_ORDERS)
    delayed = [o for o in DEMO_ORDERS if o.status is OrderStatus.DELAYED]
    today = datetime.now(UTC).date()
    # One looks lost: expected long ago and no tracking news for a week.
    assert any(
        o.expected_delivery
        and o.expected_delivery < today - timedelta(days=5)
        and o.last_event
        and o.last_event.at < datetime.now(UTC) - timedelta(days=7)
        for o in delayed
    )


def test_customers_are_fictional_with_expected_postcode_formats() -> None:
    assert all(o.email.endswith("@example.com") for o in DEMO_ORDERS)
    codes = [o.postcode for o in DEMO_ORDERS]
    polish = [c for c in codes if re.fullmatch(r"\d\d-\d\d\d", c)]
    russian = [c for c in codes if re.fullmatch(r"\d{6}", c)]
    assert len(polish) > len(codes) / 2
    assert len(russian) >= 2
    assert any(re.fullmatch(r"[A-Z]{1,2}\d[A-Z\d]? \d[A-Z]{2}", c) for c in codes)
    assert any(re.fullmatch(r"\d{5}", c) for c in codes)


def test_tracking_urls_point_at_the_carriers() -> None:
    hosts = {
        "InPost": "inpost.pl",
        "DPD": "dpd.com.pl",
        "DHL": "dhl.com",
        "Poczta Polska": "poczta-polska.pl",
    }
    for order in DEMO_ORDERS:
        for s in order.shipments:
            assert hosts[s.carrier] in s.tracking_url
            assert s.tracking_number in s.tracking_url


def test_dates_follow_the_seeding_moment() -> None:
    now = datetime(2030, 6, 15, 12, 0, tzinfo=UTC)
    for order in build_demo_orders(now):
        assert order.placed_at <= now
        times = [e.at for e in order.events]
        assert times == sorted(times), order.number
        assert all(t <= now for t in times)
        if order.status in (OrderStatus.SHIPPED, OrderStatus.PACKING, OrderStatus.RECEIVED):
            assert order.expected_delivery and order.expected_delivery >= now.date()


def test_seeding_is_idempotent_and_refreshes_next_day(tmp_path: Path) -> None:
    db = tmp_path / "shop.db"
    day1 = datetime(2030, 1, 1, 9, tzinfo=UTC)
    assert ensure_demo_db(db, now=day1)
    assert not ensure_demo_db(db, now=day1 + timedelta(hours=3))
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT count(*) FROM orders").fetchone()[0] == len(DEMO_ORDERS)
    assert ensure_demo_db(db, now=day1 + timedelta(days=1))
    assert ensure_demo_db(db, now=day1 + timedelta(days=1), force=True)
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT count(*) FROM orders").fetchone()[0] == len(DEMO_ORDERS)
    assert [p.name for p in tmp_path.iterdir()] == ["shop.db"]  # no temp files left


def test_other_schema_version_is_rebuilt(tmp_path: Path) -> None:
    db = tmp_path / "shop.db"
    now = datetime.now(UTC)
    ensure_demo_db(db, now=now)
    with sqlite3.connect(db) as conn:
        conn.execute("UPDATE meta SET value = '0' WHERE key = 'demo_shop_schema'")
    assert ensure_demo_db(db, now=now)


def test_refuses_to_overwrite_a_foreign_file(tmp_path: Path) -> None:
    precious = tmp_path / "accounts.db"
    with sqlite3.connect(precious) as conn:
        conn.execute("CREATE TABLE accounts (id INTEGER)")
    with pytest.raises(ValueError):
        ensure_demo_db(precious)
    text_file = tmp_path / "notes.txt"
    text_file.write_text("not a database")
    with pytest.raises(ValueError):
        ensure_demo_db(text_file)
    assert text_file.read_text() == "not a database"


def test_cli(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = tmp_path / "sub" / "demo.db"
    assert main(["--db", str(db)]) == 0
    assert "seeded" in capsys.readouterr().out
    assert main(["--db", str(db)]) == 0
    assert "already up to date" in capsys.readouterr().out
    with sqlite3.connect(db) as conn:
        stored = {row[0] for row in conn.execute("SELECT postcode FROM orders")}
    assert {normalise_postcode(p) for p in stored} == {normalise_postcode(o.postcode) for o in DEMO_ORDERS}


def test_cli_reports_a_foreign_file(tmp_path: Path) -> None:
    foreign = tmp_path / "x.db"
    foreign.write_text("hello")
    with pytest.raises(SystemExit) as exit_info:
        main(["--db", str(foreign)])
    assert exit_info.value.code == 2
