"""Instagram messaging connector: ``/webhooks/instagram/webhook``.

Rasa 3.6 has none. Instagram's messaging API is Messenger's (same webhook shape with
``object: instagram``, same ``/me/messages`` with the linked page's token, quick replies),
so this is the Messenger connector under its own name, with Instagram's 1000-character
text limit, and no file attachments (an agent's PDF goes as its link). Shoppers are ``instagram:<IGSID>``.
"""

from __future__ import annotations

from bot.channels.facebook import MessengerInput, MessengerOutput


class InstagramOutput(MessengerOutput):
    # Instagram's Send API takes images, audio and video, no documents: a PDF goes as its link.
    attachment_types = frozenset({"image"})

    @classmethod
    def name(cls) -> str:
        return "instagram"


class InstagramInput(MessengerInput):
    max_text = 1000

    @classmethod
    def name(cls) -> str:
        return "instagram"

    @classmethod
    def output_class(cls) -> type[MessengerOutput]:
        return InstagramOutput
