"""How many KB signals (kb_index/feedback.py) one shopper may give: "it helped", "it didn't", a pick.

Signals become candidates in the desk and, once confirmed, labelled traffic that calibration
trusts, so a client that lies could flood the editors and move the thresholds. They are counted
per shopper as far as we can tell one from another: the messenger account its platform vouches
for, else the client address (a new conversation id does not reset it), else the sender id.
Past the limit the shopper is still thanked and still offered the next best articles; only the
signal is not recorded.
"""

from __future__ import annotations

import functools

from limits import parse
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter
from rasa_sdk import Tracker

from bot.channels.metadata import message_client_address
from customers.identities import platform_identity
from kb_index import load_kb_settings
from orders.lockout import address_key


def shopper_key(tracker: Tracker) -> str:
    vouched = platform_identity(tracker.sender_id, tracker.get_latest_input_channel())
    if vouched is not None:
        return f"account|{vouched}"
    address = address_key(message_client_address(tracker.latest_message))
    return f"address|{address}" if address else f"sender|{tracker.sender_id}"


class SignalLimiter:
    """A moving window of ``per_shopper`` signals (limits notation) in any ``limits`` storage."""

    def __init__(self, per_shopper: str, storage_uri: str = "memory://"):
        self._limiter = MovingWindowRateLimiter(storage_from_string(storage_uri))
        self._item = parse(per_shopper)

    def allow(self, tracker: Tracker) -> bool:
        """Count one signal from this shopper; False once the window is full (then nothing is counted)."""
        return self._limiter.hit(self._item, "kb-signal", shopper_key(tracker))


@functools.cache
def signal_limiter() -> SignalLimiter:
    settings = load_kb_settings()
    return SignalLimiter(settings.signals_per_shopper, settings.signal_limits_storage)
