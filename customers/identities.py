"""What identifies a customer, as stored: kinds, normalisation and the keyed digest.

An identity is stored only as an HMAC-SHA256 digest under the desk's customer key, so the
desk database and its logs never hold the e-mail address, phone number or order number it
stands for, and a leaked table cannot be reversed by hashing every 6-digit order number or
phone number (that needs the key). The sender id itself is not hidden: the desk needs it to
open a transcript.
"""

from __future__ import annotations

import hashlib
import hmac
import unicodedata
from enum import StrEnum

from orders.verification import normalise_email


class Kind(StrEnum):
    EMAIL = "email"  # the e-mail address an order was verified with
    ORDER = "order"  # an order number the conversation verified
    PHONE = "phone"  # the WhatsApp sender's phone number (the platform vouches for it)
    ACCOUNT = "account"  # a Telegram, Messenger or Instagram user (the platform vouches for it)


# Channels whose sender ids the platform vouches for: "<channel>:<platform user id>" arrives only
# in that platform's signed webhook. Web channels (REST, socket.io) take the id the client picks.
PLATFORM_CHANNELS = frozenset({"telegram", "whatsapp", "facebook", "instagram", "slack"})
PHONE_CHANNELS = frozenset({"whatsapp"})  # whose platform user id is the phone number
# Web channels: the sender id is the conversation's secret (the widget's stored session id, a REST
# client's random id), so it identifies the same browser or client on that channel only.
WEB_CHANNELS = frozenset({"socketio", "rest"})


def platform_identity(sender_id: str, input_channel: str | None) -> str | None:
    """The sender id when the platform vouches for it on this message, else None.

    Both must hold: the message came in through the platform's connector, and the sender id is
    that platform's. A REST client that names itself "whatsapp:48..." is not that WhatsApp user.
    """
    if input_channel in PLATFORM_CHANNELS and sender_id.startswith(f"{input_channel}:"):
        return sender_id
    return None


def claims_other_platform(sender_id: str, input_channel: str | None) -> bool:
    """True when the sender id names a platform user but the message came in some other way."""
    prefix = sender_id.split(":", 1)[0] if ":" in sender_id else None
    return prefix in PLATFORM_CHANNELS and input_channel != prefix


def reuse_identity(sender_id: str, input_channel: str | None) -> str | None:
    """Who a verification may be remembered for (orders/remembered.py), or None for nobody.

    The messenger account when its platform vouches for it on this message; on the widget or
    REST, that sender id on that channel. Never an id claiming another platform's user.
    """
    if input_channel in PLATFORM_CHANNELS:
        return platform_identity(sender_id, input_channel)
    if input_channel in WEB_CHANNELS and not claims_other_platform(sender_id, input_channel):
        return f"{input_channel}|{sender_id}"
    return None


def platform_identities(sender_id: str, input_channel: str | None) -> list[tuple[Kind, str]]:
    """The identities a message's own channel proves: the platform account, and the phone on WhatsApp."""
    vouched = platform_identity(sender_id, input_channel)
    if vouched is None:
        return []
    found = [(Kind.ACCOUNT, vouched)]
    if input_channel in PHONE_CHANNELS:
        found.append((Kind.PHONE, vouched.split(":", 1)[1]))
    return found


def normalise(kind: Kind, value: str) -> str:
    if kind is Kind.EMAIL:
        return normalise_email(value)
    if kind is Kind.PHONE:  # "+48 500-100-200" and "48500100200" are one number
        return "".join(ch for ch in unicodedata.normalize("NFKC", value) if ch.isdigit())
    return value.strip()


class IdentityDigests:
    """Keyed digests of identities: equal for equal (normalised) values, useless without the key."""

    def __init__(self, key: bytes) -> None:
        if len(key) < 16:
            raise ValueError("the customer key needs at least 16 bytes")
        self._key = key

    def digest(self, kind: Kind, value: str) -> str:
        mac = hmac.new(self._key, f"{kind.value}\0{normalise(kind, value)}".encode(), hashlib.sha256)
        return f"{kind.value}:{mac.hexdigest()}"
