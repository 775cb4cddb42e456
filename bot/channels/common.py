"""Plain helpers the messenger connectors share (no Rasa import: unit-testable in any venv)."""

from __future__ import annotations

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
