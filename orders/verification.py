"""Checking that the person asking about an order is its customer.

An order number alone is guessable, so order details are shown only after
the customer also gives the order's e-mail address or delivery postcode,
and lookups are rate-limited so that neither can be brute-forced.
"""

from __future__ import annotations

import hashlib
import hmac
import unicodedata

from limits import RateLimitItem, parse
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter

from orders.model import Order

# Compared against when there is no order, so that "no such order" costs
# the same work as "wrong e-mail" and timing does not reveal which numbers
# exist.
_DUMMY_EMAIL = "nobody@invalid.example"
_DUMMY_POSTCODE = "00000"

_POSTCODE_SEPARATORS = dict.fromkeys(map(ord, " \t-\u2010\u2011\u2012\u2013\u2014\u2212"))


def normalise_email(value: str) -> str:
    """Trimmed, compatibility-normalised and case-folded e-mail address.

    Mail providers treat addresses case-insensitively in practice, and
    customers type them with stray capitals and spaces.
    """
    return unicodedata.normalize("NFKC", value).strip().casefold()


def normalise_postcode(value: str) -> str:
    """Postcode without spaces or hyphens, upper-cased: "sw1a 1aa" -> "SW1A1AA"."""
    folded = unicodedata.normalize("NFKC", value).translate(_POSTCODE_SEPARATORS)
    return "".join(folded.split()).upper()


def _same(given: str, expected: str) -> bool:
    # Hashing first gives compare_digest equal-length inputs, so not even
    # the length of the stored value leaks through timing.
    matched = hmac.compare_digest(hashlib.sha256(given.encode()).digest(), hashlib.sha256(expected.encode()).digest())
    # An empty value on either side never verifies (e.g. an order without
    # a postcode must not match a customer who typed only spaces).
    return matched and bool(given) and bool(expected)


def verify(order: Order | None, *, email: str | None = None, postcode: str | None = None) -> bool:
    """True if the given e-mail or postcode belongs to ``order``.

    One verifier is enough; if both are given, both must match, so a wrong
    one is never ignored. Returns False for ``order=None`` after doing the
    same comparisons. Raises ValueError if neither verifier is given.
    """
    if email is None and postcode is None:
        raise ValueError("verify() needs an e-mail address or a postcode")
    ok = order is not None
    if email is not None:
        expected = order.email if order is not None else _DUMMY_EMAIL
        ok &= _same(normalise_email(email), normalise_email(expected))
    if postcode is not None:
        expected = order.postcode if order is not None else _DUMMY_POSTCODE
        ok &= _same(normalise_postcode(postcode), normalise_postcode(expected))
    return ok


class LookupLimiter:
    """Moving-window limits on order lookups per conversation and per sender.

    The per-conversation limit stops guessing within one chat; the
    per-sender limit stops an attacker who simply opens new conversations.
    ``storage_uri`` is any ``limits`` storage URI: the default in-process
    memory suits one action server, ``redis://host:6379`` (needs the
    ``redis`` package) shares the counts between several.
    """

    def __init__(
        self,
        per_conversation: str = "5/minute",
        per_sender: str = "20/hour",
        *,
        storage_uri: str = "memory://",
    ) -> None:
        self._limiter = MovingWindowRateLimiter(storage_from_string(storage_uri))
        self._per_conversation: RateLimitItem = parse(per_conversation)
        self._per_sender: RateLimitItem = parse(per_sender)

    def allow(self, conversation_id: str, sender_id: str) -> bool:
        """Count one lookup and say whether it may go ahead.

        A refused lookup is not counted, so a customer who waits gets their
        attempts back as the window moves on.
        """
        checks = (
            (self._per_conversation, "conversation", conversation_id),
            (self._per_sender, "sender", sender_id),
        )
        if not all(self._limiter.test(item, "order-lookup", kind, key) for item, kind, key in checks):
            return False
        # A list, not a generator: both windows must record the hit.
        return all([self._limiter.hit(item, "order-lookup", kind, key) for item, kind, key in checks])
