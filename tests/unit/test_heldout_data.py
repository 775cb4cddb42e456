"""The held-out questions must really be held out: no wording copied into the KB or NLU data."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]


def normalise(text: str) -> str:
    return " ".join(re.findall(r"\w+", text.lower()))


def training_texts() -> str:
    texts = [p.read_text(encoding="utf-8") for p in (ROOT / "data").rglob("*") if p.suffix in {".md", ".yml"}]
    return normalise(" ".join(texts))


def test_no_held_out_question_appears_in_kb_or_nlu_data():
    corpus = training_texts()
    for path in sorted((ROOT / "tests" / "data").glob("kb_*.yml")):
        for question in yaml.safe_load(path.read_text(encoding="utf-8"))["questions"]:
            assert normalise(question["text"]) not in corpus, question["text"]
