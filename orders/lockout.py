"""Failed order checks, counted where a client cannot reset them.

A sender id is chosen by the client, so counting failures per conversation
alone lets an attacker guess a postcode with a fresh id per guess. Failures
are therefore also counted per order number (from anywhere), per client
address and overall; when any of these is used up, every check it covers is
refused, right details or wrong, with the same reply, so a lock reveals
nothing about the order or the guess.

The conversation's own count (its sender id, not its session) is what hands
the shopper to a person: it is kept here, not in a slot, so ``/restart`` or
``/session_start`` does not give a shopper new attempts, and the failure
that uses it up is the only one that starts a handoff.

``storage_uri`` is any ``limits`` storage: ``memory://`` for one action
server, ``redis://host:6379`` to share the counts between several.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

from limits import RateLimitItem, parse
from limits.strategies import MovingWindowRateLimiter

from http_guard.limits_storage import limits_storage

NAMESPACE = "order-check-failed"


@dataclass(frozen=True)
class CheckKeys:
    """What one order check is counted against."""

    conversation: str
    order_number: str
    client_address: str | None  # None when the channel cannot tell (then that limit does not apply)


def address_key(address: str | None) -> str | None:
    """The client address as counted: IPv4 as is, IPv6 by its /64 (one subscriber's whole network).

    A value that is not an IP address (a channel's own client id) is counted as given.
    """
    if not address:
        return None
    try:
        ip = ipaddress.ip_address(address.strip("[]"))
    except ValueError:
        return address
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip)


class FailedCheckLimits:
    """Moving-window limits on failed order checks (wrong verifier or unknown number)."""

    def __init__(
        self,
        *,
        per_conversation: str,
        per_order: str,
        per_address: str,
        overall: str,
        storage_uri: str = "memory://",
    ) -> None:
        self._limiter = MovingWindowRateLimiter(limits_storage(storage_uri))
        self._conversation: RateLimitItem = parse(per_conversation)
        self._order: RateLimitItem = parse(per_order)
        self._address: RateLimitItem = parse(per_address)
        self._overall: RateLimitItem = parse(overall)

    def _windows(self, keys: CheckKeys) -> list[tuple[RateLimitItem, str, str]]:
        windows = [
            (self._conversation, "conversation", keys.conversation),
            (self._order, "order", keys.order_number),
            (self._overall, "overall", "all"),
        ]
        address = address_key(keys.client_address)
        if address is not None:
            windows.append((self._address, "address", address))
        return windows

    def locked(self, keys: CheckKeys) -> bool:
        """True when any limit covering this check has no failure left: the check must not run."""
        return not all(self._limiter.test(item, NAMESPACE, kind, key) for item, kind, key in self._windows(keys))

    def conversation_locked(self, conversation: str) -> bool:
        return not self._limiter.test(self._conversation, NAMESPACE, "conversation", conversation)

    def record_failure(self, keys: CheckKeys) -> bool:
        """Count a failed check everywhere; True if it used up the conversation's attempts.

        Only a check that was allowed is recorded, so this is True exactly once per
        window: the one failure that hands the shopper to a person.
        """
        for item, kind, key in self._windows(keys):
            self._limiter.hit(item, NAMESPACE, kind, key)
        return self.conversation_locked(keys.conversation)
