"""The `language` entity: the Rasa server's NLU pipeline says when a message changes the conversation's language.

The `language` slot is filled from this entity (bot/domain.yml), so the slot is set before
the bot answers, by Rasa itself: no action server round trip on any turn, including the
messages of a paused (handed-off) conversation, which Rasa still parses and logs for the desk.
The entity is there only when the language changes; the slot keeps its value otherwise.
It runs before Rasa's handler of button payloads ("/intent{...}"), which replaces a payload's
entities with the payload's own: a button press never changes the language.
"""

from __future__ import annotations

from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.nlu.constants import ENTITIES, ENTITY_ATTRIBUTE_TYPE, ENTITY_ATTRIBUTE_VALUE, EXTRACTOR, TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.language import detector, next_language

SLOT = "language"  # the slot and the entity it is filled from (bot/domain.yml)


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR], is_trainable=False)
class LanguageDetector(GraphComponent):
    """Adds a `language` entity to a message that changes the conversation's language."""

    @classmethod
    def create(
        cls, config: dict[str, Any], model_storage: ModelStorage, resource: Resource, execution_context: ExecutionContext
    ) -> LanguageDetector:
        detector()  # the language models load with the Rasa model, not on the first shopper's message
        return cls()

    def process(self, messages: list[Message], tracker: DialogueStateTracker) -> list[Message]:
        """``tracker`` is the conversation before the message (Rasa passes it to the NLU pipeline); empty for /model/parse."""
        current = tracker.get_slot(SLOT) if SLOT in tracker.slots else None
        for message in messages:
            metadata = message.get("metadata")
            chosen = metadata.get(SLOT) if isinstance(metadata, dict) else None
            language = next_language(message.get(TEXT) or "", current, chosen)
            if language != current:
                entity = {ENTITY_ATTRIBUTE_TYPE: SLOT, ENTITY_ATTRIBUTE_VALUE: language, EXTRACTOR: type(self).__name__}
                message.set(ENTITIES, [*message.get(ENTITIES, []), entity], add_to_output=True)
        return messages
