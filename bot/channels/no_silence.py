"""No shopper is left in silence when the action server fails.

When a custom action cannot run (the action server is down, unreachable or answers with an
error), Rasa 3.6's processor logs the exception, drops the action's events and goes on to
``action_listen``: the shopper gets nothing at all, on every channel. Rasa has no hook for a
failed action, and a fallback inside the action server cannot help when that server is the part
that is down, so the channel checks the outcome of each turn instead: a turn that said nothing
to a conversation that is not paused (with a person, where silence is right) and was not
restarted gets the ``utter_technical_trouble`` apology. "Talk to a person" needs the action
server too, so the apology's way to a person is the support mailbox (``support_email`` in
assistant.yml, env SUPPORT_EMAIL), not a button.

The apology is stored in the tracker like any bot message, so the desk's transcript shows it.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import yaml
from rasa.core.channels.channel import OutputChannel, UserMessage
from rasa.shared.core.constants import USER_INTENT_RESTART, USER_INTENT_SESSION_START
from rasa.shared.core.events import ActionExecuted, BotUttered, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from sanic import Blueprint, Sanic

log = logging.getLogger(__name__)

APOLOGY = "utter_technical_trouble"
LANGUAGES = ("en", "pl", "ru")
REPO_ROOT = Path(__file__).resolve().parents[2]
# Turns where saying nothing is what the shopper asked for.
SILENT_INTENTS = (USER_INTENT_RESTART, USER_INTENT_SESSION_START)


def support_email() -> str:
    """The shop's support mailbox: env SUPPORT_EMAIL, else ``support_email`` in assistant.yml."""
    if os.environ.get("SUPPORT_EMAIL"):
        return os.environ["SUPPORT_EMAIL"]
    path = Path(os.environ.get("ASSISTANT_CONFIG", REPO_ROOT / "assistant.yml"))
    settings = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return str(settings["support_email"])


def latest_turn(tracker: DialogueStateTracker) -> tuple[UserUttered | None, list[Any]]:
    """The shopper's latest message and the events that followed it."""
    events = list(tracker.events)
    for index in range(len(events) - 1, -1, -1):
        if isinstance(events[index], UserUttered):
            return events[index], events[index + 1 :]
    return None, []


def left_in_silence(tracker: DialogueStateTracker) -> bool:
    """Whether the latest message got no answer although it should have one."""
    message, after = latest_turn(tracker)
    if message is None or tracker.is_paused() or message.intent_name in SILENT_INTENTS:
        return False
    return not any(isinstance(event, BotUttered) for event in after)


def shopper_language(tracker: DialogueStateTracker, metadata: dict[str, Any] | None) -> str:
    """The conversation's language if the bot knew it, else the one the widget was set to, else English."""
    for language in (tracker.get_slot("language"), (metadata or {}).get("language")):
        if language in LANGUAGES:
            return language
    return "en"


def apology_text(responses: list[dict[str, Any]], language: str, email: str) -> str:
    """The apology's variation for ``language`` (the unconditioned one is English), filled in."""
    def language_of(variation: dict[str, Any]) -> str:
        conditions = variation.get("condition") or []
        return next((c["value"] for c in conditions if c.get("name") == "language"), "en")

    variation = next(v for v in responses if language_of(v) == language)
    return variation["text"].format(support_email=email)


class CountingOutput(OutputChannel):
    """The channel's own output for one turn, counting what the bot sends through it."""

    def __init__(self, inner: OutputChannel) -> None:
        self.inner = inner
        self.sent = 0

    def name(self) -> str:  # type: ignore[override]  # Rasa's nlg picks channel-specific responses by it
        return self.inner.name()

    async def send_response(self, recipient_id: str, message: dict[str, Any]) -> None:
        self.sent += 1
        await self.inner.send_response(recipient_id, message)


class NoSilence:
    """Wraps the message handler Rasa gives a channel; apologises for a turn that said nothing."""

    def __init__(self, handle: Callable[[UserMessage], Awaitable[Any]], channel: str) -> None:
        self._handle = handle
        self._channel = channel
        self._email = support_email()
        self._app: Sanic | None = None

    def attach(self, blueprint: Blueprint) -> None:
        """Keeps the Sanic app the blueprint runs in: its ``ctx.agent`` (replaced on a model reload) holds the tracker store."""

        async def keep_app(app: Sanic, _loop: Any) -> None:
            self._app = app

        blueprint.listener("before_server_start")(keep_app)

    async def __call__(self, message: UserMessage) -> None:
        output = message.output_channel = CountingOutput(message.output_channel)
        await self._handle(message)
        if output.sent:  # the usual turn: nothing more to check, the tracker is not read again
            return
        agent = self._app.ctx.agent if self._app else None
        if agent is None or not agent.is_ready():
            return
        async with agent.lock_store.lock(message.sender_id):
            tracker = await agent.tracker_store.retrieve(message.sender_id)
            if tracker is None or not left_in_silence(tracker):
                return
            _, after = latest_turn(tracker)
            actions = [e.action_name for e in after if isinstance(e, ActionExecuted) and e.action_name != "action_listen"]
            # No message text or metadata here: they may hold personal data.
            log.error(
                "no reply to a shopper message in conversation %s on %s after %s; sent %s. Is the action server up?",
                message.sender_id, self._channel, ", ".join(actions) or "no action", APOLOGY,
            )
            language = shopper_language(tracker, message.metadata)
            text = apology_text(agent.domain.responses[APOLOGY], language, self._email)
            apology = BotUttered(text, metadata={"utter_action": APOLOGY})
            tracker.update(apology)
            await agent.tracker_store.save(tracker)
        # With its timestamp, as every bot message: the widget knows it has it and a replay does not repeat it.
        await output.inner.send_response(message.sender_id, {"text": text, "timestamp": apology.timestamp})
