from datetime import UTC, datetime

from orders.demo_shop import DEMO_ORDERS
from orders.model import Order, OrderStatus


def _order(number: str) -> Order:
    return next(o for o in DEMO_ORDERS if o.number == number)


def test_last_event_is_the_newest() -> None:
    order = _order("100210")
    assert order.last_event is not None
    assert order.last_event.at == max(e.at for e in order.events)


def test_carriers_of_a_partial_shipment() -> None:
    assert _order("100212").carriers == ("DHL", "InPost")
    assert _order("100201").carriers == ()


def test_order_without_events_has_no_last_event() -> None:
    order = Order(
        number="100999",
        email="x@example.com",
        postcode="00-001",
        status=OrderStatus.RECEIVED,
        placed_at=datetime.now(UTC),
        expected_delivery=None,
        items=(),
        shipments=(),
        events=(),
        delivery_city="",
        delivery_street="",
        customer_name="",
    )
    assert order.last_event is None


def test_repr_keeps_personal_data_out_of_logs() -> None:
    order = _order("100201")
    shown = repr(order)
    assert "100201" in shown
    for secret in (order.email, order.postcode, order.customer_name, order.delivery_street):
        assert secret not in shown


def test_status_is_a_plain_string_for_slots() -> None:
    assert OrderStatus("out_for_delivery") == "out_for_delivery"
