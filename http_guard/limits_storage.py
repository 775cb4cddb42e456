"""The storage every rate limit of ours counts in, built one way from a ``limits`` storage URI.

``memory://`` counts in the process; ``redis://host:6379/N`` shares the counts between replicas
(deploy/scaled/run_env.sh). A Redis that does not answer fails a call with
``limits.errors.StorageError`` after STORAGE_TIMEOUT_SECONDS instead of holding it for ever, and
callers on an event loop make their calls in a thread, so such a wait holds only the request
that asked. Every caller refuses what it cannot count (fails closed).
"""

from __future__ import annotations

from limits.storage import Storage, storage_from_string

STORAGE_TIMEOUT_SECONDS = 2.0


def limits_storage(uri: str) -> Storage:
    return storage_from_string(
        uri, wrap_exceptions=True, socket_timeout=STORAGE_TIMEOUT_SECONDS, socket_connect_timeout=STORAGE_TIMEOUT_SECONDS,
    )
