"""Plain helpers the messenger connectors share (no Rasa import: unit-testable in any venv)."""

from __future__ import annotations

import time
from collections import OrderedDict

# Sender ids are "<channel>:<platform id>" and must fit the rule every channel applies.
from bot.channels.guards import SENDER_ID

NON_TEXT_REPLY = {
    "en": "Sorry, I can read text only; a person can look at photos and files. Please describe it in words, "
    "or ask for a person.",
    "pl": "Przepraszam, potrafię czytać tylko tekst; zdjęcia i pliki może obejrzeć konsultant. Opisz to proszę "
    "słowami albo poproś o rozmowę z konsultantem.",
    "ru": "Извините, я понимаю только текст; фотографии и файлы может посмотреть сотрудник. Опишите, пожалуйста, "
    "словами или попросите связаться с сотрудником.",
}

# A re-sent webhook arrives within minutes (Telegram, Meta and Slack retry for up to about
# an hour); ids are kept a day, and at most this many, so memory stays bounded.
SEEN_TTL_S = 24 * 3600
SEEN_MAX = 100_000



def sender_id(channel: str, platform_id: str | int) -> str | None:
    """``telegram:12345``; None when the platform id does not fit the safe alphabet."""
    candidate = f"{channel}:{platform_id}"
    return candidate if SENDER_ID.fullmatch(candidate) else None


def platform_id(recipient_id: str) -> str:
    """The platform's own id from a sender id made by :func:`sender_id`."""
    return recipient_id.split(":", 1)[1] if ":" in recipient_id else recipient_id


def non_text_reply(language: str | None) -> str:
    return NON_TEXT_REPLY.get(language or "en", NON_TEXT_REPLY["en"])


def shorten(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` characters with an ellipsis (for button titles)."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def utf16_len(text: str) -> int:
    """Length as platforms count it (Telegram and Slack count UTF-16 code units)."""
    return len(text.encode("utf-16-le")) // 2


def split_text(text: str, limit: int) -> list[str]:
    """Parts of at most ``limit`` UTF-16 units, cut at a paragraph, line, or word break if there is one."""
    text = text.strip()
    parts: list[str] = []
    while utf16_len(text) > limit:
        # The longest prefix that fits, in code points (an emoji counts 2 units).
        end = len(text)
        while utf16_len(text[:end]) > limit:
            end -= max(1, (utf16_len(text[:end]) - limit) // 2)
        window = text[:end]
        cut = next((window.rfind(sep) for sep in ("\n\n", "\n", " ") if window.rfind(sep) > limit // 4), end)
        parts.append(text[:cut].rstrip())
        text = text[cut:].lstrip()
    if text:
        parts.append(text)
    return parts


class SeenIds:
    """Platform update ids already taken, for a day (bounded): a re-sent webhook is processed once.

    In memory: one Rasa process receives a channel's webhook. Several replicas would share it
    through Redis (the lock store's), which is the same interface.
    """

    def __init__(self, ttl_s: float = SEEN_TTL_S, max_items: int = SEEN_MAX) -> None:
        self._ttl_s = ttl_s
        self._max_items = max_items
        self._seen: OrderedDict[str, float] = OrderedDict()

    def first_time(self, key: str) -> bool:
        now = time.monotonic()
        while self._seen and (len(self._seen) >= self._max_items or next(iter(self._seen.values())) < now - self._ttl_s):
            self._seen.popitem(last=False)
        if key in self._seen:
            return False
        self._seen[key] = now
        return True
