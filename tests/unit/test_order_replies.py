from actions.order_replies import order_status_replies
from orders.demo_shop import DEMO_ORDERS
from orders.model import OrderStatus


def by_status(status: OrderStatus):
    return next(o for o in DEMO_ORDERS if o.status == status)


def test_every_status_has_its_own_headline_response():
    for status in OrderStatus:
        replies = order_status_replies(by_status(status))
        assert replies[0].response == f"utter_order_status_{status.value}"


def test_shipped_order_says_event_parcel_and_expected_day_with_a_masked_street():
    order = by_status(OrderStatus.SHIPPED)
    replies = {r.response: r.values for r in order_status_replies(order)}
    assert replies["utter_order_parcel"]["tracking_url"] == order.shipments[0].tracking_url
    assert replies["utter_order_last_event"]["event"].startswith(order.last_event.description)
    expected = replies["utter_order_expected_delivery"]
    assert str(order.expected_delivery.day) in expected["day"]
    assert expected["street"] != order.delivery_street and "*" in expected["street"]


def test_delay_offers_a_person_and_finished_orders_promise_no_date():
    assert order_status_replies(by_status(OrderStatus.DELAYED))[-1].response == "utter_order_delay_offer_human"
    delivered = [r.response for r in order_status_replies(by_status(OrderStatus.DELIVERED))]
    assert "utter_order_expected_delivery" not in delivered and "utter_order_delay_offer_human" not in delivered
