"""Who is whom for the analytics: the desk's customer directory (customers/), asked from synchronous code.

The analytics run in worker threads (the desk) or a plain process (the CLI, the bench),
while the directory is asynchronous on the desk database; each question is answered in an
event loop and engine of its own, so no connection is shared across threads or loops.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterable, Sequence
from typing import TypeVar

from customers import CustomerDirectory, IdentityDigests
from desk.db import make_engine

T = TypeVar("T")
BATCH = 400  # senders per query


class DirectoryLinks:
    """``analytics.store.CustomerLinks`` over ``customers.CustomerDirectory`` on the desk database."""

    def __init__(self, desk_database_url: str, customer_key: bytes) -> None:
        self._url, self._key = desk_database_url, customer_key

    def _ask(self, question: Callable[[CustomerDirectory], Awaitable[T]]) -> T:
        async def asked() -> T:
            engine = make_engine(self._url)
            try:
                return await question(CustomerDirectory(engine, IdentityDigests(self._key)))
            finally:
                await engine.dispose()

        return asyncio.run(asked())

    def customers_of(self, senders: Sequence[str]) -> dict[str, int]:
        async def batches(directory: CustomerDirectory) -> dict[str, int]:
            found: dict[str, int] = {}
            for start in range(0, len(senders), BATCH):
                found.update(await directory.customers_of(list(senders[start : start + BATCH])))
            return found

        return self._ask(batches) if senders else {}

    def senders_of(self, customers: Iterable[int]) -> set[str]:
        wanted = sorted(set(customers))

        async def each(directory: CustomerDirectory) -> set[str]:
            return {sender for customer in wanted for sender in await directory.senders_of(customer)}

        return self._ask(each) if wanted else set()

    def changed_since(self, cursor: int) -> tuple[list[str], int]:
        return self._ask(lambda directory: directory.senders_changed_since(cursor))
