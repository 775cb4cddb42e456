"""Rasa's Pika event broker (RabbitMQ) as an event source: the durable queue Rasa publishes to.

RabbitMQ messages have no ids, so each one handed out gets the next number after the cursor
the follower asked from. A message is acknowledged only once the follower asks for events
after its number, that is once it was applied and the cursor saved: a desk that stops (or a
RabbitMQ restart) leaves the unapplied messages in the queue, and they come again, in order.
"""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any

import aio_pika
from aio_pika.abc import AbstractIncomingMessage, AbstractQueue, AbstractRobustConnection

from desk.broker import BrokerEvent

log = logging.getLogger(__name__)


class PikaEventSource:
    name = "rasa_pika_events"

    def __init__(self, url: str, queue: str):
        self._url = url
        self._queue_name = queue
        self._connection: AbstractRobustConnection | None = None
        self._queue: AbstractQueue | None = None
        self._handed_out: list[tuple[BrokerEvent, AbstractIncomingMessage]] = []

    async def read_after(self, last_id: int, limit: int) -> list[BrokerEvent]:
        try:
            await self._acknowledge_through(last_id)
            if self._handed_out:  # the follower failed on one of these: the same events again
                return [event for event, _ in self._handed_out[:limit]]
            queue = await self._open()
            while len(self._handed_out) < limit:
                message = await queue.get(no_ack=False, fail=False)
                if message is None:
                    break
                self._handed_out.append((_event(last_id + len(self._handed_out) + 1, message.body), message))
        except Exception:
            # Any failure here (aiormq raises several unrelated kinds when RabbitMQ went away) leaves
            # the channel unusable: start over with a new connection; RabbitMQ gives the
            # unacknowledged messages back, in order, once this one is closed.
            await self._reset()
            raise
        return [event for event, _ in self._handed_out]

    async def wait(self, timeout: float) -> None:
        await asyncio.sleep(timeout)  # read_after takes what is queued; RabbitMQ is simply asked again

    async def _acknowledge_through(self, last_id: int) -> None:
        while self._handed_out and self._handed_out[0][0].id <= last_id:
            _, message = self._handed_out.pop(0)
            await message.ack()

    async def _open(self) -> AbstractQueue:
        if self._queue is None:
            self._connection = await aio_pika.connect(self._url, timeout=5)
            channel = await self._connection.channel()
            # The same declaration as Rasa's (durable), so whichever starts first creates it.
            self._queue = await channel.declare_queue(self._queue_name, durable=True)
        return self._queue

    async def _reset(self) -> None:
        self._handed_out.clear()
        connection, self._connection, self._queue = self._connection, None, None
        if connection is not None:
            try:
                await connection.close()
            except Exception:  # already broken: nothing left to close
                pass

    async def close(self) -> None:
        await self._reset()


def _event(number: int, body: bytes) -> BrokerEvent:
    try:
        data: Any = json.loads(body)
    except ValueError:
        log.warning("event %s from RabbitMQ is not JSON; skipped", number)
        data = {}
    data = data if isinstance(data, dict) else {}
    return BrokerEvent(number, str(data.get("sender_id") or ""), data)
