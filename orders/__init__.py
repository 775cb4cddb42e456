"""Order data for the shop assistant: model, backends, extraction, verification.

The bot only ever talks to :class:`orders.backends.base.OrderBackend`; which
shop system sits behind it is a matter of configuration (see ``README.md``).
"""

from orders.model import Order, OrderStatus, Shipment, TrackingEvent

__all__ = ["Order", "OrderStatus", "Shipment", "TrackingEvent"]
