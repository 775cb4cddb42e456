"""What the bot says about an order, as domain responses plus values (testable without Rasa).

Only what the shopper needs is said; personal data is masked: the street
shows its name but not the number, and the e-mail address is never repeated.
"""

from __future__ import annotations

from actions.kb_replies import Reply
from business_hours import format_day
from orders.masking import mask_street
from orders.model import Order, OrderStatus

# Statuses where the shopper is owed an apology and a person.
NEEDS_A_PERSON = frozenset({OrderStatus.DELAYED})
# Statuses where an expected delivery date still means something.
IN_FLIGHT = frozenset(
    {OrderStatus.RECEIVED, OrderStatus.PACKING, OrderStatus.SHIPPED, OrderStatus.OUT_FOR_DELIVERY, OrderStatus.DELAYED}
)


def order_status_replies(order: Order, language: str = "en") -> list[Reply]:
    """Status in plain words, the last tracking event, parcels with tracking links, expected delivery."""
    replies = [Reply(f"utter_order_status_{order.status.value}", {"number": order.number})]
    event = order.last_event
    if event is not None:
        where = f" ({event.location})" if event.location else ""
        day = format_day(event.at.date(), language, with_year=True)
        replies.append(Reply("utter_order_last_event", {"day": day, "event": event.description + where}))
    for shipment in order.shipments:
        replies.append(
            Reply(
                "utter_order_parcel",
                {
                    "carrier": shipment.carrier,
                    "items": ", ".join(shipment.items) or "—",
                    "tracking_number": shipment.tracking_number,
                    "tracking_url": shipment.tracking_url,
                },
            )
        )
    if order.expected_delivery is not None and order.status in IN_FLIGHT:
        where = {"street": mask_street(order.delivery_street), "city": order.delivery_city}
        day = format_day(order.expected_delivery, language, with_year=True)
        replies.append(Reply("utter_order_expected_delivery", {"day": day, **where}))
    if order.status in NEEDS_A_PERSON:
        replies.append(Reply("utter_order_delay_offer_human"))
    return replies
