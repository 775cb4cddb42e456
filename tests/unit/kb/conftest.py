"""A small real KB in a temporary folder (the CLI helpers are in tests/support/small_kb.py)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from kb_index import load_kb_settings
from tests.support import small_kb

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
