"""Live updates for the agents' pages: a page asks for what changed and, when nothing has, the
request waits (long polling) until the event follower applies something or a typing signal
arrives, instead of the page asking again every second. One process's memory; with several desk
processes each wakes its own waiters, and a waiter that sleeps through a change elsewhere still
sees it at its timeout.
"""

from __future__ import annotations

import asyncio
import contextlib

MAX_WAIT_SECONDS = 20.0  # below every proxy's idle timeout; the page asks again at once


class LiveChanges:
    """``version`` counts the changes: a request notes it before it looks, and waits only if nothing
    changed since, so a change that lands while it is still querying is never slept through."""

    def __init__(self) -> None:
        self.version = 0
        self._changed = asyncio.Event()

    def changed(self) -> None:
        """Something agents' pages show has changed: every waiting request looks again."""
        self.version += 1
        self._changed.set()
        self._changed = asyncio.Event()  # later waiters wait for the next change

    async def wait(self, since: int, seconds: float) -> None:
        """Until the first change after ``since`` (a ``version``), at most ``seconds``."""
        if self.version != since:
            return
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._changed.wait(), min(seconds, MAX_WAIT_SECONDS))
