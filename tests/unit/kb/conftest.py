"""A small real KB in a temporary folder, and the CLI run as an editor runs it."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest

from kb_index import load_kb_settings
from tests.support import small_kb

REPO_ROOT = Path(__file__).resolve().parents[3]

ARTICLES = {
    **small_kb.ARTICLES,
    "gift-cards": ("Do you sell gift cards?", "https://shop.example/gift-cards", "Gift cards from 50 to 1000 PLN, by e-mail.",
                   ["do you sell gift cards", "can I buy a voucher", "present card for a friend",
                    "gift certificate", "how do gift cards work", "e-gift card"]),
}


def write_article(kb: Path, article_id: str, answer: str | None = None) -> None:
    small_kb.write_article(kb, article_id, answer, ARTICLES)


@pytest.fixture
def settings(tmp_path):
    kb = tmp_path / "kb"
    for article_id in ARTICLES:
        write_article(kb, article_id)
    return replace(load_kb_settings(), articles_dir=kb, index_dir=tmp_path / "index", sources=(), reload_interval_seconds=0,
                   calibration_queries=())


def kb_env(settings) -> dict[str, str]:
    env = {**os.environ, "KB_ARTICLES_DIR": str(settings.articles_dir), "KB_INDEX_DIR": str(settings.index_dir)}
    env.pop("KB_SOURCES", None)
    env["KB_CALIBRATION_QUERIES"] = ""  # the demo shop's calibration questions do not fit this small KB
    return env


def cli(settings, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "kb_index", *args], cwd=REPO_ROOT, env={**kb_env(settings), **(env or {})},
        capture_output=True, text=True, timeout=300,
    )
