"""A shopper's chat on a messenger, played the way the platform does it: webhooks in, API calls out.

Subclasses post the platform's webhook (signed as it signs) and read what the bot sent from
the platform's fake. A turn is over once Rasa's tracker shows the message processed
(listening again, or paused for a person), so no test sleeps.
"""

from __future__ import annotations

from typing import Any

import httpx

from tests.desk.agent_client import wait_for
from tests.support.stack import Stack


class ChannelChat:
    channel = ""
    platform: Any  # the fake platform: fail_next(id, *codes), attempts_to(id), messages_to(id)

    def __init__(self, stack: Stack, platform_id: str) -> None:
        self.stack = stack
        self.platform_id = platform_id
        self.sender_id = f"{self.channel}:{platform_id}"
        self.url = f"{stack.rasa_url}/webhooks/{self.channel}/webhook"

    # --- what a platform provides ---------------------------------------------------------
    def post(self, update: dict[str, Any]) -> httpx.Response:
        raise NotImplementedError

    def key_of(self, update: dict[str, Any]) -> str:
        """The message id the connector gives Rasa for this update."""
        raise NotImplementedError

    def sent(self) -> list[dict[str, Any]]:
        """Everything the fake platform delivered to this chat, oldest first."""
        raise NotImplementedError

    @staticmethod
    def text_of(message: dict[str, Any]) -> str:
        raise NotImplementedError

    @staticmethod
    def media_of(message: dict[str, Any]) -> tuple[str, str, str] | None:
        """A sent media message as (``image`` or ``document``, the URL the platform fetches, its caption); None for the rest."""
        raise NotImplementedError

    @staticmethod
    def titles_of(message: dict[str, Any]) -> list[str]:
        """The titles of a sent message's buttons (inline keyboard, reply buttons, quick replies...)."""
        raise NotImplementedError

    def text_update(self, text: str) -> dict[str, Any]:
        """The platform's webhook body for a text message from this shopper."""
        raise NotImplementedError

    def resend(self, update: dict[str, Any]) -> httpx.Response:
        """Post an update again, as the platform re-sends one it thinks went unanswered."""
        return self.post(update)

    def say(self, text: str) -> str:
        raise NotImplementedError

    def tap(self, title: str) -> str:
        raise NotImplementedError

    # --- the same for every platform --------------------------------------------------------
    def texts(self) -> list[str]:
        return [self.text_of(m) for m in self.sent()]

    def button_titles(self) -> list[str]:
        """The button titles of the newest message that has any."""
        return next((titles for m in reversed(self.sent()) if (titles := self.titles_of(m))), [])

    def fail_next(self, *codes: int) -> None:
        """The platform answers this chat's next sends with these statuses (or its own error codes)."""
        self.platform.fail_next(self.platform_id, *codes)

    def attempts(self) -> list[dict[str, Any]]:
        """Every send to this chat the platform received, refused ones too."""
        return self.platform.attempts_to(self.platform_id)

    def run_turn(self, update: dict[str, Any]) -> list[dict[str, Any]]:
        """Post an update and return the messages the bot sent to this chat while handling it."""
        before = len(self.sent())
        response = self.post(update)
        assert response.status_code == 200, response.text
        wait_for(f"Rasa to handle {self.key_of(update)}", lambda: self.turn_over(self.key_of(update)), 60)
        return self.sent()[before:]

    def turn_text(self, update: dict[str, Any]) -> str:
        return "\n".join(self.text_of(m) for m in self.run_turn(update))

    def reply_outside_rasa(self, update: dict[str, Any]) -> str:
        """Post an update the connector answers itself (not text) and return that one reply."""
        before = len(self.sent())
        assert self.post(update).status_code == 200
        return wait_for("the connector's reply", lambda: self.texts()[before:], 30)[0]

    def user_events(self) -> list[dict[str, Any]]:
        return [e for e in self.stack.tracker(self.sender_id)["events"] if e["event"] == "user"]

    def turn_over(self, key: str) -> bool:
        tracker = self.stack.tracker(self.sender_id)
        events = tracker["events"]
        at = next((i for i, e in enumerate(events) if e["event"] == "user" and e.get("message_id") == key), None)
        if at is None:
            return False
        return tracker["paused"] or any(e["event"] == "action" and e["name"] == "action_listen" for e in events[at + 1:])
