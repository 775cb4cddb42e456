"""How the desk names the channel a conversation is on (Rasa's ``latest_input_channel``), with its icon.

The keys are the connectors' ``name()`` (bot/channels/); a channel not listed shows as itself
with a neutral icon. The icons are desk/static/channels/<icon>.svg.
"""

from __future__ import annotations

CHANNEL_NAMES = {
    "socketio": "Website chat",
    "rest": "REST API",
    "telegram": "Telegram",
    "whatsapp": "WhatsApp",
    "facebook": "Messenger",
    "instagram": "Instagram",
    "slack": "Slack",
}
OTHER_ICON = "other"


def channel_name(channel: str) -> str:
    return CHANNEL_NAMES.get(channel, channel)


def channel_icon(channel: str) -> str:
    """The icon's file name: only known channels have their own (no path is built from the tracker's value)."""
    return channel if channel in CHANNEL_NAMES else OTHER_ICON
