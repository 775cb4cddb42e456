"""A turn that fails inside Rasa (tracker store, lock store or broker unreachable) still gets an answer.

Rasa's channels log the failure and send nothing, so the shopper waits in silence. The guard
sends an apology through the shopper's own channel instead, and logs the conversation id only.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels.channel import UserMessage

log = logging.getLogger(__name__)

APOLOGIES = {
    "en": "Sorry, something went wrong on our side. Please send your message again in a minute; "
    "if it keeps happening, write to us and a person will answer.",
    "pl": "Przepraszamy, coś poszło nie tak po naszej stronie. Wyślij wiadomość ponownie za minutę; "
    "jeśli to się powtarza, napisz do nas, a odpowie Ci człowiek.",
    "ru": "Извините, у нас что-то пошло не так. Пожалуйста, отправьте сообщение ещё раз через минуту; "
    "если это повторится, напишите нам, и вам ответит человек.",
}


def guarded(on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Callable[[UserMessage], Awaitable[Any]]:
    async def handle(message: UserMessage) -> None:
        try:
            await on_new_message(message)
        except Exception as error:  # whatever broke, the shopper hears from us
            log.error("turn failed (conversation %s): %s", message.sender_id, type(error).__name__)
            lang = str((message.metadata or {}).get("lang") or "en")
            await message.output_channel.send_text_message(message.sender_id, APOLOGIES.get(lang, APOLOGIES["en"]))

    return handle
