"""The shopper's language (en, pl, ru): what the `language` slot becomes after a message.

Decided in the Rasa server's NLU pipeline (bot/nlu_language.py), so no turn waits for an
action server round trip to learn it. Short messages ("ok", "hej", "tak") say little about a
language, so the conversation keeps its language unless the evidence is strong; a language
chosen in the widget always wins.
"""

from __future__ import annotations

import re
from functools import lru_cache

from lingua import Language, LanguageDetector, LanguageDetectorBuilder

SUPPORTED = {Language.ENGLISH: "en", Language.POLISH: "pl", Language.RUSSIAN: "ru"}
DEFAULT = "en"
# To leave the conversation's language (English before anything is known): at least this
# confidence and this many letters. "blik ok?" or "hej" are no evidence of anything.
SWITCH_CONFIDENCE = 0.9
SWITCH_MIN_LETTERS = 6
POLISH_ONLY_LETTERS = frozenset("ąćęłńśźżĄĆĘŁŃŚŹŻ")
# E-mail addresses and links are Latin in every language: "где мой заказ? почта anna.kowalska@example.com"
# has more Latin letters than Cyrillic ones, and is Russian.
NOT_LANGUAGE = re.compile(r"\S+@\S+|https?://\S+|www\.\S+")


@lru_cache(maxsize=1)
def detector() -> LanguageDetector:
    return LanguageDetectorBuilder.from_languages(*SUPPORTED).with_preloaded_language_models().build()


def detect_language(text: str, current: str | None) -> str:
    """The language to continue in after the shopper wrote ``text``."""
    if text.startswith("/"):  # button payloads
        return current or DEFAULT
    text = NOT_LANGUAGE.sub(" ", text)
    letters = [c for c in text if c.isalpha()]
    if not letters:  # numbers, emoji, an e-mail address alone
        return current or DEFAULT
    # The script is unambiguous among our languages: Cyrillic, or letters only Polish has.
    if sum("\u0400" <= c <= "\u04ff" for c in letters) > len(letters) / 2:
        return "ru"
    current = current or DEFAULT
    best = detector().compute_language_confidence_values(text)[0]
    language = SUPPORTED[best.language]
    # One "ń" may be a place name ("Gdańsk"); two Polish letters in Polish-looking text are Polish.
    if language == "pl" and sum(c in POLISH_ONLY_LETTERS for c in letters) >= 2:
        return "pl"
    if language != current and best.value >= SWITCH_CONFIDENCE and len(letters) >= SWITCH_MIN_LETTERS:
        return language
    return current


def next_language(text: str, current: str | None, chosen: object) -> str:
    """The conversation's language after this message: the widget's choice (metadata) if it made one, else detected."""
    if chosen in SUPPORTED.values():
        return str(chosen)
    return detect_language(text, current)
