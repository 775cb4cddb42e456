"""Measuring answer quality on labelled questions.

A query file lists shopper texts with the article that should answer them,
or no article when the bot must admit it does not know and offer a person.
"""

from __future__ import annotations

import csv
import json
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import yaml

from kb_index.index import Hit, KBIndex
from kb_index.policy import decide
from kb_index.settings import Thresholds


@dataclass(frozen=True)
class LabelledQuery:
    text: str
    article_id: str | None  # None: out of scope, must be handed off


def load_queries(path: Path) -> list[LabelledQuery]:
    """CSV or JSONL with `text` and `article_id` (empty = out of scope), or the tests' YAML."""
    suffix = path.suffix.lower()
    if suffix == ".csv":
        with open(path, encoding="utf-8", newline="") as handle:
            rows = list(csv.DictReader(handle))
    elif suffix == ".jsonl":
        with open(path, encoding="utf-8") as handle:
            rows = [json.loads(line) for line in handle if line.strip()]
    elif suffix in {".yml", ".yaml"}:
        questions = yaml.safe_load(path.read_text(encoding="utf-8"))["questions"]
        rows = [{"text": q["text"], "article_id": q.get("article")} for q in questions]
    else:
        raise ValueError(f"{path}: unsupported query file type (use .csv, .jsonl or .yml)")
    return [LabelledQuery(str(r["text"]), (r.get("article_id") or None)) for r in rows]


@dataclass(frozen=True)
class Report:
    total: int
    in_scope: int
    out_of_scope: int
    top1_accuracy: float  # in-scope queries whose best article is right, whatever the policy does
    answered_correctly: float  # share of in-scope queries answered outright with the right article
    suggested_correctly: float  # share of in-scope queries where the right article is among the suggestions
    out_of_scope_recall: float  # share of out-of-scope queries that got "don't know"
    wrong_answer_rate: float  # share of ALL queries answered outright with a wrong article
    suggestion_rate: float  # share of all queries that got suggestions
    confused_pairs: list[tuple[str, str, int]]

    def as_dict(self) -> dict:
        return self.__dict__ | {"confused_pairs": [list(p) for p in self.confused_pairs]}


def evaluate(index: KBIndex, queries: list[LabelledQuery], thresholds: Thresholds, max_suggestions: int = 3) -> Report:
    results = index.search_many([q.text for q in queries], max_suggestions) if queries else []
    return score_results(queries, results, thresholds, max_suggestions)


def score_results(
    queries: list[LabelledQuery], results: list[list[Hit]], thresholds: Thresholds, max_suggestions: int = 3
) -> Report:
    """Apply the answer policy to search results and count what a shopper would have seen."""
    top1 = answered = suggested = oos_ok = wrong = suggestions = 0
    confused: Counter[tuple[str, str]] = Counter()
    for query, hits in zip(queries, results, strict=True):
        decision = decide(hits, thresholds, max_suggestions)
        ids = [h.article_id for h in decision.hits]
        if query.article_id is None:
            oos_ok += decision.outcome == "unknown"
        else:
            top1 += bool(hits) and hits[0].article_id == query.article_id
            answered += decision.outcome == "answer" and ids[0] == query.article_id
            suggested += decision.outcome == "suggest" and query.article_id in ids
        if decision.outcome == "answer" and ids[0] != query.article_id:
            wrong += 1
            confused[(query.article_id or "(out of scope)", ids[0])] += 1
        suggestions += decision.outcome == "suggest"
    n = len(queries)
    n_in = sum(q.article_id is not None for q in queries)
    n_out = n - n_in
    return Report(
        total=n,
        in_scope=n_in,
        out_of_scope=n_out,
        top1_accuracy=top1 / n_in if n_in else 0.0,
        answered_correctly=answered / n_in if n_in else 0.0,
        suggested_correctly=suggested / n_in if n_in else 0.0,
        out_of_scope_recall=oos_ok / n_out if n_out else 0.0,
        wrong_answer_rate=wrong / n if n else 0.0,
        suggestion_rate=suggestions / n if n else 0.0,
        confused_pairs=[(a, b, c) for (a, b), c in confused.most_common(10)],
    )


def format_report(report: Report) -> str:
    lines = [
        f"queries: {report.total} ({report.in_scope} in scope, {report.out_of_scope} out of scope)",
        f"  in-scope top-1 accuracy      {report.top1_accuracy:7.1%}",
        f"  answered with right article  {report.answered_correctly:7.1%}",
        f"  right article suggested      {report.suggested_correctly:7.1%}",
        f"  out-of-scope recall          {report.out_of_scope_recall:7.1%}",
        f"  wrong-answer rate (all)      {report.wrong_answer_rate:7.1%}",
        f"  suggestion rate (all)        {report.suggestion_rate:7.1%}",
    ]
    if report.confused_pairs:
        lines.append("  most confused (expected -> answered):")
        lines += [f"    {a} -> {b}: {c}" for a, b, c in report.confused_pairs]
    return "\n".join(lines)
