"""Which order a shopper's own identity verified, remembered past the session for a few hours.

A verification normally lives as long as the session (orders.verification.VerificationProof in
the tracker). So that a returning shopper is not asked again, the order action also records it
here, under the identity the message came from (customers.identities.reuse_identity: the
messenger account the platform vouches for, or the widget/REST sender id on its own channel),
and nothing else: not a customer linked to it, not another channel.

The record is kept by the action servers, not in the tracker, so a tracker handed to the action
server cannot carry one. It is signed with the verification key over the identity, the order
and the expiry, so an entry written into a shared store by anyone without the key, moved to
another identity or order, or extended, is refused, and rotating the key forgets them all. The
store is looked up by a keyed digest of the identity (the store holds no sender id).

Stores: this process's memory (``memory://``, the default: forgotten on restart, which only
means asking again), or Redis (``redis://...``), shared by every action server; the same URI
as the order limits (``orders.rate_limits.storage_uri``, env ORDER_LIMITS_STORAGE).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import time
from collections import OrderedDict
from dataclasses import dataclass
from typing import Protocol

log = logging.getLogger(__name__)

REDIS_PREFIX = "shop-assistant:verified-identity:"
MEMORY_MAX = 100_000
CLOCK_SKEW_S = 60  # between action servers


@dataclass(frozen=True)
class Remembered:
    order_number: str
    expires: int  # unix time


class RecordStore(Protocol):
    async def put(self, key: str, value: str, ttl_s: int) -> None: ...

    async def get(self, key: str) -> str | None: ...


class MemoryRecords:
    """This process only; at most ``max_items`` records (the oldest go first)."""

    def __init__(self, max_items: int = MEMORY_MAX) -> None:
        self._records: OrderedDict[str, tuple[float, str]] = OrderedDict()
        self._max_items = max_items

    async def put(self, key: str, value: str, ttl_s: int) -> None:
        self._records[key] = (time.monotonic() + ttl_s, value)
        self._records.move_to_end(key)
        while len(self._records) > self._max_items:
            self._records.popitem(last=False)

    async def get(self, key: str) -> str | None:
        until, value = self._records.get(key, (0.0, None))
        return value if until > time.monotonic() else None


class RedisRecords:
    """Shared by every action server on the same Redis, which expires the records itself."""

    def __init__(self, url: str) -> None:
        import redis.asyncio  # only the Redis profile needs the client

        self._redis = redis.asyncio.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)

    async def put(self, key: str, value: str, ttl_s: int) -> None:
        await self._redis.set(REDIS_PREFIX + key, value.encode(), ex=max(ttl_s, 1))

    async def get(self, key: str) -> str | None:
        value = await self._redis.get(REDIS_PREFIX + key)
        return value.decode() if value is not None else None


def record_store(storage_uri: str) -> RecordStore:
    if storage_uri.startswith("memory://"):
        return MemoryRecords()
    if storage_uri.startswith(("redis://", "rediss://", "unix://")):
        return RedisRecords(storage_uri)
    raise ValueError(f"orders.rate_limits.storage_uri must be memory:// or redis://..., not {storage_uri!r}")


class RememberedVerifications:
    """Signed records "this identity verified this order, until then"; ``max_age_seconds`` 0 turns it off."""

    def __init__(self, key: bytes, max_age_seconds: float, store: RecordStore) -> None:
        if len(key) < 16:
            raise ValueError("the verification key needs at least 16 bytes")
        self._key = key
        self._max_age = int(max_age_seconds)
        self._store = store

    @property
    def enabled(self) -> bool:
        return self._max_age > 0

    def _digest(self, *parts: object) -> str:
        return hmac.new(self._key, json.dumps(parts).encode(), hashlib.sha256).hexdigest()

    async def remember(self, identity: str, order_number: str, now: float | None = None) -> None:
        if not self.enabled:
            return
        expires = int(time.time() if now is None else now) + self._max_age
        record = json.dumps([order_number, expires, self._digest("remembered", identity, order_number, expires)])
        try:
            await self._store.put(self._digest("identity", identity), record, self._max_age)
        except Exception as error:  # noqa: BLE001 - a store failure only means asking again next time
            log.warning("remembering a verification failed (%s)", type(error).__name__)

    async def recall(self, identity: str, now: float | None = None) -> Remembered | None:
        """The order ``identity`` verified, if its record is ours, for this identity and unexpired."""
        if not self.enabled:
            return None
        try:
            raw = await self._store.get(self._digest("identity", identity))
        except Exception as error:  # noqa: BLE001 - the store down: the shopper is asked, as in a new chat
            log.warning("looking up a remembered verification failed (%s)", type(error).__name__)
            return None
        try:
            order_number, expires, mac = json.loads(raw or "")
            expires = int(expires)
        except (ValueError, TypeError):
            return None
        if not isinstance(order_number, str) or not isinstance(mac, str):
            return None
        if not hmac.compare_digest(mac.encode(), self._digest("remembered", identity, order_number, expires).encode()):
            return None  # forged, moved from another identity or order, or signed with an old key
        current = time.time() if now is None else now
        # Unexpired, and never longer than configured now (a shortened setting applies at once).
        if not current < expires <= current + self._max_age + CLOCK_SKEW_S:
            return None
        return Remembered(order_number, expires)
