"""How many KB signals (kb_index/feedback.py) one shopper may give: "it helped", "it didn't", a pick.

Signals become candidates in the desk and, once confirmed, labelled traffic that calibration
trusts, so a client that lies could flood the editors and move the thresholds. They are counted
per shopper as far as we can tell one from another: the messenger account its platform vouches
for, else the client address (a new conversation id does not reset it), else the sender id.
Past the limit the shopper is still thanked and still offered the next best articles; only the
signal is not recorded.
"""

from __future__ import annotations

import asyncio
import functools
import logging

from limits import parse
from limits.errors import StorageError
from limits.strategies import MovingWindowRateLimiter
from rasa_sdk import Tracker

from bot.channels.metadata import message_client_address
from customers.identities import platform_identity
from http_guard.limits_storage import limits_storage
from kb_index import load_kb_settings
from orders.lockout import address_key

log = logging.getLogger(__name__)


def shopper_key(tracker: Tracker) -> str:
    vouched = platform_identity(tracker.sender_id, tracker.get_latest_input_channel())
    if vouched is not None:
        return f"account|{vouched}"
    address = address_key(message_client_address(tracker.latest_message))
    return f"address|{address}" if address else f"sender|{tracker.sender_id}"


class SignalLimiter:
    """A moving window of ``per_shopper`` signals (limits notation) in any ``limits`` storage."""

    def __init__(self, per_shopper: str, storage_uri: str = "memory://"):
        self._limiter = MovingWindowRateLimiter(limits_storage(storage_uri))
        self._item = parse(per_shopper)

    async def allow(self, tracker: Tracker) -> bool:
        """Count one signal from this shopper; False once the window is full (then nothing is counted), or
        when the counts cannot be reached (an uncounted signal is not recorded; the shopper is thanked all the same)."""
        try:
            return await asyncio.to_thread(self._limiter.hit, self._item, "kb-signal", shopper_key(tracker))
        except StorageError as error:
            log.warning("KB signal not recorded: limits storage unavailable (%s)", type(error.storage_error).__name__)
            return False


@functools.cache
def signal_limiter() -> SignalLimiter:
    settings = load_kb_settings()
    return SignalLimiter(settings.signals_per_shopper, settings.signal_limits_storage)
