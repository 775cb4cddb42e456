"""The KB learning from shoppers, simulated on public data: how much more is answered right after one round.

A dataset's test traffic (bench/kb_datasets.py) is shuffled and split in two halves.
The first half plays live traffic through the loop the product runs
(kb_index/feedback.py, desk/kb_learning.py): a simulated shopper says "yes" to a right
outright answer, "no" to a wrong one and then picks the right article if it is among the
next best, and picks the right suggestion when offered. Every confirmed question is
approved into its article (as an editor approving the desk's candidates would), the index
is rebuilt, and thresholds are chosen again without test labels (self-calibration on the
KB's own questions, the first half's questions as unlabelled traffic). The second half,
never seen by the loop, is scored before and after.

Also measured: "editor places every no" (the editor assigns each "did not help"
candidate to the right article, and rejects the unanswerable ones).

Usage: .venv/bin/python -m bench.kb_feedback_sim [--datasets hint3 banking77 hwu64] [--seed 7] [--out FILE]
Prints a JSON result, then one summary line.
"""

from __future__ import annotations

import argparse
import json
import random
import tempfile
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

from bench.kb_datasets import Dataset, banking77, hint3_powerplay11, hwu64
from bench.kb_quality import CachedEncoder, outcome
from kb_index.articles import Article
from kb_index.calibration import Calibration, SelfCalibrationPlan, self_calibrate
from kb_index.evaluation import LabelledQuery, score_results
from kb_index.index import Hit, KBIndex, build_index
from kb_index.policy import decide
from kb_index.service import get_encoder
from kb_index.settings import Thresholds, load_kb_settings

MAX_WRONG = 0.05
LOADERS = {"hint3": hint3_powerplay11, "banking77": banking77, "hwu64": hwu64}


def calibrated(index: KBIndex, encoder: Any, scoring: dict, traffic: list[list[Hit]]) -> Thresholds:
    """Thresholds without labels: the KB's own questions, the loop's traffic for the unanswerable share."""
    plan = SelfCalibrationPlan(duplicate_similarity=encoder.near_duplicate)
    return Calibration.from_meta(self_calibrate(index.entries, index.vectors, scoring, MAX_WRONG, plan, traffic)).thresholds


def shopper_signals(
    queries: list[LabelledQuery], results: list[list[Hit]], thresholds: Thresholds, editor_places_no: bool
) -> tuple[dict[str, list[str]], dict[str, int]]:
    """What the simulated shoppers confirm (article -> new questions), and how often each signal happened."""
    learned: dict[str, list[str]] = {}
    counts = {"helpful": 0, "not_helpful": 0, "picked_after_no": 0, "picked_suggestion": 0, "no_placed_by_editor": 0}
    for query, hits in zip(queries, results, strict=True):
        decision = decide(hits, thresholds, 3)
        offered = [h.article_id for h in decision.hits]
        right = query.article_id
        confirmed = None
        if decision.outcome == "answer" and offered[0] == right:
            counts["helpful"] += 1
            confirmed = right
        elif decision.outcome == "answer":
            counts["not_helpful"] += 1
            next_best = [h.article_id for h in hits[1:3]]
            if right is not None and right in next_best:
                counts["picked_after_no"] += 1
                confirmed = right
            elif right is not None and editor_places_no:
                counts["no_placed_by_editor"] += 1
                confirmed = right
        elif decision.outcome == "suggest" and right is not None and right in offered:
            counts["picked_suggestion"] += 1
            confirmed = right
        if confirmed is not None:
            learned.setdefault(confirmed, []).append(query.text)
    return learned, counts


def with_questions(articles: list[Article], learned: dict[str, list[str]]) -> list[Article]:
    return [replace(a, questions=(*a.questions, *learned.get(a.id, []))) if a.id in learned else a for a in articles]


def simulate(dataset: Dataset, workdir: Path, encoder: Any, seed: int) -> dict[str, Any]:
    settings = load_kb_settings()
    queries = list(dataset.queries)
    random.Random(seed).shuffle(queries)
    loop, test = queries[: len(queries) // 2], queries[len(queries) // 2 :]
    started = time.monotonic()
    base_dir = workdir / f"{dataset.name}-before"
    build_index(dataset.articles, encoder, settings.encoder, settings.scoring, base_dir)
    before = KBIndex(base_dir, encoder)
    loop_vectors = encoder.encode([q.text for q in loop], kind="query")
    test_vectors = encoder.encode([q.text for q in test], kind="query")
    loop_results = before.search_vectors(loop_vectors, [q.text for q in loop], 3)
    test_before = before.search_vectors(test_vectors, [q.text for q in test], 3)
    thresholds_before = calibrated(before, encoder, settings.scoring, loop_results)
    result: dict[str, Any] = {
        "loop_questions": len(loop), "test_questions": len(test),
        "test_out_of_scope": sum(q.article_id is None for q in test),
        "before": outcome(score_results(test, test_before, thresholds_before)),
    }
    for variant, editor_places_no in (("shoppers_only", False), ("editor_places_no", True)):
        learned, counts = shopper_signals(loop, loop_results, thresholds_before, editor_places_no)
        after_dir = workdir / f"{dataset.name}-{variant}"
        build_index(with_questions(dataset.articles, learned), encoder, settings.encoder, settings.scoring, after_dir, before)
        after = KBIndex(after_dir, encoder)
        traffic = after.search_vectors(loop_vectors, [q.text for q in loop], 3)
        thresholds_after = calibrated(after, encoder, settings.scoring, traffic)
        report = outcome(score_results(test, after.search_vectors(test_vectors, [q.text for q in test], 3), thresholds_after))
        result[variant] = {
            "signals": counts, "questions_added": sum(len(v) for v in learned.values()), "after": report,
            "gain_answered_correctly": round(report["answered_correctly"] - result["before"]["answered_correctly"], 4),
            "wrong_within_bound": report["wrong_answer_rate"] <= MAX_WRONG,
        }
    result["seconds"] = round(time.monotonic() - started, 1)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--datasets", nargs="+", choices=sorted(LOADERS), default=["hint3"])
    parser.add_argument("--seed", type=int, default=7, help="shuffle of the test traffic before it is halved")
    parser.add_argument("--vectors-cache", type=Path, help="keep the encoder's vectors in this folder between runs")
    parser.add_argument("--out", type=Path, help="also write the JSON result to this file")
    args = parser.parse_args()
    settings = load_kb_settings()
    encoder = CachedEncoder(get_encoder(settings.encoder), args.vectors_cache)
    result: dict[str, Any] = {"max_wrong": MAX_WRONG, "seed": args.seed, "encoder": settings.encoder}
    with tempfile.TemporaryDirectory(prefix="kb-feedback-sim-") as tmp:
        for name in args.datasets:
            result[name] = simulate(LOADERS[name](), Path(tmp), encoder, args.seed)
    text = json.dumps(result, indent=1)
    print(text)
    if args.out:
        args.out.write_text(text)
    print("kb_feedback_sim: " + " | ".join(summary(name, result[name]) for name in args.datasets))


def summary(name: str, r: dict[str, Any]) -> str:
    before, shoppers, editor = r["before"], r["shoppers_only"]["after"], r["editor_places_no"]["after"]
    return (
        f"{name}: second half answered right {before['answered_correctly']:.1%} at {before['wrong_answer_rate']:.1%} wrong "
        f"-> {shoppers['answered_correctly']:.1%} at {shoppers['wrong_answer_rate']:.1%} after the shoppers' signals "
        f"({r['shoppers_only']['questions_added']} questions approved), {editor['answered_correctly']:.1%} at "
        f"{editor['wrong_answer_rate']:.1%} with the editor placing every no"
    )


if __name__ == "__main__":
    main()
