"""Measuring answer quality on labelled questions.

A query file lists shopper texts with the article that should answer them,
or no article when the bot must admit it does not know and offer a person.
"""

from __future__ import annotations

import csv
import json
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

import yaml

from kb_index.index import Hit, KBIndex
from kb_index.policy import decide
from kb_index.settings import Thresholds


@dataclass(frozen=True)
class LabelledQuery:
    text: str
    article_id: str | None  # None: out of scope, must be handed off
    lang: str | None = None  # the shopper's language, when the file says; thresholds may differ by language


def load_queries(path: Path) -> list[LabelledQuery]:
    """CSV or JSONL with `text`, `article_id` (empty = out of scope) and optional `lang`, or the tests' YAML.

    In YAML, a top-level `lang:` applies to every question that has none of its own.
    """
    suffix = path.suffix.lower()
    if suffix == ".csv":
        with open(path, encoding="utf-8", newline="") as handle:
            rows = list(csv.DictReader(handle))
    elif suffix == ".jsonl":
        with open(path, encoding="utf-8") as handle:
            rows = [json.loads(line) for line in handle if line.strip()]
    elif suffix in {".yml", ".yaml"}:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
        rows = [
            {"text": q["text"], "article_id": q.get("article"), "lang": q.get("lang", document.get("lang"))}
            for q in document["questions"]
        ]
    else:
        raise ValueError(f"{path}: unsupported query file type (use .csv, .jsonl or .yml)")
    return [LabelledQuery(str(r["text"]), r.get("article_id") or None, r.get("lang") or None) for r in rows]


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
    by_language: dict[str, Report] = field(default_factory=dict)  # the same counts for each language the queries name

    def as_dict(self) -> dict:
        return self.__dict__ | {
            "confused_pairs": [list(p) for p in self.confused_pairs],
            "by_language": {lang: report.as_dict() for lang, report in self.by_language.items()},
        }


ThresholdsFor = Callable[[str | None], Thresholds]


def evaluate(index: KBIndex, queries: list[LabelledQuery], default: Thresholds, max_suggestions: int = 3) -> Report:
    """What shoppers asking ``queries`` would get from ``index``, each with the thresholds of its language."""
    results = index.search_many([q.text for q in queries], max_suggestions) if queries else []
    return score_results(queries, results, lambda lang: index.thresholds(default, lang), max_suggestions)


def score_results(
    queries: list[LabelledQuery],
    results: list[list[Hit]],
    thresholds: Thresholds | ThresholdsFor,
    max_suggestions: int = 3,
) -> Report:
    """Apply the answer policy to search results and count what a shopper would have seen.

    ``thresholds`` is one set for all queries or a function of the query's language.
    """
    thresholds_for = thresholds if callable(thresholds) else (lambda _lang: thresholds)
    report = _count(queries, results, thresholds_for, max_suggestions)
    languages = sorted({q.lang for q in queries if q.lang})
    if len(languages) > 1 or (languages and any(q.lang is None for q in queries)):
        by_language = {}
        for lang in languages:
            rows = [i for i, q in enumerate(queries) if q.lang == lang]
            by_language[lang] = _count([queries[i] for i in rows], [results[i] for i in rows], thresholds_for, max_suggestions)
        report = replace(report, by_language=by_language)
    return report


def _count(
    queries: list[LabelledQuery], results: list[list[Hit]], thresholds_for: ThresholdsFor, max_suggestions: int
) -> Report:
    top1 = answered = suggested = oos_ok = wrong = suggestions = 0
    confused: Counter[tuple[str, str]] = Counter()
    for query, hits in zip(queries, results, strict=True):
        decision = decide(hits, thresholds_for(query.lang), max_suggestions)
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
    if report.by_language:
        languages = list(report.by_language)
        lines.append("  by language:          " + "".join(f"{lang:>8}" for lang in languages))
        for label, key in LANGUAGE_COLUMNS:
            values = "".join(f"{getattr(report.by_language[lang], key):8.1%}" for lang in languages)
            lines.append(f"    {label:<20}{values}")
    if report.confused_pairs:
        lines.append("  most confused (expected -> answered):")
        lines += [f"    {a} -> {b}: {c}" for a, b, c in report.confused_pairs]
    return "\n".join(lines)


LANGUAGE_COLUMNS = (
    ("top-1 accuracy", "top1_accuracy"),
    ("answered right", "answered_correctly"),
    ("suggested right", "suggested_correctly"),
    ("out-of-scope recall", "out_of_scope_recall"),
    ("wrong-answer rate", "wrong_answer_rate"),
)
