"""Checking that the person asking about an order is its customer.

An order number alone is guessable, so order details are shown only after
the customer also gives the order's e-mail address or delivery postcode,
and lookups are rate-limited so that neither can be brute-forced.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
import unicodedata

from limits import RateLimitItem, parse
from limits.strategies import MovingWindowRateLimiter

from http_guard.limits_storage import limits_storage
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
        self._limiter = MovingWindowRateLimiter(limits_storage(storage_uri))
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


class VerificationProof:
    """A signed note that one conversation verified one order: what the order action trusts.

    The ``verified_order`` slot alone proves nothing: anyone who can hand the
    action server a tracker can write it. The proof is an HMAC over the
    conversation (sender id and session start), the order number and the
    time it was issued, under a key only the action servers hold (not Rasa,
    not the desk), so it cannot be made up, cannot be moved to another
    conversation or order, and expires after ``max_age_seconds``. It is
    stateless: any action server with the same key accepts it.
    """

    def __init__(self, key: bytes, max_age_seconds: float) -> None:
        if len(key) < 16:
            raise ValueError("the verification key needs at least 16 bytes")
        self._key = key
        self._max_age = max_age_seconds

    def _mac(self, issued: int, conversation: str, order_number: str) -> str:
        message = json.dumps([issued, conversation, order_number]).encode()
        digest = hmac.new(self._key, message, hashlib.sha256).digest()
        return base64.urlsafe_b64encode(digest).decode().rstrip("=")

    def issue(self, conversation: str, order_number: str, now: float | None = None) -> str:
        issued = int(time.time() if now is None else now)
        return f"{issued}.{self._mac(issued, conversation, order_number)}"

    def holds(self, proof: object, conversation: str, order_number: object, now: float | None = None) -> bool:
        """True if ``proof`` was issued for this conversation and order and has not expired."""
        if not isinstance(proof, str) or not isinstance(order_number, str):
            return False
        issued_text, _, mac = proof.partition(".")
        if not issued_text.isdigit():
            return False
        issued = int(issued_text)
        age = (time.time() if now is None else now) - issued
        if not -60 <= age <= self._max_age:  # a minute of clock skew between action servers
            return False
        return hmac.compare_digest(mac.encode(), self._mac(issued, conversation, order_number).encode())
