"""Typing indicators both ways: the shopper typing (from the widget, through the bot's socket.io
channel) is shown in the agent's open conversation; the agent typing goes to the widget.

A typing signal is a few seconds' promise, kept in this process's memory only: it is worth
nothing after a restart, and a client repeats it while the person keeps typing.
"""

from __future__ import annotations

from datetime import datetime, timedelta

TYPING_FOR = timedelta(seconds=6)  # the widget repeats "typing" every 2 s while keys are pressed


class TypingBoard:
    """Which conversations' shoppers are typing now."""

    def __init__(self) -> None:
        self._until: dict[str, datetime] = {}

    def set(self, sender_id: str, typing: bool, now: datetime) -> None:
        # Expired entries go whenever anything is set, so the board stays as small as the live conversations.
        self._until = {key: until for key, until in self._until.items() if until > now}
        if typing:
            self._until[sender_id] = now + TYPING_FOR
        else:
            self._until.pop(sender_id, None)

    def is_typing(self, sender_id: str, now: datetime) -> bool:
        until = self._until.get(sender_id)
        return until is not None and until > now
