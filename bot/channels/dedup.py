"""Which platform update ids were already taken, so a re-sent webhook is processed once.

Platforms re-send a webhook they think went unanswered (Telegram, Meta and Slack retry for up
to about an hour). One Rasa process remembers ids in memory (the default); several replicas
behind a load balancer must share the memory, or a re-send reaching another replica would be
answered twice: then the ids are kept in Redis (``SET key NX EX``: the first replica to claim
an id wins). Chosen by config: ``channels.dedup_url`` in assistant.yml, env ``CHANNEL_DEDUP_URL``
overrides; ``memory`` or a ``redis://`` URL (the scaled profile's Redis).

No Rasa import here: the stores are tested in the app environment against a real redis-server.
"""

from __future__ import annotations

import logging
import os
import time
from collections import OrderedDict
from pathlib import Path
from typing import Protocol

import yaml

log = logging.getLogger(__name__)

# Ids are kept a day (well past the platforms' retry windows), and in memory at most this many.
SEEN_TTL_S = 24 * 3600
SEEN_MAX = 100_000
DEDUP_URL_ENV = "CHANNEL_DEDUP_URL"
REDIS_PREFIX = "shop-assistant:webhook-seen:"
REPO_ROOT = Path(__file__).resolve().parents[2]


class SeenIds(Protocol):
    async def first_time(self, key: str) -> bool:
        """True exactly once per key (within the TTL), for every caller sharing the store."""
        ...


class MemorySeenIds:
    """In this process only, for a day and at most ``max_items`` ids (the oldest go first)."""

    def __init__(self, ttl_s: float = SEEN_TTL_S, max_items: int = SEEN_MAX) -> None:
        self._ttl_s = ttl_s
        self._max_items = max_items
        self._seen: OrderedDict[str, float] = OrderedDict()

    async def first_time(self, key: str) -> bool:
        now = time.monotonic()
        while self._seen and (len(self._seen) >= self._max_items or next(iter(self._seen.values())) < now - self._ttl_s):
            self._seen.popitem(last=False)
        if key in self._seen:
            return False
        self._seen[key] = now
        return True


class RedisSeenIds:
    """Shared by every process using the same Redis; Redis expires the ids itself."""

    def __init__(self, url: str, ttl_s: float = SEEN_TTL_S, prefix: str = REDIS_PREFIX) -> None:
        import redis.asyncio  # only the Redis profile needs the client

        self._redis = redis.asyncio.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)
        self._ttl_ms = int(ttl_s * 1000)
        self._prefix = prefix
        self._fallback = MemorySeenIds(ttl_s)

    async def first_time(self, key: str) -> bool:
        try:
            return bool(await self._redis.set(self._prefix + key, b"1", nx=True, px=self._ttl_ms))
        except Exception as error:  # noqa: BLE001 - any client failure means the same here
            # Redis unreachable: the update is taken rather than lost, and re-sends reaching this
            # replica are still caught; one reaching another replica may be answered twice.
            log.warning("webhook de-duplication: Redis unavailable (%s); this process's memory used", type(error).__name__)
            return await self._fallback.first_time(key)

    async def close(self) -> None:
        await self._redis.close()


def dedup_url(config_path: str | os.PathLike[str] | None = None) -> str:
    """Env CHANNEL_DEDUP_URL, else ``channels.dedup_url`` of assistant.yml, else ``memory``."""
    if os.environ.get(DEDUP_URL_ENV):
        return os.environ[DEDUP_URL_ENV]
    path = Path(config_path or os.environ.get("ASSISTANT_CONFIG") or REPO_ROOT / "assistant.yml")
    settings = yaml.safe_load(path.read_text(encoding="utf-8")) if path.exists() else None
    return str(((settings or {}).get("channels") or {}).get("dedup_url") or "memory")


def seen_ids(url: str | None = None) -> SeenIds:
    """The store the configuration names."""
    url = url or dedup_url()
    if url == "memory":
        return MemorySeenIds()
    if url.startswith(("redis://", "rediss://", "unix://")):
        return RedisSeenIds(url)
    raise ValueError(f"{DEDUP_URL_ENV} / channels.dedup_url must be 'memory' or a redis:// URL, not {url!r}")
