"""A small real KB written into a temporary folder, shared by the index tests."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]

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
}


def write_article(kb: Path, article_id: str, answer: str | None = None, articles: dict | None = None) -> None:
    """Write one article of ``articles`` (default: ARTICLES) as data/kb/en/<id>.md, optionally with another answer."""
    title, url, default_answer, questions = (articles or ARTICLES)[article_id]
    body = "\n".join(f"  - {q}" for q in questions)
    (kb / "en").mkdir(parents=True, exist_ok=True)
    (kb / "en" / f"{article_id}.md").write_text(
        f"---\nid: {article_id}\nlang: en\ntitle: {title}\nurl: {url}\nquestions:\n{body}\n---\n{answer or default_answer}\n"
    )


def kb_env(settings) -> dict[str, str]:
    """The environment that points `python -m kb_index` at ``settings``' KB and index."""
    env = {**os.environ, "KB_ARTICLES_DIR": str(settings.articles_dir), "KB_INDEX_DIR": str(settings.index_dir)}
    env.pop("KB_SOURCES", None)
    env["KB_CALIBRATION_QUERIES"] = ""  # the demo shop's calibration questions do not fit a small KB
    return env


def cli(settings, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    """`python -m kb_index ARGS` as an editor runs it, on ``settings``' KB."""
    return subprocess.run(
        [sys.executable, "-m", "kb_index", *args], cwd=REPO_ROOT, env={**kb_env(settings), **(env or {})},
        capture_output=True, text=True, timeout=300,
    )
