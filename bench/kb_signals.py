"""How far each answer signal could go: a second encoder's vote and classifier heads, measured before building them in.

Issue 18's HINT3 and HWU64 targets lie above what the judge reaches even with
its threshold picked on the test labels, so the question is which signals
separate right answers from wrong ones better, not which threshold. For each
dataset (bench/kb_datasets.py) and each signal this reports the share of
answerable test questions answered right at <= 5 % wrong **with the best
threshold on the test labels**: a ceiling for comparing signals, never a
setting (nothing here is used by the index).

Signals, each a (predicted article, score) per question:

e5 kNN           the configured encoder's nearest training question (cosine)
e5 LR            logistic regression over its vectors (the judge's classifier, same C)
MiniLM LR / kNN  the same over all-MiniLM-L6-v2 on ONNX Runtime (type: onnx)
heads agree      both LR heads name the same article; score = the lower probability, 0 if they differ
heads mean       the mean of the two heads' probabilities
e5 LR & kNN agree  the e5 head, 0 where the neighbours disagree

Vectors come from (and go to) the caches bench/kb_quality.py keeps, so a
second run costs seconds. Also measured: both encoders' time per question (run it as
`BENCH_PRIORITY=1 flock /tmp/bench.lock ...` for timings worth quoting).

Usage: .venv/bin/python -m bench.kb_signals [--datasets hint3 hwu64 banking77] [--out FILE]
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np

from bench.kb_datasets import Dataset
from bench.kb_quality import DATASETS, MAX_WRONG, SECOND_ENCODER, CachedEncoder
from kb_index.encoders import make_encoder
from kb_index.judge import ArticleClassifier
from kb_index.service import get_encoder
from kb_index.settings import REPO_ROOT, load_kb_settings


def ceiling(predicted: np.ndarray, score: np.ndarray, gold: list[str | None], max_wrong: float = MAX_WRONG) -> float:
    """Share of answerable questions answered right when the best-scored are answered, as many as keep wrong <= max_wrong."""
    right = np.array([p == g for p, g in zip(predicted, gold, strict=True)])[np.argsort(-score, kind="stable")]
    wrong_so_far = np.cumsum(~right) / len(gold)
    right_so_far = np.cumsum(right)
    allowed = wrong_so_far <= max_wrong
    answerable = sum(g is not None for g in gold)
    return float(right_so_far[allowed].max()) / answerable if allowed.any() else 0.0


def heads(train: np.ndarray, labels: list[str], test: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(LR prediction, LR probabilities, kNN prediction, kNN cosine) of the test vectors."""
    classifier = ArticleClassifier.fit(train, labels)
    probabilities = classifier.probabilities(test)
    similarity = test @ train.T
    nearest = similarity.argmax(axis=1)
    return (np.array(classifier.labels)[probabilities.argmax(axis=1)], probabilities,
            np.array(labels)[nearest], similarity.max(axis=1))


def measure(dataset: Dataset, first: CachedEncoder, second: CachedEncoder) -> dict[str, float]:
    questions = [(q, a.id) for a in dataset.articles for q in a.questions]
    texts, labels = [q for q, _ in questions], [label for _, label in questions]
    asked = [q.text for q in dataset.queries]
    gold = [q.article_id for q in dataset.queries]
    e5_pred, e5_p, e5_nn, e5_cos = heads(first.encode(texts, kind="query"), labels, first.encode(asked, kind="query"))
    ml_pred, ml_p, ml_nn, ml_cos = heads(second.encode(texts, kind="query"), labels, second.encode(asked, kind="query"))
    mean = (e5_p + ml_p) / 2
    article_names = np.array(sorted(set(labels)))  # the classifiers' column order
    signals = {
        "e5 kNN": (e5_nn, e5_cos),
        "e5 LR": (e5_pred, e5_p.max(axis=1)),
        "e5 LR & kNN agree": (e5_pred, e5_p.max(axis=1) * (e5_pred == e5_nn)),
        "MiniLM kNN": (ml_nn, ml_cos),
        "MiniLM LR": (ml_pred, ml_p.max(axis=1)),
        "heads agree": (e5_pred, np.minimum(e5_p.max(axis=1), ml_p.max(axis=1)) * (e5_pred == ml_pred)),
        "heads mean": (article_names[mean.argmax(axis=1)], mean.max(axis=1)),
    }
    return {name: round(ceiling(predicted, score, gold), 4) for name, (predicted, score) in signals.items()}


def encode_ms(encoder: object, texts: list[str], sample: int = 100) -> float:
    started = time.perf_counter()
    for text in texts[:sample]:
        encoder.encode([text], kind="query")  # type: ignore[attr-defined]
    return round(1000 * (time.perf_counter() - started) / min(sample, len(texts)), 2)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--datasets", nargs="+", choices=sorted(DATASETS), default=sorted(DATASETS))
    parser.add_argument("--vectors-cache", type=Path, default=REPO_ROOT / "var" / "bench-vectors")
    parser.add_argument("--second-vectors-cache", type=Path, default=REPO_ROOT / "var" / "bench-vectors-minilm")
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    settings = load_kb_settings()
    first = CachedEncoder(get_encoder(settings.encoder), args.vectors_cache)
    raw_second = make_encoder({key: value for key, value in SECOND_ENCODER.items() if key != "languages"})
    second = CachedEncoder(raw_second, args.second_vectors_cache)
    result: dict = {"max_wrong": MAX_WRONG, "encoder": settings.encoder, "second_encoder": SECOND_ENCODER,
                    "ceiling": "share of answerable test questions answered right at the best test threshold"}
    for name in args.datasets:
        dataset = DATASETS[name]()
        result[dataset.name] = measure(dataset, first, second)
        if "encode_ms_per_question" not in result:  # the second encoder's cost next to the first's, same moment
            asked = [q.text for q in dataset.queries]
            result["encode_ms_per_question"] = {"first": encode_ms(get_encoder(settings.encoder), asked),
                                                "second": encode_ms(raw_second, asked)}
    print(json.dumps(result, indent=1))
    if args.out:
        args.out.write_text(json.dumps(result, indent=1))
    print("kb_signals: " + " | ".join(
        f"{name}: " + ", ".join(f"{signal} {value:.1%}" for signal, value in result[name].items())
        for name in result if isinstance(result[name], dict) and "e5 LR" in result[name]))


if __name__ == "__main__":
    main()
