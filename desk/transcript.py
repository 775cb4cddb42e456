"""What the desk takes from Rasa's tracker: the conversation so far and the context the bot gathered."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

END_INTENTS = frozenset({"end_handoff", "goodbye"})


@dataclass(frozen=True)
class Line:
    role: str  # shopper, bot, agent
    text: str
    at: datetime
    author_name: str | None = None
    attachment_id: str | None = None  # a file sent with it (desk/attachments.py), for the transcript e-mail's link


@dataclass(frozen=True)
class Context:
    reason: str
    channel: str
    language: str
    verified_order: Any
    order_status: Any
    kb_candidates: Any


def event_time(event: dict[str, Any]) -> datetime:
    return datetime.fromtimestamp(float(event.get("timestamp") or 0), UTC)


def _bot_text(event: dict[str, Any]) -> str:
    """The bot's text, with the titles of any buttons it offered (the agent sees what the shopper saw)."""
    text = event.get("text") or ""
    buttons = (event.get("data") or {}).get("buttons") or []
    titles = [str(button.get("title", "")) for button in buttons if isinstance(button, dict)]
    return f"{text}\n[{' | '.join(titles)}]".strip() if titles else text


def _buttons(event: dict[str, Any]) -> dict[str, str]:
    """The payload -> title of the buttons a bot event offered."""
    buttons = (event.get("data") or {}).get("buttons") or []
    return {str(b.get("payload")): str(b.get("title", "")) for b in buttons if isinstance(b, dict) and b.get("payload")}


def _shopper_text(event: dict[str, Any], offered: dict[str, str]) -> str:
    """What the shopper wrote or, for a button press (a ``/intent`` payload), the button's label."""
    text = event.get("text") or ""
    if not text.startswith("/"):
        return text
    label = (event.get("metadata") or {}).get("label") or offered.get(text)
    if label:
        return str(label)
    # A button of the widget's own ("Talk to a person") or one from earlier: its intent in words.
    intent = intent_of(event) or text[1:].split("{", 1)[0]
    return f"(pressed a button: {intent.replace('_', ' ')})"


def line_from_event(event: dict[str, Any], offered: dict[str, str] | None = None) -> Line | None:
    """A transcript line for a user or bot event; None for every other event.

    ``offered``: the buttons the bot offered last, so a press shows as the label the shopper saw.
    """
    if event.get("event") == "user":
        file = (event.get("metadata") or {}).get("attachment")
        file_id = file.get("id") if isinstance(file, dict) and isinstance(file.get("id"), str) else None
        return Line("shopper", _shopper_text(event, offered or {}), event_time(event), attachment_id=file_id)
    if event.get("event") == "bot":
        metadata = event.get("metadata") or {}
        if metadata.get("from_agent"):
            name = str(metadata.get("agent_name") or "Agent")
            # An agent's file has no text, only its label ("[photo] box.jpg"; desk/operations.py).
            text = event.get("text") or str(metadata.get("label") or "")
            file = ((event.get("data") or {}).get("attachment") or {}).get("payload") or {}
            file_id = file.get("id") if isinstance(file.get("id"), str) else None
            return Line("agent", text.removeprefix(f"{name}: "), event_time(event), name, file_id)
        return Line("bot", _bot_text(event), event_time(event))
    return None


def transcript_until(tracker: dict[str, Any], until: float) -> list[Line]:
    """Shopper, bot and agent messages up to the moment ``until`` (a Rasa timestamp)."""
    lines = []
    offered: dict[str, str] = {}
    for event in tracker.get("events") or []:
        if float(event.get("timestamp") or 0) > until:
            break
        line = line_from_event(event, offered)
        if event.get("event") == "bot":
            offered = _buttons(event) or offered
        if line is not None:
            lines.append(line)
    return lines


def context_from_tracker(tracker: dict[str, Any]) -> Context:
    slots = tracker.get("slots") or {}
    return Context(
        reason=str(slots.get("handoff_reason") or "shopper_asked"),
        channel=str(tracker.get("latest_input_channel") or "unknown"),
        language=str(slots.get("language") or "en"),
        verified_order=slots.get("verified_order"),
        order_status=slots.get("order_status"),
        kb_candidates=slots.get("kb_candidates"),
    )


def intent_of(event: dict[str, Any]) -> str | None:
    return ((event.get("parse_data") or {}).get("intent") or {}).get("name")
