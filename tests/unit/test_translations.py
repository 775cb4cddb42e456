"""Every bot text exists in every language: a missing translation fails here, never falls back to English."""

from __future__ import annotations

import re
import string
from pathlib import Path

import pytest
import yaml

DOMAIN = yaml.safe_load((Path(__file__).resolve().parents[2] / "bot" / "domain.yml").read_text(encoding="utf-8"))
LANGUAGES = ("pl", "ru")


def placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


@pytest.mark.parametrize("name", sorted(DOMAIN["responses"]))
def test_response_has_every_language_with_the_same_placeholders_and_buttons(name):
    variations = DOMAIN["responses"][name]
    default = [v for v in variations if "condition" not in v]
    assert len(default) == 1, f"{name}: exactly one English (unconditioned) variation"
    english = default[0]
    by_language = {
        c["value"]: v
        for v in variations
        for c in v.get("condition", [])
        if c.get("type") == "slot" and c.get("name") == "language"
    }
    assert set(by_language) == set(LANGUAGES), f"{name}: languages {sorted(by_language)}"
    for language, variation in by_language.items():
        assert variation["text"].strip(), (name, language)
        assert placeholders(variation["text"]) == placeholders(english["text"]), (name, language)
        assert [b["payload"] for b in variation.get("buttons", [])] == [b["payload"] for b in english.get("buttons", [])]
        if language == "ru":
            assert re.search("[а-яё]", variation["text"], re.IGNORECASE), (name, "not Russian")
