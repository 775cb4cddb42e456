"""Database rows as the JSON and the display values the agents' pages use."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from desk.agents import Agent
from desk.channels import channel_icon, channel_name
from desk.reasons import reason_label

PREVIEW_CHARS = 140


def iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def message_json(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": row["id"],
        "role": row["role"],
        "text": row["text"],
        "author_name": row["author_name"],
        "at": iso(row["created_at"]),
        "attachment": row.get("attachment"),  # desk/attachments.describe, for a file the shopper sent
        "before": row.get("before"),  # a late message: the id of the shown one it goes before (handoffs.messages_after)
    }


def note_json(row: dict[str, Any]) -> dict[str, Any]:
    return {"id": row["id"], "text": row["text"], "agent_name": row["agent_name"], "at": iso(row["created_at"])}


def handoff_json(row: dict[str, Any], agent: Agent) -> dict[str, Any]:
    preview = row.get("last_shopper_text") or ""
    return {
        "id": row["id"],
        "sender_id": row["sender_id"],
        "status": row["status"],
        "reason": row["reason"],
        "reason_label": reason_label(row["reason"]),
        "channel": row["channel"],
        "channel_name": channel_name(row["channel"]),
        "channel_icon": channel_icon(row["channel"]),
        "language": row["language"],
        "created_at": iso(row["created_at"]),
        "claimed_at": iso(row["claimed_at"]),
        "agent_name": row["agent_name"],
        "mine": row["claimed_by"] == agent.id,
        "history": row["history"],
        "preview": preview if len(preview) <= PREVIEW_CHARS else preview[: PREVIEW_CHARS - 1] + "…",
    }


def display_value(value: Any) -> str:
    """A slot value as plain text for the context panel."""
    if value is None or value == "" or value == [] or value == {}:
        return "—"
    if isinstance(value, dict):
        return ", ".join(f"{key}: {display_value(item)}" for key, item in value.items())
    if isinstance(value, list):
        return ", ".join(display_value(item) for item in value)
    return str(value)
