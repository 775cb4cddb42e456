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

A turn can also fail inside Rasa itself: the tracker store (PostgreSQL) or the lock store
(Redis) unreachable. Rasa wraps every tracker store in a FailSafeTrackerStore that answers a
store error with an empty in-memory conversation: the shopper would get replies from a bot that
forgot them (one talking to a person would get the bot again), and nothing of it would be kept.
Rasa's own hook for that error (``on_tracker_store_error``) is made to raise instead, so the turn
fails; Rasa's channels would then log the exception and send nothing. Here the apology goes out
through the shopper's channel, in the language the widget was set to, and is not stored (the
store is what is down). The message was not processed, so sending it again later is safe:
nothing is answered twice.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import yaml
from rasa.core.agent import Agent
from rasa.core.channels.channel import OutputChannel, UserMessage
from rasa.core.tracker_store import FailSafeTrackerStore
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


def shopper_language(tracker: DialogueStateTracker | None, metadata: dict[str, Any] | None) -> str:
    """The conversation's language if the bot knew it, else the one the widget was set to, else English."""
    known = tracker.get_slot("language") if tracker is not None else None
    for language in (known, (metadata or {}).get("language")):
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


def raise_store_error(error: Exception) -> None:
    raise error


def without_memory_fallback(agent: Agent | None) -> None:
    """Make a tracker store error fail the turn instead of Rasa going on with an empty in-memory tracker."""
    store = agent.tracker_store if agent is not None else None
    if isinstance(store, FailSafeTrackerStore):
        # The constructor's on_tracker_store_error; Agent builds the wrapper itself, without one.
        store._on_tracker_store_error = raise_store_error


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
    """Wraps the message handler Rasa gives a channel; apologises for a turn that said nothing or failed."""

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

    def _agent(self) -> Agent | None:
        return self._app.ctx.agent if self._app else None

    async def __call__(self, message: UserMessage) -> None:
        output = message.output_channel = CountingOutput(message.output_channel)
        without_memory_fallback(self._agent())  # the agent is new after a model reload
        try:
            await self._handle(message)
            if output.sent:  # the usual turn: nothing more to check, the tracker is not read again
                return
            await self._apologise_if_silent(message, output)
        except Exception as error:  # a store Rasa needs for every turn is unreachable
            await self._apologise_for_failure(message, output, error)

    async def _apologise_for_failure(self, message: UserMessage, output: CountingOutput, error: Exception) -> None:
        agent = self._agent()
        if agent is None or agent.domain is None:
            raise error
        # The exception's type only: its text may hold a connection URL with a password.
        log.error(
            "turn failed in conversation %s on %s: %s (tracker store, lock store or broker unreachable?); sent %s",
            message.sender_id, self._channel, type(error).__name__, APOLOGY,
        )
        text = apology_text(agent.domain.responses[APOLOGY], shopper_language(None, message.metadata), self._email)
        await output.inner.send_response(message.sender_id, {"text": text})

    async def _apologise_if_silent(self, message: UserMessage, output: CountingOutput) -> None:
        agent = self._agent()
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
