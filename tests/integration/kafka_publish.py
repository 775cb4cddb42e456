"""Run in Rasa's environment (.venv-rasa) by tests/integration/test_kafka_broker.py: Rasa's own tracker store
streams a conversation's events through the Kafka broker that deploy/kafka/endpoints.yml configures."""

from __future__ import annotations

import asyncio
import sys

from rasa.core.brokers.broker import EventBroker
from rasa.core.tracker_store import InMemoryTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.utils.endpoints import read_endpoint_config


async def main(endpoints: str, sender_id: str) -> None:
    broker = await EventBroker.create(read_endpoint_config(endpoints, "event_broker"))
    store = InMemoryTrackerStore(Domain.empty(), event_broker=broker)
    tracker = DialogueStateTracker(sender_id, slots=[])
    for n in range(3):  # three turns, saved one after the other as Rasa does
        tracker.update(UserUttered(f"question {n}", intent={"name": "ask_question", "confidence": 1.0}))
        tracker.update(ActionExecuted("utter_answer"))
        tracker.update(BotUttered(f"answer {n}"))
        tracker.update(ActionExecuted("action_listen"))
        await store.save(tracker)
    await broker.close()  # flushes what the producer still holds


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2]))
