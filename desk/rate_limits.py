"""The desk's rate limits, counted in one storage that every desk process shares.

``desk.limits_storage`` (env ``DESK_LIMITS_STORAGE``) is any ``limits`` storage: ``memory://`` for
one desk process, ``redis://host:6379/6`` when several serve one database, so a client cannot
double its sign-in guesses, uploads or mailed transcripts by reaching another desk. Each user of
the limits counts under its own prefix (:class:`Counter`), so their keys never meet.

When the storage cannot be reached, :class:`LimitsUnavailable` is raised and every user refuses
(fails closed): a limit nobody can count would otherwise allow unlimited attempts.
"""

from __future__ import annotations

import asyncio

from limits import RateLimitItem
from limits.errors import StorageError
from limits.strategies import MovingWindowRateLimiter

from http_guard.limits_storage import limits_storage


class LimitsUnavailable(RuntimeError):
    """The limits' storage did not answer: nothing can be counted, so nothing limited may happen."""


class DeskLimits:
    """One moving-window limiter on the configured storage, built once per desk process."""

    def __init__(self, storage_uri: str = "memory://") -> None:
        self._limiter = MovingWindowRateLimiter(limits_storage(storage_uri))

    def counter(self, prefix: str) -> Counter:
        """The limits of one user (sign-in, uploads, transcripts), its keys under ``prefix``."""
        return Counter(self._limiter, prefix)


class Counter:
    def __init__(self, limiter: MovingWindowRateLimiter, prefix: str) -> None:
        self._limiter = limiter
        self._prefix = prefix

    # In a thread: a storage that hangs holds the request that asked, not the desk's event loop and
    # with it every agent's page and socket (for up to http_guard's STORAGE_TIMEOUT_SECONDS per call).

    async def test(self, item: RateLimitItem, *key: str) -> bool:
        """True if ``key`` has at least one hit left in ``item``'s window (nothing is counted)."""
        try:
            return await asyncio.to_thread(self._limiter.test, item, self._prefix, *key)
        except StorageError as error:
            raise LimitsUnavailable(type(error.storage_error).__name__) from error

    async def hit(self, item: RateLimitItem, *key: str) -> bool:
        """Count one hit; False if the window was already used up (then nothing is counted)."""
        try:
            return await asyncio.to_thread(self._limiter.hit, item, self._prefix, *key)
        except StorageError as error:
            raise LimitsUnavailable(type(error.storage_error).__name__) from error
