"""Rasa's Redis lock store, without the two ways it leaves a shopper's message waiting for ever.

Rasa keeps a conversation's messages in order across replicas with a ticket lock in Redis
(rasa/core/lock_store.py, rasa/core/lock.py): each message takes a numbered ticket, the lowest
live ticket is served, and a ticket expires after TICKET_LOCK_LIFETIME seconds, so that a
replica that crashed holding one does not block its conversation. Two defects, both met with
two replicas (tests/scaled/test_replicas.py):

- every change is a read-modify-write of one JSON value outside any transaction: a waiter
  refreshing the lock writes back the ticket the holder has just returned (or drops one another
  replica has just taken);
- a waiting message's own ticket expires too. Behind a crashed replica's ticket taken less than
  a second earlier (the shopper's next message right after the crash), both tickets expire within
  one of the waiter's one-second polls; with no live ticket left the lock serves a number nobody
  holds, and the message waits until the shopper's client gives up.

Here every change is one Redis transaction (WATCH/MULTI/EXEC, retried when another process wrote
the lock meanwhile), and a waiting message renews its ticket at every poll: only the tickets of
processes that stopped polling, crashed ones, expire. A holder's ticket still expires after the
lifetime, as in Rasa, so a turn that hangs cannot hold its conversation for ever.

Configured in deploy/scaled/endpoints.yml as ``type: bot.lock_store.RedisTicketLockStore`` with
the keys of Rasa's ``type: redis`` (url, port, db, password, key_prefix...).
"""

from __future__ import annotations

import asyncio
import bisect
import json
import time
from collections import deque
from collections.abc import AsyncGenerator, Callable
from contextlib import asynccontextmanager
from typing import TypeVar

from rasa.core.lock import Ticket, TicketLock
from rasa.core.lock_store import LOCK_LIFETIME, RedisLockStore
from rasa.utils.endpoints import EndpointConfig
from redis.client import Pipeline

T = TypeVar("T")


class RedisTicketLockStore(RedisLockStore):
    """Ticket locks in Redis, changed atomically, with waiting tickets kept alive."""

    def __init__(self, endpoint_config: EndpointConfig) -> None:
        super().__init__(host=endpoint_config.url, **endpoint_config.kwargs)

    @asynccontextmanager
    async def lock(
        self, conversation_id: str, lock_lifetime: float = LOCK_LIFETIME, wait_time_in_seconds: float = 1
    ) -> AsyncGenerator[TicketLock, None]:
        ticket = self.issue_ticket(conversation_id, lock_lifetime)
        try:
            yield await self._wait_for_turn(conversation_id, ticket, lock_lifetime, wait_time_in_seconds)
        finally:
            self.cleanup(conversation_id, ticket)

    def issue_ticket(self, conversation_id: str, lock_lifetime: float = LOCK_LIFETIME) -> int:
        return self._change(conversation_id, lambda lock: lock.issue_ticket(lock_lifetime))

    def cleanup(self, conversation_id: str, ticket_number: int) -> None:
        self._change(conversation_id, lambda lock: lock.remove_ticket_for(ticket_number))

    async def _wait_for_turn(self, conversation_id: str, ticket: int, lifetime: float, poll_seconds: float) -> TicketLock:
        while True:
            lock = self._change(conversation_id, lambda lock: _renewed(lock, ticket, lifetime))
            if not lock.is_locked(ticket):
                return lock
            await asyncio.sleep(poll_seconds)

    def _change(self, conversation_id: str, change: Callable[[TicketLock], T]) -> T:
        """``change`` applied to the conversation's lock in one transaction; a lock without tickets is deleted."""
        key = self.key_prefix + conversation_id

        def apply(pipe: Pipeline) -> T:  # WATCHing the key: immediate mode until multi()
            stored = pipe.get(key)
            lock = TicketLock.from_dict(json.loads(stored)) if stored else self.create_lock(conversation_id)
            result = change(lock)
            lock.remove_expired_tickets()
            pipe.multi()
            if lock.tickets:
                pipe.set(key, lock.dumps())
            else:
                pipe.delete(key)
            return result

        return self.red.transaction(apply, key, value_from_callable=True)


def _renewed(lock: TicketLock, number: int, lifetime: float) -> TicketLock:
    """The lock with ticket ``number`` valid for ``lifetime`` more seconds, back in its place if it had expired.

    It expires only if this process stopped polling for longer than the lifetime (its event loop
    blocked, or Redis lost its data): it keeps its place in the queue rather than wait for ever.
    """
    lock.remove_expired_tickets()
    lock.remove_ticket_for(number)
    tickets = list(lock.tickets)
    bisect.insort(tickets, Ticket(number, time.time() + lifetime), key=lambda ticket: ticket.number)
    lock.tickets = deque(tickets)
    return lock
