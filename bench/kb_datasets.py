"""The public evaluation sets as a KB plus labelled shopper questions (see /work/shared/datasets/README.md).

Each label becomes one article whose questions are the label's training
sentences; the test sentences are the queries. Banking77 and HWU64 have no
out-of-scope questions, so ``HELD_OUT`` labels are left out of the KB and their
test sentences must be handed off (in HWU64 only labels whose domain keeps
others in the KB: a neighbouring topic, the hard case real traffic brings); in
HINT3 ``NO_NODES_DETECTED`` marks them.
"""

from __future__ import annotations

import csv
import os
import random
from dataclasses import dataclass
from pathlib import Path

from kb_index.articles import Article
from kb_index.evaluation import LabelledQuery

DATASETS = Path(os.environ.get("KB_DATASETS", Path(__file__).resolve().parents[2] / "shared" / "datasets"))
HELD_OUT = 10
HINT3_OUT_OF_SCOPE = "NO_NODES_DETECTED"


@dataclass(frozen=True)
class Dataset:
    name: str
    articles: list[Article]
    queries: list[LabelledQuery]  # test sentences; article_id None = must be handed off


def article_id(label: str) -> str:
    return label.lower().replace("_", "-")


def _article(label: str, questions: list[str]) -> Article:
    # The label is all we know of the "article": it serves as title and answer.
    title = label.replace("_", " ").lower()
    return Article(article_id(label), "en", title, f"https://help.example/{article_id(label)}", tuple(questions), title)


def _rows(path: Path, text_column: str, label_column: str) -> list[tuple[str, str]]:
    with open(path, encoding="utf-8", newline="") as handle:
        return [(r[text_column].strip(), r[label_column].strip()) for r in csv.DictReader(handle) if r[text_column].strip()]


def _dataset(name: str, train: list[tuple[str, str]], test: list[tuple[str, str]], out_of_scope: set[str]) -> Dataset:
    questions: dict[str, list[str]] = {}
    for text, label in train:
        if label not in out_of_scope:
            questions.setdefault(label, []).append(text)
    articles = [_article(label, texts) for label, texts in sorted(questions.items())]
    queries = [LabelledQuery(text, None if label in out_of_scope else article_id(label)) for text, label in test]
    return Dataset(name, articles, queries)


def banking77(seed: int = 0) -> Dataset:
    folder = DATASETS / "banking77"
    train, test = _rows(folder / "train.csv", "text", "category"), _rows(folder / "test.csv", "text", "category")
    labels = sorted({label for _, label in train})
    held_out = set(random.Random(seed).sample(labels, HELD_OUT))
    return _dataset("banking77", train, test, held_out)


def hint3_powerplay11() -> Dataset:
    folder = DATASETS / "hint3-powerplay11"
    train = _rows(folder / "powerplay11_train.csv", "sentence", "label")
    test = _rows(folder / "powerplay11_test.csv", "sentence", "label")
    return _dataset("hint3-powerplay11", train, test, {HINT3_OUT_OF_SCOPE})


def hwu64(seed: int = 0) -> Dataset:
    folder = DATASETS / "hwu64"
    train, test = _rows(folder / "train.csv", "text", "category"), _rows(folder / "test.csv", "text", "category")
    labels = sorted({label for _, label in train})
    by_domain: dict[str, list[str]] = {}
    for label in labels:
        by_domain.setdefault(label.split("_")[0], []).append(label)
    # Each held-out label's domain keeps at least one label in the KB.
    candidates = sorted(label for members in by_domain.values() if len(members) > 1 for label in members[1:])
    held_out = set(random.Random(seed).sample(candidates, HELD_OUT))
    return _dataset("hwu64", train, test, held_out)
