"""A small real KB in a temporary folder, and the CLI run as an editor runs it."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest

from kb_index import load_kb_settings

REPO_ROOT = Path(__file__).resolve().parents[3]

ARTICLES = {
    "returns": ("How do I return an item?", "https://shop.example/returns", "Send it back within 30 days with the free label.",
                ["how can I send something back", "return an item", "I want to return my order",
                 "where is the return form", "can I return a used item", "returning a gift"]),
    "delivery": ("How long does delivery take?", "https://shop.example/delivery", "Delivery takes 1-2 working days.",
                 ["how long does shipping take", "when will my parcel arrive", "delivery time",
                  "how many days until my order comes", "is next day delivery possible", "shipping speed"]),
    "payment": ("How can I pay?", "https://shop.example/payment", "We accept cards, PayPal and BLIK.",
                ["which payment methods do you accept", "can I pay with paypal", "do you take BLIK",
                 "pay by card", "is cash on delivery possible", "payment options"]),
    "gift-cards": ("Do you sell gift cards?", "https://shop.example/gift-cards", "Gift cards from 50 to 1000 PLN, by e-mail.",
                   ["do you sell gift cards", "can I buy a voucher", "present card for a friend",
                    "gift certificate", "how do gift cards work", "e-gift card"]),
}


def write_article(kb: Path, article_id: str, answer: str | None = None) -> None:
    title, url, default_answer, questions = ARTICLES[article_id]
    body = "\n".join(f"  - {q}" for q in questions)
    (kb / "en").mkdir(parents=True, exist_ok=True)
    (kb / "en" / f"{article_id}.md").write_text(
        f"---\nid: {article_id}\nlang: en\ntitle: {title}\nurl: {url}\nquestions:\n{body}\n---\n{answer or default_answer}\n"
    )


@pytest.fixture
def settings(tmp_path):
    kb = tmp_path / "kb"
    for article_id in ARTICLES:
        write_article(kb, article_id)
    return replace(load_kb_settings(), articles_dir=kb, index_dir=tmp_path / "index", sources=(), reload_interval_seconds=0)


def kb_env(settings) -> dict[str, str]:
    env = {**os.environ, "KB_ARTICLES_DIR": str(settings.articles_dir), "KB_INDEX_DIR": str(settings.index_dir)}
    env.pop("KB_SOURCES", None)
    return env


def cli(settings, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "kb_index", *args], cwd=REPO_ROOT, env={**kb_env(settings), **(env or {})},
        capture_output=True, text=True, timeout=300,
    )
